from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class GuardianActivation(models.Model):
    """A one-time code the director prints for a guardian: entering it links the guardian's
    account to their children of that school. Only its hash is stored."""

    guardian = models.ForeignKey(
        "registry.Guardian", on_delete=models.CASCADE, related_name="activations"
    )
    school = models.ForeignKey("schools.School", on_delete=models.CASCADE, related_name="+")
    code_hash = models.CharField(max_length=128, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    used_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )


class SchoolServices(models.Model):
    """A school's settings of its online services."""

    school = models.OneToOneField(
        "schools.School", on_delete=models.CASCADE, related_name="services"
    )
    certificates_auto_approve = models.BooleanField(
        _("approve certificate requests automatically"), default=False
    )
    teachers_in_messages = models.BooleanField(_("guardians may write to teachers"), default=False)
