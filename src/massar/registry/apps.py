from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "massar.registry"
    label = "registry"
    verbose_name = _("Registry")

    def ready(self):
        from massar.core.navigation import nav_entry

        nav_entry(
            "registry:student_search",
            _("Students"),
            ["MINISTRY", "ACADEMY", "DIRECTORATE", "DIRECTOR", "STAFF", "TEACHER"],
            20,
        )
