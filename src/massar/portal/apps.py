from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "massar.portal"
    label = "portal"
    verbose_name = _("Spaces")

    def ready(self):
        from massar.portal import registry  # noqa: F401
