"""Reads of the grade grid: the grade books a user may open (with their state), one grid with
its rows, and the history of marks. Every read takes the scope first; a book the user may not
see is not found (404)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, IntegerField, Q, Sum
from django.db.models.functions import Cast
from django.http import Http404
from django.utils import timezone

from massar.assessment.grades import book_role
from massar.assessment.models import GradeBook, GradeDeadline, MarkChange, MarkLine
from massar.assessment.models.marks import ACTIVITIES
from massar.assessment.policy import policies_for_year, policy_for
from massar.core.scopes import Scope
from massar.enrollment.models import Enrollment, SchoolClass, TeachingAssignment
from massar.schools.models import School, Semester, Subject
from massar.schools.selectors import current_year, school_list

MAX_TESTS = 4


# --- the semester and the school a page is about ----------------------------------------------
def semesters_of(year) -> list[Semester]:
    semesters = list(Semester.objects.filter(year=year).order_by("number")) if year else []
    for s in semesters:
        s.year = year  # already loaded: no query per semester
    return semesters


def semester_pick(semesters: list[Semester], number=None) -> Semester | None:
    """The semester asked for (1 or 2), else the one today falls in, else the first."""
    wanted = str(number or "")
    for s in semesters:
        if wanted and str(s.number) == wanted:
            return s
    today = timezone.localdate()
    for s in semesters:
        if s.starts_on <= today <= s.ends_on:
            return s
    return semesters[0] if semesters else None


def book_school(scope: Scope, school_id=None) -> School | None:
    """The school whose grade books an administrator or an overseer reads: the user's own
    school (another one asked for is not found); for oversight roles the school asked for if
    it is in their territory, None when none is asked for (they choose first)."""
    wanted = str(school_id) if school_id not in (None, "") else None
    if wanted is not None and not wanted.isdigit():
        raise Http404
    if scope.school_ids:
        schools = School.objects.filter(pk__in=scope.school_ids).order_by("code")
        school = schools.filter(pk=wanted).first() if wanted else schools.first()
        if school is None:
            raise Http404
        return school
    if not scope.is_territorial:
        raise Http404
    if wanted is None:
        return None
    school = school_list(scope).filter(pk=wanted).first()
    if school is None:
        raise Http404
    return school


def schools_to_choose(scope: Scope, text: str = ""):
    schools = school_list(scope).order_by("code")
    text = text.strip()
    if text:
        schools = schools.filter(Q(code__iexact=text) | Q(name_fr__icontains=text))
    return schools


# --- grade book lists -------------------------------------------------------------------------
def book_assignments(
    scope: Scope,
    *,
    year,
    school: School | None = None,
    level_code: str = "",
    class_id: int | None = None,
):
    """The class × subject pairs of a list, from the teaching assignments: the teacher's own
    (school None), or a school's. Ordered by level, class and subject; joined for display."""
    qs = TeachingAssignment.objects.filter(school_class__year=year).select_related(
        "school_class__level", "school_class__school", "subject", "teacher"
    )
    if school is None:
        qs = qs.filter(teacher__user_id=scope.user_id, school_id__in=scope.teacher_school_ids)
    else:
        qs = qs.filter(school=school)
    if level_code:
        qs = qs.filter(school_class__level__code=level_code)
    if class_id:
        qs = qs.filter(school_class_id=class_id)
    return qs.order_by("school_class__level__order", "school_class__name", "subject__code", "pk")


@dataclass
class BookState:
    assignment: TeachingAssignment
    semester: Semester
    students: int = 0
    entered: int = 0  # marks (or absences) entered in the policy's columns
    total: int = 0  # students × columns
    validated_at: object = None
    deadline: object = None
    past_deadline: bool = False
    extra: dict = field(default_factory=dict)

    @property
    def school_class(self):
        return self.assignment.school_class

    @property
    def subject(self):
        return self.assignment.subject

    @property
    def percent(self) -> int:
        return round(100 * self.entered / self.total) if self.total else 0


def _filled(test: int):
    """1 when a line's cell for `test` holds a mark or an absence (summed per book)."""
    if test == ACTIVITIES:
        score, absent = "activities", "activities_absent"
    else:
        score, absent = f"score{test}", f"absent{test}"
    return Sum(
        Cast(Q(**{f"{score}__isnull": False}) | Q(**{absent: True}), IntegerField()),
        default=0,
    )


def book_states(assignments: list[TeachingAssignment], semester: Semester) -> list[BookState]:
    """The state of each class × subject for one semester, in five queries whatever the number
    of books: enrolled students per class, filled cells per book (one GROUP BY on mark lines,
    index school/semester/subject), grade books (validation), deadlines, stored policies."""
    if not assignments:
        return []
    class_ids = {a.school_class_id for a in assignments}
    subject_ids = {a.subject_id for a in assignments}
    school_ids = {a.school_id for a in assignments}
    students = dict(
        Enrollment.objects.filter(
            school_id__in=school_ids, school_class_id__in=class_ids, status="ENROLLED"
        )
        .values_list("school_class_id")
        .annotate(n=Count("pk"))
        .values_list("school_class_id", "n")
    )
    filled = {
        (row["school_class_id"], row["subject_id"]): row
        for row in MarkLine.objects.filter(
            school_id__in=school_ids,
            semester=semester,
            subject_id__in=subject_ids,
            school_class_id__in=class_ids,
        )
        .values("school_class_id", "subject_id")
        .annotate(
            t1=_filled(1), t2=_filled(2), t3=_filled(3), t4=_filled(4), t5=_filled(ACTIVITIES)
        )
    }
    validated = {
        (b.school_class_id, b.subject_id): b.validated_at
        for b in GradeBook.objects.filter(
            school_id__in=school_ids,
            semester=semester,
            school_class_id__in=class_ids,
            validated_at__isnull=False,
        ).only("school_class_id", "subject_id", "validated_at")
    }
    deadlines = deadlines_by_school(semester, school_ids)
    stored = policies_for_year(semester.year)
    today = timezone.localdate()
    states = []
    for a in assignments:
        c = a.school_class
        policy = policy_for(year=semester.year, level=c.level, track=c.track_id, stored=stored)
        tests = min(policy.tests_per_semester, MAX_TESTS)
        columns = [*range(1, tests + 1), *([ACTIVITIES] if policy.has_activities else [])]
        row = filled.get((c.pk, a.subject_id), {})
        n = students.get(c.pk, 0)
        deadline = deadlines.get(a.school_id, deadlines.get(None))
        states.append(
            BookState(
                assignment=a,
                semester=semester,
                students=n,
                entered=sum(row.get(f"t{t}", 0) or 0 for t in columns),
                total=n * len(columns),
                validated_at=validated.get((c.pk, a.subject_id)),
                deadline=deadline,
                past_deadline=bool(deadline and today > deadline),
            )
        )
    return states


def deadlines_by_school(semester: Semester, school_ids) -> dict:
    """{school_id or None (national): closes_on} for a semester (one query)."""
    return {
        d.school_id: d.closes_on
        for d in GradeDeadline.objects.filter(semester=semester).filter(
            Q(school__isnull=True) | Q(school_id__in=list(school_ids))
        )
    }


# --- one grid ---------------------------------------------------------------------------------
@dataclass
class Grid:
    school_class: SchoolClass
    subject: Subject
    semester: Semester
    role: str  # teacher, director or viewer
    book: GradeBook | None
    tests: list[int]  # 1..N
    has_activities: bool
    deadline: object
    rows: list[dict]
    teacher: object = None

    @property
    def locked(self) -> bool:
        return bool(self.book and self.book.validated_at)

    @property
    def past_deadline(self) -> bool:
        return bool(self.deadline and timezone.localdate() > self.deadline)

    @property
    def editable(self) -> bool:
        """The grid's inputs are open: the teacher or director before the lock, the teacher
        only until the deadline."""
        if self.role not in ("teacher", "director") or self.locked:
            return False
        return not (self.role == "teacher" and self.past_deadline)

    @property
    def correctable(self) -> bool:
        return self.role == "director" and self.locked

    @property
    def columns(self) -> list[int]:
        return [*self.tests, *([ACTIVITIES] if self.has_activities else [])]


def book_get(scope: Scope, *, class_id: int, subject_id: int, semester_number: int) -> Grid:
    """A class × subject × semester the user may read, without its rows (for writes); 404
    when the class, subject or semester does not exist or is outside the user's reach."""
    school_class = (
        SchoolClass.objects.select_related("school", "year", "level", "track")
        .filter(pk=class_id)
        .first()
    )
    subject = Subject.objects.filter(pk=subject_id).first()
    if school_class is None or subject is None:
        raise Http404
    semester = Semester.objects.filter(year_id=school_class.year_id, number=semester_number).first()
    if semester is None:
        raise Http404
    role = book_role(scope, school_class=school_class, subject=subject)
    if role is None:
        raise Http404
    if (
        role != "teacher"
        and not TeachingAssignment.objects.filter(
            school_class=school_class, subject=subject
        ).exists()
    ):
        # a pair nobody teaches is not a grade book
        raise Http404
    policy = policy_for(year=school_class.year, level=school_class.level, track=school_class.track)
    tests = min(policy.tests_per_semester, MAX_TESTS)
    deadline = deadlines_by_school(semester, [school_class.school_id])
    return Grid(
        school_class=school_class,
        subject=subject,
        semester=semester,
        role=role,
        book=GradeBook.objects.filter(
            school_id=school_class.school_id,
            school_class=school_class,
            subject=subject,
            semester=semester,
        ).first(),
        tests=list(range(1, tests + 1)),
        has_activities=policy.has_activities,
        deadline=deadline.get(school_class.school_id, deadline.get(None)),
        rows=[],
    )


def _cell(score, absent) -> dict:
    return {"value": "" if score is None else f"{score:.2f}", "absent": bool(absent)}


def grid_get(scope: Scope, *, class_id: int, subject_id: int, semester_number: int) -> Grid:
    """The grid with one row per enrolled student (ordered by last name), each with its marks
    and version: a constant number of queries whatever the class size."""
    grid = book_get(
        scope, class_id=class_id, subject_id=subject_id, semester_number=semester_number
    )
    grid.rows = grid_rows(grid)
    assignment = (
        TeachingAssignment.objects.filter(school_class=grid.school_class, subject=grid.subject)
        .select_related("teacher")
        .first()
    )
    grid.teacher = assignment.teacher if assignment else None
    return grid


def grid_rows(grid: Grid) -> list[dict]:
    c = grid.school_class
    enrollments = (
        Enrollment.objects.filter(school_id=c.school_id, school_class=c, status="ENROLLED")
        .select_related("student")
        .order_by("student__last_name_fr", "student__first_name_fr", "student_id")
    )
    lines = {
        m.student_id: m
        for m in MarkLine.objects.filter(
            school_id=c.school_id,
            school_class=c,
            subject=grid.subject,
            semester=grid.semester,
        )
    }
    rows = []
    for e in enrollments:
        s = e.student
        m = lines.get(s.pk)
        cells = {}
        for t in grid.tests:
            cells[t] = _cell(getattr(m, f"score{t}", None), getattr(m, f"absent{t}", False))
        if grid.has_activities:
            cells[ACTIVITIES] = _cell(
                getattr(m, "activities", None), getattr(m, "activities_absent", False)
            )
        rows.append(
            {
                "student": s,
                "student_id": s.pk,
                "code_massar": s.code_massar,
                "cells": cells,
                "remark": m.remark if m else "",
                "version": m.version if m else 0,
            }
        )
    return rows


# --- history ----------------------------------------------------------------------------------
def history_for_book(grid: Grid):
    """Every change of a class × subject × semester, newest first (index school, class,
    subject, semester)."""
    c = grid.school_class
    return (
        MarkChange.objects.filter(
            school_id=c.school_id,
            school_class=c,
            subject=grid.subject,
            semester=grid.semester,
        )
        .select_related("student", "actor")
        .order_by("-at", "-pk")
    )


def history_for_mark(grid: Grid, *, student_id: int, test: int):
    return history_for_book(grid).filter(student_id=student_id, test=test)


def student_in_book(grid: Grid, student_id: int):
    """The student of a row of this grid (enrolled in the class now), or 404."""
    enrollment = (
        Enrollment.objects.filter(
            school_id=grid.school_class.school_id,
            school_class=grid.school_class,
            student_id=student_id,
        )
        .select_related("student")
        .first()
    )
    if enrollment is None:
        raise Http404
    return enrollment.student


def current_semesters(year=None):
    year = year or current_year()
    return year, semesters_of(year)
