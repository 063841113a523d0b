from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StaffConfig(AppConfig):
    name = "massar.staff"
    label = "staff"
    verbose_name = _("Staff")

    def ready(self):
        from massar.core.navigation import nav_entry

        nav_entry(
            "staff:staff_list",
            _("Staff"),
            ["MINISTRY", "ACADEMY", "DIRECTORATE", "DIRECTOR", "STAFF"],
            22,
        )
        nav_entry("staff:staff_accounts", _("Accounts"), ["DIRECTOR"], 35)
