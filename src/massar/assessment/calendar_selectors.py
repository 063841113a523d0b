"""Reads of the test calendar, each scoped by its first argument.

Who sees a planned test: the teacher assigned to its class and subject; the director and
office staff of its school; the directorate, academy and ministry over the school; and the
class's students and their guardians (upcoming tests only, through `upcoming_tests`)."""

from __future__ import annotations

from datetime import date

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from massar.assessment.models import PlannedTest, TestStatus
from massar.core.scopes import Scope
from massar.enrollment.models import Enrollment, TeachingAssignment
from massar.registry.models import GuardianLink, Student

READ_ROLES = ("MINISTRY", "ACADEMY", "DIRECTORATE", "DIRECTOR", "STAFF", "TEACHER")
# Planning is the assigned teacher's and the director's (book_role "teacher" or "director");
# office staff and the territories only read.
PLAN_ROLES = ("DIRECTOR", "TEACHER")
FAMILY_ROLES = ("STUDENT", "GUARDIAN")


def _staff_reach(scope: Scope) -> Q:
    """Q over PlannedTest: the tests a staff member of any level may see. (Never an empty Q:
    `Q() | other` is `other`, which would narrow "everything" to "other".)"""
    if scope.nation:
        return Q(pk__isnull=False)
    q = Q(pk__in=[])
    if scope.is_territorial or scope.school_ids:
        q |= scope.schools_q("school__")
    if scope.teacher_school_ids:
        q |= Q(
            Exists(
                TeachingAssignment.objects.filter(
                    school_class=OuterRef("school_class"),
                    subject=OuterRef("subject"),
                    teacher__user_id=scope.user_id,
                )
            )
        )
    return q


def planned_tests(
    scope: Scope,
    *,
    year_id: int | None = None,
    school_class_id: int | None = None,
    when: str = "all",
    today: date | None = None,
) -> QuerySet[PlannedTest]:
    """The calendar's tests the user may see, joined for display, by date. `when`:
    "upcoming" (today on, soonest first), "past" (latest first) or "all". Index
    (school_class, date) serves a class's calendar."""
    if not scope.is_staff_member:
        return PlannedTest.objects.none()
    today = today or timezone.localdate()
    qs = PlannedTest.objects.filter(_staff_reach(scope)).select_related(
        "school_class__level", "subject", "semester", "teacher"
    )
    if year_id:
        qs = qs.filter(semester__year_id=year_id)
    if school_class_id:
        qs = qs.filter(school_class_id=school_class_id)
    if when == "upcoming":
        return qs.filter(date__gte=today).order_by("date", "school_class__name", "pk")
    if when == "past":
        return qs.filter(date__lt=today).order_by("-date", "school_class__name", "-pk")
    return qs.order_by("date", "pk")


def planned_test_get(scope: Scope, test_id: int) -> PlannedTest:
    """One test the user may see, or 404 (never 403: its existence is not disclosed)."""
    test = planned_tests(scope).filter(pk=test_id).select_related("school").first()
    if test is None:
        raise Http404
    return test


def plannable_assignments(scope: Scope, *, year_id: int) -> QuerySet[TeachingAssignment]:
    """The class × subject pairs the user may plan tests for this year: a teacher's own
    assignments, all of a director's school."""
    q = Q(pk__in=[])
    if scope.teacher_school_ids:
        q |= Q(teacher__user_id=scope.user_id, school_id__in=scope.teacher_school_ids)
    if scope.director_school_ids:
        q |= Q(school_id__in=scope.director_school_ids)
    return (
        TeachingAssignment.objects.filter(q, school_class__year_id=year_id)
        .select_related("school_class__level", "subject")
        .order_by("school_class__level__order", "school_class__name", "subject__code")
    )


# --- students and guardians ------------------------------------------------------------------
def family_students(scope: Scope) -> QuerySet[Student]:
    """The students whose tests the user follows: a student themself, a guardian's
    children."""
    q = Q(pk__in=[])
    if scope.has("STUDENT"):
        q |= Q(user_id=scope.user_id)
    if scope.has("GUARDIAN"):
        q |= Q(guardian_links__guardian__user_id=scope.user_id)
    if scope.user_id is None:
        return Student.objects.none()
    return Student.objects.filter(q).distinct().order_by("birth_date", "pk")


def family_student_get(scope: Scope, student_id: int) -> Student:
    """One of the user's own students (self or child), or 404: another family's child is
    never disclosed."""
    student = family_students(scope).filter(pk=student_id).first()
    if student is None:
        raise Http404
    return student


def upcoming_tests(
    scope: Scope, student: Student, *, today: date | None = None
) -> QuerySet[PlannedTest]:
    """The planned (not cancelled) tests from today on of the student's current class, as the
    user may see them: all of them for the student and their guardians, the tests within
    reach for staff, none for anyone else. One query."""
    today = today or timezone.localdate()
    if student.user_id is not None and student.user_id == scope.user_id:
        reach = Q(pk__isnull=False)
    else:
        reach = Q(pk__in=[])
        if scope.has("GUARDIAN"):
            reach |= Q(
                Exists(
                    GuardianLink.objects.filter(
                        student_id=student.pk, guardian__user_id=scope.user_id
                    )
                )
            )
        if scope.is_staff_member:
            reach |= _staff_reach(scope)
    classes = Enrollment.objects.filter(
        student_id=student.pk,
        status=Enrollment.Status.ENROLLED,
        year__is_current=True,
        school_class__isnull=False,
    ).values("school_class_id")
    return (
        PlannedTest.objects.filter(
            reach,
            school_class_id__in=classes,
            status=TestStatus.PLANNED,
            date__gte=today,
        )
        .select_related("subject", "semester", "school_class")
        .order_by("date", "subject__code", "pk")
    )
