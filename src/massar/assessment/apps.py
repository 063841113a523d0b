from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssessmentConfig(AppConfig):
    name = "massar.assessment"
    label = "assessment"
    verbose_name = _("Evaluation")

    def ready(self):
        from massar.assessment import registry  # noqa: F401
