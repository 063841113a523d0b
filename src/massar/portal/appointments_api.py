"""API of the spaces' appointments part (mounted under /api/v1/me/): a guardian's requests
and the people they may ask, the school's answers."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import PermissionDenied
from ninja import Router, Schema, Status

from massar.core.paging import CappedPaginator
from massar.core.scopes import scope_for
from massar.portal import appointments_selectors as sel
from massar.portal import appointments_services as services
from massar.portal.appointments_views import person_name
from massar.portal.models import Appointment

router = Router(tags=["spaces"])
PAGE_SIZE = 50
SIDES = ("GUARDIAN", "DIRECTOR", "STAFF", "TEACHER")


class ErrorOut(Schema):
    code: str
    message: str


class AppointmentOut(Schema):
    id: int
    school: str
    student_id: int
    student: str
    teacher_id: int | None
    teacher: str | None  # null: the director
    reason: str
    preferred_slots: str
    status: str
    scheduled_at: datetime | None
    decline_reason: str
    created_at: datetime
    decided_at: datetime | None


class AppointmentPageOut(Schema):
    count: int
    capped: bool
    page: int
    pages: int | None
    items: list[AppointmentOut]


class TargetOut(Schema):
    teacher_id: int | None
    name: str
    subjects: list[str]


class RequestIn(Schema):
    student_id: int
    teacher_id: int | None = None
    reason: str
    preferred_slots: str = ""


class AcceptIn(Schema):
    scheduled_at: datetime


class DeclineIn(Schema):
    reason: str


def _scope(request, *roles):
    scope = scope_for(request.user)
    if not scope.has(*roles):
        raise PermissionDenied
    return scope


def _out(a: Appointment) -> dict:
    return {
        "id": a.pk,
        "school": a.school.code,
        "student_id": a.student_id,
        "student": person_name(a.student),
        "teacher_id": a.teacher_id,
        "teacher": person_name(a.teacher) or None,
        "reason": a.reason,
        "preferred_slots": a.preferred_slots,
        "status": a.status,
        "scheduled_at": a.scheduled_at,
        "decline_reason": a.decline_reason,
        "created_at": a.created_at,
        "decided_at": a.decided_at,
    }


ERRORS = {400: ErrorOut, 403: ErrorOut, 409: ErrorOut}


@router.get("/appointments", response=AppointmentPageOut)
def appointment_list(request, page: int = 1, status: str = ""):
    scope = _scope(request, *SIDES)
    status = status if status in Appointment.Status.values else ""
    paginator = CappedPaginator(sel.appointments_for(scope, status=status), PAGE_SIZE)
    current = paginator.get_page(page)
    return {
        "count": paginator.count,
        "capped": paginator.is_capped,
        "page": current.number,
        "pages": None if paginator.is_capped else paginator.num_pages,
        "items": [_out(a) for a in current],
    }


@router.get("/appointments/targets", response=list[TargetOut])
def appointment_targets(request, student_id: int):
    """Whom a guardian may ask about this child: the director, the child's class teachers."""
    scope = _scope(request, "GUARDIAN")
    child = sel.guardian_child_get(scope, student_id)
    enrollment = sel.current_enrollment(child.pk)
    subjects = sel.child_teacher_subjects(enrollment)
    out = [{"teacher_id": None, "name": "", "subjects": []}] if enrollment else []
    out += [
        {"teacher_id": t.pk, "name": person_name(t), "subjects": subjects.get(t.pk, [])}
        for t in sel.child_teachers(enrollment)
    ]
    return out


@router.post("/appointments", response={200: AppointmentOut, 201: AppointmentOut, **ERRORS})
def appointment_request(request, payload: RequestIn):
    """201 with the new request; 200 with the open one when the same request was just sent."""
    scope = _scope(request, "GUARDIAN")
    appointment, created = services.appointment_request(
        actor=request.user,
        scope=scope,
        student_id=payload.student_id,
        teacher_id=payload.teacher_id,
        reason=payload.reason,
        preferred_slots=payload.preferred_slots,
    )
    appointment = sel.appointment_get(scope, appointment.pk)
    return Status(201 if created else 200, _out(appointment))


@router.get("/appointments/{int:appointment_id}", response=AppointmentOut)
def appointment_detail(request, appointment_id: int):
    scope = _scope(request, *SIDES)
    return _out(sel.appointment_get(scope, appointment_id))


@router.post("/appointments/{int:appointment_id}/accept", response={200: AppointmentOut, **ERRORS})
def appointment_accept(request, appointment_id: int, payload: AcceptIn):
    scope = _scope(request, "DIRECTOR", "STAFF", "TEACHER")
    services.appointment_accept(
        actor=request.user,
        scope=scope,
        appointment_id=appointment_id,
        scheduled_at=payload.scheduled_at,
    )
    return _out(sel.appointment_get(scope, appointment_id))


@router.post("/appointments/{int:appointment_id}/decline", response={200: AppointmentOut, **ERRORS})
def appointment_decline(request, appointment_id: int, payload: DeclineIn):
    scope = _scope(request, "DIRECTOR", "STAFF", "TEACHER")
    services.appointment_decline(
        actor=request.user, scope=scope, appointment_id=appointment_id, reason=payload.reason
    )
    return _out(sel.appointment_get(scope, appointment_id))


@router.post("/appointments/{int:appointment_id}/cancel", response={200: AppointmentOut, **ERRORS})
def appointment_cancel(request, appointment_id: int):
    """The guardian withdraws their own request."""
    scope = _scope(request, "GUARDIAN")
    services.appointment_cancel(actor=request.user, scope=scope, appointment_id=appointment_id)
    return _out(sel.appointment_get(scope, appointment_id))
