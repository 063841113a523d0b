"""Writes of the results-day part: the ResultSnapshot of each published student, rebuilt
set-based when a level's period is published or withdrawn (and when the results job re-runs a
school), then pushed to the cache the results page and API read from.

A snapshot holds, per published period, what the results page (/space/marks/) shows: general
average, rank, class size (the students with an average, as on the report card), Σ coefficients
and Σ coefficient × average with their quotient to four places (the explanation of the general
average), the subjects' averages with their coefficients, products (average × coefficient),
ranks and class statistics, the tests' and integrated activities'
marks (subject results of the period's class only), and for the year the decision (the
council's, else the proposal). It is rebuilt whole inside the caller's transaction, so
readers see the old snapshot or the new one, never a half-computed state; the cache is written
once the transaction commits.

PostgreSQL builds every snapshot of a school (or of one of its levels) in one INSERT … SELECT
… ON CONFLICT with jsonb_build_object/jsonb_agg, and removes the ones left without a published
period in one DELETE. SQLite (tests, single-school installs) builds the same payloads in
Python from a few set-based reads."""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from django.core.cache import cache
from django.db import connection, transaction

from massar.assessment.models import (
    ClassSubjectStat,
    CouncilDecision,
    GeneralResult,
    MarkLine,
    Publication,
    SubjectResult,
)
from massar.core.audit import audit_record
from massar.enrollment.models import SchoolClass
from massar.portal.models import ResultSnapshot
from massar.portal.results_day_selectors import (
    CACHE_SECONDS,
    PERIOD_ORDER,
    results_cache_key,
)
from massar.schools.models import CurriculumEntry, Level, School, SchoolYear, Semester, Subject

log = logging.getLogger(__name__)
CACHE_BATCH = 1000
FOUR_PLACES = Decimal("0.0001")


def _t(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _pk(value) -> int | None:
    return None if value is None else int(getattr(value, "pk", value))


# --- PostgreSQL: one statement builds, one removes ----------------------------------------------

# What it computes: for the school and year (and optionally one level), every student with a
# GeneralResult in a published period gets one jsonb payload; subjects come from SubjectResult
# with the curriculum's coefficient, the class statistics and the semester's MarkLine.
# Indexes: GeneralResult/SubjectResult unique (school, year, period, student[, subject]),
# MarkLine unique (school, class, subject, semester, student), ClassSubjectStat unique key,
# CurriculumEntry is small; the upsert uses the snapshot's unique (student, year).
_PG_BUILD = f"""
WITH pub AS (
    SELECT DISTINCT level_id, period FROM {_t(Publication)}
    WHERE school_id = %(school)s AND year_id = %(year)s
      AND (%(level)s::bigint IS NULL OR level_id = %(level)s::bigint)
),
sem AS (
    SELECT id, 'S' || number AS period FROM {_t(Semester)} WHERE year_id = %(year)s
),
gr AS (
    SELECT g.*, c.name AS class_name, c.track_id,
           COUNT(g.average) OVER (PARTITION BY g.school_class_id, g.period) AS class_size
    FROM {_t(GeneralResult)} g
    JOIN pub ON pub.level_id = g.level_id AND pub.period = g.period
    JOIN {_t(SchoolClass)} c ON c.id = g.school_class_id
    WHERE g.school_id = %(school)s AND g.year_id = %(year)s
),
subj AS (
    SELECT r.student_id, r.period,
           jsonb_agg(jsonb_build_object(
               'code', s.code, 'fr', s.name_fr, 'ar', s.name_ar,
               'coefficient', cur.coefficient::text,
               'average', r.average::text, 'rank', r.rank,
               'product', (r.average * cur.coefficient)::text,
               'class_mean', st.mean::text, 'class_min', st.minimum::text,
               'class_max', st.maximum::text,
               'marks', CASE WHEN m.id IS NULL THEN NULL ELSE jsonb_build_array(
                   m.score1::text, m.score2::text, m.score3::text, m.score4::text) END,
               'absent', CASE WHEN m.id IS NULL THEN NULL ELSE jsonb_build_array(
                   m.absent1, m.absent2, m.absent3, m.absent4) END,
               'activities', m.activities::text,
               'activities_absent', COALESCE(m.activities_absent, false)
           ) ORDER BY s.code) AS subjects
    FROM {_t(SubjectResult)} r
    JOIN gr ON gr.student_id = r.student_id AND gr.period = r.period
           AND gr.school_class_id = r.school_class_id
    JOIN {_t(Subject)} s ON s.id = r.subject_id
    LEFT JOIN {_t(CurriculumEntry)} cur
           ON cur.year_id = %(year)s AND cur.level_id = gr.level_id
          AND cur.track_id IS NOT DISTINCT FROM gr.track_id AND cur.subject_id = r.subject_id
    LEFT JOIN {_t(ClassSubjectStat)} st
           ON st.school_id = %(school)s AND st.year_id = %(year)s AND st.period = r.period
          AND st.school_class_id = r.school_class_id AND st.subject_id = r.subject_id
    LEFT JOIN sem ON sem.period = r.period
    LEFT JOIN {_t(MarkLine)} m
           ON m.school_id = %(school)s AND m.school_class_id = r.school_class_id
          AND m.subject_id = r.subject_id AND m.semester_id = sem.id
          AND m.student_id = r.student_id
    WHERE r.school_id = %(school)s AND r.year_id = %(year)s
    GROUP BY r.student_id, r.period
),
per AS (
    SELECT gr.student_id,
           MAX(gr.level_id) AS level_id,
           (ARRAY_AGG(gr.class_name ORDER BY gr.period))[1] AS class_name,
           jsonb_agg(jsonb_build_object(
               'period', gr.period,
               'average', gr.average::text,
               'rank', gr.rank_class,
               'rank_level', gr.rank_level,
               'class_size', gr.class_size,
               'coefficient_sum', gr.coefficient_sum::text,
               'weighted_sum', gr.weighted_sum::text,
               'quotient', CASE WHEN gr.coefficient_sum > 0
                   THEN round(gr.weighted_sum / gr.coefficient_sum, 4)::text END,
               'subjects', COALESCE(subj.subjects, '[]'::jsonb),
               'decision', CASE WHEN gr.period <> 'ANNUAL' THEN NULL ELSE jsonb_build_object(
                   'proposed', NULLIF(gr.proposed_decision, ''),
                   'final', COALESCE(NULLIF(cd.decision, ''), NULLIF(gr.proposed_decision, '')),
                   'council', cd.id IS NOT NULL) END
           ) ORDER BY CASE gr.period WHEN 'S1' THEN 1 WHEN 'S2' THEN 2 ELSE 3 END) AS periods
    FROM gr
    LEFT JOIN subj ON subj.student_id = gr.student_id AND subj.period = gr.period
    LEFT JOIN {_t(CouncilDecision)} cd
           ON gr.period = 'ANNUAL' AND cd.school_id = %(school)s AND cd.year_id = %(year)s
          AND cd.student_id = gr.student_id
    GROUP BY gr.student_id
)
INSERT INTO {_t(ResultSnapshot)} AS rs (student_id, year_id, school_id, payload, version,
                                        updated_at)
SELECT per.student_id, %(year)s, %(school)s,
       jsonb_build_object(
           'year', y.code,
           'school', jsonb_build_object('code', sc.code, 'fr', sc.name_fr, 'ar', sc.name_ar),
           'level', jsonb_build_object('id', lv.id, 'code', lv.code, 'fr', lv.name_fr,
                                       'ar', lv.name_ar),
           'class', per.class_name,
           'periods', per.periods),
       1, now()
FROM per
JOIN {_t(Level)} lv ON lv.id = per.level_id
JOIN {_t(SchoolYear)} y ON y.id = %(year)s
JOIN {_t(School)} sc ON sc.id = %(school)s
ON CONFLICT (student_id, year_id) DO UPDATE
    SET payload = EXCLUDED.payload, school_id = EXCLUDED.school_id,
        version = rs.version + 1, updated_at = EXCLUDED.updated_at
RETURNING student_id, version, payload::text
"""

# Snapshots of the school (level) whose student no longer has any published period there.
_PG_PRUNE = f"""
DELETE FROM {_t(ResultSnapshot)} rs
WHERE rs.school_id = %(school)s AND rs.year_id = %(year)s
  AND (%(level)s::bigint IS NULL OR (rs.payload -> 'level' ->> 'id')::bigint = %(level)s::bigint)
  AND NOT EXISTS (
      SELECT 1 FROM {_t(GeneralResult)} g
      JOIN {_t(Publication)} p
        ON p.school_id = g.school_id AND p.year_id = g.year_id
       AND p.level_id = g.level_id AND p.period = g.period
      WHERE g.school_id = rs.school_id AND g.year_id = rs.year_id
        AND g.student_id = rs.student_id)
RETURNING rs.student_id
"""


def _build_postgresql(school_id: int, year_id: int, level_id: int | None):
    params = {"school": school_id, "year": year_id, "level": level_id}
    with connection.cursor() as cursor:
        cursor.execute(_PG_BUILD, params)
        built = [(student_id, version, text) for student_id, version, text in cursor.fetchall()]
        cursor.execute(_PG_PRUNE, params)
        removed = [row[0] for row in cursor.fetchall()]
    return built, removed


# --- portable path (SQLite): the same payloads from a few set-based reads -----------------------


def _text(value) -> str | None:
    return None if value is None else str(value)


def _product(average, coefficient) -> str | None:
    """average × coefficient, at the scale PostgreSQL's numeric product has (2 + 2 places)."""
    return None if average is None or coefficient is None else str(average * coefficient)


def _quotient(weighted, coefficients) -> str | None:
    """Σ average × coefficient ÷ Σ coefficients to four places, rounded as PostgreSQL's
    round() does (half away from zero); the general average is this rounded to two."""
    if weighted is None or not coefficients:
        return None
    return str((weighted / coefficients).quantize(FOUR_PLACES, rounding=ROUND_HALF_UP))


def _build_portable(school_id: int, year_id: int, level_id: int | None):
    pubs = Publication.objects.filter(school_id=school_id, year_id=year_id)
    if level_id is not None:
        pubs = pubs.filter(level_id=level_id)
    published = set(pubs.values_list("level_id", "period"))
    general = [
        g
        for g in GeneralResult.objects.filter(school_id=school_id, year_id=year_id).values(
            "student_id",
            "period",
            "school_class_id",
            "school_class__name",
            "school_class__track_id",
            "level_id",
            "average",
            "rank_class",
            "rank_level",
            "coefficient_sum",
            "weighted_sum",
            "proposed_decision",
        )
        if (g["level_id"], g["period"]) in published
    ]
    sizes: dict = defaultdict(int)
    for g in GeneralResult.objects.filter(
        school_id=school_id, year_id=year_id, average__isnull=False
    ).values("school_class_id", "period"):
        sizes[(g["school_class_id"], g["period"])] += 1
    wanted = {(g["student_id"], g["period"]) for g in general}
    students = {g["student_id"] for g in general}
    coefficients = {
        (c["level_id"], c["track_id"], c["subject_id"]): c["coefficient"]
        for c in CurriculumEntry.objects.filter(year_id=year_id).values(
            "level_id", "track_id", "subject_id", "coefficient"
        )
    }
    stats = {
        (s["period"], s["school_class_id"], s["subject_id"]): s
        for s in ClassSubjectStat.objects.filter(school_id=school_id, year_id=year_id).values(
            "period", "school_class_id", "subject_id", "mean", "minimum", "maximum"
        )
    }
    semesters = {
        s["id"]: f"S{s['number']}"
        for s in Semester.objects.filter(year_id=year_id).values("id", "number")
    }
    marks = {
        (semesters.get(m["semester_id"]), m["school_class_id"], m["subject_id"], m["student_id"]): m
        for m in MarkLine.objects.filter(school_id=school_id, student_id__in=students).values()
    }
    decisions = {
        d["student_id"]: d["decision"]
        for d in CouncilDecision.objects.filter(
            school_id=school_id, year_id=year_id, student_id__in=students
        ).values("student_id", "decision")
    }
    subjects: dict = defaultdict(list)
    klass = {(g["student_id"], g["period"]): g for g in general}
    rows = (
        SubjectResult.objects.filter(school_id=school_id, year_id=year_id, student_id__in=students)
        .values(
            "student_id",
            "period",
            "school_class_id",
            "subject_id",
            "subject__code",
            "subject__name_fr",
            "subject__name_ar",
            "average",
            "rank",
        )
        .order_by("subject__code")
    )
    for r in rows:
        key = (r["student_id"], r["period"])
        if key not in wanted:
            continue
        g = klass[key]
        if r["school_class_id"] != g["school_class_id"]:  # left from a class moved out of
            continue
        st = stats.get((r["period"], r["school_class_id"], r["subject_id"])) or {}
        m = marks.get((r["period"], r["school_class_id"], r["subject_id"], r["student_id"]))
        coefficient = coefficients.get(
            (g["level_id"], g["school_class__track_id"], r["subject_id"])
        )
        subjects[key].append(
            {
                "code": r["subject__code"],
                "fr": r["subject__name_fr"],
                "ar": r["subject__name_ar"],
                "coefficient": _text(coefficient),
                "average": _text(r["average"]),
                "rank": r["rank"],
                "product": _product(r["average"], coefficient),
                "class_mean": _text(st.get("mean")),
                "class_min": _text(st.get("minimum")),
                "class_max": _text(st.get("maximum")),
                "marks": None if m is None else [_text(m[f"score{i}"]) for i in (1, 2, 3, 4)],
                "absent": None if m is None else [m[f"absent{i}"] for i in (1, 2, 3, 4)],
                "activities": None if m is None else _text(m["activities"]),
                "activities_absent": bool(m and m["activities_absent"]),
            }
        )
    per_student: dict = defaultdict(list)
    for g in sorted(general, key=lambda g: PERIOD_ORDER[g["period"]]):
        override = decisions.get(g["student_id"])
        decision = None
        if g["period"] == "ANNUAL":
            decision = {
                "proposed": g["proposed_decision"] or None,
                "final": override or g["proposed_decision"] or None,
                "council": override is not None,
            }
        per_student[g["student_id"]].append(
            (
                g,
                {
                    "period": g["period"],
                    "average": _text(g["average"]),
                    "rank": g["rank_class"],
                    "rank_level": g["rank_level"],
                    "class_size": sizes[(g["school_class_id"], g["period"])],
                    "coefficient_sum": _text(g["coefficient_sum"]),
                    "weighted_sum": _text(g["weighted_sum"]),
                    "quotient": _quotient(g["weighted_sum"], g["coefficient_sum"]),
                    "subjects": subjects.get((g["student_id"], g["period"]), []),
                    "decision": decision,
                },
            )
        )
    year = SchoolYear.objects.values("code").get(pk=year_id)
    school = School.objects.values("code", "name_fr", "name_ar").get(pk=school_id)
    levels = {lv["id"]: lv for lv in Level.objects.values("id", "code", "name_fr", "name_ar")}
    payloads = {}
    for student_id, items in per_student.items():
        lv = levels[items[0][0]["level_id"]]
        payloads[student_id] = {
            "year": year["code"],
            "school": {"code": school["code"], "fr": school["name_fr"], "ar": school["name_ar"]},
            "level": {"id": lv["id"], "code": lv["code"], "fr": lv["name_fr"], "ar": lv["name_ar"]},
            "class": items[0][0]["school_class__name"],
            "periods": [p for _g, p in items],
        }
    existing = ResultSnapshot.objects.filter(school_id=school_id, year_id=year_id)
    stale = [
        s
        for s in existing.values("student_id", "payload")
        if s["student_id"] not in payloads
        and (level_id is None or (s["payload"] or {}).get("level", {}).get("id") == level_id)
    ]
    removed = [s["student_id"] for s in stale]
    ResultSnapshot.objects.filter(year_id=year_id, student_id__in=removed).delete()
    versions = dict(
        ResultSnapshot.objects.filter(year_id=year_id, student_id__in=list(payloads)).values_list(
            "student_id", "version"
        )
    )
    ResultSnapshot.objects.bulk_create(
        [
            ResultSnapshot(
                student_id=sid,
                year_id=year_id,
                school_id=school_id,
                payload=payload,
                version=versions.get(sid, 0) + 1,
            )
            for sid, payload in payloads.items()
        ],
        update_conflicts=True,
        unique_fields=["student", "year"],
        update_fields=["payload", "school", "version", "updated_at"],
    )
    built = [
        (sid, versions.get(sid, 0) + 1, json.dumps(payload, ensure_ascii=False))
        for sid, payload in payloads.items()
    ]
    return built, removed


# --- the cache --------------------------------------------------------------------------------


def results_cache_write(*, year_id: int, built: list, removed: list) -> None:
    """Put the rebuilt snapshots in the cache and drop the removed ones (called on commit).
    A cache that cannot be written is logged, not raised: the publication is committed, and
    entries this process could not replace are deleted so readers fall back to the table."""
    keys = [results_cache_key(student_id, year_id) for student_id, _v, _t in built]
    try:
        for start in range(0, len(built), CACHE_BATCH):
            cache.set_many(
                {
                    results_cache_key(student_id, year_id): (version, text)
                    for student_id, version, text in built[start : start + CACHE_BATCH]
                },
                CACHE_SECONDS,
            )
        gone = [results_cache_key(student_id, year_id) for student_id in removed]
        for start in range(0, len(gone), CACHE_BATCH):
            cache.delete_many(gone[start : start + CACHE_BATCH])
    except Exception:  # noqa: BLE001 - any cache backend error
        log.exception("results cache not written for %s snapshots", len(built))
        try:
            cache.delete_many(keys)
        except Exception:  # noqa: BLE001
            log.exception("results cache not invalidated")


# --- the service --------------------------------------------------------------------------------


def results_snapshot_refresh(*, school, year, level=None, actor=None) -> dict:
    """Rebuild the snapshots of the school's published students (of one level, or of every
    level when `level` is None) from the stored results and publications, remove those left
    with no published period, and refresh the cache once the transaction commits.

    Called by the publication and its withdrawal (one level) and by the results job after it
    re-ran a school (every level): inside their transaction, so the swap is atomic with them."""
    school_id, year_id, level_id = _pk(school), _pk(year), _pk(level)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            built, removed = _build_postgresql(school_id, year_id, level_id)
        else:
            built, removed = _build_portable(school_id, year_id, level_id)
        summary = {"level_id": level_id, "built": len(built), "removed": len(removed)}
        audit_record(
            actor=actor,
            action="results.snapshot",
            object_type="portal.ResultSnapshot",
            object_id=year_id,
            after=summary,
            school_id=school_id,
        )
        transaction.on_commit(
            lambda: results_cache_write(year_id=year_id, built=built, removed=removed)
        )
    return summary


__all__ = ["results_cache_write", "results_snapshot_refresh"]
