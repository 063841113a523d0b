"""Classes, enrollments and teaching assignments of a school year."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class SchoolClass(models.Model):
    school = models.ForeignKey("schools.School", on_delete=models.CASCADE, related_name="classes")
    year = models.ForeignKey("schools.SchoolYear", on_delete=models.PROTECT, related_name="+")
    level = models.ForeignKey("schools.Level", on_delete=models.PROTECT, related_name="+")
    track = models.ForeignKey(
        "schools.Track", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("class"), max_length=30)
    capacity = models.PositiveSmallIntegerField(_("capacity"), default=40)

    class Meta:
        ordering = ["school", "level__order", "name"]
        constraints = [
            models.UniqueConstraint(fields=["school", "year", "name"], name="one_class_name")
        ]
        verbose_name = _("class")
        verbose_name_plural = _("classes")

    def __str__(self) -> str:
        return self.name


class Enrollment(models.Model):
    class Status(models.TextChoices):
        ENROLLED = "ENROLLED", _("Enrolled")
        TRANSFERRED_OUT = "TRANSFERRED_OUT", _("Transferred out")
        LEFT = "LEFT", _("Left")
        EXCLUDED = "EXCLUDED", _("Excluded")

    student = models.ForeignKey(
        "registry.Student", on_delete=models.PROTECT, related_name="enrollments"
    )
    school = models.ForeignKey(
        "schools.School", on_delete=models.PROTECT, related_name="enrollments"
    )
    year = models.ForeignKey("schools.SchoolYear", on_delete=models.PROTECT, related_name="+")
    level = models.ForeignKey("schools.Level", on_delete=models.PROTECT, related_name="+")
    track = models.ForeignKey(
        "schools.Track", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    school_class = models.ForeignKey(
        SchoolClass, null=True, blank=True, on_delete=models.SET_NULL, related_name="enrollments"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ENROLLED)
    enrolled_on = models.DateField(_("enrolled on"))
    left_on = models.DateField(_("left on"), null=True, blank=True)
    left_reason = models.CharField(_("reason for leaving"), max_length=30, blank=True)
    decision = models.CharField(_("end-of-year decision"), max_length=20, blank=True)

    class Meta:
        indexes = [models.Index(fields=["school", "year", "level"])]
        constraints = [
            models.UniqueConstraint(
                fields=["student", "year"],
                condition=models.Q(status="ENROLLED"),
                name="one_active_enrollment_per_year",
            )
        ]


class TeachingAssignment(models.Model):
    school = models.ForeignKey("schools.School", on_delete=models.CASCADE, related_name="+")
    school_class = models.ForeignKey(
        SchoolClass, on_delete=models.CASCADE, related_name="teaching_assignments"
    )
    subject = models.ForeignKey("schools.Subject", on_delete=models.PROTECT, related_name="+")
    teacher = models.ForeignKey(
        "staff.StaffMember", on_delete=models.PROTECT, related_name="teaching_assignments"
    )
    weekly_hours = models.DecimalField(_("weekly hours"), max_digits=4, decimal_places=1)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["school_class", "subject"], name="one_teacher_per_class_subject"
            )
        ]
