"""API of the spaces' spaces part (mounted under /api/v1/me/): what the student and guardian
space pages show (a guardian names the child with ?child=<id>; any other id is a 404), the
teacher's classes, recovery contacts, guardian activation and the director's codes. The
published results are GET /api/v1/me/results (results_day_api), read from the cache."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from ninja import Router, Schema

from massar.assessment.calendar_selectors import upcoming_tests
from massar.core.middleware import request_address
from massar.core.scopes import Scope, scope_for
from massar.portal import spaces_selectors as sel
from massar.portal.spaces_services import (
    activation_codes_issue,
    guardian_activate,
    recovery_contacts_update,
)
from massar.schools.selectors import current_year

router = Router(tags=["spaces"])
FAMILY = ("STUDENT", "GUARDIAN")


class ErrorOut(Schema):
    code: str
    message: str


class ChildOut(Schema):
    id: int
    code_massar: str
    name_fr: str
    name_ar: str


class HistoryOut(Schema):
    year: str
    school: str
    level: str
    school_class: str | None
    annual_average: Decimal | None
    decision: str


class PersonalOut(Schema):
    code_massar: str
    last_name_fr: str
    first_name_fr: str
    last_name_ar: str
    first_name_ar: str
    birth_date: date
    birth_place: str
    sex: str


class SpaceOut(Schema):
    student: PersonalOut
    children: list[ChildOut]
    history: list[HistoryOut]
    recovery_email: str
    recovery_phone: str


class TestOut(Schema):
    date: date
    subject: str
    number: int
    school_class: str


class RecoveryIn(Schema):
    recovery_email: str = ""
    recovery_phone: str = ""


class RecoveryOut(Schema):
    recovery_email: str
    recovery_phone: str


class ActivationIn(Schema):
    code: str


class ActivationOut(Schema):
    linked: int
    children: list[ChildOut]


class TeachingOut(Schema):
    school: str
    school_class_id: int
    school_class: str
    subject_id: int
    subject: str
    grade_entry: list[str]


class CodeOut(Schema):
    guardian_id: int
    guardian: str
    children: list[str]
    code: str
    expires_at: str


def _family(request) -> Scope:
    scope = scope_for(request.user)
    if not scope.has(*FAMILY):
        raise PermissionDenied
    return scope


def _child(s) -> dict:
    return {
        "id": s.pk,
        "code_massar": s.code_massar,
        "name_fr": s.full_name_fr,
        "name_ar": s.full_name_ar,
    }


@router.get("/space", response=SpaceOut)
def space_get(request, child: int | None = None):
    """The student's (or the chosen child's) personal data as the school holds it, the
    children the user may switch between, the schooling history, the recovery contacts."""
    scope = _family(request)
    student, children = sel.space_student(scope, child)
    return {
        "student": student,
        "children": [_child(s) for s in children],
        "history": [
            {
                "year": e.year.code,
                "school": e.school.name,
                "level": e.level.name,
                "school_class": e.school_class.name if e.school_class else None,
                "annual_average": e.annual_average,
                "decision": e.decision,
            }
            for e in sel.space_history(scope, student)
        ],
        "recovery_email": request.user.recovery_email,
        "recovery_phone": request.user.recovery_phone,
    }


@router.get("/space/tests", response=list[TestOut])
def space_tests(request, child: int | None = None):
    """The upcoming tests of the student's class."""
    scope = _family(request)
    student, _children = sel.space_student(scope, child)
    return [
        {
            "date": t.date,
            "subject": t.subject.name,
            "number": t.number,
            "school_class": t.school_class.name,
        }
        for t in upcoming_tests(scope, student)[:50]
    ]


@router.put("/recovery", response={200: RecoveryOut, 400: ErrorOut})
def recovery_put(request, payload: RecoveryIn):
    """The signed-in student's or guardian's personal e-mail and phone for account recovery."""
    _family(request)
    user = recovery_contacts_update(
        user=request.user, email=payload.recovery_email, phone=payload.recovery_phone
    )
    return {"recovery_email": user.recovery_email, "recovery_phone": user.recovery_phone}


@router.post(
    "/activation", response={200: ActivationOut, 400: ErrorOut, 409: ErrorOut, 429: ErrorOut}
)
def activation_redeem(request, payload: ActivationIn):
    """Redeem a guardian activation code for the signed-in account (creating an account
    with a code is done on the page /space/activate/)."""
    done = guardian_activate(
        code=payload.code, user=request.user, client_address=request_address(request)
    )
    request.user._massar_scope = None
    children = sel.space_children(scope_for(request.user))
    return {"linked": done.linked, "children": [_child(s) for s in children]}


@router.get("/teaching", response=list[TeachingOut])
def teaching_list(request):
    """The signed-in teacher's classes and subjects of the current year, with their
    grade-entry pages."""
    scope = scope_for(request.user)
    if not scope.has("TEACHER"):
        raise PermissionDenied
    return [
        {
            "school": a.school.name,
            "school_class_id": a.school_class_id,
            "school_class": a.school_class.name,
            "subject_id": a.subject_id,
            "subject": a.subject.name,
            "grade_entry": [
                f"/evaluation/grades/{a.school_class_id}/{a.subject_id}/{n}/" for n in (1, 2)
            ],
        }
        for a in sel.teacher_assignments(scope, current_year())
    ]


@router.post("/activation-codes/classes/{class_id}", response=list[CodeOut])
def activation_codes(request, class_id: int):
    """New activation codes for the guardians of a class of the director's school (shown
    once; only their hashes are kept)."""
    scope = scope_for(request.user)
    if not scope.has("DIRECTOR"):
        raise PermissionDenied
    school_class = sel.activation_class_get(scope, class_id)
    issued = activation_codes_issue(
        actor=request.user,
        scope=scope,
        school_class=school_class,
        guardians=sel.activation_guardians(school_class),
    )
    return [
        {
            "guardian_id": c.guardian.pk,
            "guardian": str(c.guardian),
            "children": [s.code_massar for s in c.children],
            "code": c.code,
            "expires_at": c.expires_at.isoformat(),
        }
        for c in issued
    ]
