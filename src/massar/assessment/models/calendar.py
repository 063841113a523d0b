"""The test calendar: each test (contrôle) a teacher plans for a class and subject."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class TestStatus(models.TextChoices):
    PLANNED = "PLANNED", _("Planned")
    CANCELLED = "CANCELLED", _("Cancelled")


class PlannedTest(models.Model):
    school = models.ForeignKey("schools.School", on_delete=models.CASCADE, related_name="+")
    school_class = models.ForeignKey(
        "enrollment.SchoolClass", on_delete=models.CASCADE, related_name="planned_tests"
    )
    subject = models.ForeignKey("schools.Subject", on_delete=models.PROTECT, related_name="+")
    semester = models.ForeignKey("schools.Semester", on_delete=models.PROTECT, related_name="+")
    number = models.PositiveSmallIntegerField(_("test number"))  # 1..4
    date = models.DateField(_("date"))
    status = models.CharField(max_length=10, choices=TestStatus.choices, default="PLANNED")
    teacher = models.ForeignKey(
        "staff.StaffMember", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["date", "pk"]
        indexes = [models.Index(fields=["school_class", "date"])]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "school_class", "subject", "semester", "number"],
                condition=models.Q(status="PLANNED"),
                name="one_planned_test_per_number",
            )
        ]
