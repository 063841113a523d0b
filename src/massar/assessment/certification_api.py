"""API of the evaluation's certification part (mounted under /api/v1/evaluation/): the
grading policy (read by territories and school administrations, written by the ministry),
exam sessions, candidates, exam marks (page by page, or a CSV file), results.

A refusal answers {"code", "message", "problems"}: 400 bad input, 403 not the organiser,
409 a duplicate."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import File, Router, Schema, Status
from ninja.files import UploadedFile

from massar.assessment import certification_selectors as sel
from massar.assessment import certification_services as svc
from massar.assessment.models import ExamMark, ExamSubject, GradingPolicy
from massar.assessment.policy import EDITABLE, policy_for, policy_save
from massar.assessment.policy_views import READ_ROLES as POLICY_READERS
from massar.assessment.policy_views import PolicyForm, policy_rows
from massar.core.paging import CappedPaginator
from massar.core.scopes import Scope, scope_for
from massar.schools.models import Level, School, SchoolYear, Subject, Track
from massar.schools.selectors import current_year

router = Router(tags=["evaluation"])
PAGE_SIZE = 50


def _scope(request, roles) -> Scope:
    scope = scope_for(request.user)
    if not scope.has(*roles):
        raise PermissionDenied
    return scope


def _year(code: str | None) -> SchoolYear:
    if code:
        return get_object_or_404(SchoolYear, code=code)
    year = current_year()
    if year is None:
        raise svc.CertificationError("no_year", _("No current school year."), status=404)
    return year


# --- policy --------------------------------------------------------------------------------


class PolicyOut(Schema):
    year: str
    level: str
    track: str | None
    origin: str  # default, stored (this level and track) or level (the level's stored row)
    tests_per_semester: int
    has_activities: bool
    semester1_weight: Decimal
    semester2_weight: Decimal
    promotion_threshold: Decimal
    continuous_weight: Decimal
    local_weight: Decimal
    provincial_weight: Decimal
    regional_weight: Decimal
    national_weight: Decimal
    free_regional_weight: Decimal
    free_national_weight: Decimal
    pass_mark: Decimal
    rattrapage_enabled: bool
    rattrapage_floor: Decimal


class PolicyIn(Schema):
    year: str | None = None
    track: str | None = None
    tests_per_semester: int | None = None
    has_activities: bool | None = None
    semester1_weight: Decimal | None = None
    semester2_weight: Decimal | None = None
    promotion_threshold: Decimal | None = None
    continuous_weight: Decimal | None = None
    local_weight: Decimal | None = None
    provincial_weight: Decimal | None = None
    regional_weight: Decimal | None = None
    national_weight: Decimal | None = None
    free_regional_weight: Decimal | None = None
    free_national_weight: Decimal | None = None
    pass_mark: Decimal | None = None
    rattrapage_enabled: bool | None = None
    rattrapage_floor: Decimal | None = None


def _policy_out(year, level, track, policy: GradingPolicy, origin: str) -> dict:
    return {
        "year": year.code,
        "level": level.code,
        "track": track.code if track else None,
        "origin": origin,
        **{k: getattr(policy, k) for k in EDITABLE},
    }


def _origin(policy: GradingPolicy, track) -> str:
    if policy.pk is None:
        return "default"
    return "stored" if policy.track_id == (track.pk if track else None) else "level"


@router.get("/policies", response=list[PolicyOut])
def policy_list(request, year: str | None = None):
    """Every level (and track) of the year with its policy in force."""
    _scope(request, POLICY_READERS)
    y = _year(year)
    return [
        _policy_out(y, r["level"], r["track"], r["policy"], r["origin"]) for r in policy_rows(y)
    ]


@router.get("/policies/{level_code}", response=PolicyOut)
def policy_get(request, level_code: str, year: str | None = None, track: str | None = None):
    _scope(request, POLICY_READERS)
    y = _year(year)
    level = get_object_or_404(Level, code=level_code)
    t = get_object_or_404(Track, code=track, levels=level) if track else None
    policy = policy_for(year=y, level=level, track=t)
    return _policy_out(y, level, t, policy, _origin(policy, t))


@router.put("/policies/{level_code}", response=PolicyOut)
def policy_put(request, level_code: str, payload: PolicyIn):
    """The ministry's edit: the fields given replace those of the policy in force."""
    _scope(request, ("MINISTRY",))
    y = _year(payload.year)
    level = get_object_or_404(Level, code=level_code)
    t = get_object_or_404(Track, code=payload.track, levels=level) if payload.track else None
    current = policy_for(year=y, level=level, track=t)
    values = {k: getattr(current, k) for k in EDITABLE}
    values.update({k: v for k, v in payload.dict().items() if k in EDITABLE and v is not None})
    form = PolicyForm(data=values)
    if not form.is_valid():
        raise svc.CertificationError(
            "invalid",
            "; ".join(str(e) for errors in form.errors.values() for e in errors),
            [{"where": k, "message": str(e)} for k, errs in form.errors.items() for e in errs],
        )
    policy = policy_save(year=y, level=level, track=t, values=form.cleaned_data, actor=request.user)
    return _policy_out(y, level, t, policy, "stored")


# --- sessions ------------------------------------------------------------------------------


class SubjectOut(Schema):
    code: str
    coefficient: Decimal


class SessionOut(Schema):
    id: int
    year: str
    level: str
    kind: str
    round: str
    organiser: str | None  # school, directorate or academy code; None: the ministry
    held_on: date | None
    manageable: bool


class SessionDetailOut(SessionOut):
    subjects: list[SubjectOut]
    candidates: int


class SessionIn(Schema):
    year: str | None = None
    level: str
    kind: str
    round: str = "NORMAL"
    school: str | None = None
    held_on: date | None = None


class SessionPageOut(Schema):
    count: int
    capped: bool
    page: int
    items: list[SessionOut]


def _session_out(scope, s) -> dict:
    organiser = s.school or s.directorate or s.academy
    return {
        "id": s.pk,
        "year": s.year.code,
        "level": s.level.code,
        "kind": s.kind,
        "round": s.round,
        "organiser": organiser.code if organiser else None,
        "held_on": s.held_on,
        "manageable": sel.session_manageable(scope, s),
    }


@router.get("/exams", response=SessionPageOut)
def exam_list(request, page: int = 1):
    scope = _scope(request, sel.READ_ROLES)
    paginator = CappedPaginator(sel.session_list(scope), PAGE_SIZE)
    p = paginator.get_page(page)
    return {
        "count": paginator.count,
        "capped": paginator.is_capped,
        "page": p.number,
        "items": [_session_out(scope, s) for s in p],
    }


def _detail(scope, session) -> dict:
    return {
        **_session_out(scope, session),
        "subjects": [
            {"code": e.subject.code, "coefficient": e.coefficient}
            for e in ExamSubject.objects.filter(session=session)
            .select_related("subject")
            .order_by("subject__code")
        ],
        "candidates": sel.session_candidates(session).filter(scope.schools_q("school__")).count(),
    }


@router.post("/exams", response={201: SessionDetailOut})
def exam_create(request, payload: SessionIn):
    scope = _scope(request, sel.ORGANISER_ROLES)
    school = get_object_or_404(School, code=payload.school) if payload.school else None
    session = svc.exam_session_create(
        scope=scope,
        actor=request.user,
        year=_year(payload.year),
        level=get_object_or_404(Level, code=payload.level),
        kind=payload.kind,
        round=payload.round,
        school=school,
        held_on=payload.held_on,
    )
    session = sel.session_get(scope, session.pk)
    return Status(201, _detail(scope, session))


@router.get("/exams/{int:session_id}", response=SessionDetailOut)
def exam_get(request, session_id: int):
    scope = _scope(request, sel.READ_ROLES)
    return _detail(scope, sel.session_get(scope, session_id))


class CountOut(Schema):
    added: int


@router.post("/exams/{int:session_id}/candidates", response=CountOut)
def exam_register(request, session_id: int):
    """Registers the enrolled students of the level in the organiser's territory."""
    scope = _scope(request, sel.ORGANISER_ROLES)
    session = sel.session_get(scope, session_id)
    return {"added": svc.candidates_register(scope=scope, actor=request.user, session=session)}


class FreeIn(Schema):
    code_massar: str
    centre: str
    track: str | None = None


class CandidateOut(Schema):
    id: int
    code_massar: str
    school: str | None
    track: str | None
    is_free: bool


@router.post("/exams/{int:session_id}/free-candidates", response={201: CandidateOut})
def exam_free_candidate(request, session_id: int, payload: FreeIn):
    scope = _scope(request, sel.ORGANISER_ROLES)
    session = sel.session_get(scope, session_id)
    centre = School.objects.filter(code=payload.centre.strip().upper()).first()
    if centre is None:
        svc._require_manager(scope, session)
        raise svc.CertificationError("centre", _("Choose the candidate's exam centre."))
    track = Track.objects.filter(code=payload.track).first() if payload.track else None
    c = svc.free_candidate_add(
        scope=scope,
        actor=request.user,
        session=session,
        code_massar=payload.code_massar,
        centre=centre,
        track=track,
    )
    return Status(
        201,
        {
            "id": c.pk,
            "code_massar": c.student.code_massar,
            "school": centre.code,
            "track": track.code if track else None,
            "is_free": True,
        },
    )


# --- marks ---------------------------------------------------------------------------------


class MarkOut(Schema):
    candidate_id: int
    code_massar: str
    school: str | None
    score: Decimal | None
    absent: bool


class MarkPageOut(Schema):
    subject: str
    page: int
    count: int
    capped: bool
    items: list[MarkOut]


class MarkIn(Schema):
    candidate_id: int
    score: str | None = None
    absent: bool = False


class MarksIn(Schema):
    subject: str
    marks: list[MarkIn]


class SavedOut(Schema):
    saved: int
    cleared: int
    unchanged: int


def _session_subject(session, code: str) -> Subject:
    subject = Subject.objects.filter(code=code).first()
    if subject is None or not ExamSubject.objects.filter(session=session, subject=subject).exists():
        raise svc.CertificationError("subject", _("Not a subject of this session."), status=404)
    return subject


@router.get("/exams/{int:session_id}/marks", response=MarkPageOut)
def exam_marks(request, session_id: int, subject: str, school: str | None = None, page: int = 1):
    """One subject's marks, 50 candidates a page (by school, then Code Massar)."""
    scope = _scope(request, sel.ORGANISER_ROLES)
    session = sel.session_get(scope, session_id)
    svc._require_manager(scope, session)
    subj = _session_subject(session, subject)
    qs = sel.session_candidates(session).select_related("student", "school")
    if school:
        qs = qs.filter(school__code=school)
    paginator = CappedPaginator(qs.order_by("school__code", "student__code_massar"), PAGE_SIZE)
    p = paginator.get_page(page)
    marks = {
        m.candidate_id: m
        for m in ExamMark.objects.filter(
            session=session, subject=subj, candidate_id__in=[c.pk for c in p]
        )
    }
    return {
        "subject": subj.code,
        "page": p.number,
        "count": paginator.count,
        "capped": paginator.is_capped,
        "items": [
            {
                "candidate_id": c.pk,
                "code_massar": c.student.code_massar,
                "school": c.school.code if c.school else None,
                "score": marks[c.pk].score if c.pk in marks else None,
                "absent": marks[c.pk].absent if c.pk in marks else False,
            }
            for c in p
        ],
    }


@router.put("/exams/{int:session_id}/marks", response=SavedOut)
def exam_marks_save(request, session_id: int, payload: MarksIn):
    """Saves marks of one subject: an empty score without absent clears the mark."""
    scope = _scope(request, sel.ORGANISER_ROLES)
    session = sel.session_get(scope, session_id)
    svc._require_manager(scope, session)
    subject = _session_subject(session, payload.subject)
    return svc.exam_marks_save(
        scope=scope,
        actor=request.user,
        session=session,
        subject=subject,
        rows=[m.dict() for m in payload.marks],
    )


class ImportOut(SavedOut):
    lines: int


@router.post("/exams/{int:session_id}/marks/import", response=ImportOut)
def exam_marks_import(request, session_id: int, file: UploadedFile = File(...)):  # noqa: B008
    """A CSV code_massar,subject_code,score,absent; nothing is written unless every line is
    valid."""
    scope = _scope(request, sel.ORGANISER_ROLES)
    session = sel.session_get(scope, session_id)
    return svc.exam_marks_import(scope=scope, actor=request.user, session=session, data=file.read())


# --- results -------------------------------------------------------------------------------


class ResultOut(Schema):
    candidate_id: int
    code_massar: str
    school: str | None
    track: str | None
    is_free: bool
    continuous: Decimal | None
    local: Decimal | None
    provincial: Decimal | None
    regional: Decimal | None
    national: Decimal | None
    general: Decimal | None
    normal_general: Decimal | None
    rattrapage: bool
    outcome: str
    mention: str


class ResultPageOut(Schema):
    count: int
    capped: bool
    page: int
    items: list[ResultOut]


def _result_out(c) -> dict:
    r = sel.result_of(c)
    fields = [
        "continuous",
        "local",
        "provincial",
        "regional",
        "national",
        "general",
        "normal_general",
    ]
    return {
        "candidate_id": c.pk,
        "code_massar": c.student.code_massar,
        "school": c.school.code if c.school else None,
        "track": c.track.code if c.track else None,
        "is_free": c.is_free,
        **{f: getattr(r, f) if r else None for f in fields},
        "rattrapage": r.rattrapage if r else False,
        "outcome": r.outcome if r else "",
        "mention": r.mention if r else "",
    }


@router.get("/exams/results", response=ResultPageOut)
def exam_results(request, level: str, year: str | None = None, page: int = 1):
    scope = _scope(request, sel.READ_ROLES)
    qs = sel.result_list(
        scope, year=_year(year), level=get_object_or_404(Level, code=level)
    ).select_related("student", "school", "track")
    paginator = CappedPaginator(qs, PAGE_SIZE)
    p = paginator.get_page(page)
    return {
        "count": paginator.count,
        "capped": paginator.is_capped,
        "page": p.number,
        "items": [_result_out(c) for c in p],
    }


class ComputeIn(Schema):
    level: str
    year: str | None = None


class ComputeOut(Schema):
    candidates: int
    passed: int
    rattrapage: int
    failed: int
    incomplete: int


@router.post("/exams/results/compute", response=ComputeOut)
def exam_results_compute(request, payload: ComputeIn):
    """Computes the results of the level's candidates in the caller's territory."""
    scope = _scope(request, sel.COMPUTE_ROLES)
    counts = svc.certification_compute(
        scope=scope,
        actor=request.user,
        year=_year(payload.year),
        level=get_object_or_404(Level, code=payload.level),
    )
    return {
        "candidates": counts["candidates"],
        "passed": counts["PASSED"],
        "rattrapage": counts["RATTRAPAGE"],
        "failed": counts["FAILED"],
        "incomplete": counts["incomplete"],
    }


class ExamMarkOut(Schema):
    session_id: int
    year: str
    level: str
    kind: str
    round: str
    subject: str
    coefficient: Decimal | None
    score: Decimal | None
    absent: bool


class CandidateDetailOut(ResultOut):
    year: str
    level: str
    marks: list[ExamMarkOut]


@router.get("/exams/candidates/{int:candidate_id}", response=CandidateDetailOut)
def exam_candidate(request, candidate_id: int):
    scope = _scope(request, sel.READ_ROLES)
    c = sel.candidate_get(scope, candidate_id)
    return {
        **_result_out(c),
        "year": c.year.code,
        "level": c.level.code,
        "marks": [
            {
                "session_id": row["mark"].session_id,
                "year": row["mark"].session.year.code,
                "level": row["mark"].session.level.code,
                "kind": row["mark"].session.kind,
                "round": row["mark"].session.round,
                "subject": row["mark"].subject.code,
                "coefficient": row["coefficient"],
                "score": row["mark"].score,
                "absent": row["mark"].absent,
            }
            for row in sel.candidate_marks(c)
        ],
    }
