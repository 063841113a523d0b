"""API of student imports and registration at the desk."""

from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from ninja import File, Router, Schema, Status
from ninja.files import UploadedFile

from massar.core.scopes import scope_for
from massar.enrollment import selectors, services
from massar.enrollment.student_import import Problem
from massar.registry.services import (
    RegistryError,
    student_duplicate_candidates,
)
from massar.schools.models import Level, Track

router = Router(tags=["enrollment"])


class ProblemOut(Schema):
    row: int
    column: str
    code: str
    message: str


class BatchOut(Schema):
    id: int
    file: str
    status: str
    row_count: int
    likely_duplicates: int
    job_id: int | None
    problems: list[ProblemOut]


def _batch_out(batch) -> dict:
    problems = [Problem.from_dict(p) for p in batch.problems[:1000]]
    return {
        "id": batch.pk,
        "file": batch.original_name,
        "status": batch.status,
        "row_count": batch.row_count,
        "likely_duplicates": batch.likely_duplicates,
        "job_id": batch.job_id,
        "problems": [
            {"row": p.row, "column": p.column, "code": p.code, "message": p.message()}
            for p in problems
        ],
    }


@router.post("/imports/students", response={201: BatchOut})
def import_upload(request, file: UploadedFile = File(...)):  # noqa: B008 (ninja's idiom)
    """Send a CSV (UTF-8) or XLSX file of students; it is checked, nothing is written."""
    scope = scope_for(request.user)
    if not scope.has(*services.IMPORT_ROLES):
        raise PermissionDenied
    if not file.name.lower().endswith((".csv", ".xlsx")):
        raise RegistryError("bad_extension", Problem(0, "", "bad_extension").message())
    schools = list(selectors.desk_schools(scope)[:2])
    batch = services.import_batch_create(
        scope=scope,
        actor=request.user,
        upload=file,
        school_id=schools[0].pk if len(schools) == 1 else None,
    )
    return Status(201, _batch_out(batch))


@router.get("/imports/{batch_id}", response=BatchOut)
def import_status(request, batch_id: int):
    return _batch_out(selectors.import_batch_get(scope_for(request.user), request.user, batch_id))


@router.post("/imports/{batch_id}/load", response=BatchOut)
def import_load(request, batch_id: int):
    scope = scope_for(request.user)
    if not scope.has(*services.IMPORT_ROLES):
        raise PermissionDenied
    batch = selectors.import_batch_get(scope, request.user, batch_id)
    try:
        batch = services.import_batch_load(actor=request.user, batch=batch)
    except services.ImportRefused as refused:
        raise RegistryError("not_loadable", str(refused)) from refused
    return _batch_out(batch)


@router.post("/imports/{batch_id}/accept-new", response=BatchOut)
def import_accept_new(request, batch_id: int):
    scope = scope_for(request.user)
    if not scope.has(*services.IMPORT_ROLES):
        raise PermissionDenied
    batch = selectors.import_batch_get(scope, request.user, batch_id)
    return _batch_out(services.import_batch_accept_new_identities(actor=request.user, batch=batch))


class GuardianIn(Schema):
    last_name_fr: str
    first_name_fr: str
    phone: str = ""
    relation: str


class RegistrationIn(Schema):
    school_id: int
    level: str
    track: str | None = None
    last_name_fr: str
    first_name_fr: str
    last_name_ar: str
    first_name_ar: str
    sex: str
    birth_date: date
    birth_place: str = ""
    guardian: GuardianIn
    link_to: int | None = None  # an existing student's id from the candidates
    confirm_new: bool = False
    seen_candidates: list[int] = []


class CandidateOut(Schema):
    id: int
    code_massar: str
    last_name_fr: str
    first_name_fr: str
    birth_date: date
    score: int


class RegisteredOut(Schema):
    id: int
    code_massar: str
    linked: bool


class DuplicateOut(Schema):
    code: str
    message: str
    candidates: list[CandidateOut]


@router.post("/students/register", response={201: RegisteredOut, 409: DuplicateOut})
def student_register(request, payload: RegistrationIn):
    """Register a new child at the desk. When likely duplicates exist, answers 409 with them:
    call again with `link_to` (it is one of them) or `confirm_new` and `seen_candidates`."""
    scope = scope_for(request.user)
    school = get_object_or_404(selectors.desk_schools(scope), pk=payload.school_id)
    level = get_object_or_404(Level, code=payload.level)
    track = get_object_or_404(Track, code=payload.track) if payload.track else None
    data = payload.dict(
        include={
            "last_name_fr",
            "first_name_fr",
            "last_name_ar",
            "first_name_ar",
            "sex",
            "birth_date",
            "birth_place",
        }
    )
    candidates = student_duplicate_candidates(data)
    if payload.link_to is not None:
        student = services.student_link_and_enroll(
            actor=request.user,
            scope=scope,
            candidates=candidates,
            candidate_id=payload.link_to,
            data=data,
            school=school,
            level=level,
            track=track,
        )
        return Status(201, {"id": student.pk, "code_massar": student.code_massar, "linked": True})
    try:
        student = services.student_register_and_enroll(
            actor=request.user,
            scope=scope,
            school=school,
            level=level,
            track=track,
            data=data,
            guardian=payload.guardian.dict(),
            confirmed_new=payload.confirm_new,
            seen_candidates=payload.seen_candidates,
        )
    except RegistryError as err:
        return Status(
            409,
            {
                "code": err.code,
                "message": err.message,
                "candidates": [
                    {
                        "id": c.student.pk,
                        "code_massar": c.student.code_massar,
                        "last_name_fr": c.student.last_name_fr,
                        "first_name_fr": c.student.first_name_fr,
                        "birth_date": c.student.birth_date,
                        "score": c.score,
                    }
                    for c in student_duplicate_candidates(data)
                ],
            },
        )
    return Status(201, {"id": student.pk, "code_massar": student.code_massar, "linked": False})


# --- rentrée: re-enrollment, decisions, leaving, teaching assignments ------------------------


class ReenrollmentOut(Schema):
    school_id: int
    to_year: str
    promoted: int
    oriented: int
    repeating: int
    already: int
    leaving_cycle: list[int]
    awaiting: list[int]


def _desk_school_or_404(scope, school_id: int):
    return get_object_or_404(selectors.desk_schools(scope), pk=school_id)


@router.get("/rentree/{school_id}", response=ReenrollmentOut)
def rentree_review(request, school_id: int, to: str):
    """What re-enrolling this school into year `to` would do (nothing is written)."""
    from massar.schools.models import SchoolYear

    scope = scope_for(request.user)
    school = _desk_school_or_404(scope, school_id)
    to_year = get_object_or_404(SchoolYear, code=to)
    report = services.reenrollment_review(scope=scope, school=school, to_year=to_year)
    return {
        "school_id": school.pk,
        "to_year": to_year.code,
        **{
            f: getattr(report, f)
            for f in ("promoted", "oriented", "repeating", "already", "leaving_cycle", "awaiting")
        },
    }


@router.post("/rentree/{school_id}", response=ReenrollmentOut)
def rentree_confirm(request, school_id: int, to: str):
    from massar.schools.models import SchoolYear

    scope = scope_for(request.user)
    school = _desk_school_or_404(scope, school_id)
    to_year = get_object_or_404(SchoolYear, code=to)
    report = services.reenrollment_confirm(
        actor=request.user, scope=scope, school=school, to_year=to_year
    )
    return {
        "school_id": school.pk,
        "to_year": to_year.code,
        **{
            f: getattr(report, f)
            for f in ("promoted", "oriented", "repeating", "already", "leaving_cycle", "awaiting")
        },
    }


class EnrollmentOut(Schema):
    id: int
    code_massar: str
    school_code: str
    year: str
    level: str
    track: str | None
    school_class: str | None
    status: str
    left_reason: str
    decision: str
    decision_track: str | None
    annual_average: Decimal | None
    is_repeater: bool


def _enrollment_out(e) -> dict:
    return {
        "id": e.pk,
        "code_massar": e.student.code_massar,
        "school_code": e.school.code,
        "year": e.year.code,
        "level": e.level.code,
        "track": e.track.code if e.track else None,
        "school_class": e.school_class.name if e.school_class else None,
        "status": e.status,
        "left_reason": e.left_reason,
        "decision": e.decision,
        "decision_track": e.decision_track.code if e.decision_track else None,
        "annual_average": e.annual_average,
        "is_repeater": e.is_repeater,
    }


def _enrollment_in_scope(scope, enrollment_id: int):
    from massar.enrollment.models import Enrollment

    return get_object_or_404(
        Enrollment.objects.select_related(
            "student", "school", "year", "level", "track", "school_class", "decision_track"
        ),
        pk=enrollment_id,
        school_id__in=scope.school_ids,
    )


@router.get("/enrollments/{enrollment_id}", response=EnrollmentOut)
def enrollment_get(request, enrollment_id: int):
    return _enrollment_out(_enrollment_in_scope(scope_for(request.user), enrollment_id))


class DecisionIn(Schema):
    decision: str
    track: str | None = None
    annual_average: Decimal | None = None
    reason: str = ""


@router.put("/enrollments/{enrollment_id}/decision", response=EnrollmentOut)
def enrollment_decision(request, enrollment_id: int, payload: DecisionIn):
    scope = scope_for(request.user)
    enrollment = _enrollment_in_scope(scope, enrollment_id)
    track = get_object_or_404(Track, code=payload.track) if payload.track else None
    services.enrollment_set_decision(
        actor=request.user,
        scope=scope,
        enrollment=enrollment,
        decision=payload.decision,
        decision_track=track,
        annual_average=payload.annual_average,
        reason=payload.reason,
    )
    return _enrollment_out(_enrollment_in_scope(scope, enrollment_id))


class EndIn(Schema):
    status: str
    reason: str = ""


@router.post("/enrollments/{enrollment_id}/end", response=EnrollmentOut)
def enrollment_end(request, enrollment_id: int, payload: EndIn):
    scope = scope_for(request.user)
    services.enrollment_end(
        actor=request.user,
        scope=scope,
        enrollment=_enrollment_in_scope(scope, enrollment_id),
        status=payload.status,
        reason=payload.reason,
    )
    return _enrollment_out(_enrollment_in_scope(scope, enrollment_id))


class AssignmentIn(Schema):
    school_class_id: int
    subject_id: int
    teacher_id: int
    weekly_hours: Decimal


class AssignmentOut(Schema):
    id: int
    school_class: str
    subject: str
    teacher_ppr: str
    weekly_hours: Decimal


class OverviewClass(Schema):
    school_class: str
    covered: list[str]
    uncovered: list[str]


class OverviewTeacher(Schema):
    ppr: str
    name: str
    hours: Decimal
    required: int


class OverviewOut(Schema):
    classes: list[OverviewClass]
    teachers: list[OverviewTeacher]
    uncovered: int


@router.get("/assignments/{school_id}", response=OverviewOut)
def assignment_overview(request, school_id: int):
    from massar.enrollment.assignments import assignment_overview as overview
    from massar.schools.models import School
    from massar.schools.selectors import current_year

    scope = scope_for(request.user)
    school = get_object_or_404(School, pk=school_id)
    data = overview(scope, school, current_year())
    return {
        "classes": [
            {
                "school_class": line.school_class.name,
                "covered": [s["subject"].code for s in line.subjects if s["assignment"]],
                "uncovered": [s["subject"].code for s in line.uncovered],
            }
            for line in data["lines"]
        ],
        "teachers": [
            {
                "ppr": t["teacher"].ppr,
                "name": str(t["teacher"]),
                "hours": t["hours"],
                "required": t["required"],
            }
            for t in data["teachers"]
        ],
        "uncovered": data["uncovered"],
    }


@router.post("/assignments", response={201: AssignmentOut})
def assignment_save(request, payload: AssignmentIn):
    from massar.enrollment.assignments import teaching_assign
    from massar.enrollment.models import SchoolClass
    from massar.staff.models import StaffMember

    scope = scope_for(request.user)
    school_class = get_object_or_404(
        SchoolClass, pk=payload.school_class_id, school_id__in=scope.school_ids
    )
    teacher = get_object_or_404(StaffMember, pk=payload.teacher_id)
    a = teaching_assign(
        actor=request.user,
        scope=scope,
        school_class=school_class,
        subject_id=payload.subject_id,
        teacher=teacher,
        weekly_hours=payload.weekly_hours,
    )
    return Status(
        201,
        {
            "id": a.pk,
            "school_class": school_class.name,
            "subject": a.subject.code,
            "teacher_ppr": teacher.ppr,
            "weekly_hours": a.weekly_hours,
        },
    )
