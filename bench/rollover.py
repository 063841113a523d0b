"""Benchmark: the year rollover of a synthetic nation (re-enrollment by decision and class
assignment by the automatic distribution, school by school), on PostgreSQL.

    DATABASE_URL=postgres://…/massar_roll python bench/rollover.py

The database must hold a generated nation (`massar generate`) in 2025-2026 and no 2026-2027
enrollments; work on a copy (CREATE DATABASE massar_roll TEMPLATE massar_gen). Decisions are
set first, set-based, as the evaluation (or the directors) would have: about 85 % promoted,
11 % repeating, 4 % to the class council; tronc commun and 1re bac students promoted with an
orientation track of the next level. Target (issue 4): under 10 minutes for 1,000,000 students.
"""

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "massar.settings")
os.environ.setdefault("MASSAR_ENV", "development")
os.environ.setdefault("DEBUG", "0")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402

from massar.core.jobs import job_run  # noqa: E402
from massar.core.models import Job  # noqa: E402
from massar.enrollment.models import Enrollment  # noqa: E402
from massar.schools.models import SchoolYear  # noqa: E402

TARGET_SECONDS = 600


def set_decisions(year: SchoolYear) -> float:
    """One UPDATE for decisions, one for orientation tracks (the first track of the next
    level, by the student's id)."""
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE enrollment_enrollment SET decision = CASE WHEN id %% 100 < 85 THEN "
            "'PROMOTED' WHEN id %% 100 < 96 THEN 'REPEATS' ELSE 'COUNCIL' END, "
            "annual_average = CASE WHEN id %% 100 < 85 THEN 10 + (id %% 900) / 100.0 "
            "ELSE 5 + (id %% 490) / 100.0 END WHERE year_id = %s",
            [year.pk],
        )
        cursor.execute(
            "UPDATE enrollment_enrollment e SET decision = 'ORIENTED', decision_track_id = "
            "(SELECT tl.track_id FROM schools_track_levels tl JOIN schools_level nl ON "
            'nl.id = tl.level_id JOIN schools_level l ON nl."order" = l."order" + 1 '
            "WHERE l.id = e.level_id ORDER BY (tl.track_id + e.id) %% 7, tl.track_id LIMIT 1) "
            "FROM schools_level l WHERE l.id = e.level_id AND l.code IN ('TC', '1BAC') AND "
            "e.year_id = %s AND e.decision = 'PROMOTED'",
            [year.pk],
        )
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--to", default="2026-2027")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("run this benchmark on PostgreSQL (DATABASE_URL)")
    current = SchoolYear.objects.get(code="2025-2026")
    if Enrollment.objects.filter(year__code=args.to).exists():
        sys.exit(f"{args.to} already has enrollments: use a fresh copy of the generated nation")
    students = Enrollment.objects.filter(year=current, status="ENROLLED").count()
    decided = set_decisions(current)
    print(f"{students:,} enrolled students; decisions set in {decided:.1f} s")
    job = Job.objects.create(
        kind="enrollment.rollover", title="bench rollover", params={"to": args.to, "school": None}
    )
    last = [time.perf_counter()]

    def show(done: int, total: int) -> None:
        if done == total or done % max(1, total // 10) == 0:
            print(f"  {done}/{total} schools, {time.perf_counter() - last[0]:.0f} s")

    started = time.perf_counter()
    job = job_run(job.pk, listener=show)
    seconds = time.perf_counter() - started
    if job.status != "DONE":
        sys.exit(f"rollover failed: {job.errors}")
    r = job.result
    placed = Enrollment.objects.filter(year__code=args.to, school_class__isnull=False).count()
    print(f"{'schools':<32}{r['schools']:>12,}")
    print(f"{'re-enrolled in ' + args.to:<32}{r['enrolled']:>12,}")
    print(f"{'  of whom repeating':<32}{r['repeating']:>12,}")
    print(f"{'placed in a class':<32}{placed:>12,}")
    print(f"{'leaving their cycle':<32}{r['leaving_cycle']:>12,}")
    print(f"{'awaiting a decision':<32}{r['awaiting']:>12,}")
    print(f"{'seconds':<32}{seconds:>12.1f}   (target: under {TARGET_SECONDS} s)")
    print(
        json.dumps(
            {
                "bench": "rollover",
                "students": students,
                "schools": r["schools"],
                "reenrolled": r["enrolled"],
                "placed": placed,
                "seconds": round(seconds, 1),
                "target_seconds": TARGET_SECONDS,
                "ratio_to_target": round(seconds / TARGET_SECONDS, 3),
            }
        )
    )


if __name__ == "__main__":
    main()
