"""API of transfers (mobilité): the list and one transfer as each side may see them, the
steps of an individual transfer, and collective mobility as a job.

A refused step answers {"code", "message"}: 400 for bad input (wrong cycle, unknown student,
missing reason), 409 when the transfer's state forbids it (already accepted, not released…).
"""

from datetime import date, datetime

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from ninja import Router, Schema, Status

from massar.core.api import ErrorOut
from massar.core.paging import CappedPaginator
from massar.core.scopes import Scope, scope_for
from massar.enrollment import transfers
from massar.enrollment.selectors import desk_schools
from massar.schools.models import Level, School, SchoolYear, Track

router = Router(tags=["transfers"])
PAGE_SIZE = 50
REFUSALS = {400: ErrorOut, 409: ErrorOut}


class TransferOut(Schema):
    id: int
    code_massar: str
    last_name_fr: str
    first_name_fr: str
    last_name_ar: str
    first_name_ar: str
    birth_date: date
    kind: str
    status: str
    year: str
    requested_at: datetime
    released_at: datetime | None
    decided_at: datetime | None
    origin_school: str
    origin_school_name: str
    origin_directorate: str
    receiving_school: str
    receiving_school_name: str
    receiving_directorate: str
    level: str
    track: str | None
    requested_by_family: bool
    reason: str  # the latest reason given: the request's, then a refusal's or cancellation's
    side: str  # the caller's part: origin, receiving or oversight


class TransferPageOut(Schema):
    count: int
    capped: bool
    page: int
    pages: int | None
    items: list[TransferOut]


class HistoryOut(Schema):
    action: str
    at: datetime
    actor: str
    reason: str


class TransferDetailOut(TransferOut):
    actions: list[str]  # the steps the caller may take now
    student_id: int | None  # for the registry's student file, once the caller may open it
    history: list[HistoryOut]


def _out(t, scope: Scope) -> dict:
    return {
        "id": t.pk,
        "code_massar": t.student.code_massar,
        "last_name_fr": t.student.last_name_fr,
        "first_name_fr": t.student.first_name_fr,
        "last_name_ar": t.student.last_name_ar,
        "first_name_ar": t.student.first_name_ar,
        "birth_date": t.student.birth_date,
        "kind": t.kind,
        "status": t.status,
        "year": t.year.code,
        "requested_at": t.requested_at,
        "released_at": t.released_at,
        "decided_at": t.decided_at,
        "origin_school": t.origin_school.code,
        "origin_school_name": t.origin_school.name,
        "origin_directorate": t.origin_school.directorate.code,
        "receiving_school": t.receiving_school.code,
        "receiving_school_name": t.receiving_school.name,
        "receiving_directorate": t.receiving_school.directorate.code,
        "level": t.level.code,
        "track": t.track.code if t.track else None,
        "requested_by_family": t.requested_by_family,
        "reason": t.reason,
        "side": transfers.transfer_side(scope, t),
    }


def _detail(scope: Scope, transfer_id: int) -> dict:
    t = transfers.transfer_get(scope, transfer_id)
    return {
        **_out(t, scope),
        "actions": transfers.transfer_actions(scope, t),
        "student_id": t.student_id if transfers.transfer_file_visible(scope, t) else None,
        "history": [
            {"action": h["action"], "at": h["at"], "actor": h["actor"], "reason": h["reason"]}
            for h in transfers.transfer_history(t)
        ],
    }


def _scope(request, roles) -> Scope:
    scope = scope_for(request.user)
    if not scope.has(*roles):
        raise PermissionDenied
    return scope


def _refused(err: transfers.TransferError):
    return Status(err.status, {"code": err.code, "message": err.message})


@router.get("/", response=TransferPageOut)
def transfer_list(
    request,
    status: str = "",
    kind: str = "",
    direction: str = "",
    since: date | None = None,
    until: date | None = None,
    q: str = "",
    batch: int | None = None,
    page: int = 1,
):
    """Transfers touching the caller's schools or territory, newest first, 50 a page.
    `direction` is "in" (towards the caller's schools) or "out"; `batch` a collective
    mobility job's id."""
    scope = _scope(request, transfers.READ_ROLES)
    qs = transfers.transfer_list(
        scope,
        status=status,
        kind=kind,
        direction=direction,
        since=since,
        until=until,
        text=q,
        batch_id=batch,
    )
    paginator = CappedPaginator(qs, PAGE_SIZE)
    current = paginator.get_page(page)
    return {
        "count": paginator.count,
        "capped": paginator.is_capped,
        "page": current.number,
        "pages": None if paginator.is_capped else paginator.num_pages,
        "items": [_out(t, scope) for t in current],
    }


class TransferRequestIn(Schema):
    code_massar: str
    # A student coming to the caller's school: its date of birth, and `school_id` when the
    # caller works at several schools.
    birth_date: date | None = None
    school_id: int | None = None
    # A family leaving the caller's school: the receiving school's code.
    receiving_school: str | None = None
    level: str | None = None  # default: the student's current level (and track)
    track: str | None = None
    reason: str = ""


@router.post("/", response={201: TransferDetailOut, **REFUSALS})
def transfer_request(request, payload: TransferRequestIn):
    """Ask for a transfer: into the caller's school (Code Massar and date of birth of a
    student enrolled elsewhere this year), or, for a family, from the caller's school to
    `receiving_school`."""
    scope = _scope(request, transfers.DESK_ROLES)
    if payload.receiving_school:
        receiving = get_object_or_404(School, code=payload.receiving_school.strip().upper())
    elif payload.school_id is not None:
        receiving = get_object_or_404(desk_schools(scope), pk=payload.school_id)
    else:
        receiving = desk_schools(scope).first()
    level = get_object_or_404(Level, code=payload.level) if payload.level else None
    track = get_object_or_404(Track, code=payload.track) if payload.track else None
    try:
        transfer = transfers.transfer_request(
            actor=request.user,
            scope=scope,
            code_massar=payload.code_massar,
            receiving_school=receiving,
            birth_date=payload.birth_date,
            level=level,
            track=track,
            reason=payload.reason,
        )
    except transfers.TransferError as err:
        return _refused(err)
    return Status(201, _detail(scope, transfer.pk))


class MobilityIn(Schema):
    origin_school: str
    from_level: str
    receiving_school: str
    to_level: str
    to_track: str | None = None  # none: each student's orientation track, where one is needed
    to_year: str
    from_year: str | None = None  # default: the current year
    decisions: list[str] = list(transfers.DEFAULT_DECISIONS)


class JobStartedOut(Schema):
    job_id: int
    status: str
    page: str
    progress: str


@router.post("/mobility", response={202: JobStartedOut, **REFUSALS})
def mobility_start(request, payload: MobilityIn):
    """Move a cohort at once (origin director, or a directorate, academy or the ministry over
    the origin school). Follow the job at `progress`; its result holds the report."""
    scope = _scope(request, transfers.MOBILITY_ROLES)
    try:
        job = transfers.mobility_start(
            actor=request.user,
            scope=scope,
            origin_school=get_object_or_404(
                School.objects.select_related("directorate"), code=payload.origin_school
            ),
            from_level=get_object_or_404(Level, code=payload.from_level),
            receiving_school=get_object_or_404(School, code=payload.receiving_school),
            to_level=get_object_or_404(Level, code=payload.to_level),
            to_track=get_object_or_404(Track, code=payload.to_track) if payload.to_track else None,
            to_year=get_object_or_404(SchoolYear, code=payload.to_year),
            from_year=get_object_or_404(SchoolYear, code=payload.from_year)
            if payload.from_year
            else None,
            decisions=payload.decisions,
        )
    except transfers.TransferError as err:
        return _refused(err)
    return Status(
        202,
        {
            "job_id": job.pk,
            "status": job.status,
            "page": f"/jobs/{job.pk}/",
            "progress": f"/api/v1/jobs/{job.pk}",
        },
    )


@router.get("/{int:transfer_id}", response=TransferDetailOut)
def transfer_get(request, transfer_id: int):
    return _detail(_scope(request, transfers.READ_ROLES), transfer_id)


class ReasonIn(Schema):
    reason: str = ""


def _step(request, transfer_id: int, roles, service, **kwargs):
    scope = _scope(request, roles)
    transfer = transfers.transfer_get(scope, transfer_id)
    try:
        service(actor=request.user, scope=scope, transfer=transfer, **kwargs)
    except transfers.TransferError as err:
        return _refused(err)
    return _detail(scope, transfer_id)


@router.post("/{int:transfer_id}/release", response={200: TransferDetailOut, **REFUSALS})
def transfer_release(request, transfer_id: int):
    """The origin's director releases the student."""
    return _step(request, transfer_id, ("DIRECTOR",), transfers.transfer_release)


@router.post("/{int:transfer_id}/accept", response={200: TransferDetailOut, **REFUSALS})
def transfer_accept(request, transfer_id: int):
    """The receiving director accepts: the student is enrolled there from today."""
    return _step(request, transfer_id, ("DIRECTOR",), transfers.transfer_accept)


@router.post("/{int:transfer_id}/refuse", response={200: TransferDetailOut, **REFUSALS})
def transfer_refuse(request, transfer_id: int, payload: ReasonIn):
    """The origin's director (before releasing) or the receiving director refuses, with a
    reason."""
    return _step(
        request, transfer_id, ("DIRECTOR",), transfers.transfer_refuse, reason=payload.reason
    )


@router.post("/{int:transfer_id}/cancel", response={200: TransferDetailOut, **REFUSALS})
def transfer_cancel(request, transfer_id: int, payload: ReasonIn | None = None):
    """The requesting school takes its request back before the student is released."""
    return _step(
        request,
        transfer_id,
        transfers.DESK_ROLES,
        transfers.transfer_cancel,
        reason=payload.reason if payload else "",
    )
