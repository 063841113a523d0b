"""Results computed by the results job (set-based SQL, assessment/sql.py): subject and general
averages, ranks, class statistics, proposed decisions; the class council's threshold, its
overrides and validation; the director's publication per level and period."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Period(models.TextChoices):
    S1 = "S1", _("Semester 1")
    S2 = "S2", _("Semester 2")
    ANNUAL = "ANNUAL", _("Year")


AVERAGE = _("average")


def _average(label=AVERAGE):
    return models.DecimalField(label, max_digits=4, decimal_places=2, null=True, blank=True)


def _derived_key(to: str, on_delete=models.CASCADE, *, index: bool = False):
    """A foreign key of a derived result table: no database constraint and, unless asked,
    no index of its own (see SubjectResult)."""
    return models.ForeignKey(
        to, on_delete=on_delete, related_name="+", db_index=index, db_constraint=False
    )


class SubjectResult(models.Model):
    """One student's average and rank in a subject for a period. Derived data: written only by
    the results job (from enrollments, classes and mark lines, which hold the constraints) and
    rebuilt on every run. Its foreign keys have no database constraint (db_constraint=False):
    PostgreSQL checked five keys for each of the nation's 15 million rows, twice the time of
    the computation itself (bench/README.md); Django's on_delete still cascades and protects.

    Three indexes only (primary key, the unique key, student × year): the results job writes
    every row of the nation's 15 million again at each run, and each index costs every row
    (the job's subject INSERT took 38 % less time without the single-column indexes on year,
    class and subject, bench/README.md). Reads go by school (the unique key: class pages name
    the school and year) or by student; the national export reads the whole year anyway."""

    school = _derived_key("schools.School")
    # deleting a school year cascades with a scan: rare, and it deletes the year's rows anyway
    year = _derived_key("schools.SchoolYear")
    period = models.CharField(max_length=6, choices=Period.choices)
    # a class that can be deleted never had a student enrolled (formation's class_delete), so it
    # has no results: nothing to cascade, and no lookup by class on every class deletion
    school_class = _derived_key("enrollment.SchoolClass", models.DO_NOTHING)
    student = _derived_key("registry.Student")  # the (student, year) index serves it
    # protected: deleting a subject of the catalogue (rare) scans this table once
    subject = _derived_key("schools.Subject", models.PROTECT)
    average = _average()
    rank = models.PositiveIntegerField(_("rank"), null=True)  # within class, same subject

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["school", "year", "period", "student", "subject"],
                name="one_subject_result",
            )
        ]
        indexes = [models.Index(fields=["student", "year"])]


class GeneralResult(models.Model):
    """A student's general average, ranks and proposed decision for a period. Derived data,
    foreign keys without database constraints: see SubjectResult."""

    # no single-column index on school: the unique key starts with it (each index costs every
    # row the results job writes)
    school = _derived_key("schools.School")
    year = _derived_key("schools.SchoolYear", index=True)
    period = models.CharField(max_length=6, choices=Period.choices)
    school_class = _derived_key("enrollment.SchoolClass", index=True)
    level = _derived_key("schools.Level", models.PROTECT, index=True)
    student = _derived_key("registry.Student")  # the (student, year) index serves it
    average = _average(_("general average"))
    coefficient_sum = models.DecimalField(max_digits=6, decimal_places=2, null=True)
    weighted_sum = models.DecimalField(max_digits=8, decimal_places=2, null=True)
    rank_class = models.PositiveIntegerField(_("rank in class"), null=True)
    rank_level = models.PositiveIntegerField(_("rank in level"), null=True)
    # ANNUAL rows only: the decision the rules propose (enrollment.Decision values)
    proposed_decision = models.CharField(max_length=20, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["school", "year", "period", "student"], name="one_general_result"
            )
        ]
        indexes = [
            models.Index(fields=["school", "year", "period", "school_class"]),
            models.Index(fields=["student", "year"]),
        ]


class ClassSubjectStat(models.Model):
    # no single-column index on school: the unique key starts with it (each index costs every
    # row the results job writes)
    school = models.ForeignKey(
        "schools.School", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    year = models.ForeignKey("schools.SchoolYear", on_delete=models.CASCADE, related_name="+")
    period = models.CharField(max_length=6, choices=Period.choices)
    school_class = models.ForeignKey(
        "enrollment.SchoolClass", on_delete=models.CASCADE, related_name="+"
    )
    subject = models.ForeignKey("schools.Subject", on_delete=models.PROTECT, related_name="+")
    mean = _average(_("class mean"))
    minimum = _average(_("lowest"))
    maximum = _average(_("highest"))
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["school", "year", "period", "school_class", "subject"],
                name="one_class_subject_stat",
            )
        ]


class ClassCouncil(models.Model):
    """A class's end-of-year council: its promotion threshold and its final validation."""

    school = models.ForeignKey("schools.School", on_delete=models.CASCADE, related_name="+")
    year = models.ForeignKey("schools.SchoolYear", on_delete=models.CASCADE, related_name="+")
    school_class = models.ForeignKey(
        "enrollment.SchoolClass", on_delete=models.CASCADE, related_name="+"
    )
    threshold = models.DecimalField(
        _("promotion threshold"), max_digits=4, decimal_places=2, null=True, blank=True
    )
    validated_at = models.DateTimeField(_("validated at"), null=True, blank=True)
    validated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["school", "school_class"], name="one_class_council")
        ]


class CouncilDecision(models.Model):
    """The council's override of a proposed decision, with its reason. Kept apart from the
    computed results so that re-running the results job never loses it."""

    school = models.ForeignKey("schools.School", on_delete=models.CASCADE, related_name="+")
    year = models.ForeignKey("schools.SchoolYear", on_delete=models.CASCADE, related_name="+")
    student = models.ForeignKey("registry.Student", on_delete=models.CASCADE, related_name="+")
    decision = models.CharField(_("decision"), max_length=20)
    reason = models.CharField(_("reason"), max_length=300)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["school", "year", "student"], name="one_council_decision"
            )
        ]


class Publication(models.Model):
    """A level's results of a period made visible to students and guardians of a school."""

    school = models.ForeignKey("schools.School", on_delete=models.CASCADE, related_name="+")
    year = models.ForeignKey("schools.SchoolYear", on_delete=models.CASCADE, related_name="+")
    level = models.ForeignKey("schools.Level", on_delete=models.PROTECT, related_name="+")
    period = models.CharField(max_length=6, choices=Period.choices)
    published_at = models.DateTimeField(auto_now_add=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["school", "year", "level", "period"], name="one_publication"
            )
        ]
