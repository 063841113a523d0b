"""Benchmark: the results computation of a synthetic nation (issue 5, point 6), on PostgreSQL.

    DATABASE_URL=postgres://…/massar_results python bench/results.py

The database must hold a generated nation with marks: `massar generate --students 500000
--seed 2 --with-grades`. In the same run it times
1. ours: results_compute for every school (the results job without its Job row: subject
   averages, general averages S1/S2/ANNUAL, ranks in class and level, class statistics,
   proposed decisions), school by school;
2. the reference: bench/reference/results.sql, a hand-written nation-wide SQL computing the
   same averages, ranks and statistics into plain tables (target: ours ≤ 1.5 × reference);
3. the naive approach: per student with the ORM (read the lines, average in Python, save each
   result, then rank each result by counting better classmates), on whole classes holding
   about 2,000 students, inside a transaction rolled back, extrapolated to the nation
   (target: ours ≥ 100 × faster).
It then checks that ours and the reference agree on every average, rank and statistic.
Prints a table and one JSON line.
"""

import argparse
import json
import os
import re
import sys
import time
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "massar.settings")
os.environ.setdefault("MASSAR_ENV", "development")
os.environ.setdefault("DEBUG", "0")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.db.models import Count  # noqa: E402

from massar.assessment.models import GeneralResult, MarkLine, SubjectResult  # noqa: E402
from massar.assessment.results_services import results_compute  # noqa: E402
from massar.enrollment.models import Enrollment, SchoolClass  # noqa: E402
from massar.schools.models import CurriculumEntry, School, SchoolYear  # noqa: E402

REFERENCE = Path(__file__).parent / "reference" / "results.sql"
TARGET_RATIO = 1.5
TARGET_SPEEDUP = 100
Q2 = Decimal("0.01")


def reference_statements(year_id: int, school_ids: list[int] | None = None) -> list[str]:
    """The reference's statements; with `school_ids`, its enrolled students (hence every
    output) restricted to those schools."""
    text = "\n".join(
        line for line in REFERENCE.read_text().splitlines() if not line.lstrip().startswith("--")
    )
    if school_ids is not None:
        where = "WHERE e.year_id = :year AND e.status = 'ENROLLED'"
        assert text.count(where) == 2
        ids = ", ".join(str(int(i)) for i in school_ids)
        text = text.replace(where, f"{where} AND e.school_id IN ({ids})")
    text = text.replace(":year", str(int(year_id)))
    return [s.strip() for s in text.split(";") if s.strip()]


def run_reference(year_id: int, school_ids: list[int] | None = None) -> float:
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        for statement in reference_statements(year_id, school_ids):
            cursor.execute(statement)
    return time.perf_counter() - started


RESULT_TABLES = (
    "assessment_subjectresult",
    "assessment_generalresult",
    "assessment_classsubjectstat",
)


def clear_results(year_id: int, school_ids: list[int] | None = None) -> int:
    """Remove the year's results (of the schools) and vacuum the tables, untimed: ours then
    computes them from scratch, as the reference does (a re-run of the job also deletes the
    previous rows, inside its batches; `--rerun` measures that instead)."""
    where = f"year_id = {int(year_id)}"
    if school_ids is not None:
        where += " AND school_id IN (" + ", ".join(str(int(i)) for i in school_ids) + ")"
    removed = 0
    with connection.cursor() as cursor:
        for table in RESULT_TABLES:
            cursor.execute(f"DELETE FROM {table} WHERE {where}")  # noqa: S608
            removed += cursor.rowcount
    with connection.cursor() as cursor:  # outside a transaction (autocommit)
        for table in RESULT_TABLES:
            cursor.execute(f"VACUUM ANALYZE {table}")
    return removed


def run_ours(year: SchoolYear, school_ids: list[int] | None = None) -> tuple[float, dict]:
    done = [0]

    def show(n, total):
        if n == total or n % max(1, total // 10) == 0:
            print(f"  ours: {n}/{total} schools, {time.perf_counter() - started:.1f} s", flush=True)
        done[0] = n

    started = time.perf_counter()
    summary = results_compute(year=year, school_ids=school_ids, progress=show)
    return time.perf_counter() - started, summary


def _half_up(value: Decimal) -> Decimal:
    return value.quantize(Q2, rounding=ROUND_HALF_UP)


def run_orm_sample(year: SchoolYear, sample: int) -> tuple[float, int]:
    """The per-student ORM way on whole classes holding about `sample` students."""
    classes, students = [], 0
    for class_id, n in (
        SchoolClass.objects.filter(year=year, enrollments__status="ENROLLED")
        .order_by("pk")
        .values_list("pk")
        .annotate(n=Count("enrollments"))
    ):
        if students >= sample:
            break
        classes.append(class_id)
        students += n
    started = time.perf_counter()
    with transaction.atomic():
        enrollments = Enrollment.objects.filter(
            school_class_id__in=classes, status="ENROLLED", year=year
        ).order_by("pk")
        for e in enrollments:  # one student at a time
            klass = SchoolClass.objects.get(pk=e.school_class_id)
            coefs = {
                c.subject_id: c.coefficient
                for c in CurriculumEntry.objects.filter(
                    year=year, level_id=klass.level_id, track_id=klass.track_id
                )
            }
            for number in (1, 2):
                period = f"S{number}"
                weighted = total = Decimal(0)
                for line in MarkLine.objects.filter(
                    student_id=e.student_id, school_id=e.school_id, semester__number=number,
                    semester__year=year,
                ):  # fmt: skip
                    marks = [
                        getattr(line, f"score{i}")
                        for i in (1, 2, 3, 4)
                        if not getattr(line, f"absent{i}")
                        and getattr(line, f"score{i}") is not None
                    ]
                    if not line.activities_absent and line.activities is not None:
                        marks.append(line.activities)
                    average = _half_up(sum(marks) / len(marks)) if marks else None
                    SubjectResult.objects.update_or_create(
                        school_id=e.school_id, year=year, period=period,
                        student_id=e.student_id, subject_id=line.subject_id,
                        defaults={"school_class_id": klass.pk, "average": average},
                    )  # fmt: skip
                    if average is not None and line.subject_id in coefs:
                        weighted += coefs[line.subject_id] * average
                        total += coefs[line.subject_id]
                GeneralResult.objects.update_or_create(
                    school_id=e.school_id, year=year, period=period, student_id=e.student_id,
                    defaults={
                        "school_class_id": klass.pk, "level_id": klass.level_id,
                        "average": _half_up(weighted / total) if total else None,
                        "coefficient_sum": total, "weighted_sum": weighted,
                    },
                )  # fmt: skip
        # ranks, one result at a time (by school and class: the result tables' keys start
        # with the school)
        for e in enrollments:
            for r in SubjectResult.objects.filter(
                student_id=e.student_id, year=year, average__isnull=False
            ):
                r.rank = 1 + SubjectResult.objects.filter(
                    school_id=r.school_id, school_class_id=r.school_class_id,
                    subject_id=r.subject_id, period=r.period, year=year, average__gt=r.average,
                ).count()  # fmt: skip
                r.save(update_fields=["rank"])
            for g in GeneralResult.objects.filter(
                student_id=e.student_id, year=year, average__isnull=False
            ):
                g.rank_class = 1 + GeneralResult.objects.filter(
                    school_id=g.school_id, school_class_id=g.school_class_id,
                    period=g.period, year=year, average__gt=g.average,
                ).count()  # fmt: skip
                g.save(update_fields=["rank_class"])
        elapsed = time.perf_counter() - started
        transaction.set_rollback(True)
    return elapsed, students


def differences(year_id: int, school_ids: list[int] | None = None) -> dict:
    """Rows where ours and the reference disagree (or exist on one side only); with
    `school_ids`, ours restricted to those schools (the reference holds only them)."""
    ours = "SELECT * FROM {table} WHERE year_id = {year}"
    if school_ids is not None:
        ours += " AND school_id IN (" + ", ".join(str(int(i)) for i in school_ids) + ")"

    def o(table):
        return "(" + ours.format(table=table, year=int(year_id)) + ")"

    checks = {
        "subject": f"""
            SELECT COUNT(*) FROM {o("assessment_subjectresult")} o
            FULL JOIN ref_subject r ON r.student_id = o.student_id
                 AND r.subject_id = o.subject_id AND r.period = o.period
            WHERE (o.year_id = {year_id} OR o.id IS NULL)
              AND (o.id IS NULL OR r.student_id IS NULL
                   OR o.average IS DISTINCT FROM r.average OR o.rank IS DISTINCT FROM r.rank
                   OR o.school_class_id <> r.school_class_id)""",
        "general": f"""
            SELECT COUNT(*) FROM {o("assessment_generalresult")} o
            FULL JOIN ref_general r ON r.student_id = o.student_id AND r.period = o.period
            WHERE (o.year_id = {year_id} OR o.id IS NULL)
              AND (o.id IS NULL OR r.student_id IS NULL
                   OR o.average IS DISTINCT FROM r.average
                   OR o.rank_class IS DISTINCT FROM r.rank_class
                   OR o.rank_level IS DISTINCT FROM r.rank_level)""",
        "statistics": f"""
            SELECT COUNT(*) FROM {o("assessment_classsubjectstat")} o
            FULL JOIN ref_stat r ON r.school_class_id = o.school_class_id
                 AND r.subject_id = o.subject_id AND r.period = o.period
            WHERE (o.year_id = {year_id} OR o.id IS NULL)
              AND (o.id IS NULL OR r.school_class_id IS NULL
                   OR o.mean IS DISTINCT FROM r.mean OR o.minimum IS DISTINCT FROM r.minimum
                   OR o.maximum IS DISTINCT FROM r.maximum OR o.count <> r.count)""",
    }
    out = {}
    with connection.cursor() as cursor:
        for name, sql in checks.items():
            cursor.execute(sql)
            out[name] = cursor.fetchone()[0]
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--year", help="school year code (default: the current year)")
    parser.add_argument(
        "--sample", type=int, default=2000, help="students for the ORM way (0: not measured)"
    )
    parser.add_argument(
        "--rerun",
        action="store_true",
        help="keep the year's previous results: ours deletes them in its batches (a re-run)",
    )
    parser.add_argument(
        "--schools",
        type=int,
        help="only the first N schools (pk order), for ours and the reference",
    )
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("run this benchmark on PostgreSQL (DATABASE_URL)")
    year = (
        SchoolYear.objects.get(code=args.year)
        if args.year
        else SchoolYear.objects.get(is_current=True)
    )
    school_ids = None
    if args.schools:
        school_ids = list(School.objects.order_by("pk").values_list("pk", flat=True))[
            : args.schools
        ]
    enrolled = Enrollment.objects.filter(year=year, status="ENROLLED")
    if school_ids is not None:
        enrolled = enrolled.filter(school_id__in=school_ids)
    students = enrolled.count()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COUNT(*), SUM((score1 IS NOT NULL OR absent1)::int + (score2 IS NOT NULL "
            "OR absent2)::int + (score3 IS NOT NULL OR absent3)::int + (score4 IS NOT NULL "
            "OR absent4)::int + (activities IS NOT NULL OR activities_absent)::int) "
            "FROM assessment_markline m JOIN schools_semester s ON s.id = m.semester_id "
            "WHERE s.year_id = %s",
            [year.pk],
        )
        lines, marks = cursor.fetchone()
        cursor.execute("ANALYZE")
    if not lines:
        sys.exit("no marks: generate the nation with --with-grades")
    print(f"{students:,} students, {lines:,} mark lines, {marks:,} marks (absences included)")

    reference_seconds = run_reference(year.pk, school_ids)
    print(f"reference SQL: {reference_seconds:.1f} s", flush=True)
    if not args.rerun:
        removed = clear_results(year.pk, school_ids)
        print(f"previous results removed (untimed): {removed:,} rows", flush=True)
    ours_seconds, summary = run_ours(year, school_ids)
    print(f"ours: {ours_seconds:.1f} s", flush=True)
    if args.sample:
        orm_seconds, orm_students = run_orm_sample(year, args.sample)
        orm_extrapolated = orm_seconds * students / orm_students
        print(f"ORM per student: {orm_seconds:.1f} s for {orm_students:,} students", flush=True)
    else:
        orm_seconds = orm_students = orm_extrapolated = 0
    diff = differences(year.pk, school_ids)
    ratio = ours_seconds / reference_seconds
    speedup = orm_extrapolated / ours_seconds if orm_students else 0
    print()
    print(f"{'measure':<44}{'seconds':>12}")
    print(f"{'ours (results_compute, ' + str(summary['schools']) + ' schools)':<44}"
          f"{ours_seconds:>12.1f}")  # fmt: skip
    print(f"{'reference SQL (bench/reference/results.sql)':<44}{reference_seconds:>12.1f}")
    print(f"{'ORM per student, ' + format(orm_students, ',') + ' students':<44}"
          f"{orm_seconds:>12.1f}")  # fmt: skip
    label = "ORM per student, extrapolated to " + format(students, ",")
    print(f"{label:<44}{orm_extrapolated:>12.0f}")
    print(f"ratio ours / reference: {ratio:.2f} (target ≤ {TARGET_RATIO})")
    print(f"speed-up over the ORM way: {speedup:.0f} × (target ≥ {TARGET_SPEEDUP})")
    print(f"rows that differ from the reference: {diff}")
    print(
        json.dumps(
            {
                "bench": "results",
                "students": students,
                "mark_lines": lines,
                "marks": marks,
                "schools": summary["schools"],
                "rerun": args.rerun,
                "subject_results": summary["subject_results"],
                "general_results": summary["general_results"],
                "seconds": round(ours_seconds, 1),
                "reference_seconds": round(reference_seconds, 1),
                "ratio": round(ratio, 2),
                "target_ratio": TARGET_RATIO,
                "orm_sample_students": orm_students,
                "orm_sample_seconds": round(orm_seconds, 1),
                "orm_extrapolated_seconds": round(orm_extrapolated),
                "speedup": round(speedup),
                "target_speedup": TARGET_SPEEDUP,
                "differences": diff,
            }
        )
    )
    if re.search(r"[1-9]", "".join(str(v) for v in diff.values())):
        sys.exit(1)


if __name__ == "__main__":
    main()
