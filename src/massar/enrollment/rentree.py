"""The rentrée: re-enrollment by last year's decisions and the year rollover.

Everything here is set-based per school: a few INSERT … SELECT statements move a whole
school's students into the new year, whatever its size; the rollover walks the schools one
short transaction each, so a national run can stop and start again where it was (every
statement skips what is already there).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db import connection, transaction
from django.utils.translation import gettext as _

from massar.core.audit import audit_record
from massar.core.jobs import JobFailed, job_handler
from massar.enrollment.models import Decision, Enrollment
from massar.schools.models import CurriculumEntry, Level, School, SchoolYear, Semester, Track

PROMOTING = (Decision.PROMOTED, Decision.PASSED, Decision.ORIENTED)


class RentreeError(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class LevelMap:
    """Next level of each level within its cycle (none for 6AP, 3AC, 2BAC), and which levels
    need a track (so a promotion into them needs the orientation's track)."""

    next_of: dict[int, int]
    has_tracks: dict[int, bool]
    track_levels: dict[int, set[int]]  # track id -> ids of the levels it belongs to
    code_of: dict[int, str]

    @classmethod
    def load(cls) -> LevelMap:
        levels = list(Level.objects.order_by("order"))
        next_of = {}
        for a, b in zip(levels, levels[1:], strict=False):
            if not a.is_terminal and a.cycle == b.cycle:
                next_of[a.pk] = b.pk
        track_levels: dict[int, set[int]] = {}
        for track_id, level_id in Track.levels.through.objects.values_list("track_id", "level_id"):
            track_levels.setdefault(track_id, set()).add(level_id)
        return cls(
            next_of,
            {lv.pk: lv.has_tracks for lv in levels},
            track_levels,
            {lv.pk: lv.code for lv in levels},
        )


@dataclass
class SchoolRentree:
    """What the re-enrollment of one school does (or would do, for the director's review)."""

    school_id: int
    promoted: int = 0
    oriented: int = 0
    repeating: int = 0
    leaving_cycle: list[int] = field(default_factory=list)  # enrollment ids: mobility
    awaiting: list[int] = field(default_factory=list)  # no decision, or a track to choose
    already: int = 0
    classes_copied: int = 0

    @property
    def enrolled(self) -> int:
        return self.promoted + self.oriented + self.repeating


def _next_level_case(levels: LevelMap) -> str:
    whens = " ".join(f"WHEN {a} THEN {b}" for a, b in levels.next_of.items())
    return f"CASE e.level_id {whens} END"


def _track_ok(levels: LevelMap) -> str:
    """SQL condition: the decision's track belongs to the next level."""
    return (
        "EXISTS (SELECT 1 FROM schools_track_levels tl WHERE tl.track_id = "
        f"e.decision_track_id AND tl.level_id = {_next_level_case(levels)})"
    )


def _insert(select_sql: str, params: list) -> int:
    sql = (
        "INSERT INTO enrollment_enrollment (student_id, school_id, year_id, level_id, "
        "track_id, school_class_id, status, enrolled_on, left_reason, decision, "
        f"is_repeater) {select_sql}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def _not_yet(alias: str = "e") -> str:
    return (
        f"NOT EXISTS (SELECT 1 FROM enrollment_enrollment x WHERE x.student_id = "
        f"{alias}.student_id AND x.year_id = %s AND x.status = 'ENROLLED')"
    )


def reenroll_school(
    *,
    school_id: int,
    from_year: SchoolYear,
    to_year: SchoolYear,
    levels: LevelMap,
    apply: bool,
    actor=None,
) -> SchoolRentree:
    """Re-enroll one school's students by their decisions: promoted to the next level of the
    same cycle in the same school (with the orientation's track where the next level has
    tracks), repeating in the same level; students leaving a terminal level, or promoted into
    a track level without a track, or without a decision, are listed instead. `apply=False`
    computes the review without writing."""
    report = SchoolRentree(school_id)
    rows = list(
        Enrollment.objects.filter(
            school_id=school_id,
            year=from_year,
            status=Enrollment.Status.ENROLLED,
        ).values_list("id", "student_id", "level_id", "decision", "decision_track_id")
    )
    already = set(
        Enrollment.objects.filter(
            year=to_year, status=Enrollment.Status.ENROLLED, student_id__in=[r[1] for r in rows]
        ).values_list("student_id", flat=True)
    )
    for eid, student_id, level_id, decision, track_id in rows:
        nxt = levels.next_of.get(level_id)
        if student_id in already:
            report.already += 1
        elif decision == Decision.REPEATS:
            report.repeating += 1
        elif decision in PROMOTING and nxt is None:
            report.leaving_cycle.append(eid)
        elif decision in PROMOTING and not levels.has_tracks[nxt]:
            report.promoted += 1
        elif decision in PROMOTING and track_id and nxt in levels.track_levels.get(track_id, ()):
            report.oriented += 1
        else:
            report.awaiting.append(eid)
    if not apply:
        return report
    with transaction.atomic():
        _copy_structure(school_id, from_year, to_year, report)
        start = [to_year.pk, to_year.starts_on]
        base = (
            "FROM enrollment_enrollment e WHERE e.school_id = %s AND e.year_id = %s "
            "AND e.status = 'ENROLLED' AND "
        )
        next_case = _next_level_case(levels)
        plain_next = [a for a, b in levels.next_of.items() if not levels.has_tracks[b]]
        track_next = [a for a, b in levels.next_of.items() if levels.has_tracks[b]]
        decisions = ", ".join(f"'{d}'" for d in PROMOTING)
        written = 0
        if plain_next:
            written += _insert(
                f"SELECT e.student_id, e.school_id, %s, {next_case}, NULL, NULL, 'ENROLLED', "
                f"%s, '', '', FALSE {base} e.decision IN ({decisions}) AND e.level_id IN "
                f"({', '.join(map(str, plain_next))}) AND {_not_yet()}",
                [*start, school_id, from_year.pk, to_year.pk],
            )
        if track_next:
            written += _insert(
                f"SELECT e.student_id, e.school_id, %s, {next_case}, e.decision_track_id, NULL, "
                f"'ENROLLED', %s, '', '', FALSE {base} e.decision IN ({decisions}) AND "
                f"e.level_id IN ({', '.join(map(str, track_next))}) AND "
                f"{_track_ok(levels)} AND {_not_yet()}",
                [*start, school_id, from_year.pk, to_year.pk],
            )
        written += _insert(
            f"SELECT e.student_id, e.school_id, %s, e.level_id, e.track_id, NULL, 'ENROLLED', "
            f"%s, '', '', TRUE {base} e.decision = 'REPEATS' AND {_not_yet()}",
            [*start, school_id, from_year.pk, to_year.pk],
        )
        audit_record(
            actor=actor,
            action="enrollment.reenroll",
            object_type="school",
            object_id=school_id,
            school_id=school_id,
            source="rollover",
            after={
                "from": from_year.code,
                "to": to_year.code,
                "written": written,
                "promoted": report.promoted,
                "oriented": report.oriented,
                "repeating": report.repeating,
                "leaving_cycle": len(report.leaving_cycle),
                "awaiting": len(report.awaiting),
            },
        )
    return report


def _copy_structure(
    school_id: int, from_year: SchoolYear, to_year: SchoolYear, report: SchoolRentree
) -> None:
    """Last year's classes (names, levels, tracks, capacities) as this year's template."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO enrollment_schoolclass (school_id, year_id, level_id, track_id, name, "
            "capacity) SELECT c.school_id, %s, c.level_id, c.track_id, c.name, c.capacity "
            "FROM enrollment_schoolclass c WHERE c.school_id = %s AND c.year_id = %s AND NOT "
            "EXISTS (SELECT 1 FROM enrollment_schoolclass n WHERE n.school_id = c.school_id "
            "AND n.year_id = %s AND n.name = c.name)",
            [to_year.pk, school_id, from_year.pk, to_year.pk],
        )
        report.classes_copied = cursor.rowcount


def distribute_school(*, school_id: int, to_year: SchoolYear, actor=None) -> dict:
    """Automatic class distribution of the students without a class in the new year, per
    level and track, for the director to review on the class-formation page."""
    from massar.enrollment.class_formation import form_classes

    groups = (
        Enrollment.objects.filter(
            school_id=school_id,
            year=to_year,
            status=Enrollment.Status.ENROLLED,
            school_class__isnull=True,
        )
        .values_list("level_id", "track_id")
        .distinct()
    )
    placed = {}
    for level_id, track_id in groups:
        plan = form_classes(
            school_id=school_id,
            year_id=to_year.pk,
            level_id=level_id,
            track_id=track_id,
            actor=actor,
            only_unassigned=True,
        )
        placed[(level_id, track_id)] = plan
    return placed


# --- the year itself ----------------------------------------------------------------------------


def year_ensure(code: str) -> SchoolYear:
    """The target year, opened with default dates (first Monday of September, second
    semester from the first Monday of February, end on the first Friday of July) and the
    previous year's curriculum, when the ministry has not opened it yet."""
    year = SchoolYear.objects.filter(code=code).first()
    if year is not None:
        return year
    start_year = int(code[:4])
    if code != f"{start_year}-{start_year + 1}":
        raise RentreeError("code", _("A school year is written like 2026-2027."))

    def first(weekday: int, y: int, m: int) -> date:
        d = date(y, m, 1)
        return d.fromordinal(d.toordinal() + (weekday - d.weekday()) % 7)

    previous = SchoolYear.objects.order_by("-starts_on").first()
    with transaction.atomic():
        year = SchoolYear.objects.create(
            code=code, starts_on=first(0, start_year, 9), ends_on=first(4, start_year + 1, 7)
        )
        s2 = first(0, start_year + 1, 2)
        Semester.objects.create(
            year=year,
            number=1,
            starts_on=year.starts_on,
            ends_on=s2.fromordinal(s2.toordinal() - 1),
        )
        Semester.objects.create(year=year, number=2, starts_on=s2, ends_on=year.ends_on)
        if previous is not None:
            CurriculumEntry.objects.bulk_create(
                [
                    CurriculumEntry(
                        year=year,
                        level_id=e.level_id,
                        track_id=e.track_id,
                        subject_id=e.subject_id,
                        coefficient=e.coefficient,
                        weekly_hours=e.weekly_hours,
                    )
                    for e in CurriculumEntry.objects.filter(year=previous)
                ]
            )
        audit_record(
            actor=None,
            action="school_year.open",
            object_type="school_year",
            object_id=year.pk,
            source="rollover",
            after={"code": code},
        )
    return year


def previous_year(year: SchoolYear) -> SchoolYear:
    prev = SchoolYear.objects.filter(starts_on__lt=year.starts_on).order_by("-starts_on").first()
    if prev is None:
        raise RentreeError(
            "no_previous", _("There is no school year before %(year)s.") % {"year": year.code}
        )
    return prev


@transaction.atomic
def year_close(*, from_year: SchoolYear, to_year: SchoolYear, actor=None) -> None:
    """Last year becomes read-only (corrections only through audited actions) and the new
    year the current one."""
    SchoolYear.objects.filter(pk=from_year.pk).update(is_closed=True, is_current=False)
    SchoolYear.objects.filter(pk=to_year.pk).update(is_current=True)
    audit_record(
        actor=actor,
        action="school_year.close",
        object_type="school_year",
        object_id=from_year.pk,
        source="rollover",
        after={"current": to_year.code},
    )


def _refresh_statistics() -> None:
    """The new year's enrollments grow from nothing during a national rollover: without fresh
    statistics PostgreSQL plans the "not yet enrolled" anti-join as if the year were empty
    (a nested loop over it, seconds per school instead of milliseconds)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE enrollment_enrollment")


@job_handler("enrollment.rollover")
def rollover_job(job, progress):
    try:
        to_year = year_ensure(job.params["to"])
        from_year = previous_year(to_year)
    except RentreeError as err:
        raise JobFailed([err.message]) from err
    if from_year.is_closed and not job.params.get("school"):
        raise JobFailed([_("School year %(year)s is already closed.") % {"year": from_year.code}])
    if job.params.get("school") and not School.objects.filter(code=job.params["school"]).exists():
        raise JobFailed([_("No school has the code %(code)s.") % {"code": job.params["school"]}])
    schools = School.objects.order_by("pk")
    if job.params.get("school"):
        schools = schools.filter(code=job.params["school"])
    ids = list(schools.values_list("pk", flat=True))
    progress.total(len(ids))
    levels = LevelMap.load()
    totals = {
        "schools": 0,
        "enrolled": 0,
        "repeating": 0,
        "leaving_cycle": 0,
        "awaiting": 0,
        "placed": 0,
        "unplaced": 0,
    }
    for n, school_id in enumerate(ids, start=1):
        if n in (2, 20) or n % 200 == 0:
            _refresh_statistics()
        report = reenroll_school(
            school_id=school_id,
            from_year=from_year,
            to_year=to_year,
            levels=levels,
            apply=True,
            actor=job.created_by,
        )
        with transaction.atomic():
            plans = distribute_school(school_id=school_id, to_year=to_year, actor=job.created_by)
        totals["schools"] += 1
        totals["enrolled"] += report.enrolled
        totals["repeating"] += report.repeating
        totals["leaving_cycle"] += len(report.leaving_cycle)
        totals["awaiting"] += len(report.awaiting)
        for plan in plans.values():
            totals["placed"] += getattr(plan, "placed", 0)
            totals["unplaced"] += getattr(plan, "unplaced", 0)
        progress.advance(n)
    if not job.params.get("school"):
        year_close(from_year=from_year, to_year=to_year, actor=job.created_by)
    totals["summary"] = _(
        "%(schools)d schools: %(enrolled)d students re-enrolled in %(year)s (%(repeating)d "
        "repeating); %(leaving)d leave their cycle (collective mobility or orientation); "
        "%(awaiting)d await a decision."
    ) % {
        "schools": totals["schools"],
        "enrolled": totals["enrolled"],
        "year": to_year.code,
        "repeating": totals["repeating"],
        "leaving": totals["leaving_cycle"],
        "awaiting": totals["awaiting"],
    }
    return totals
