"""The results computation: per batch of schools (BATCH of them, in pk order), in one short
transaction each, so a stopped job can be re-run and simply redoes every school, the set-based
SQL of assessment/sql.py. Re-running it gives the same rows (each period is cleared and rebuilt).

Also: who may start it (a director for their school, the directorate, academy or ministry for
the schools of their territory), the job that runs it, and the reads of a class's results."""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from massar.assessment import sql
from massar.assessment.hooks import results_changed
from massar.assessment.models import ClassSubjectStat, GeneralResult, SubjectResult
from massar.assessment.policy import policies_for_year, policy_for
from massar.core.audit import audit_record
from massar.core.jobs import job_start
from massar.core.models import Role
from massar.core.scopes import Scope
from massar.enrollment.models import Decision, Enrollment, SchoolClass, TeachingAssignment
from massar.schools.models import Level, School, SchoolYear, Semester, Track

JOB_KIND = "results.compute"
LAUNCH_ROLES = (Role.MINISTRY, Role.ACADEMY, Role.DIRECTORATE, Role.DIRECTOR)
READ_ROLES = (
    Role.MINISTRY,
    Role.ACADEMY,
    Role.DIRECTORATE,
    Role.DIRECTOR,
    Role.STAFF,
    Role.TEACHER,
)


class ResultsError(Exception):
    def __init__(self, code: str, message: str, status: int = 400):
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


@dataclass
class SchoolCount:
    school_id: int
    subject_results: int
    general_results: int
    seconds: float


def _policy_rows(year: SchoolYear) -> list[sql.PolicyRow]:
    """The policy of every level × track a class of the year uses (a couple of queries)."""
    stored = policies_for_year(year)
    levels = Level.objects.in_bulk()
    tracks = Track.objects.in_bulk()
    pairs = set(
        SchoolClass.objects.filter(year=year).values_list("level_id", "track_id").distinct()
    )
    rows = []
    for level_id, track_id in sorted(pairs, key=lambda p: (p[0], p[1] or 0)):
        policy = policy_for(
            year=year, level=levels[level_id], track=tracks.get(track_id), stored=stored
        )
        rows.append(
            sql.PolicyRow(
                level_id=level_id,
                track_id=track_id,
                activities=policy.has_activities,
                weight1=sql.cents(policy.semester1_weight),
                weight2=sql.cents(policy.semester2_weight),
                threshold=sql.cents(policy.promotion_threshold),
            )
        )
    return rows


INSERTS = ("subject averages", "general averages", "annual general averages")


def results_compute_batch(
    *,
    school_ids: list[int],
    year: SchoolYear,
    statements: list[tuple[str, str]],
    periods: tuple[str, ...],
) -> SchoolCount:
    """A batch of schools, one transaction: clear the periods and rebuild them (the batch is
    the unit of resumability: a stopped run has committed whole batches only)."""
    started = time.perf_counter()
    params = {"year": year.pk}  # the schools are inlined (sql.bind_schools)
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # two runs on the same school queue instead of colliding on the unique keys
            # (locks taken in pk order, so two overlapping batches cannot deadlock)
            for school_id in sorted(school_ids):
                cursor.execute("SELECT pg_advisory_xact_lock(7305, %s)", [school_id])
            # for this transaction only: the batch's sorts (hundreds of thousands of subject
            # averages, ranked by window functions) fit in memory instead of spilling to disk,
            # and statements of a second or two do not repay JIT compilation (measured: up to
            # 0.9 s of JIT on one statement). No merge joins: the join of the mark lines to
            # the batch's students on (student, school) is estimated at a couple of rows, and
            # the planner then walked the whole mark-line student index (10 million lines,
            # 2.7 s for 5 schools) instead of hashing the batch's lines (0.16 s). Nested loops
            # stay allowed: with the analyzed temporary tables the plans hash-join anyway
            # (EXPLAIN ANALYZE on batches of 5 and 25 schools) and turning them off gained
            # nothing.
            cursor.execute("SET LOCAL work_mem = '64MB'")
            cursor.execute("SET LOCAL jit = off")
            cursor.execute("SET LOCAL enable_mergejoin = off")
        counts = {}
        for label, statement in statements:
            cursor.execute(sql.bind_schools(statement, school_ids), params)
            counts[label] = cursor.rowcount
        # published levels show the re-run results at the same commit, never half of them
        for school_id in school_ids:
            results_changed(school=school_id, year=year)
        subject_rows = counts.get("subject averages", 0)  # every period, in one INSERT
        general_rows = counts.get("general averages", 0) + counts.get("annual general averages", 0)
        if min(counts.get(label, 0) for label in INSERTS) < 0:  # SQLite: no count for INSERT … WITH
            subject_rows = SubjectResult.objects.filter(
                school_id__in=school_ids, year=year, period__in=periods
            ).count()
            general_rows = GeneralResult.objects.filter(
                school_id__in=school_ids, year=year, period__in=periods
            ).count()
    return SchoolCount(
        school_id=school_ids[0],
        subject_results=subject_rows,
        general_results=general_rows,
        seconds=time.perf_counter() - started,
    )


# Schools per transaction: enough students (a few thousand to tens of thousands) for hash
# joins and to spread each statement's fixed cost, short enough for a stopped run to lose
# little and for the locks on the result rows to be brief.
BATCH = 25
# Batches at once on PostgreSQL, each on its own connection: the reference SQL of the benchmark
# gets PostgreSQL's parallel workers on its scans; the job gets the same cores this way.
WORKERS = 2

# On PostgreSQL the result tables are analyzed as they grow (after 1, 4, 16 … batches): a run
# that starts from empty tables would otherwise plan every batch's statements on "empty"
# statistics and pick a year-wide index instead of the (school, year, period, …) keys.
ANALYZE_AT = frozenset(4**k + 1 for k in range(8))


def _analyze() -> None:
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in (SubjectResult, GeneralResult, ClassSubjectStat):
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


def _batch_alone(**kwargs) -> SchoolCount:
    """A batch on this thread's own connection, closed afterwards."""
    try:
        return results_compute_batch(**kwargs)
    finally:
        connection.close()


def _run_batches(chunks, *, workers, progress, total, **kwargs) -> list[SchoolCount]:
    """Run the batches in order, at most `workers` at once; analyze the result tables as
    batches complete (ANALYZE_AT); report progress in completed schools."""
    counts: list[SchoolCount] = []
    done = 0

    def finished(count: SchoolCount, size: int) -> None:
        nonlocal done
        counts.append(count)
        done += size
        if len(counts) + 1 in ANALYZE_AT:
            _analyze()
        if progress:
            progress(done, total)

    if workers == 1:
        for chunk in chunks:
            finished(results_compute_batch(school_ids=chunk, **kwargs), len(chunk))
        return counts
    pending: dict = {}
    queue = list(chunks)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        while queue or pending:
            while queue and len(pending) < workers:
                chunk = queue.pop(0)
                pending[pool.submit(_batch_alone, school_ids=chunk, **kwargs)] = len(chunk)
            complete, _running = wait(pending, return_when=FIRST_COMPLETED)
            for future in complete:
                finished(future.result(), pending.pop(future))
    return counts


def results_compute(
    *,
    year: SchoolYear,
    school_ids: list[int] | None = None,
    semester: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    actor=None,
    batch: int = BATCH,
    workers: int = WORKERS,
) -> dict:
    """Compute the results of `year` for the schools (all when None), ordered by pk, `batch`
    schools per transaction, `workers` transactions at a time on PostgreSQL. With `semester` 1
    only S1 is computed; with 2, S2 and the year (ANNUAL); without, all three.
    `progress(done, total)` (schools) is called after each batch."""
    if semester not in (None, 1, 2):
        raise ResultsError("semester", _("The semester is 1 or 2."))
    periods = sql.PERIODS_OF_SEMESTER[semester]
    semesters = {
        s.pk: f"S{s.number}"
        for s in Semester.objects.filter(year=year).order_by("number")
        if f"S{s.number}" in periods
    }
    statements = sql.school_statements(_policy_rows(year), semesters, periods)
    schools = School.objects.order_by("pk")
    if school_ids is not None:
        schools = schools.filter(pk__in=school_ids)
    ids = list(schools.values_list("pk", flat=True))
    started = time.perf_counter()
    size = max(1, int(batch))
    chunks = [ids[first : first + size] for first in range(0, len(ids), size)]
    # batches run on `workers` connections at once on PostgreSQL (independent transactions on
    # disjoint schools); inside an outer transaction (tests) other connections would not see
    # its rows, so there and on SQLite (one writer) they run one after the other
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        workers = 1
    counts = _run_batches(
        chunks,
        workers=max(1, int(workers)),
        progress=progress,
        total=len(ids),
        year=year,
        statements=statements,
        periods=periods,
    )
    subject_rows = sum(c.subject_results for c in counts)
    general_rows = sum(c.general_results for c in counts)
    summary = {
        "year": year.code,
        "semester": semester,
        "periods": list(periods),
        "schools": len(ids),
        "subject_results": subject_rows,
        "general_results": general_rows,
        "seconds": round(time.perf_counter() - started, 2),
    }
    audit_record(
        actor=actor,
        action="results.compute",
        object_type="school_year",
        object_id=year.pk,
        after=summary,
        school_id=ids[0] if len(ids) == 1 else None,
    )
    return summary


# --- who may start it ----------------------------------------------------------------------


def launch_schools(scope: Scope) -> QuerySet[School]:
    """The schools whose results the user may compute: a director's own; the territory of a
    directorate, academy or the ministry. Office staff and teachers: none."""
    if scope.nation:
        return School.objects.order_by("code")
    if scope.is_territorial:
        return School.objects.filter(
            scope.schools_q() | Q(pk__in=scope.director_school_ids)
        ).order_by("code")
    return School.objects.filter(pk__in=scope.director_school_ids).order_by("code")


def results_start(
    *,
    scope: Scope,
    actor,
    year: SchoolYear,
    school: School | None = None,
    semester: int | None = None,
) -> object:
    """Start the results job for one school or for every school the user may compute."""
    if not scope.has(*LAUNCH_ROLES):
        raise PermissionDenied
    if semester not in (None, 1, 2):
        raise ResultsError("semester", _("The semester is 1 or 2."))
    allowed = launch_schools(scope)
    if school is not None:
        if not allowed.filter(pk=school.pk).exists():
            raise Http404
    elif not scope.nation and not allowed.exists():
        raise PermissionDenied
    if school is not None:
        title = _("Results of %(school)s for %(year)s") % {"school": school.code, "year": year}
    else:
        title = _("Results of all your schools for %(year)s") % {"year": year}
    return job_start(
        kind=JOB_KIND,
        title=title,
        params={
            "year": year.code,
            "school": school.code if school else None,
            "semester": semester,
        },
        actor=actor,
        school_id=school.pk if school else None,
    )


# --- reads ---------------------------------------------------------------------------------


def class_for_results(scope: Scope, user, class_id: int) -> SchoolClass:
    """A class whose results the user may read: the school's administration, a teacher of the
    class, or the oversight of its territory; 404 otherwise. Students and guardians read
    published results in their own spaces, not here."""
    school_class = (
        SchoolClass.objects.select_related("school", "level", "track", "year")
        .filter(pk=class_id)
        .first()
    )
    if school_class is None or not scope.has(*READ_ROLES):
        raise Http404
    school_id = school_class.school_id
    if scope.administers_school(school_id):
        return school_class
    if scope.is_territorial and School.objects.filter(scope.schools_q(), pk=school_id).exists():
        return school_class
    if (
        scope.has(Role.TEACHER)
        and TeachingAssignment.objects.filter(
            school_class_id=class_id, teacher__user_id=user.pk
        ).exists()
    ):
        return school_class
    raise Http404


@dataclass
class ClassResults:
    school_class: SchoolClass
    period: str
    subjects: list  # [(subject_id, code, name)]
    rows: list  # [{"student", "general", "subjects": {subject_id: SubjectResult}}]
    stats: dict  # subject_id -> ClassSubjectStat
    computed: bool


def class_results(school_class: SchoolClass, period: str) -> ClassResults:
    """A class's results of a period: students (enrolled now, by name), their subject averages
    and ranks, general average and ranks, and the class statistics — four queries."""
    key = {"school_id": school_class.school_id, "year_id": school_class.year_id, "period": period}
    enrollments = list(
        Enrollment.objects.filter(school_class=school_class, status=Enrollment.Status.ENROLLED)
        .select_related("student")
        .order_by("student__last_name_fr", "student__first_name_fr", "student_id")
    )
    general = {
        g.student_id: g
        for g in GeneralResult.objects.filter(school_class=school_class, **key).only(
            "student_id",
            "average",
            "rank_class",
            "rank_level",
            "proposed_decision",
            "coefficient_sum",
            "weighted_sum",
        )
    }
    labels = dict(Decision.choices)
    for g in general.values():
        g.decision_label = labels.get(g.proposed_decision, g.proposed_decision)
    by_student: dict[int, dict] = {}
    subjects: dict[int, tuple] = {}
    for r in SubjectResult.objects.filter(school_class=school_class, **key).select_related(
        "subject"
    ):
        by_student.setdefault(r.student_id, {})[r.subject_id] = r
        subjects[r.subject_id] = (r.subject_id, r.subject.code, r.subject.name)
    stats = {
        s.subject_id: s for s in ClassSubjectStat.objects.filter(school_class=school_class, **key)
    }
    rows = [
        {
            "student": e.student,
            "general": general.get(e.student_id),
            "subjects": [
                by_student.get(e.student_id, {}).get(sid)
                for sid in sorted(subjects, key=lambda s: subjects[s][1])
            ],
        }
        for e in enrollments
    ]
    ordered = [subjects[s] for s in sorted(subjects, key=lambda s: subjects[s][1])]
    return ClassResults(
        school_class=school_class,
        period=period,
        subjects=ordered,
        rows=rows,
        stats=[stats.get(s[0]) for s in ordered],
        computed=bool(general),
    )
