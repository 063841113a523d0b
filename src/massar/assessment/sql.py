"""Set-based SQL of the results job: subject and general averages, ranks, class statistics and
proposed decisions of a batch of schools (one or a few dozen) and one year, a few statements per
batch (never a loop over students or schools). The same SQL runs on PostgreSQL and SQLite.

Per batch: the enrolled students of the batch's schools, with their class, level, track, cycle
and policy figures, are put once into a temporary table (`results_enr`, analyzed on PostgreSQL
so that the planner knows its size and picks hash joins), which every INSERT then joins. The
school ids are inlined (integers only, `SCHOOL_IDS` in the templates, see `bind_schools`).

Exact arithmetic on both engines: every mark and stored average is turned into an integer
number of hundredths (`CAST(ROUND(x * 100) AS INTEGER)`, exact since marks have two decimals
at most), sums stay integers, and a mean is rounded half-up with integer division:
round(s / n) = (2s + n) div 2n for s, n ≥ 0. PostgreSQL never touches a float; SQLite (which
stores decimals as REAL) gets the same digits because only whole hundredths are ever stored.

Averages are stored rounded to two decimals, and every later figure is computed from the
stored values: the general average from the stored subject averages, the annual averages
from the stored semester averages, ranks (RANK(): ties share a rank, 1, 2, 2, 4) and class
statistics from the stored averages.

Indexes relied on: MarkLine (school, semester, subject); Enrollment (school, year, level);
SubjectResult/GeneralResult unique (school, year, period, student[, subject]) and
GeneralResult (school, year, period, school_class), which also serve the DELETEs and the reads
of the stored averages (`school_id IN (…) AND year_id = … AND period IN (…)`).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import connection

from massar.assessment.models import (
    ClassCouncil,
    ClassSubjectStat,
    GeneralResult,
    MarkLine,
    SubjectResult,
)
from massar.enrollment.models import Enrollment, SchoolClass
from massar.schools.models import CurriculumEntry, Level

PERIODS_OF_SEMESTER = {1: ("S1",), 2: ("S2", "ANNUAL"), None: ("S1", "S2", "ANNUAL")}


def _t(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def cents(value) -> int:
    """A decimal policy figure in hundredths (exact)."""
    return int((Decimal(value) * 100).to_integral_value())


@dataclass(frozen=True)
class PolicyRow:
    """What the SQL needs of the grading policy of one level and track, in hundredths."""

    level_id: int
    track_id: int | None
    activities: bool
    weight1: int
    weight2: int
    threshold: int


def _policy_values(policies: list[PolicyRow]) -> str:
    """The policies as an inline VALUES list (integers only, built here, never user text);
    inline so that PostgreSQL knows their types even when every track is empty."""
    rows = [
        f"({int(p.level_id)}, {-1 if p.track_id is None else int(p.track_id)}, "
        f"{1 if p.activities else 0}, {int(p.weight1)}, {int(p.weight2)}, {int(p.threshold)})"
        for p in policies
    ] or ["(-1, -1, 0, 0, 0, 0)"]
    return ", ".join(rows)


def _hundredths(expr: str) -> str:
    return f"CAST(ROUND({expr} * 100) AS INTEGER)"


def _half_up(total: str, count: str) -> str:
    """round-half-up(total / count) for non-negative integers; NULL when count is 0."""
    return f"CASE WHEN {count} > 0 THEN (2 * {total} + {count}) / (2 * {count}) END"


def _rank(order: str, *partition: str) -> str:
    """RANK() on a non-null value, NULL for rows without one (they never take a rank)."""
    parts = ", ".join([*partition, f"CASE WHEN {order} IS NULL THEN 1 ELSE 0 END"])
    return (
        f"CASE WHEN {order} IS NULL THEN NULL ELSE "
        f"RANK() OVER (PARTITION BY {parts} ORDER BY {order} DESC) END"
    )


WORKING_SET = "results_enr"
SUBJECTS = "results_subjects"
SCHOOLS = "SCHOOL_IDS"


def bind_schools(statement: str, school_ids: list[int]) -> str:
    """The statement for these schools: the ids inlined as integers (never user text)."""
    return statement.replace(SCHOOLS, ", ".join(str(int(i)) for i in school_ids) or "NULL")


def working_set_sql(policies: list[PolicyRow]) -> str:
    """The batch's enrolled students (a student is counted in the class of their ENROLLED
    enrollment of the year, in that school), with what every later statement needs of their
    class, level and policy."""
    return f"""
    CREATE TEMPORARY TABLE {WORKING_SET} AS
    WITH pol (level_id, track_key, activities, w1, w2, thr) AS (
        VALUES {_policy_values(policies)}
    )
    SELECT e.school_id, e.student_id, e.school_class_id, c.level_id,
           COALESCE(c.track_id, -1) AS track_key, e.is_repeater, lv.cycle,
           pol.activities, pol.w1, pol.w2, pol.thr
    FROM {_t(Enrollment)} e
    JOIN {_t(SchoolClass)} c ON c.id = e.school_class_id
    JOIN {_t(Level)} lv ON lv.id = c.level_id
    JOIN pol ON pol.level_id = c.level_id AND pol.track_key = COALESCE(c.track_id, -1)
    WHERE e.school_id IN ({SCHOOLS}) AND e.year_id = %(year)s AND e.status = 'ENROLLED'
      AND c.school_id = e.school_id AND c.year_id = %(year)s"""


def _mark(score: str, absent: str, extra: str = "") -> tuple[str, str]:
    skip = f"{absent} OR {score} IS NULL{extra}"
    return (
        f"CASE WHEN {skip} THEN 0 ELSE {_hundredths(score)} END",
        f"CASE WHEN {skip} THEN 0 ELSE 1 END",
    )


def _delete(model, periods: tuple[str, ...]) -> str:
    marks = ", ".join(f"'{p}'" for p in periods)
    return (
        f"DELETE FROM {_t(model)} WHERE school_id IN ({SCHOOLS}) AND year_id = %(year)s "
        f"AND period IN ({marks})"
    )


def subject_semester_sql(semesters: dict[int, str]) -> str:
    """The subject averages of the semesters {semester_id: period} into the temporary table
    SUBJECTS (school, student, subject, period, class, level, track key, avg_c: an INTEGER
    of hundredths, so that sums of it stay integers on PostgreSQL, as above): mean of the
    marks present (tests 1–4 not marked absent, plus the activities mark where the policy counts
    it) over every mark line of the student in this school, rounded half-up. Computed from
    the marks once; everything after reads this table, not the result table."""
    parts = [_mark(f"m.score{i}", f"m.absent{i}") for i in (1, 2, 3, 4)]
    parts.append(_mark("m.activities", "m.activities_absent", " OR enr.activities = 0"))
    total = " + ".join(p[0] for p in parts)
    count = " + ".join(p[1] for p in parts)
    period = "CASE m.semester_id " + " ".join(
        f"WHEN {int(sid)} THEN '{p}'" for sid, p in semesters.items()
    )
    ids = ", ".join(str(int(s)) for s in semesters)
    return f"""
    CREATE TEMPORARY TABLE {SUBJECTS} AS
    WITH line AS (
        SELECT enr.school_id, m.student_id, m.subject_id, {period} END AS period,
               enr.school_class_id, enr.level_id, enr.track_key, {total} AS total, {count} AS n
        FROM {_t(MarkLine)} m
        JOIN {WORKING_SET} enr ON enr.student_id = m.student_id AND enr.school_id = m.school_id
        WHERE m.school_id IN ({SCHOOLS}) AND m.semester_id IN ({ids})
    )
    SELECT school_id, student_id, subject_id, period, school_class_id, level_id, track_key,
           CAST({_half_up("SUM(total)", "SUM(n)")} AS INTEGER) AS avg_c
    FROM line
    GROUP BY school_id, student_id, subject_id, period, school_class_id, level_id, track_key"""


def subjects_empty_sql() -> str:
    """SUBJECTS without rows, when no semester is recomputed."""
    return f"""
    CREATE TEMPORARY TABLE {SUBJECTS} AS
    SELECT school_id, student_id, 0 AS subject_id, 'S1' AS period, school_class_id,
           level_id, track_key, 0 AS avg_c
    FROM {WORKING_SET} WHERE 1 = 0"""


def subject_annual_sql(stored: tuple[str, ...]) -> str:
    """ANNUAL subject averages into SUBJECTS: mean of the semester averages that exist,
    half-up: those just computed, and the stored ones of the semesters not recomputed in
    this run (`stored`, e.g. ("S1",) when only semester 2 is)."""
    sources = [
        f"SELECT school_id, student_id, subject_id, school_class_id, level_id, track_key, "
        f"avg_c AS c FROM {SUBJECTS}"
    ]
    if stored:
        marks = ", ".join(f"'{p}'" for p in stored)
        sources.append(
            f"""SELECT enr.school_id, r.student_id, r.subject_id, enr.school_class_id,
                   enr.level_id, enr.track_key, {_hundredths("r.average")} AS c
            FROM {_t(SubjectResult)} r
            JOIN {WORKING_SET} enr
              ON enr.student_id = r.student_id AND enr.school_id = r.school_id
            WHERE r.school_id IN ({SCHOOLS}) AND r.year_id = %(year)s AND r.period IN ({marks})"""
        )
    union = "\n        UNION ALL\n        ".join(sources)
    return f"""
    INSERT INTO {SUBJECTS}
        (school_id, student_id, subject_id, period, school_class_id, level_id, track_key, avg_c)
    SELECT school_id, student_id, subject_id, 'ANNUAL', school_class_id, level_id, track_key,
           {_half_up("SUM(c)", "COUNT(c)")}
    FROM (
        {union}
    ) sem
    GROUP BY school_id, student_id, subject_id, school_class_id, level_id, track_key"""


def subject_results_sql() -> str:
    """SubjectResult of every period in SUBJECTS, with the rank within class and subject."""
    return f"""
    INSERT INTO {_t(SubjectResult)}
        (school_id, year_id, period, school_class_id, student_id, subject_id, average, rank)
    SELECT school_id, %(year)s, period, school_class_id, student_id, subject_id,
           avg_c / 100.0, {_rank("avg_c", "school_class_id", "subject_id", "period")}
    FROM {SUBJECTS}"""


def general_semester_sql(periods: tuple[str, ...]) -> str:
    """GeneralResult of semester periods, one row per enrolled student and period:
    Σ(coefficient × subject average) / Σ(coefficients of the subjects with an
    average), half-up; coefficients from the curriculum of the class's level and track (a
    subject outside it has no coefficient and does not count). Ranks in class and in the
    school's level."""
    per = ", ".join(f"('{p}')" for p in periods)
    marks = ", ".join(f"'{p}'" for p in periods)
    return f"""
    WITH per (period) AS (VALUES {per}),
    cur AS (
        SELECT level_id, COALESCE(track_id, -1) AS track_key, subject_id,
               {_hundredths("coefficient")} AS coef
        FROM {_t(CurriculumEntry)} WHERE year_id = %(year)s
    ),
    sub AS (
        SELECT r.school_id, r.student_id, r.period, SUM(cur.coef) AS c_sum,
               SUM(cur.coef * r.avg_c) AS w_sum
        FROM {SUBJECTS} r
        JOIN cur ON cur.level_id = r.level_id AND cur.track_key = r.track_key
                AND cur.subject_id = r.subject_id
        WHERE r.period IN ({marks}) AND r.avg_c IS NOT NULL
        GROUP BY r.school_id, r.student_id, r.period
    ),
    g AS (
        SELECT enr.school_id, enr.student_id, enr.school_class_id, enr.level_id, per.period,
               sub.c_sum, sub.w_sum, {_half_up("sub.w_sum", "sub.c_sum")} AS avg_c
        FROM {WORKING_SET} enr CROSS JOIN per
        LEFT JOIN sub ON sub.student_id = enr.student_id AND sub.school_id = enr.school_id
                     AND sub.period = per.period
    )
    INSERT INTO {_t(GeneralResult)}
        (school_id, year_id, period, school_class_id, level_id, student_id, average,
         coefficient_sum, weighted_sum, rank_class, rank_level, proposed_decision)
    SELECT school_id, %(year)s, period, school_class_id, level_id, student_id,
           avg_c / 100.0, c_sum / 100.0, w_sum / 10000.0,
           {_rank("avg_c", "school_class_id", "period")},
           {_rank("avg_c", "school_id", "level_id", "period")}, ''
    FROM g"""


def general_annual_sql() -> str:
    """ANNUAL GeneralResult: (w1·S1 + w2·S2) / (w1 + w2) of the stored semester general
    averages (only the semester that has one when the other has none), half-up; ranks; and
    the proposed decision: PROMOTED at or above the threshold (the class council's, else the
    policy's), else REPEATS, or COUNCIL for a collège student already repeating the level.
    coefficient_sum and weighted_sum hold Σw and Σ(w × S) so that the figure can be redone."""
    return f"""
    WITH sem AS (
        SELECT school_id, student_id,
               MAX(CASE WHEN period = 'S1' THEN {_hundredths("average")} END) AS s1,
               MAX(CASE WHEN period = 'S2' THEN {_hundredths("average")} END) AS s2
        FROM {_t(GeneralResult)}
        WHERE school_id IN ({SCHOOLS}) AND year_id = %(year)s AND period IN ('S1', 'S2')
        GROUP BY school_id, student_id
    ),
    g AS (
        SELECT enr.school_id, enr.student_id, enr.school_class_id, enr.level_id,
               enr.is_repeater, enr.cycle,
               COALESCE({_hundredths("cc.threshold")}, enr.thr) AS thr,
               CASE WHEN sem.s1 IS NULL THEN 0 ELSE enr.w1 END
                 + CASE WHEN sem.s2 IS NULL THEN 0 ELSE enr.w2 END AS c_sum,
               COALESCE(enr.w1 * sem.s1, 0) + COALESCE(enr.w2 * sem.s2, 0) AS w_sum
        FROM {WORKING_SET} enr
        LEFT JOIN sem ON sem.student_id = enr.student_id AND sem.school_id = enr.school_id
        LEFT JOIN {_t(ClassCouncil)} cc
               ON cc.school_id = enr.school_id AND cc.school_class_id = enr.school_class_id
    ),
    a AS (SELECT g.*, {_half_up("w_sum", "c_sum")} AS avg_c FROM g)
    INSERT INTO {_t(GeneralResult)}
        (school_id, year_id, period, school_class_id, level_id, student_id, average,
         coefficient_sum, weighted_sum, rank_class, rank_level, proposed_decision)
    SELECT school_id, %(year)s, 'ANNUAL', school_class_id, level_id, student_id,
           avg_c / 100.0,
           CASE WHEN avg_c IS NULL THEN NULL ELSE c_sum / 100.0 END,
           CASE WHEN avg_c IS NULL THEN NULL ELSE w_sum / 10000.0 END,
           {_rank("avg_c", "school_class_id")}, {_rank("avg_c", "school_id", "level_id")},
           CASE WHEN avg_c IS NULL THEN ''
                WHEN avg_c >= thr THEN 'PROMOTED'
                WHEN cycle = 'MIDDLE' AND is_repeater THEN 'COUNCIL'
                ELSE 'REPEATS' END
    FROM a"""


def class_stats_sql(periods: tuple[str, ...]) -> str:
    """ClassSubjectStat per class × subject × period from the subject averages: mean
    (half-up), lowest, highest and how many students have an average."""
    marks = ", ".join(f"'{p}'" for p in periods)
    return f"""
    INSERT INTO {_t(ClassSubjectStat)}
        (school_id, year_id, period, school_class_id, subject_id, mean, minimum, maximum, count)
    SELECT school_id, %(year)s, period, school_class_id, subject_id,
           {_half_up("SUM(c)", "COUNT(c)")} / 100.0, MIN(c) / 100.0, MAX(c) / 100.0, COUNT(c)
    FROM (
        SELECT school_id, period, school_class_id, subject_id, avg_c AS c
        FROM {SUBJECTS} WHERE period IN ({marks})
    ) r
    GROUP BY school_id, period, school_class_id, subject_id"""


def school_statements(
    policies: list[PolicyRow], semesters: dict[int, str], periods: tuple[str, ...]
) -> list[tuple[str, str]]:
    """(label, SQL template) in order for a batch of schools (`bind_schools` puts their ids
    in): build the working set, clear the periods, compute the subject averages into SUBJECTS
    and write them, then the general averages and the statistics, and drop the temporary
    tables. `semesters` maps the semester ids to compute to their period ("S1"/"S2")."""
    analyze = connection.vendor == "postgresql"
    steps: list[tuple[str, str]] = [
        ("drop temporary tables", f"DROP TABLE IF EXISTS {WORKING_SET}, {SUBJECTS}")
        if analyze
        else ("drop working set", f"DROP TABLE IF EXISTS {WORKING_SET}"),
    ]
    if not analyze:
        steps.append(("drop subjects", f"DROP TABLE IF EXISTS {SUBJECTS}"))
    steps.append(("working set", working_set_sql(policies)))
    if analyze:
        # a temporary table has no statistics until analyzed (autovacuum never sees it);
        # with them the planner expects the batch's thousands of students and hashes
        steps.append(("analyze working set", f"ANALYZE {WORKING_SET}"))
    steps += [
        ("delete stats", _delete(ClassSubjectStat, periods)),
        ("delete general", _delete(GeneralResult, periods)),
        ("delete subjects", _delete(SubjectResult, periods)),
    ]
    sem_periods = tuple(p for p in periods if p != "ANNUAL")
    if semesters:
        steps.append(("semester subject averages", subject_semester_sql(semesters)))
    else:
        steps.append(("semester subject averages", subjects_empty_sql()))
    if "ANNUAL" in periods:
        stored = tuple(p for p in ("S1", "S2") if p not in semesters.values())
        steps.append(("annual subject averages", subject_annual_sql(stored)))
    if analyze:
        steps.append(("analyze subjects", f"ANALYZE {SUBJECTS}"))
    steps.append(("subject averages", subject_results_sql()))
    if sem_periods:
        steps.append(("general averages", general_semester_sql(sem_periods)))
    if "ANNUAL" in periods:
        steps.append(("annual general averages", general_annual_sql()))
    steps.append(("class statistics", class_stats_sql(periods)))
    steps.append(("end working set", f"DROP TABLE {WORKING_SET}"))
    steps.append(("end subjects", f"DROP TABLE {SUBJECTS}"))
    return steps
