from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class CertificateRequest(models.Model):
    """A request for a school certificate (certificat de scolarité), from the space or the
    desk; once approved, the issued PDF is a core.VerifiableDocument."""

    class Status(models.TextChoices):
        REQUESTED = "REQUESTED", _("Requested")
        APPROVED = "APPROVED", _("Approved")
        REFUSED = "REFUSED", _("Refused")

    class Channel(models.TextChoices):
        SPACE = "SPACE", _("Online space")
        DESK = "DESK", _("School desk")

    school = models.ForeignKey("schools.School", on_delete=models.CASCADE, related_name="+")
    year = models.ForeignKey("schools.SchoolYear", on_delete=models.PROTECT, related_name="+")
    student = models.ForeignKey("registry.Student", on_delete=models.CASCADE, related_name="+")
    enrollment = models.ForeignKey(
        "enrollment.Enrollment", on_delete=models.PROTECT, related_name="+"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    channel = models.CharField(max_length=6, choices=Channel.choices)
    language = models.CharField(_("language"), max_length=5, default="fr")
    status = models.CharField(max_length=10, choices=Status.choices, default="REQUESTED")
    refusal_reason = models.CharField(_("reason"), max_length=300, blank=True)
    document = models.ForeignKey(
        "core.VerifiableDocument",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["school", "status"])]
        constraints = [
            # a request submitted twice stays one request
            models.UniqueConstraint(
                fields=["student", "year"],
                condition=models.Q(status="REQUESTED"),
                name="one_open_certificate_request",
            )
        ]
