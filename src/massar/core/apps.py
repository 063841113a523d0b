from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "massar.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self):
        from massar.core import notifications  # noqa: F401  (registers its deliver job)
        from massar.core.navigation import nav_entry

        nav_entry(
            "core:home",
            _("Home"),
            [
                "MINISTRY",
                "ACADEMY",
                "DIRECTORATE",
                "DIRECTOR",
                "STAFF",
                "TEACHER",
                "STUDENT",
                "GUARDIAN",
            ],
            0,
        )
        nav_entry(
            "core:totp_setup",
            _("Two-step sign-in"),
            ["MINISTRY", "ACADEMY", "DIRECTORATE", "DIRECTOR", "STAFF", "TEACHER"],
            90,
        )
        nav_entry(
            "core:password_change",
            _("Password"),
            [
                "MINISTRY",
                "ACADEMY",
                "DIRECTORATE",
                "DIRECTOR",
                "STAFF",
                "TEACHER",
                "STUDENT",
                "GUARDIAN",
            ],
            95,
        )
