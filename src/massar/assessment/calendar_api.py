"""API of the evaluation's calendar part (mounted under /api/v1/evaluation/).

Staff: calendar/tests (list, plan), calendar/tests/{id} (one, move, cancel). Students and
guardians: calendar/upcoming (a student's upcoming tests; a guardian names the child).
A refused write answers {"code", "message"}: 400 bad input (date outside the semester or in
the past, bad number), 403 not the class's teacher or the school's director, 409 duplicate
number, cancelled or past test."""

from datetime import date

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from ninja import Router, Schema, Status

from massar.assessment import calendar_selectors as selectors
from massar.assessment import calendar_services as services
from massar.core.api import ErrorOut
from massar.core.paging import CappedPaginator
from massar.core.scopes import Scope, scope_for
from massar.enrollment.models import SchoolClass
from massar.schools.models import Semester, Subject
from massar.schools.selectors import current_year

router = Router(tags=["evaluation"])
PAGE_SIZE = 50
REFUSALS = {400: ErrorOut, 403: ErrorOut, 409: ErrorOut}


class PlannedTestOut(Schema):
    id: int
    school_class_id: int
    school_class: str
    subject: str  # code
    subject_name: str
    semester: int  # 1 or 2
    number: int
    date: date
    status: str  # PLANNED or CANCELLED


class PlannedTestPageOut(Schema):
    count: int
    capped: bool
    page: int
    pages: int | None
    items: list[PlannedTestOut]


class PlanIn(Schema):
    school_class_id: int
    subject: str  # subject code
    semester: int  # 1 or 2, of the class's school year
    number: int  # 1..4
    date: date


class MoveIn(Schema):
    date: date


class CancelIn(Schema):
    reason: str = ""


class StudentOut(Schema):
    id: int
    code_massar: str
    first_name_fr: str
    last_name_fr: str
    first_name_ar: str
    last_name_ar: str


class UpcomingOut(Schema):
    student: StudentOut | None
    children: list[StudentOut]  # the students the caller may switch between
    items: list[PlannedTestOut]


def _out(t) -> dict:
    return {
        "id": t.pk,
        "school_class_id": t.school_class_id,
        "school_class": t.school_class.name,
        "subject": t.subject.code,
        "subject_name": t.subject.name,
        "semester": t.semester.number,
        "number": t.number,
        "date": t.date,
        "status": t.status,
    }


def _scope(request, roles) -> Scope:
    scope = scope_for(request.user)
    if not scope.has(*roles):
        raise PermissionDenied
    return scope


def _refused(err: services.CalendarError):
    return Status(err.status, {"code": err.code, "message": err.message})


@router.get("/calendar/tests", response=PlannedTestPageOut)
def calendar_list(request, when: str = "upcoming", class_id: int | None = None, page: int = 1):
    """The tests the caller may see this school year: `when` upcoming (soonest first), past
    (latest first) or all."""
    scope = _scope(request, selectors.READ_ROLES)
    year = current_year()
    qs = selectors.planned_tests(
        scope,
        year_id=year.pk if year else None,
        school_class_id=class_id,
        when=when if when in ("upcoming", "past", "all") else "upcoming",
    )
    paginator = CappedPaginator(qs, PAGE_SIZE)
    current = paginator.get_page(page)
    return {
        "count": paginator.count,
        "capped": paginator.is_capped,
        "page": current.number,
        "pages": None if paginator.is_capped else paginator.num_pages,
        "items": [_out(t) for t in current],
    }


@router.post("/calendar/tests", response={201: PlannedTestOut, **REFUSALS})
def calendar_plan(request, payload: PlanIn):
    """Plan a test: the class's teacher for their subject, or the school's director."""
    scope = _scope(request, selectors.PLAN_ROLES)
    school_class = get_object_or_404(SchoolClass, pk=payload.school_class_id)
    subject = get_object_or_404(Subject, code=payload.subject)
    try:
        semester = Semester.objects.get(year_id=school_class.year_id, number=payload.semester)
        test = services.planned_test_create(
            scope=scope,
            actor=request.user,
            school_class=school_class,
            subject=subject,
            semester=semester,
            number=payload.number,
            date=payload.date,
        )
    except Semester.DoesNotExist:
        return Status(
            400,
            {"code": "bad_semester", "message": str(services.bad_semester_message())},
        )
    except services.CalendarError as err:
        return _refused(err)
    return Status(201, _out(selectors.planned_test_get(scope, test.pk)))


@router.get("/calendar/tests/{int:test_id}", response=PlannedTestOut)
def calendar_get(request, test_id: int):
    return _out(selectors.planned_test_get(_scope(request, selectors.READ_ROLES), test_id))


@router.post("/calendar/tests/{int:test_id}/move", response={200: PlannedTestOut, **REFUSALS})
def calendar_move(request, test_id: int, payload: MoveIn):
    """Move a test to another day of its semester; the class is notified."""
    scope = _scope(request, selectors.PLAN_ROLES)
    test = selectors.planned_test_get(scope, test_id)
    try:
        services.planned_test_move(scope=scope, actor=request.user, test=test, date=payload.date)
    except services.CalendarError as err:
        return _refused(err)
    return _out(selectors.planned_test_get(scope, test_id))


@router.post("/calendar/tests/{int:test_id}/cancel", response={200: PlannedTestOut, **REFUSALS})
def calendar_cancel(request, test_id: int, payload: CancelIn | None = None):
    """Cancel a test; the class is notified."""
    scope = _scope(request, selectors.PLAN_ROLES)
    test = selectors.planned_test_get(scope, test_id)
    try:
        services.planned_test_cancel(
            scope=scope, actor=request.user, test=test, reason=payload.reason if payload else ""
        )
    except services.CalendarError as err:
        return _refused(err)
    return _out(selectors.planned_test_get(scope, test_id))


@router.get("/calendar/upcoming", response=UpcomingOut)
def calendar_upcoming(request, student_id: int | None = None):
    """Upcoming tests of the caller (a student) or of one of the caller's children (a
    guardian; the first child when `student_id` is left out). Another family's child: 404."""
    scope = _scope(request, selectors.FAMILY_ROLES)
    children = list(selectors.family_students(scope))
    if student_id is not None:
        student = selectors.family_student_get(scope, student_id)
    else:
        student = children[0] if children else None
    tests = list(selectors.upcoming_tests(scope, student)[:200]) if student else []
    return {"student": student, "children": children, "items": [_out(t) for t in tests]}
