"""API of schools, the curriculum and school years."""

from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from ninja import Router, Schema, Status
from ninja.pagination import PageNumberPagination, paginate

from massar.core.scopes import scope_for
from massar.schools import selectors, services
from massar.schools.models import CurriculumEntry, Level, SchoolYear, Subject, Track

router = Router(tags=["schools"])
OVERSIGHT = {"MINISTRY", "ACADEMY", "DIRECTORATE", "DIRECTOR", "STAFF"}


class SchoolOut(Schema):
    id: int
    code: str
    name_fr: str
    name_ar: str
    directorate: str
    academy: str
    sector: str
    area: str
    cycles: list[str]
    students: int

    @staticmethod
    def resolve_directorate(obj) -> str:
        return obj.directorate.code if not isinstance(obj, dict) else obj["directorate"]

    @staticmethod
    def resolve_academy(obj) -> str:
        return obj.directorate.academy.code if not isinstance(obj, dict) else obj["academy"]

    @staticmethod
    def resolve_cycles(obj) -> list[str]:
        return [str(c) for c in obj.cycles] if not isinstance(obj, dict) else obj["cycles"]


def _school(s) -> dict:
    return {
        "id": s.pk,
        "code": s.code,
        "name_fr": s.name_fr,
        "name_ar": s.name_ar,
        "directorate": s.directorate.code,
        "academy": s.directorate.academy.code,
        "sector": s.sector,
        "area": s.area,
        "cycles": [str(c) for c in s.cycles],
        "students": getattr(s, "students", 0),
    }


def _oversight(request):
    scope = scope_for(request.user)
    if not scope.roles & OVERSIGHT:
        raise PermissionDenied
    return scope


@router.get("/", response=list[SchoolOut])
@paginate(PageNumberPagination, page_size=100)
def school_list(request, q: str = "", directorate: str = "", sector: str = "", cycle: str = ""):
    scope = _oversight(request)
    qs = selectors.school_list_with_counts(scope, selectors.current_year())
    qs = selectors.school_filter(
        qs, text=q, directorate=directorate, sector=sector, cycle=cycle
    ).order_by("code")
    return [_school(s) for s in qs]


class LevelFigures(Schema):
    level: str
    students: int
    girls: int
    classes: int


class SchoolDetailOut(SchoolOut):
    year: str | None
    per_level: list[LevelFigures]
    staff: int


@router.get("/{school_id}", response=SchoolDetailOut)
def school_detail(request, school_id: int):
    data = selectors.school_overview(_oversight(request), school_id)
    return {
        **_school(data["school"]),
        "students": data["total"],
        "year": data["year"].code if data["year"] else None,
        "staff": data["staff_count"],
        "per_level": [
            {
                "level": r["level__code"],
                "students": r["students"],
                "girls": r["girls"],
                "classes": r["classes"],
            }
            for r in data["per_level"]
        ],
    }


class CurriculumOut(Schema):
    id: int
    year: str
    level: str
    track: str | None
    subject: str
    coefficient: Decimal
    weekly_hours: Decimal


def _entry(e) -> dict:
    return {
        "id": e.pk,
        "year": e.year.code,
        "level": e.level.code,
        "track": e.track.code if e.track else None,
        "subject": e.subject.code,
        "coefficient": e.coefficient,
        "weekly_hours": e.weekly_hours,
    }


@router.get("/curriculum/entries", response=list[CurriculumOut])
def curriculum_list(request, year: str = ""):
    scope = scope_for(request.user)
    if not scope.is_staff_member:
        raise PermissionDenied
    y = get_object_or_404(SchoolYear, code=year) if year else selectors.current_year()
    return [_entry(e) for e in selectors.curriculum_for(y).select_related("year")]


class CurriculumValuesIn(Schema):
    coefficient: Decimal
    weekly_hours: Decimal


@router.patch("/curriculum/entries/{entry_id}", response=CurriculumOut)
def curriculum_update(request, entry_id: int, payload: CurriculumValuesIn):
    entry = get_object_or_404(
        CurriculumEntry.objects.select_related("year", "level", "track", "subject"), pk=entry_id
    )
    return _entry(
        services.curriculum_entry_update(
            scope=scope_for(request.user), actor=request.user, entry=entry, **payload.dict()
        )
    )


class CurriculumAddIn(CurriculumValuesIn):
    year: str
    level: str
    track: str | None = None
    subject: str


@router.post("/curriculum/entries", response={201: CurriculumOut})
def curriculum_add(request, payload: CurriculumAddIn):
    scope = scope_for(request.user)
    if not scope.nation:
        raise PermissionDenied
    entry = services.curriculum_entry_add(
        scope=scope,
        actor=request.user,
        year=get_object_or_404(SchoolYear, code=payload.year),
        level=get_object_or_404(Level, code=payload.level),
        track=get_object_or_404(Track, code=payload.track) if payload.track else None,
        subject=get_object_or_404(Subject, code=payload.subject),
        coefficient=payload.coefficient,
        weekly_hours=payload.weekly_hours,
    )
    return Status(201, _entry(entry))


class YearIn(Schema):
    code: str
    starts_on: date
    s2_starts_on: date
    ends_on: date


class YearOut(Schema):
    code: str
    starts_on: date
    ends_on: date
    is_current: bool
    is_closed: bool


@router.get("/years/all", response=list[YearOut])
def year_list(request):
    if not scope_for(request.user).is_staff_member:
        raise PermissionDenied
    return list(SchoolYear.objects.all())


@router.post("/years/all", response={201: YearOut})
def year_open(request, payload: YearIn):
    return Status(
        201,
        services.school_year_open(
            scope=scope_for(request.user), actor=request.user, **payload.dict()
        ),
    )
