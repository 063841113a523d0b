"""Reads of the student, guardian and teacher spaces. Every selector takes the scope first and
returns only what the signed-in family or teacher may see; another family's child is a 404
whatever id is asked for.

Each page runs a fixed number of queries whatever the number of marks, years or children."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import Http404

from massar.assessment.models import GeneralResult, MarkLine, Publication, SubjectResult
from massar.assessment.models.results import Period
from massar.core.models import Notification, Role
from massar.core.scopes import Scope
from massar.enrollment.models import Enrollment, SchoolClass, TeachingAssignment
from massar.registry.models import Guardian, GuardianLink, Student
from massar.schools.models import CurriculumEntry, SchoolYear

FAMILY = (Role.STUDENT, Role.GUARDIAN)
PERIODS = (Period.S1, Period.S2, Period.ANNUAL)
SEMESTER_PERIOD = {1: Period.S1, 2: Period.S2}


# --- who the space is about -------------------------------------------------------------------


def space_children(scope: Scope) -> list[Student]:
    """The students whose space the user may open: themself (a student), or their children
    (a guardian), in any school. One query."""
    if scope.is_anonymous or not scope.has(*FAMILY):
        return []
    q = Q(pk__in=[])
    if scope.has(Role.STUDENT):
        q |= Q(user_id=scope.user_id)
    if scope.has(Role.GUARDIAN):
        q |= Q(guardian_links__guardian__user_id=scope.user_id)
    return list(Student.objects.filter(q).distinct().order_by("pk"))


def space_student(scope: Scope, child_id: str | int | None) -> tuple[Student, list[Student]]:
    """The student the page is about, and every student the user may switch to. `child_id`
    names one of them (a guardian's switch); none means the first (the student themself).
    Any other id, or a malformed one, is a 404."""
    children = space_children(scope)
    if not children:
        raise Http404
    if child_id in (None, ""):
        own = [s for s in children if s.user_id == scope.user_id]
        return (own or children)[0], children
    try:
        wanted = int(child_id)
    except (TypeError, ValueError):
        raise Http404 from None
    for student in children:
        if student.pk == wanted:
            return student, children
    raise Http404


# --- the home page ----------------------------------------------------------------------------


def space_history(scope: Scope, student: Student) -> list[Enrollment]:
    """The student's schooling, most recent year first: school, level, class, annual average
    and decision as the enrollments hold them (one query)."""
    return list(
        Enrollment.objects.filter(student=student)
        .select_related("school", "year", "level", "track", "school_class")
        .order_by("-year__starts_on", "-pk")
    )


def space_notifications(scope: Scope, *, limit: int = 5) -> list[Notification]:
    """The user's latest notifications (one query)."""
    return list(Notification.objects.filter(user_id=scope.user_id).order_by("-pk")[:limit])


# --- published results ------------------------------------------------------------------------


@dataclass
class SubjectLine:
    subject_id: int
    name: str
    tests: list = field(default_factory=list)  # 4 entries: Decimal, "ABS" or None
    activities: object = None
    average: Decimal | None = None
    rank: int | None = None
    coefficient: Decimal | None = None

    @property
    def product(self) -> Decimal | None:
        """average × coefficient, exactly (the general average adds these up)."""
        if self.average is None or self.coefficient is None:
            return None
        return (self.average * self.coefficient).normalize()


@dataclass
class PeriodResults:
    period: str
    label: str
    subjects: list[SubjectLine]
    average: Decimal | None = None
    coefficient_sum: Decimal | None = None
    weighted_sum: Decimal | None = None
    rank_class: int | None = None
    class_size: int | None = None
    school_class_id: int | None = None

    @property
    def counted(self) -> list[SubjectLine]:
        """The subjects that enter the general average (an average and a coefficient)."""
        return [s for s in self.subjects if s.product is not None]

    @property
    def products_sum(self) -> Decimal | None:
        rows = self.counted
        return sum((s.product for s in rows), Decimal(0)).normalize() if rows else None

    @property
    def quotient(self) -> Decimal | None:
        """weighted_sum / coefficient_sum to 4 places, to compare with the average by hand."""
        if not self.coefficient_sum or self.weighted_sum is None:
            return None
        return (self.weighted_sum / self.coefficient_sum).quantize(Decimal("0.0001"))


def _mark(score, absent):
    return "ABS" if absent else score


def space_results(scope: Scope, student: Student, year: SchoolYear | None) -> list[PeriodResults]:
    """The student's published results of `year`, one entry per published period (S1, S2,
    year): each test, subject averages and ranks, the general average, its rank, and the
    figures that explain it (coefficients, Σ coefficient × average, Σ coefficients).

    Only periods with a Publication row for the school and level of the result are read:
    nothing of a period shows before the director publishes it. The caller has already
    checked that `scope` reaches `student` (space_student). Five queries whatever the number
    of subjects; the results-day cache may later stand in front of this function."""
    if year is None or scope.is_anonymous:
        return []
    generals = list(
        GeneralResult.objects.filter(student=student, year=year)
        .filter(
            Exists(
                Publication.objects.filter(
                    school_id=OuterRef("school_id"),
                    year_id=year.pk,
                    level_id=OuterRef("level_id"),
                    period=OuterRef("period"),
                )
            )
        )
        .select_related("school_class")
    )
    if not generals:
        return []
    by_period = {g.period: g for g in generals}
    periods = [p for p in PERIODS if p in by_period]
    semester_numbers = [n for n, p in SEMESTER_PERIOD.items() if p in by_period]
    school_class = by_period[periods[-1]].school_class

    subjects: dict[str, dict[int, SubjectLine]] = {p: {} for p in periods}
    for r in (
        SubjectResult.objects.filter(student=student, year=year, period__in=periods)
        .select_related("subject")
        .order_by("subject__code")
    ):
        key = r.school_class_id == by_period[r.period].school_class_id
        if not key:  # a result left from a class the student moved out of
            continue
        subjects[r.period][r.subject_id] = SubjectLine(
            subject_id=r.subject_id,
            name=r.subject.name,
            tests=[None] * 4,
            average=r.average,
            rank=r.rank,
        )
    if semester_numbers:
        for line in MarkLine.objects.filter(
            student=student, semester__year=year, semester__number__in=semester_numbers
        ).select_related("subject", "semester"):
            period = SEMESTER_PERIOD[line.semester.number]
            if line.school_class_id != by_period[period].school_class_id:
                continue
            row = subjects[period].get(line.subject_id)
            if row is None:
                row = subjects[period][line.subject_id] = SubjectLine(
                    subject_id=line.subject_id, name=line.subject.name
                )
            row.tests = [
                _mark(line.score1, line.absent1),
                _mark(line.score2, line.absent2),
                _mark(line.score3, line.absent3),
                _mark(line.score4, line.absent4),
            ]
            row.activities = _mark(line.activities, line.activities_absent)

    # coefficients of the level (and track): a track's own entry wins over the level's one
    coefficients: dict[int, Decimal] = {}
    entries = CurriculumEntry.objects.filter(year=year, level_id=school_class.level_id).filter(
        Q(track__isnull=True) | Q(track_id=school_class.track_id)
    )
    for entry in entries.order_by("track_id", "pk"):
        coefficients[entry.subject_id] = entry.coefficient

    sizes = {
        (r["school_class_id"], r["period"]): r["n"]
        for r in GeneralResult.objects.filter(
            school_class_id__in={g.school_class_id for g in generals},
            year=year,
            period__in=periods,
            average__isnull=False,
        )
        .values("school_class_id", "period")
        .annotate(n=Count("pk"))
        .order_by()
    }
    out = []
    for p in periods:
        g = by_period[p]
        rows = sorted(subjects[p].values(), key=lambda s: s.name)
        if p != Period.ANNUAL:
            for row in rows:
                row.coefficient = coefficients.get(row.subject_id)
        out.append(
            PeriodResults(
                period=p,
                label=Period(p).label,
                subjects=rows,
                average=g.average,
                coefficient_sum=g.coefficient_sum,
                weighted_sum=g.weighted_sum,
                rank_class=g.rank_class,
                class_size=sizes.get((g.school_class_id, p)),
                school_class_id=g.school_class_id,
            )
        )
    return out


# --- the teacher's space ----------------------------------------------------------------------


def teacher_assignments(scope: Scope, year: SchoolYear | None) -> QuerySet[TeachingAssignment]:
    """The signed-in teacher's classes and subjects of `year` (one query)."""
    if year is None or not scope.has(Role.TEACHER):
        return TeachingAssignment.objects.none()
    return (
        TeachingAssignment.objects.filter(
            teacher__user_id=scope.user_id,
            school_id__in=scope.teacher_school_ids,
            school_class__year=year,
        )
        .select_related("school", "school_class__level", "subject")
        .order_by("school_class__level__order", "school_class__name", "subject__code")
    )


# --- activation codes (director) --------------------------------------------------------------


def activation_classes(scope: Scope, school_id: int, year: SchoolYear | None):
    """The classes of `year` of a school the user directs, with their number of students
    (one query); 404 for any other school."""
    if year is None or not scope.manages_school(school_id):
        raise Http404
    return (
        SchoolClass.objects.filter(school_id=school_id, year=year)
        .select_related("level")
        .annotate(
            students=Count("enrollments", filter=Q(enrollments__status=Enrollment.Status.ENROLLED))
        )
        .order_by("level__order", "name")
    )


def activation_class_get(scope: Scope, class_id: int) -> SchoolClass:
    """A class of a school the user directs; 404 otherwise (another school's class reveals
    nothing, not even that it exists)."""
    school_class = (
        SchoolClass.objects.filter(pk=class_id, school_id__in=scope.director_school_ids)
        .select_related("school", "level", "year")
        .first()
    )
    if school_class is None or not scope.has(Role.DIRECTOR):
        raise Http404
    return school_class


def activation_guardians(school_class: SchoolClass) -> list[tuple[Guardian, list[Student]]]:
    """The guardians of the class's enrolled students, each with their children of the class,
    by the guardian's name (one query)."""
    links = (
        GuardianLink.objects.filter(
            student__enrollments__school_class=school_class,
            student__enrollments__status=Enrollment.Status.ENROLLED,
        )
        .select_related("guardian", "student")
        .order_by("guardian__last_name_fr", "guardian__first_name_fr", "guardian_id", "student_id")
    )
    found: dict[int, tuple[Guardian, list[Student]]] = {}
    for link in links:
        found.setdefault(link.guardian_id, (link.guardian, []))[1].append(link.student)
    return list(found.values())
