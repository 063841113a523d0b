from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EnrollmentConfig(AppConfig):
    name = "massar.enrollment"
    label = "enrollment"
    verbose_name = _("Enrollment")

    def ready(self):
        from massar.core.navigation import nav_entry
        from massar.enrollment import cli, home, jobs, rentree, transfer_jobs  # noqa: F401

        nav_entry("enrollment:student_register", _("Register a student"), ["DIRECTOR", "STAFF"], 25)
        nav_entry(
            "enrollment:import_students",
            _("Import"),
            ["MINISTRY", "ACADEMY", "DIRECTORATE", "DIRECTOR", "STAFF"],
            30,
        )
