from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EnrollmentConfig(AppConfig):
    name = "massar.enrollment"
    label = "enrollment"
    verbose_name = _("Enrollment")

    def ready(self):
        from massar.enrollment import home  # noqa: F401  (registers the home panels)
