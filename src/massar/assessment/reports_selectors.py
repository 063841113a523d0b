"""Reads of the report cards: who may have which student's card, which classes a user may
print, and the cards' content gathered in a constant number of queries whatever the class size.

Who may download a card: the school's director and staff, the territory above the school
(directorate, academy, ministry), the teachers of the student's class; the student and their
guardians only once the period is published for the level (a Publication row). Anyone else
gets 404, so that an id never reveals that a student exists.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from massar.assessment.models import (
    ClassSubjectStat,
    CouncilDecision,
    GeneralResult,
    MarkLine,
    Period,
    Publication,
    SubjectResult,
)
from massar.core.models import Role
from massar.core.scopes import Scope
from massar.enrollment.models import Enrollment, SchoolClass, TeachingAssignment
from massar.registry.models import GuardianLink, Student
from massar.schools.models import CurriculumEntry, School, SchoolYear, Semester, Subject

STAFF_READERS = (
    Role.MINISTRY,
    Role.ACADEMY,
    Role.DIRECTORATE,
    Role.DIRECTOR,
    Role.STAFF,
    Role.TEACHER,
)
FAMILY = (Role.STUDENT, Role.GUARDIAN)
PERIODS = [p.value for p in Period]


def _oversees(scope: Scope, school: School) -> bool:
    """Director or staff of the school, or the territory above it. `school` carries its
    directorate (select_related)."""
    return (
        scope.nation
        or scope.administers_school(school.pk)
        or school.directorate_id in scope.directorate_ids
        or school.directorate.academy_id in scope.academy_ids
    )


def _teaches(user, school_class_id: int) -> bool:
    return TeachingAssignment.objects.filter(
        school_class_id=school_class_id, teacher__user=user
    ).exists()


def period_published(*, school_id: int, year_id: int, level_id: int, period: str) -> bool:
    """Whether the director published this level's results of `period` (the condition for
    students and guardians to see them)."""
    return Publication.objects.filter(
        school_id=school_id, year_id=year_id, level_id=level_id, period=period
    ).exists()


def _family_reaches(scope: Scope, user, student: Student) -> bool:
    if scope.has(Role.STUDENT) and student.user_id == user.pk:
        return True
    return (
        scope.has(Role.GUARDIAN)
        and GuardianLink.objects.filter(student=student, guardian__user=user).exists()
    )


def report_card_class_of(*, student: Student, year: SchoolYear, period: str) -> SchoolClass | None:
    """The class whose card the student gets for `period`: the class of their results, else
    the class of their enrollment of the year (an enrolled one first)."""
    result = (
        GeneralResult.objects.filter(student=student, year=year, period=period)
        .select_related("school_class")
        .first()
    )
    if result is not None:
        return result.school_class
    enrollments = list(
        Enrollment.objects.filter(student=student, year=year, school_class__isnull=False)
        .select_related("school_class")
        .order_by("-pk")
    )
    enrollments.sort(key=lambda e: e.status != Enrollment.Status.ENROLLED)
    return enrollments[0].school_class if enrollments else None


@dataclass
class CardTarget:
    student: Student
    school_class: SchoolClass
    year: SchoolYear
    period: str


def report_card_target(
    scope: Scope, user, *, student_id: int, period: str, year: SchoolYear | None = None
) -> CardTarget:
    """The student's card of `period` (current year by default) if `user` may have it; 404
    otherwise, for every reason (unknown student, outside the scope, not published yet)."""
    from massar.schools.selectors import current_year

    if period not in PERIODS or scope.is_anonymous:
        raise Http404
    year = year or current_year()
    student = Student.objects.filter(pk=student_id).first()
    if student is None or year is None:
        raise Http404
    school_class = report_card_class_of(student=student, year=year, period=period)
    if school_class is None:
        raise Http404
    school_class = SchoolClass.objects.select_related(
        "school__directorate__academy", "level", "track", "year"
    ).get(pk=school_class.pk)
    school = school_class.school
    allowed = _oversees(scope, school) or (
        scope.has(Role.TEACHER) and _teaches(user, school_class.pk)
    )
    if not allowed and scope.has(*FAMILY) and _family_reaches(scope, user, student):
        allowed = period_published(
            school_id=school.pk, year_id=year.pk, level_id=school_class.level_id, period=period
        )
    if not allowed:
        raise Http404
    return CardTarget(student=student, school_class=school_class, year=year, period=period)


def report_card_classes(scope: Scope, user, *, year: SchoolYear) -> QuerySet[SchoolClass]:
    """Classes of `year` whose cards the user may print: their schools' (director, staff,
    territory) or those they teach."""
    q = Q(pk__in=[])
    if scope.is_territorial or scope.school_ids:
        q |= Q(school__in=School.objects.filter(scope.schools_q()))
    if scope.has(Role.TEACHER):
        q |= Q(teaching_assignments__teacher__user=user)
    return (
        SchoolClass.objects.filter(q, year=year)
        .distinct()
        .select_related("school", "level", "track")
        .order_by("school__code", "level__order", "name")
    )


def report_card_class_get(scope: Scope, user, *, class_id: int) -> SchoolClass:
    school_class = (
        SchoolClass.objects.filter(pk=class_id)
        .select_related("school__directorate__academy", "level", "track", "year")
        .first()
    )
    if school_class is None or scope.is_anonymous:
        raise Http404
    if _oversees(scope, school_class.school):
        return school_class
    if scope.has(Role.TEACHER) and _teaches(user, school_class.pk):
        return school_class
    raise Http404


def class_students(school_class: SchoolClass) -> list[Student]:
    """The class's enrolled students, by name (one query)."""
    return list(
        Student.objects.filter(
            enrollments__school_class=school_class,
            enrollments__status=Enrollment.Status.ENROLLED,
        )
        .distinct()
        .order_by("last_name_fr", "first_name_fr", "pk")
    )


def family_cards(scope: Scope, user, *, year: SchoolYear) -> list[dict]:
    """The published cards of the student themself or of a guardian's children: one row per
    student and published period."""
    if scope.has(Role.STUDENT):
        students = Student.objects.filter(user=user)
    elif scope.has(Role.GUARDIAN):
        students = Student.objects.filter(guardian_links__guardian__user=user)
    else:
        return []
    enrollments = (
        Enrollment.objects.filter(student__in=students, year=year, school_class__isnull=False)
        .select_related("student", "school_class")
        .order_by("student__last_name_fr", "student__pk", "-pk")
    )
    seen: dict[int, Enrollment] = {}
    for e in enrollments:
        current = seen.get(e.student_id)
        if current is None or (
            current.status != Enrollment.Status.ENROLLED and e.status == Enrollment.Status.ENROLLED
        ):
            seen[e.student_id] = e
    if not seen:
        return []
    published = set(
        Publication.objects.filter(
            year=year,
            school_id__in={e.school_class.school_id for e in seen.values()},
        ).values_list("school_id", "level_id", "period")
    )
    return [
        {"student": e.student, "period": period}
        for e in seen.values()
        for period in PERIODS
        if (e.school_class.school_id, e.school_class.level_id, period) in published
    ]


# --- the cards' content --------------------------------------------------------------------


@dataclass
class SubjectRow:
    subject: Subject
    coefficient: Decimal | None
    marks: list = field(default_factory=list)  # 4 tests: Decimal, "ABS" or None
    activities: object = None
    s1: Decimal | None = None
    s2: Decimal | None = None
    average: Decimal | None = None
    mean: Decimal | None = None
    minimum: Decimal | None = None
    maximum: Decimal | None = None
    remark: str = ""


@dataclass
class CardData:
    student: Student
    school_class: SchoolClass
    year: SchoolYear
    period: str
    rows: list[SubjectRow]
    general: GeneralResult | None
    class_size: int
    s1_average: Decimal | None = None
    s2_average: Decimal | None = None
    decision: str = ""  # ANNUAL: the council's override, else the proposed decision
    document: object = None  # VerifiableDocument, set when issued


def _mark(score, absent):
    if absent:
        return "ABS"
    return score


def report_cards_data(
    *, school_class: SchoolClass, students: list[Student], year: SchoolYear, period: str
) -> list[CardData]:
    """The content of the cards of `students` in `school_class` for `period`, in a fixed
    number of queries (about ten) whatever their number."""
    student_ids = [s.pk for s in students]
    semesters = {s.number: s for s in Semester.objects.filter(year=year)}
    annual = period == Period.ANNUAL
    periods = [Period.S1, Period.S2, Period.ANNUAL] if annual else [period]

    # coefficients of the level (and track): a track's own entry wins over the level's
    coefficients: dict[int, Decimal] = {}
    entries = CurriculumEntry.objects.filter(year=year, level_id=school_class.level_id).filter(
        Q(track__isnull=True) | Q(track_id=school_class.track_id)
    )
    order: list[int] = []
    for entry in entries.order_by("track_id", "pk"):  # NULL track first, then the track's
        if entry.subject_id not in coefficients:
            order.append(entry.subject_id)
        coefficients[entry.subject_id] = entry.coefficient

    results: dict[tuple[int, str], dict[int, Decimal | None]] = defaultdict(dict)
    for r in SubjectResult.objects.filter(
        student_id__in=student_ids, year=year, period__in=periods
    ).values("student_id", "period", "subject_id", "average"):
        results[(r["student_id"], r["period"])][r["subject_id"]] = r["average"]

    lines: dict[int, dict[int, MarkLine]] = defaultdict(dict)
    # the marks and remarks of the period's semester; the annual card shows semester 2's remarks
    semester = semesters.get(2 if annual else int(period[1]))
    if semester is not None:
        for line in MarkLine.objects.filter(
            student_id__in=student_ids, semester=semester, school_class=school_class
        ):
            lines[line.student_id][line.subject_id] = line

    stats = {
        s.subject_id: s
        for s in ClassSubjectStat.objects.filter(
            school_class=school_class, year=year, period=period
        )
    }
    generals: dict[tuple[int, str], GeneralResult] = {
        (g.student_id, g.period): g
        for g in GeneralResult.objects.filter(
            student_id__in=student_ids, year=year, period__in=periods
        )
    }
    class_size = GeneralResult.objects.filter(
        school_class=school_class, year=year, period=period, average__isnull=False
    ).aggregate(n=Count("pk"))["n"]
    overrides = {}
    if annual:
        overrides = dict(
            CouncilDecision.objects.filter(
                student_id__in=student_ids, year=year, school=school_class.school_id
            ).values_list("student_id", "decision")
        )

    extra = {sid for per in results.values() for sid in per} | {
        sid for per in lines.values() for sid in per
    }
    subject_ids = order + sorted(extra - set(order))
    subjects = Subject.objects.in_bulk(subject_ids)

    cards = []
    for student in students:
        own = results.get((student.pk, period), {})
        rows = []
        for sid in subject_ids:
            line = lines.get(student.pk, {}).get(sid)
            if sid not in coefficients and sid not in own and line is None:
                continue  # another level's subject met by another student
            stat = stats.get(sid)
            row = SubjectRow(
                subject=subjects[sid],
                coefficient=coefficients.get(sid),
                average=own.get(sid),
                mean=stat.mean if stat else None,
                minimum=stat.minimum if stat else None,
                maximum=stat.maximum if stat else None,
                remark=line.remark if line else "",
            )
            if annual:
                row.s1 = results.get((student.pk, Period.S1), {}).get(sid)
                row.s2 = results.get((student.pk, Period.S2), {}).get(sid)
            elif line is not None:
                row.marks = [
                    _mark(getattr(line, f"score{n}"), getattr(line, f"absent{n}"))
                    for n in (1, 2, 3, 4)
                ]
                row.activities = _mark(line.activities, line.activities_absent)
            if not row.marks:
                row.marks = [None] * 4
            rows.append(row)
        general = generals.get((student.pk, period))
        card = CardData(
            student=student,
            school_class=school_class,
            year=year,
            period=period,
            rows=rows,
            general=general,
            class_size=class_size,
        )
        if annual:
            s1 = generals.get((student.pk, Period.S1))
            s2 = generals.get((student.pk, Period.S2))
            card.s1_average = s1.average if s1 else None
            card.s2_average = s2.average if s2 else None
            card.decision = overrides.get(student.pk) or (
                general.proposed_decision if general else ""
            )
        cards.append(card)
    return cards


def bulk_file_get(scope: Scope, user, *, job_id: int):
    """The finished bulk PDF of a report-card job its reader may follow (creator, school
    administration, ministry: core.selectors.job_get), else 404."""
    from massar.assessment.report_cards import BULK_KIND, bulk_file_path
    from massar.core.models import Job
    from massar.core.selectors import job_get

    job = job_get(scope, user, job_id)
    relative = (job.result or {}).get("file")
    if job.kind != BULK_KIND or job.status != Job.Status.DONE or not relative:
        raise Http404
    path = bulk_file_path(relative)
    if not path.is_file():
        raise Http404
    return job, path
