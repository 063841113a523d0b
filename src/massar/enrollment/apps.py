from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EnrollmentConfig(AppConfig):
    name = "massar.enrollment"
    label = "enrollment"
    verbose_name = _("Enrollment")

    def ready(self):
        from massar.core.navigation import nav_entry
        from massar.enrollment import cli, home, jobs, rentree, transfer_jobs  # noqa: F401

        oversight = ["MINISTRY", "ACADEMY", "DIRECTORATE", "DIRECTOR", "STAFF"]
        nav_entry("enrollment:student_register", _("Register a student"), ["DIRECTOR", "STAFF"], 25)
        nav_entry("enrollment:rentree", _("Rentrée"), oversight, 26)
        nav_entry("formation:structure", _("Classes"), oversight, 27)
        nav_entry("enrollment:assignments", _("Teaching assignments"), ["DIRECTOR", "STAFF"], 28)
        nav_entry("transfer:transfer_list", _("Transfers"), oversight, 36)
        nav_entry(
            "enrollment:import_students",
            _("Import"),
            ["MINISTRY", "ACADEMY", "DIRECTORATE", "DIRECTOR", "STAFF"],
            30,
        )
