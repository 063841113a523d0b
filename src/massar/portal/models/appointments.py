from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Appointment(models.Model):
    class Status(models.TextChoices):
        REQUESTED = "REQUESTED", _("Requested")
        ACCEPTED = "ACCEPTED", _("Accepted")
        DECLINED = "DECLINED", _("Declined")
        CANCELLED = "CANCELLED", _("Cancelled")

    school = models.ForeignKey("schools.School", on_delete=models.CASCADE, related_name="+")
    student = models.ForeignKey("registry.Student", on_delete=models.CASCADE, related_name="+")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    # with the director when empty, else with this teacher of the child
    teacher = models.ForeignKey(
        "staff.StaffMember", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=500)
    preferred_slots = models.CharField(_("preferred times"), max_length=300, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default="REQUESTED")
    scheduled_at = models.DateTimeField(_("time"), null=True, blank=True)
    decline_reason = models.CharField(_("reason"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["school", "status"])]
