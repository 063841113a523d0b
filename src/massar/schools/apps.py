from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SchoolsConfig(AppConfig):
    name = "massar.schools"
    label = "schools"
    verbose_name = _("Schools")

    def ready(self):
        from massar.core.navigation import nav_entry
        from massar.schools import cli  # noqa: F401  (registers import/export of schools)

        nav_entry(
            "schools:school_list",
            _("Schools"),
            ["MINISTRY", "ACADEMY", "DIRECTORATE", "DIRECTOR", "STAFF"],
            10,
        )
        nav_entry(
            "schools:curriculum",
            _("Curriculum"),
            ["MINISTRY", "ACADEMY", "DIRECTORATE", "DIRECTOR", "STAFF", "TEACHER"],
            60,
        )
        nav_entry("schools:school_years", _("School years"), ["MINISTRY"], 65)
