"""Reads of the class formation, already scoped: a school's structure for a year, a class's
list, a level's formation page. Each runs a fixed number of queries whatever the school's
size."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, DecimalField, OuterRef, Prefetch, Q, Subquery
from django.http import Http404

from massar.core.scopes import Scope
from massar.enrollment.class_formation import (
    ClassBalance,
    FormationData,
    balance,
    load_formation,
    natural_key,
    pair_status,
)
from massar.enrollment.models import Enrollment, SchoolClass
from massar.schools.models import Level, School, SchoolYear, Track
from massar.schools.selectors import school_list

READ_ROLES = ("MINISTRY", "ACADEMY", "DIRECTORATE", "DIRECTOR", "STAFF")


def formation_years(code: str | None = None) -> tuple[SchoolYear, list[SchoolYear]]:
    """The year asked for, else the next open year after the current one (classes are formed
    before the rentrée), else the current year; with every year for a chooser. One query:
    the table holds a row per school year."""
    years = list(SchoolYear.objects.order_by("-starts_on"))
    if code:
        year = next((y for y in years if y.code == code), None)
    else:
        current = next((y for y in years if y.is_current), None)
        upcoming = [
            y
            for y in years
            if current and not y.is_current and not y.is_closed and y.starts_on > current.starts_on
        ]
        year = upcoming[-1] if upcoming else current
    if year is None:
        raise Http404
    return year, years


def formation_year(code: str | None = None) -> SchoolYear:
    return formation_years(code)[0]


def formation_school(scope: Scope, school_id=None) -> School | None:
    """The school a page is about. The director's and staff's own school (another one asked
    for is not found); for oversight roles the school asked for if it is in their scope,
    None when none is asked for."""
    wanted = str(school_id) if school_id not in (None, "") else None
    if wanted is not None and not wanted.isdigit():
        raise Http404
    if scope.school_ids:
        schools = School.objects.filter(pk__in=scope.school_ids).order_by("code")
        school = schools.filter(pk=wanted).first() if wanted else schools.first()
        if school is None:
            raise Http404
        return school
    if not scope.is_territorial:
        raise Http404
    if wanted is None:
        return None
    school = school_list(scope).filter(pk=wanted).first()
    if school is None:
        raise Http404
    return school


def schools_in_scope(scope: Scope):
    return school_list(scope).order_by("code")


def level_and_track(level_code: str, track_code: str | None) -> tuple[Level, Track | None]:
    """One query: the level with its tracks."""
    level = Level.objects.filter(code=level_code).prefetch_related("tracks").first()
    if level is None:
        raise Http404
    track = None
    if track_code:
        track = next((t for t in level.tracks.all() if t.code == track_code), None)
        if track is None:
            raise Http404
    return level, track


@dataclass
class LevelStructure:
    level: Level
    track: Track | None
    classes: list = field(default_factory=list)
    students: int = 0
    unassigned: int = 0

    @property
    def capacity(self) -> int:
        return sum(c.capacity for c in self.classes)

    @property
    def placed(self) -> int:
        return sum(c.size for c in self.classes)


def structure(scope: Scope, school: School, year: SchoolYear) -> dict:
    """The classes of a school's year grouped by level and track, with sizes and students
    still without a class (four queries)."""
    classes = list(
        SchoolClass.objects.filter(school=school, year=year)
        .select_related("level", "track")
        .annotate(
            size=Count("enrollments", filter=Q(enrollments__status=Enrollment.Status.ENROLLED)),
            girls=Count(
                "enrollments",
                filter=Q(
                    enrollments__status=Enrollment.Status.ENROLLED,
                    enrollments__student__sex="F",
                ),
            ),
            repeaters=Count(
                "enrollments",
                filter=Q(
                    enrollments__status=Enrollment.Status.ENROLLED,
                    enrollments__is_repeater=True,
                ),
            ),
        )
    )
    counts = {
        (r["level_id"], r["track_id"]): r
        for r in Enrollment.objects.filter(
            school=school, year=year, status=Enrollment.Status.ENROLLED
        )
        .values("level_id", "track_id")
        .annotate(n=Count("id"), unassigned=Count("id", filter=Q(school_class__isnull=True)))
    }
    levels = list(
        Level.objects.filter(cycle__in=school.cycles)
        .order_by("order")
        .prefetch_related(Prefetch("tracks", queryset=Track.objects.order_by("code")))
    )
    groups: dict[tuple, LevelStructure] = {}
    for level in levels:
        if not level.has_tracks:
            groups[(level.pk, None)] = LevelStructure(level, None)
    tracks = {t.pk: t for lv in levels for t in lv.tracks.all()}
    by_id = {lv.pk: lv for lv in levels}
    for c in sorted(classes, key=lambda c: natural_key(c.name)):
        key = (c.level_id, c.track_id)
        if key not in groups and c.level_id in by_id:
            groups[key] = LevelStructure(by_id[c.level_id], tracks.get(c.track_id))
        if key in groups:
            groups[key].classes.append(c)
    for key, row in counts.items():
        if key not in groups and key[0] in by_id:
            groups[key] = LevelStructure(by_id[key[0]], tracks.get(key[1]))
        if key in groups:
            groups[key].students = row["n"]
            groups[key].unassigned = row["unassigned"]
    ordered = sorted(
        groups.values(), key=lambda g: (g.level.order, g.track.code if g.track else "")
    )
    return {
        "school": school,
        "year": year,
        "groups": ordered,
        "levels": levels,
        "students": sum(g.students for g in ordered),
        "unassigned": sum(g.unassigned for g in ordered),
    }


def _readable(scope: Scope, school_id: int) -> bool:
    return scope.administers_school(school_id) or (
        scope.is_territorial and school_list(scope).filter(pk=school_id).exists()
    )


def class_get(scope: Scope, class_id: int) -> SchoolClass:
    school_class = (
        SchoolClass.objects.select_related("school", "year", "level", "track")
        .filter(pk=class_id)
        .first()
    )
    if school_class is None or not _readable(scope, school_class.school_id):
        raise Http404
    return school_class


def class_students(school_class: SchoolClass) -> list[Enrollment]:
    """The class's students with last year's average (one query)."""
    previous = (
        SchoolYear.objects.filter(starts_on__lt=school_class.year.starts_on)
        .order_by("-starts_on")
        .values("pk")[:1]
    )
    return list(
        Enrollment.objects.filter(school_class=school_class, status=Enrollment.Status.ENROLLED)
        .select_related("student")
        .annotate(
            last_average=Subquery(
                Enrollment.objects.filter(
                    student_id=OuterRef("student_id"),
                    year_id=Subquery(previous),
                    annual_average__isnull=False,
                )
                .order_by("-pk")
                .values("annual_average")[:1],
                output_field=DecimalField(max_digits=4, decimal_places=2),
            )
        )
        .order_by("student__last_name_fr", "student__first_name_fr", "pk")
    )


@dataclass
class FormationPage:
    data: FormationData
    classes: list[ClassBalance]
    overall: ClassBalance
    pairs: list[dict]

    @property
    def unassigned(self) -> list:
        return [s for s in self.data.students if s.class_id is None]


def formation_page(
    scope: Scope,
    school: School,
    year: SchoolYear,
    level: Level,
    track: Track | None,
    data: FormationData | None = None,
) -> FormationPage:
    """A level's (and track's) students, classes, current balance and pair requests: the
    queries of `load_formation` whatever the number of students (none when the rows of a
    preview are passed as `data`)."""
    if data is None:
        data = load_formation(
            school_id=school.pk,
            year_id=year.pk,
            level_id=level.pk,
            track_id=track.pk if track else None,
        )
    classes, overall = balance(data.students, data.classes)
    rows = {s.student_id: s for s in data.students}
    status = pair_status(data.students, data.pairs)
    pairs = [
        {
            "id": p.pairing_id,
            "mode": p.mode,
            "first": rows.get(p.first),
            "second": rows.get(p.second),
            "honoured": status[p.pairing_id],
        }
        for p in data.pairs
        if p.first in rows or p.second in rows
    ]
    return FormationPage(data, classes, overall, pairs)
