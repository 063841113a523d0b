"""Marks. A MarkLine is one row of the grade grid: one student's tests (contrôles 1–4), the
integrated-activities mark and the teacher's remark for a class × subject × semester. A
GradeBook holds that grid's state (validated, hence locked). Every change of a mark is a
MarkChange, append-only."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

# Test numbers as stored in MarkChange.test and used by exports; 5 is integrated activities.
TESTS = (1, 2, 3, 4)
ACTIVITIES = 5


def _score(label):
    return models.DecimalField(label, max_digits=4, decimal_places=2, null=True, blank=True)


class MarkLine(models.Model):
    school = models.ForeignKey("schools.School", on_delete=models.CASCADE, related_name="+")
    school_class = models.ForeignKey(
        "enrollment.SchoolClass", on_delete=models.CASCADE, related_name="+"
    )
    subject = models.ForeignKey("schools.Subject", on_delete=models.PROTECT, related_name="+")
    semester = models.ForeignKey("schools.Semester", on_delete=models.PROTECT, related_name="+")
    student = models.ForeignKey("registry.Student", on_delete=models.PROTECT, related_name="+")
    score1 = _score(_("test 1"))
    score2 = _score(_("test 2"))
    score3 = _score(_("test 3"))
    score4 = _score(_("test 4"))
    absent1 = models.BooleanField(default=False)
    absent2 = models.BooleanField(default=False)
    absent3 = models.BooleanField(default=False)
    absent4 = models.BooleanField(default=False)
    activities = _score(_("integrated activities"))
    activities_absent = models.BooleanField(default=False)
    remark = models.CharField(_("teacher's remark"), max_length=200, blank=True)
    # incremented by every write; a save names the version it read (lost-update check)
    version = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["school", "school_class", "subject", "semester", "student"],
                name="one_mark_line",
            )
        ]
        indexes = [models.Index(fields=["school", "semester", "subject"])]


class GradeBook(models.Model):
    """The state of a class × subject × semester grid: validated by the director = locked."""

    school = models.ForeignKey("schools.School", on_delete=models.CASCADE, related_name="+")
    school_class = models.ForeignKey(
        "enrollment.SchoolClass", on_delete=models.CASCADE, related_name="+"
    )
    subject = models.ForeignKey("schools.Subject", on_delete=models.PROTECT, related_name="+")
    semester = models.ForeignKey("schools.Semester", on_delete=models.PROTECT, related_name="+")
    validated_at = models.DateTimeField(_("validated at"), null=True, blank=True)
    validated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["school", "school_class", "subject", "semester"], name="one_grade_book"
            )
        ]

    @property
    def is_locked(self) -> bool:
        return self.validated_at is not None


class GradeDeadline(models.Model):
    """Last day teachers may enter marks for a semester, nationwide (school empty) or for one
    school (its own later or earlier date wins)."""

    semester = models.ForeignKey("schools.Semester", on_delete=models.CASCADE, related_name="+")
    school = models.ForeignKey(
        "schools.School", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    closes_on = models.DateField(_("grade entry closes on"))

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["semester", "school"], name="one_deadline"),
            models.UniqueConstraint(
                fields=["semester"],
                condition=models.Q(school__isnull=True),
                name="one_national_deadline",
            ),
        ]


class MarkChange(models.Model):
    """Append-only history of every mark: who, when, old and new value, and by which path.
    A PostgreSQL trigger refuses UPDATE and DELETE (migration 0002)."""

    class Source(models.TextChoices):
        GRID = "grid", _("grade grid")
        SHEET = "sheet", _("grade sheet upload")
        COMMAND = "command", _("command-line import")
        API = "api", _("API")
        CORRECTION = "correction", _("correction by the director")
        GENERATED = "generated", _("synthetic data")

    at = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    school = models.ForeignKey("schools.School", on_delete=models.CASCADE, related_name="+")
    school_class = models.ForeignKey(
        "enrollment.SchoolClass", on_delete=models.CASCADE, related_name="+"
    )
    subject = models.ForeignKey("schools.Subject", on_delete=models.PROTECT, related_name="+")
    semester = models.ForeignKey("schools.Semester", on_delete=models.PROTECT, related_name="+")
    student = models.ForeignKey("registry.Student", on_delete=models.PROTECT, related_name="+")
    line = models.ForeignKey(MarkLine, on_delete=models.CASCADE, related_name="changes")
    test = models.PositiveSmallIntegerField()  # 1..4, 5 = integrated activities, 0 = remark
    old_value = models.CharField(max_length=200, blank=True)  # "12.50", "ABS" or the remark
    new_value = models.CharField(max_length=200, blank=True)
    source = models.CharField(max_length=12, choices=Source.choices)
    reason = models.CharField(_("reason"), max_length=300, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(fields=["school", "school_class", "subject", "semester"]),
            models.Index(fields=["line", "test"]),
        ]

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("mark history is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("mark history is append-only")
