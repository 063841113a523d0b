"""API of student imports and registration at the desk."""

from datetime import date

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
    student_link_existing,
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
        chosen = next((c for c in candidates if c.student.pk == payload.link_to), None)
        if chosen is None:
            raise RegistryError("no_candidate", "link_to is not one of the candidates")
        student = student_link_existing(
            actor=request.user, student=chosen.student, data=data, score=chosen.score
        )
        services.enrollment_create(
            actor=request.user,
            scope=scope,
            student=student,
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
