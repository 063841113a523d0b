"""Reads of the appointments part, each scoped: a guardian reaches their own requests about
their own children, the school's administration its school's, a teacher the ones addressed
to them. Also the family helpers the messages part shares (children, their current class)."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from massar.core.scopes import Scope
from massar.enrollment.models import Enrollment, TeachingAssignment
from massar.portal.models import Appointment
from massar.registry.models import Student
from massar.staff.models import StaffMember


# --- family helpers ---------------------------------------------------------------------------
def guardian_children(scope: Scope) -> QuerySet[Student]:
    """The guardian's own children (none for anyone else)."""
    if scope.user_id is None or not scope.has("GUARDIAN"):
        return Student.objects.none()
    return Student.objects.filter(guardian_links__guardian__user_id=scope.user_id).order_by(
        "birth_date", "pk"
    )


def guardian_child_get(scope: Scope, student_id) -> Student:
    """One of the guardian's children, or 404: another family's child is never disclosed."""
    try:
        student_id = int(student_id)
    except (TypeError, ValueError):
        raise Http404 from None
    student = guardian_children(scope).filter(pk=student_id).first()
    if student is None:
        raise Http404
    return student


def current_enrollment(student_id: int) -> Enrollment | None:
    """The child's enrollment of the current year (school, level, class), one query."""
    return (
        Enrollment.objects.filter(
            student_id=student_id, status=Enrollment.Status.ENROLLED, year__is_current=True
        )
        .select_related("school", "school_class")
        .order_by("-pk")
        .first()
    )


def child_teachers(enrollment: Enrollment | None) -> QuerySet[StaffMember]:
    """The teachers of the child's current class (TeachingAssignment), one query."""
    if enrollment is None or enrollment.school_class_id is None:
        return StaffMember.objects.none()
    return (
        StaffMember.objects.filter(teaching_assignments__school_class_id=enrollment.school_class_id)
        .distinct()
        .order_by("last_name_fr", "first_name_fr", "pk")
    )


def child_teacher_subjects(enrollment: Enrollment | None) -> dict[int, list[str]]:
    """teacher id -> subject codes of the child's class, to label the choice."""
    if enrollment is None or enrollment.school_class_id is None:
        return {}
    out: dict[int, list[str]] = {}
    rows = TeachingAssignment.objects.filter(
        school_class_id=enrollment.school_class_id
    ).values_list("teacher_id", "subject__code")
    for teacher_id, code in rows:
        out.setdefault(teacher_id, []).append(code)
    return out


def teacher_member_id(scope: Scope) -> int | None:
    """The StaffMember of a signed-in teacher (one query), or None."""
    if scope.user_id is None or not scope.has("TEACHER"):
        return None
    return StaffMember.objects.filter(user_id=scope.user_id).values_list("pk", flat=True).first()


# --- appointments -----------------------------------------------------------------------------
def _reach(scope: Scope) -> Q:
    """The appointments a user may see: their own requests (guardian), their school's
    (director, staff), the ones addressed to them (teacher)."""
    q = Q(pk__in=[])
    if scope.user_id is None:
        return q
    if scope.has("GUARDIAN"):
        q |= Q(
            requested_by_id=scope.user_id,
            student__guardian_links__guardian__user_id=scope.user_id,
        )
    if scope.school_ids:
        q |= Q(school_id__in=scope.school_ids)
    if scope.has("TEACHER"):
        q |= Q(teacher__user_id=scope.user_id)
    return q


def appointments_for(scope: Scope, *, status: str = "") -> QuerySet[Appointment]:
    """The appointments the user may see, newest first, joined for the list (one query)."""
    qs = Appointment.objects.filter(_reach(scope))
    if status:
        qs = qs.filter(status=status)
    return (
        qs.select_related("student", "teacher", "school").distinct().order_by("-created_at", "-pk")
    )


def appointment_get(scope: Scope, appointment_id: int) -> Appointment:
    appointment = appointments_for(scope).filter(pk=appointment_id).first()
    if appointment is None:
        raise Http404
    return appointment


def can_decide(scope: Scope, appointment: Appointment) -> bool:
    """The school decides: its director or staff, or the teacher the request is addressed to."""
    if appointment.school_id in scope.school_ids:
        return True
    return bool(
        appointment.teacher_id
        and scope.has("TEACHER")
        and appointment.teacher.user_id == scope.user_id
    )
