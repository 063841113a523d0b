"""Benchmark: build a synthetic nation (`massar generate`) on PostgreSQL and time it.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/massar_gen python bench/generate.py \
        --students 1000000

The database must exist (this script creates none); it is migrated if it needs to be. A database
that already holds a generated nation is refused (the figure would not compare: indexes are
bigger), unless --add is given. Prints a table, then one JSON line.
"""

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
os.environ["DJANGO_SETTINGS_MODULE"] = "massar.settings"
os.environ["MASSAR_ENV"] = "development"
os.environ.setdefault("DEBUG", "0")  # no query log in the timed process

TARGET_SECONDS = 300  # the target for 1,000,000 students on a 2-core machine


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--add", action="store_true", help="accept a database that already holds a nation"
    )
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    from massar.demo.synth import generate, previous_runs

    if connection.vendor != "postgresql":
        sys.exit("bench/generate.py runs on PostgreSQL: set DATABASE_URL=postgres://…")
    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        print("migrating the database first (not timed)")
        call_command("migrate", interactive=False, verbosity=0)
    if previous_runs() and not args.add:
        sys.exit(
            "this database already holds a generated nation: use a fresh database "
            "(createdb, then this script) or pass --add to time adding another one"
        )
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        (version,) = cursor.fetchone()

    started = time.perf_counter()
    result = generate(students=args.students, seed=args.seed, log=print)
    seconds = time.perf_counter() - started

    print()
    print(f"generate --students {args.students:,} --seed {args.seed}")
    print(f"database: {connection.settings_dict['NAME']} ({version.split(',')[0]})")
    print(f"machine: {os.cpu_count()} cores")
    print()
    print(f"{'step':<22}{'rows':>12}{'seconds':>10}{'rows/s':>12}")
    for label, count in result.rows.items():
        secs = result.table_seconds.get(label, 0.0)
        rate = f"{count / secs:,.0f}" if secs else ""
        print(f"{label:<22}{count:>12,}{secs:>10.1f}{rate:>12}")
    for label in ("plan", "generate people", "generate staff", "analyze"):
        if label in result.table_seconds:
            print(f"{label:<22}{'':>12}{result.table_seconds[label]:>10.1f}")
    total_rows = sum(result.rows.values())
    print(f"{'total':<22}{total_rows:>12,}{seconds:>10.1f}{total_rows / seconds:>12,.0f}")
    s = result.summary
    print()
    print(
        f"{s['schools']:,} schools, {s['classes']:,} classes; cycles {s['cycle_share']} %; "
        f"private {s['private_share']} %, urban {s['urban_share']} %"
    )
    print(f"academies (% of students): {s['academy_share']}")
    print(
        f"target: {TARGET_SECONDS} s for 1,000,000 students; this run: {seconds:.1f} s "
        f"({seconds / TARGET_SECONDS:.2f} of the target)"
    )
    print(
        json.dumps(
            {
                "bench": "generate",
                "students": args.students,
                "seconds": round(seconds, 1),
                "target_seconds": TARGET_SECONDS,
                "ratio_to_target": round(seconds / TARGET_SECONDS, 2),
            }
        )
    )


if __name__ == "__main__":
    main()
