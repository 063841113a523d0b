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


class LeftReason(models.TextChoices):
    DROPOUT = "DROPOUT", _("Dropped out")
    DECEASED = "DECEASED", _("Deceased")
    ABROAD = "ABROAD", _("Moved abroad")
    PRIVATE = "OTHER_SYSTEM", _("Left for another school system")
    OTHER = "OTHER", _("Other reason")


class Decision(models.TextChoices):
    PROMOTED = "PROMOTED", _("Promoted")
    REPEATS = "REPEATS", _("Repeats the level")
    COUNCIL = "COUNCIL", _("To the class council")
    ORIENTED = "ORIENTED", _("Oriented to a track")
    EXCLUDED = "EXCLUDED", _("Excluded")
    PASSED = "PASSED", _("Passed the certification exam")
    FAILED = "FAILED", _("Failed the certification exam")


class Enrollment(models.Model):
    class Status(models.TextChoices):
        ENROLLED = "ENROLLED", _("Enrolled")
        TRANSFERRED_OUT = "TRANSFERRED_OUT", _("Transferred out")
        LEFT = "LEFT", _("Left")
        EXCLUDED = "EXCLUDED", _("Excluded")

    student = models.ForeignKey(
        "registry.Student", on_delete=models.PROTECT, related_name="enrollments"
    )
    # indexed by (school, year, level) below; levels and tracks are reference data that are
    # never deleted, so their foreign keys carry no index of their own (bulk loads pay for
    # every index of this, the biggest table)
    school = models.ForeignKey(
        "schools.School", on_delete=models.PROTECT, related_name="enrollments", db_index=False
    )
    year = models.ForeignKey("schools.SchoolYear", on_delete=models.PROTECT, related_name="+")
    level = models.ForeignKey(
        "schools.Level", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    track = models.ForeignKey(
        "schools.Track",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    school_class = models.ForeignKey(
        SchoolClass, null=True, blank=True, on_delete=models.SET_NULL, related_name="enrollments"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ENROLLED)
    enrolled_on = models.DateField(_("enrolled on"))
    left_on = models.DateField(_("left on"), null=True, blank=True)
    left_reason = models.CharField(
        _("reason for leaving"), max_length=30, blank=True, choices=LeftReason.choices
    )
    decision = models.CharField(
        _("end-of-year decision"), max_length=20, blank=True, choices=Decision.choices
    )
    # Set by the evaluation results (or by hand until they exist); db_default lets bulk
    # COPY paths leave these columns out.
    decision_track = models.ForeignKey(
        "schools.Track",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("oriented to track"),
        db_index=False,
    )
    annual_average = models.DecimalField(
        _("annual average"), max_digits=4, decimal_places=2, null=True, blank=True
    )
    is_repeater = models.BooleanField(_("repeating the level"), default=False, db_default=False)

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


class ClassPairing(models.Model):
    """A director's request for the class formation: two students (siblings, friends, or two
    who must be separated) kept in the same class or in different classes."""

    class Mode(models.TextChoices):
        TOGETHER = "TOGETHER", _("in the same class")
        APART = "APART", _("in different classes")

    school = models.ForeignKey("schools.School", on_delete=models.CASCADE, related_name="+")
    year = models.ForeignKey("schools.SchoolYear", on_delete=models.CASCADE, related_name="+")
    first = models.ForeignKey("registry.Student", on_delete=models.CASCADE, related_name="+")
    second = models.ForeignKey("registry.Student", on_delete=models.CASCADE, related_name="+")
    mode = models.CharField(max_length=10, choices=Mode.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["year", "first", "second"], name="one_pairing")
        ]


class Transfer(models.Model):
    """A student's move between two schools (mobilité), individual or part of a collective
    move. The origin releases, the receiving school accepts; each side sees its part."""

    class Kind(models.TextChoices):
        INDIVIDUAL = "INDIVIDUAL", _("Individual")
        COLLECTIVE = "COLLECTIVE", _("Collective")

    class Status(models.TextChoices):
        REQUESTED = "REQUESTED", _("Requested")
        RELEASED = "RELEASED", _("Released by the origin school")
        ACCEPTED = "ACCEPTED", _("Accepted")
        REFUSED = "REFUSED", _("Refused")
        CANCELLED = "CANCELLED", _("Cancelled")

    student = models.ForeignKey(
        "registry.Student", on_delete=models.PROTECT, related_name="transfers"
    )
    year = models.ForeignKey("schools.SchoolYear", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.INDIVIDUAL)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.REQUESTED)
    origin_school = models.ForeignKey(
        "schools.School", on_delete=models.PROTECT, related_name="transfers_out"
    )
    receiving_school = models.ForeignKey(
        "schools.School", on_delete=models.PROTECT, related_name="transfers_in"
    )
    origin_enrollment = models.ForeignKey(
        Enrollment, on_delete=models.PROTECT, related_name="transfers_out"
    )
    new_enrollment = models.ForeignKey(
        Enrollment, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    level = models.ForeignKey("schools.Level", on_delete=models.PROTECT, related_name="+")
    track = models.ForeignKey(
        "schools.Track", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    requested_by_family = models.BooleanField(default=False)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    requested_at = models.DateTimeField(auto_now_add=True)
    released_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    batch = models.ForeignKey(
        "core.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        indexes = [
            models.Index(fields=["origin_school", "status"]),
            models.Index(fields=["receiving_school", "status"]),
        ]
        constraints = [
            # one open transfer per student at a time
            models.UniqueConstraint(
                fields=["student"],
                condition=models.Q(status__in=["REQUESTED", "RELEASED"]),
                name="one_open_transfer",
            ),
        ]
