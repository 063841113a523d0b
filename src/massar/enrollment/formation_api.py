"""API of the class formation (mounted at /api/v1/formation/): a school's structure, classes
(declare, rename, resize, delete), students put into classes by hand, the automatic
distribution (preview, then confirm with the preview's fingerprint) and pair requests.
Reads: the school's director and staff, and oversight roles for schools in their scope.
Writes: the school's director. Refusals answer 409 with a stable code and a sentence."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from ninja import Router, Schema, Status
from ninja.pagination import PageNumberPagination, paginate

from massar.core.scopes import scope_for
from massar.enrollment import formation_selectors as selectors
from massar.enrollment import formation_services as services
from massar.enrollment.class_formation import ClassBalance, FormationData, Plan
from massar.enrollment.models import ClassPairing, SchoolClass

router = Router(tags=["class formation"])


# --- schemas -------------------------------------------------------------------------------------


class ClassOut(Schema):
    id: int
    name: str
    level: str
    track: str | None
    capacity: int
    size: int


class LevelGroupOut(Schema):
    level: str
    track: str | None
    students: int
    unassigned: int
    capacity: int
    classes: list[ClassOut]


class StructureOut(Schema):
    school_id: int
    school_code: str
    year: str
    year_closed: bool
    students: int
    unassigned: int
    levels: list[LevelGroupOut]


class BalanceOut(Schema):
    class_id: int | None
    name: str
    capacity: int
    size: int
    girls: int
    girls_percent: float | None
    repeaters: int
    mean_age: float | None
    mean_average: float | None
    incoming: int


class StudentOut(Schema):
    enrollment_id: int
    code_massar: str
    name_fr: str
    name_ar: str
    sex: str
    age: float | None
    is_repeater: bool
    last_average: float | None
    class_id: int | None


class PairOut(Schema):
    id: int | None
    first_code: str | None
    second_code: str | None
    mode: str


class LevelOut(Schema):
    school_id: int
    year: str
    level: str
    track: str | None
    students: int
    unassigned: int
    classes: list[BalanceOut]
    overall: BalanceOut
    pairs: list[PairOut]


class MoveOut(Schema):
    enrollment_id: int
    code_massar: str
    from_class_id: int | None
    to_class_id: int | None


class PlanOut(Schema):
    fingerprint: str
    applied: bool
    placed: int
    unplaced: int
    message: str
    classes: list[BalanceOut]
    overall: BalanceOut
    moves: list[MoveOut]
    broken: list[PairOut]


class ClassDetailOut(ClassOut):
    school_id: int
    year: str
    students: list[StudentOut]


class DeclareIn(Schema):
    year: str | None = None
    level: str
    track: str | None = None
    names: list[str] = []
    count: int | None = None  # with `prefix`: PREFIX-1 … (the first free numbers)
    prefix: str | None = None
    capacity: int


class ClassUpdateIn(Schema):
    name: str | None = None
    capacity: int | None = None


class StudentsIn(Schema):
    enrollment_ids: list[int]


class UnassignIn(StudentsIn):
    year: str | None = None
    level: str
    track: str | None = None


class ConfirmIn(Schema):
    year: str | None = None
    track: str | None = None
    fingerprint: str
    siblings: str = "none"
    redistribute: bool = False


class PairIn(Schema):
    year: str | None = None
    first: str  # Code Massar
    second: str
    mode: str


class MovedOut(Schema):
    moved: int


# --- helpers -------------------------------------------------------------------------------------


def _reader(request):
    scope = scope_for(request.user)
    if not scope.has(*selectors.READ_ROLES):
        raise PermissionDenied
    return scope


def _director(request):
    scope = scope_for(request.user)
    if not scope.has("DIRECTOR"):
        raise PermissionDenied
    return scope


def _school(scope, school_id: int):
    school = selectors.formation_school(scope, school_id)
    if school is None:
        raise Http404
    return school


def _class_out(c: SchoolClass, size: int | None = None) -> dict:
    return {
        "id": c.pk,
        "name": c.name,
        "level": c.level.code,
        "track": c.track.code if c.track else None,
        "capacity": c.capacity,
        "size": getattr(c, "size", 0) if size is None else size,
    }


def _balance(b: ClassBalance) -> dict:
    return b.as_dict()


def _student(s) -> dict:
    return {
        "enrollment_id": s.enrollment_id,
        "code_massar": s.code_massar,
        "name_fr": s.name_fr,
        "name_ar": s.name_ar,
        "sex": s.sex,
        "age": s.age,
        "is_repeater": s.is_repeater,
        "last_average": s.last_average,
        "class_id": s.class_id,
    }


def _plan_out(data: FormationData, plan: Plan) -> dict:
    rows = {s.enrollment_id: s for s in data.students}
    codes = {s.student_id: s.code_massar for s in data.students}
    return {
        "fingerprint": plan.fingerprint,
        "applied": plan.applied,
        "placed": plan.placed,
        "unplaced": plan.unplaced,
        "message": services.no_room_message(data, plan) if plan.unplaced else "",
        "classes": [_balance(b) for b in plan.classes],
        "overall": _balance(plan.overall),
        "moves": [
            {
                "enrollment_id": eid,
                "code_massar": rows[eid].code_massar,
                "from_class_id": rows[eid].class_id,
                "to_class_id": to,
            }
            for eid, to in sorted(plan.moves.items())
        ],
        "broken": [
            {
                "id": p.pairing_id,
                "first_code": codes.get(p.first),
                "second_code": codes.get(p.second),
                "mode": p.mode,
            }
            for p in plan.broken
        ],
    }


# --- structure -----------------------------------------------------------------------------------


@router.get("/schools/{school_id}/structure", response=StructureOut)
def structure_get(request, school_id: int, year: str = ""):
    """The classes of a school's year by level and track, with sizes and students still
    without a class."""
    scope = _reader(request)
    school = _school(scope, school_id)
    data = selectors.structure(scope, school, selectors.formation_year(year or None))
    return {
        "school_id": school.pk,
        "school_code": school.code,
        "year": data["year"].code,
        "year_closed": data["year"].is_closed,
        "students": data["students"],
        "unassigned": data["unassigned"],
        "levels": [
            {
                "level": g.level.code,
                "track": g.track.code if g.track else None,
                "students": g.students,
                "unassigned": g.unassigned,
                "capacity": g.capacity,
                "classes": [_class_out(c) for c in g.classes],
            }
            for g in data["groups"]
        ],
    }


@router.post("/schools/{school_id}/classes", response={201: list[ClassOut]})
def classes_declare(request, school_id: int, payload: DeclareIn):
    """Declare classes of a level (and track): `names`, or `count` classes named
    PREFIX-1, PREFIX-2 … (the level's or track's code by default)."""
    scope = _director(request)
    school = _school(scope, school_id)
    year = selectors.formation_year(payload.year)
    level, track = selectors.level_and_track(payload.level, payload.track)
    names = payload.names or services.class_names_free(
        school=school,
        year=year,
        prefix=payload.prefix or (track.code if track else level.code),
        count=payload.count or 0,
    )
    created = services.classes_declare(
        actor=request.user,
        scope=scope,
        school=school,
        year=year,
        level=level,
        track=track,
        names=names,
        capacity=payload.capacity,
    )
    return Status(201, [_class_out(c, 0) for c in created])


@router.get("/classes/{class_id}", response=ClassDetailOut)
def class_get(request, class_id: int):
    """A class with its students."""
    scope = _reader(request)
    school_class = selectors.class_get(scope, class_id)
    students = selectors.class_students(school_class)
    starts_on = school_class.year.starts_on
    return {
        **_class_out(school_class, len(students)),
        "school_id": school_class.school_id,
        "year": school_class.year.code,
        "students": [
            {
                "enrollment_id": e.pk,
                "code_massar": e.student.code_massar,
                "name_fr": e.student.full_name_fr,
                "name_ar": e.student.full_name_ar,
                "sex": e.student.sex,
                "age": round((starts_on - e.student.birth_date).days / 365.25, 2),
                "is_repeater": e.is_repeater,
                "last_average": float(e.last_average) if e.last_average is not None else None,
                "class_id": school_class.pk,
            }
            for e in students
        ],
    }


def _director_class(scope, class_id: int) -> SchoolClass:
    school_class = selectors.class_get(scope, class_id)
    if not scope.manages_school(school_class.school_id):
        raise Http404
    return school_class


@router.patch("/classes/{class_id}", response=ClassOut)
def class_update(request, class_id: int, payload: ClassUpdateIn):
    """Rename or resize a class (never below the students it has)."""
    scope = _director(request)
    school_class = services.class_update(
        actor=request.user,
        scope=scope,
        school_class=_director_class(scope, class_id),
        name=payload.name,
        capacity=payload.capacity,
    )
    return _class_out(school_class, services.class_size(school_class))


@router.delete("/classes/{class_id}", response={204: None})
def class_delete(request, class_id: int):
    """Delete a class that never had a student."""
    scope = _director(request)
    services.class_delete(
        actor=request.user, scope=scope, school_class=_director_class(scope, class_id)
    )
    return Status(204, None)


# --- students into classes by hand ---------------------------------------------------------------


@router.post("/classes/{class_id}/students", response=MovedOut)
def class_assign(request, class_id: int, payload: StudentsIn):
    """Put students of the class's level into it: all of them or, if the class would be over
    its capacity, none (409 over_capacity)."""
    scope = _director(request)
    moved = services.class_assign(
        actor=request.user,
        scope=scope,
        school_class=_director_class(scope, class_id),
        enrollment_ids=payload.enrollment_ids,
    )
    return {"moved": moved}


@router.post("/schools/{school_id}/unassign", response=MovedOut)
def class_unassign(request, school_id: int, payload: UnassignIn):
    """Take students of a level out of their classes."""
    scope = _director(request)
    school = _school(scope, school_id)
    level, track = selectors.level_and_track(payload.level, payload.track)
    moved = services.class_unassign(
        actor=request.user,
        scope=scope,
        school=school,
        year=selectors.formation_year(payload.year),
        level=level,
        track=track,
        enrollment_ids=payload.enrollment_ids,
    )
    return {"moved": moved}


# --- a level's formation -------------------------------------------------------------------------


@router.get("/schools/{school_id}/levels/{level}", response=LevelOut)
def level_get(request, school_id: int, level: str, track: str = "", year: str = ""):
    """The balance of a level's classes now, and its pair requests."""
    scope = _reader(request)
    school = _school(scope, school_id)
    year_obj = selectors.formation_year(year or None)
    level_obj, track_obj = selectors.level_and_track(level, track or None)
    page = selectors.formation_page(scope, school, year_obj, level_obj, track_obj)
    return {
        "school_id": school.pk,
        "year": year_obj.code,
        "level": level_obj.code,
        "track": track_obj.code if track_obj else None,
        "students": len(page.data.students),
        "unassigned": len(page.unassigned),
        "classes": [_balance(b) for b in page.classes],
        "overall": _balance(page.overall),
        "pairs": [
            {
                "id": p["id"],
                "first_code": p["first"].code_massar if p["first"] else None,
                "second_code": p["second"].code_massar if p["second"] else None,
                "mode": p["mode"],
            }
            for p in page.pairs
        ],
    }


@router.get("/schools/{school_id}/levels/{level}/students", response=list[StudentOut])
@paginate(PageNumberPagination, page_size=100)
def level_students(
    request, school_id: int, level: str, track: str = "", year: str = "", unassigned: bool = False
):
    """A level's students with what the distribution uses (sex, age, repeater, last year's
    average) and their class."""
    scope = _reader(request)
    school = _school(scope, school_id)
    level_obj, track_obj = selectors.level_and_track(level, track or None)
    page = selectors.formation_page(
        scope, school, selectors.formation_year(year or None), level_obj, track_obj
    )
    rows = page.unassigned if unassigned else page.data.students
    return [_student(s) for s in rows]


@router.get("/schools/{school_id}/levels/{level}/preview", response=PlanOut)
def formation_preview(
    request,
    school_id: int,
    level: str,
    track: str = "",
    year: str = "",
    siblings: str = "none",
    redistribute: bool = False,
):
    """What the automatic distribution would do; nothing is written. Send the fingerprint
    back to /confirm."""
    scope = _director(request)
    school = _school(scope, school_id)
    level_obj, track_obj = selectors.level_and_track(level, track or None)
    data, plan = services.formation_preview(
        scope=scope,
        school=school,
        year=selectors.formation_year(year or None),
        level=level_obj,
        track=track_obj,
        only_unassigned=not redistribute,
        options=services.formation_options(siblings),
    )
    return _plan_out(data, plan)


@router.post("/schools/{school_id}/levels/{level}/confirm", response=PlanOut)
def formation_confirm(request, school_id: int, level: str, payload: ConfirmIn):
    """Apply the previewed distribution; 409 stale_preview if the level changed since, 409
    no_room if students would be left without a class."""
    scope = _director(request)
    school = _school(scope, school_id)
    year = selectors.formation_year(payload.year)
    level_obj, track_obj = selectors.level_and_track(level, payload.track)
    options = services.formation_options(payload.siblings)
    data, plan = services.formation_confirm(
        actor=request.user,
        scope=scope,
        school=school,
        year=year,
        level=level_obj,
        track=track_obj,
        fingerprint=payload.fingerprint,
        only_unassigned=not payload.redistribute,
        options=options,
    )
    return _plan_out(data, plan)


# --- pair requests -------------------------------------------------------------------------------


def _pair_out(p: ClassPairing) -> dict:
    return {
        "id": p.pk,
        "first_code": p.first.code_massar,
        "second_code": p.second.code_massar,
        "mode": p.mode,
    }


@router.get("/schools/{school_id}/pairs", response=list[PairOut])
@paginate(PageNumberPagination, page_size=100)
def pair_list(request, school_id: int, year: str = ""):
    scope = _reader(request)
    school = _school(scope, school_id)
    return [
        _pair_out(p)
        for p in ClassPairing.objects.filter(
            school=school, year=selectors.formation_year(year or None)
        )
        .select_related("first", "second")
        .order_by("pk")
    ]


@router.post("/schools/{school_id}/pairs", response={201: PairOut})
def pair_create(request, school_id: int, payload: PairIn):
    """Keep two students (Codes Massar) TOGETHER or APART in the distribution."""
    scope = _director(request)
    school = _school(scope, school_id)
    pairing = services.pairing_create(
        actor=request.user,
        scope=scope,
        school=school,
        year=selectors.formation_year(payload.year),
        first_code=payload.first,
        second_code=payload.second,
        mode=payload.mode,
    )
    pairing = ClassPairing.objects.select_related("first", "second").get(pk=pairing.pk)
    return Status(201, _pair_out(pairing))


@router.delete("/pairs/{pair_id}", response={204: None})
def pair_delete(request, pair_id: int):
    scope = _director(request)
    pairing = ClassPairing.objects.filter(
        pk=pair_id, school_id__in=scope.director_school_ids
    ).first()
    if pairing is None:
        raise Http404
    services.pairing_delete(actor=request.user, scope=scope, pairing=pairing)
    return Status(204, None)
