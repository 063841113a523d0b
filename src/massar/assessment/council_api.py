"""API of the class councils and of the publication of results (mounted under
/api/v1/evaluation/).

A refused step answers {"code", "message", "students"|"classes"}: 400 for bad input (threshold,
decision, missing reason), 403 outside the director's school, 404 for a student not in the
class, 409 when the council's state forbids it (validated, proposals still for the council,
annual results with open councils)."""

from datetime import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from ninja import Router, Schema, Status

from massar.assessment import council_selectors as selectors
from massar.assessment import council_services as services
from massar.core.scopes import Scope, scope_for
from massar.schools.models import Level, School

router = Router(tags=["evaluation"])


class CouncilErrorOut(Schema):
    code: str
    message: str
    names: list[str] = []


REFUSALS = {400: CouncilErrorOut, 403: CouncilErrorOut, 404: CouncilErrorOut, 409: CouncilErrorOut}


class CouncilStudentOut(Schema):
    student_id: int
    code_massar: str
    name_fr: str
    name_ar: str
    is_repeater: bool
    s1: Decimal | None
    s2: Decimal | None
    annual: Decimal | None
    rank: int | None
    proposed_decision: str
    override: str
    reason: str
    final_decision: str


class CouncilOut(Schema):
    class_id: int
    class_name: str
    school: str
    year: str
    level: str
    track: str | None
    threshold: Decimal
    threshold_default: Decimal
    threshold_is_class: bool
    validated_at: datetime | None
    unresolved: list[str]  # Code Massar of the students still waiting for the council
    students: list[CouncilStudentOut]


def _scope(request, roles) -> Scope:
    scope = scope_for(request.user)
    if not scope.has(*roles):
        raise PermissionDenied
    return scope


def _refused(err: services.CouncilError):
    return Status(err.status, {"code": err.code, "message": err.message, "names": err.names})


def _council(scope: Scope, class_id: int) -> dict:
    school_class = selectors.council_class_get(scope, class_id)
    sheet = selectors.council_sheet(scope, school_class)
    return {
        "class_id": school_class.pk,
        "class_name": school_class.name,
        "school": school_class.school.code,
        "year": school_class.year.code,
        "level": school_class.level.code,
        "track": school_class.track.code if school_class.track else None,
        "threshold": sheet.threshold,
        "threshold_default": sheet.threshold_default,
        "threshold_is_class": sheet.council.threshold is not None,
        "validated_at": sheet.council.validated_at,
        "unresolved": [r.code_massar for r in sheet.unresolved],
        "students": [
            {
                "student_id": r.student_id,
                "code_massar": r.code_massar,
                "name_fr": r.name_fr,
                "name_ar": r.name_ar,
                "is_repeater": r.is_repeater,
                "s1": r.s1,
                "s2": r.s2,
                "annual": r.annual,
                "rank": r.rank,
                "proposed_decision": r.proposed,
                "override": r.override,
                "reason": r.reason,
                "final_decision": r.final,
            }
            for r in sheet.rows
        ],
    }


def _step(request, class_id: int, service, **kwargs):
    scope = _scope(request, ("DIRECTOR",))
    school_class = selectors.council_class_get(scope, class_id)
    try:
        service(actor=request.user, scope=scope, school_class=school_class, **kwargs)
    except services.CouncilError as err:
        return _refused(err)
    return _council(scope, class_id)


@router.get("/councils/{int:class_id}", response=CouncilOut)
def council_get(request, class_id: int):
    """A class's council: its threshold, state and students with their semester and annual
    averages, proposed and final decisions."""
    return _council(_scope(request, selectors.READ_ROLES), class_id)


class ThresholdIn(Schema):
    threshold: str | None = None  # empty or null: back to the policy's threshold


@router.post("/councils/{int:class_id}/threshold", response={200: CouncilOut, **REFUSALS})
def council_threshold(request, class_id: int, payload: ThresholdIn):
    """Set the class's promotion threshold; the class's proposals are recomputed at once."""
    return _step(request, class_id, services.council_threshold_set, threshold=payload.threshold)


class OverrideIn(Schema):
    student_id: int
    decision: str  # PROMOTED, REPEATS or EXCLUDED
    reason: str


@router.post("/councils/{int:class_id}/overrides", response={200: CouncilOut, **REFUSALS})
def council_override(request, class_id: int, payload: OverrideIn):
    """Record the council's decision for a student, with its reason."""
    return _step(
        request,
        class_id,
        services.council_override_set,
        student_id=payload.student_id,
        decision=payload.decision,
        reason=payload.reason,
    )


@router.delete(
    "/councils/{int:class_id}/overrides/{int:student_id}", response={200: CouncilOut, **REFUSALS}
)
def council_override_clear(request, class_id: int, student_id: int):
    """Withdraw the council's decision for a student: the proposal applies again."""
    return _step(request, class_id, services.council_override_clear, student_id=student_id)


@router.post("/councils/{int:class_id}/validate", response={200: CouncilOut, **REFUSALS})
def council_validate(request, class_id: int):
    """Validate the council: final decisions and annual averages go to the enrollments."""
    return _step(request, class_id, services.council_validate)


@router.post("/councils/{int:class_id}/reopen", response={200: CouncilOut, **REFUSALS})
def council_reopen(request, class_id: int):
    """Reopen a validated council (its decisions are withdrawn from the enrollments)."""
    return _step(request, class_id, services.council_reopen)


# --- publication ------------------------------------------------------------------------------


class PublicationCellOut(Schema):
    period: str
    published_at: datetime | None


class PublicationLevelOut(Schema):
    level: str
    classes: int
    councils_validated: int
    periods: list[PublicationCellOut]


class PublicationGridOut(Schema):
    school: str
    year: str
    levels: list[PublicationLevelOut]


def _school_year(scope: Scope, school: str | None, year: str | None):
    if school:
        school_obj = School.objects.filter(code=school.strip().upper()).first()
        school_id = school_obj.pk if school_obj else "0"
    else:
        school_id = None
    found, year_obj = selectors.council_school_year_get(scope, school_id, year)
    if found is None:
        raise PermissionDenied
    return found, year_obj


def _grid(scope: Scope, school, year) -> dict:
    return {
        "school": school.code,
        "year": year.code,
        "levels": [
            {
                "level": lv.level.code,
                "classes": lv.classes,
                "councils_validated": lv.validated,
                "periods": [
                    {"period": value, "published_at": p.published_at if p else None}
                    for value, _label, p in lv.cells()
                ],
            }
            for lv in selectors.publication_grid(scope, school, year)
        ],
    }


@router.get("/publications", response=PublicationGridOut)
def publication_list(request, school: str | None = None, year: str | None = None):
    """A school's levels with the publication of each period (default: the caller's school and
    the current year; oversight roles name a school of their territory by its code)."""
    scope = _scope(request, selectors.READ_ROLES)
    school_obj, year_obj = _school_year(scope, school, year)
    return _grid(scope, school_obj, year_obj)


class PublicationIn(Schema):
    level: str
    period: str  # S1, S2 or ANNUAL
    year: str | None = None  # default: the current year


def _publication_step(request, payload: PublicationIn, service):
    scope = _scope(request, ("DIRECTOR",))
    school, year = _school_year(scope, None, payload.year)
    level = get_object_or_404(Level, code=payload.level)
    try:
        service(
            actor=request.user,
            scope=scope,
            school=school,
            year=year,
            level=level,
            period=payload.period,
        )
    except services.CouncilError as err:
        return _refused(err)
    return _grid(scope, school, year)


@router.post("/publications", response={200: PublicationGridOut, **REFUSALS})
def publication_publish(request, payload: PublicationIn):
    """Publish a level's results of a period at the director's school."""
    return _publication_step(request, payload, services.publication_publish)


@router.post("/publications/withdraw", response={200: PublicationGridOut, **REFUSALS})
def publication_withdraw(request, payload: PublicationIn):
    """Unpublish a level's results of a period at the director's school."""
    return _publication_step(request, payload, services.publication_withdraw)


# --- exports ----------------------------------------------------------------------------------


@router.get("/exports/{kind}", response={200: None})
def export_get(request, kind: str, year: str | None = None, school: int | None = None):
    """An analysts' export as CSV (UTF-8, header row): `grades`, `results` or `curriculum`
    of `year` (default: the current one), within the caller's scope; `school` (an id) narrows
    it to one school of that scope."""
    from massar.assessment import exports

    return exports.export_download(
        scope=_scope(request, exports.EXPORT_ROLES),
        actor=request.user,
        kind=kind,
        year_code=year or "",
        school_id="" if school is None else str(school),
    )
