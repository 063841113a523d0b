"""Benchmark: upload a filled 45-student Massar grade sheet (read + validate + write) on
PostgreSQL, through the same service the page and the API call.

    psql -h 127.0.0.1 -U postgres -c "CREATE DATABASE massar_sheets"
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/massar_sheets python bench/grade_sheet.py

The database is migrated and given the demo if it needs them; one class of the demo teacher
is topped up to --students students (setup, not timed). Each run downloads a fresh sheet (not
timed), fills every mark cell with new values (4 tests + activities per student, so every run
changes every mark) and times `sheet_import`; the parts are timed separately in the same run:
reading the XLSX, validation against the class (`_lines_from`), and the write. The reference
is `grades_write` of the same lines alone (the grid's write path, no spreadsheet), measured in
the same run. Prints a table, then one JSON line.
"""

import argparse
import io
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
os.environ["DJANGO_SETTINGS_MODULE"] = "massar.settings"
os.environ["MASSAR_ENV"] = "development"
os.environ.setdefault("DEBUG", "0")  # no query log in the timed process

TARGET_SECONDS = 1.0  # issue 5: a 45-student sheet in under 1 s including validation


def _percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _setup(students: int):
    from django.core.management import call_command
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        print("migrating the database first (not timed)")
        call_command("migrate", interactive=False, verbosity=0)
    from massar.demo.builder import _students, build_demo, demo_exists
    from massar.demo.personas import demo_personas
    from massar.enrollment.models import Enrollment, TeachingAssignment
    from massar.registry.services import code_massar_letter
    from massar.schools.models import Semester

    if not demo_exists():
        print("loading the demo (not timed)")
        build_demo()
    teacher = demo_personas()["teacher"]
    assignment = (
        TeachingAssignment.objects.filter(teacher__user=teacher)
        .select_related("school_class__school__directorate__academy", "school_class__level")
        .order_by("pk")
        .first()
    )
    school_class = assignment.school_class
    have = Enrollment.objects.filter(school_class=school_class, status="ENROLLED").count()
    if have < students:
        print(f"adding {students - have} students to {school_class.name} (not timed)")
        letter = code_massar_letter(school_class.school.directorate.academy.code)
        _students(random.Random(7), school_class.year, [(school_class, students - have)], letter)
    semester = Semester.objects.select_related("year").get(year=school_class.year, number=2)
    return teacher, school_class, assignment.subject, semester


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=45)
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection
    from openpyxl import load_workbook

    from massar.assessment import sheet_io
    from massar.assessment.grades import grades_write
    from massar.assessment.models import GradeBook, GradeDeadline
    from massar.core.scopes import scope_for

    if connection.vendor != "postgresql":
        sys.exit("bench/grade_sheet.py runs on PostgreSQL: set DATABASE_URL=postgres://…")
    teacher, school_class, subject, semester = _setup(args.students)
    GradeBook.objects.filter(school_class=school_class, subject=subject, semester=semester).update(
        validated_at=None
    )
    GradeDeadline.objects.filter(semester=semester).delete()
    scope = scope_for(teacher)
    target = sheet_io.Target(school_class, subject, semester)
    ctx = sheet_io.sheet_context(school_class=school_class, subject=subject, semester=semester)
    rows_in_class = len(sheet_io._roster(school_class))
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        (version,) = cursor.fetchone()

    def filled_sheet(run: int) -> bytes:
        data = sheet_io.sheet_build(school_class=school_class, subject=subject, semester=semester)
        wb = load_workbook(io.BytesIO(data))
        ws = wb["NotesCC"]
        mark_cols = [6 + 2 * i for i in range(ctx.tests)] + (
            [6 + 2 * ctx.tests] if ctx.has_activities else []
        )
        for r in range(18, 18 + rows_in_class):
            for i, c in enumerate(mark_cols):
                ws.cell(r, c, ((run * 7 + r * 3 + i * 5) % 41) / 2)  # 0–20 by halves
        out = io.BytesIO()
        wb.save(out)
        return out.getvalue()

    total, read, validate, write, reference = [], [], [], [], []
    changed = 0
    for run in range(args.runs):
        data = filled_sheet(run)
        started = time.perf_counter()
        result = sheet_io.sheet_import(
            scope=scope, actor=teacher, data=data, target=target, source="sheet"
        )
        total.append(time.perf_counter() - started)
        changed += result.marks_changed

        # the same upload in parts (a new sheet with other marks, so the write writes)
        data = filled_sheet(run + 1000)
        t0 = time.perf_counter()
        parsed = sheet_io.sheet_read(data)
        t1 = time.perf_counter()
        lines, problems = sheet_io._lines_from(parsed, ctx)
        t2 = time.perf_counter()
        assert not problems, problems
        grades_write(
            scope=scope,
            actor=teacher,
            school_class=school_class,
            subject=subject,
            semester=semester,
            lines=lines,
            source="sheet",
        )
        t3 = time.perf_counter()
        read.append(t1 - t0)
        validate.append(t2 - t1)
        write.append(t3 - t2)

        # reference: the grid's write path alone, the same number of changes, no spreadsheet
        data = filled_sheet(run + 2000)
        lines, problems = sheet_io._lines_from(sheet_io.sheet_read(data), ctx)
        for line in lines:
            line.version = None
        t4 = time.perf_counter()
        grades_write(
            scope=scope,
            actor=teacher,
            school_class=school_class,
            subject=subject,
            semester=semester,
            lines=lines,
            source="grid",
        )
        reference.append(time.perf_counter() - t4)

    p50, p95 = statistics.median(total), _percentile(total, 0.95)
    ref50 = statistics.median(reference)
    print()
    print(
        f"grade sheet upload: {rows_in_class} students, {ctx.tests} tests + activities, "
        f"{args.runs} runs"
    )
    print(f"database: {connection.settings_dict['NAME']} ({version.split(',')[0]})")
    print(f"machine: {os.cpu_count()} cores")
    print(f"marks changed per upload: {changed / args.runs:.0f}")
    print()
    print(f"{'step':<34}{'p50 ms':>10}{'p95 ms':>10}")
    for label, values in (
        ("upload (read + validate + write)", total),
        ("  read the XLSX", read),
        ("  validate against the class", validate),
        ("  write (grades_write)", write),
        ("reference: grades_write alone", reference),
    ):
        print(
            f"{label:<34}{statistics.median(values) * 1000:>10.1f}"
            f"{_percentile(values, 0.95) * 1000:>10.1f}"
        )
    print()
    print(f"target: p95 < {TARGET_SECONDS * 1000:.0f} ms")
    print(
        json.dumps(
            {
                "bench": "grade_sheet",
                "students": rows_in_class,
                "runs": args.runs,
                "marks_per_upload": round(changed / args.runs),
                "p50_seconds": round(p50, 4),
                "p95_seconds": round(p95, 4),
                "read_p50_seconds": round(statistics.median(read), 4),
                "validate_p50_seconds": round(statistics.median(validate), 4),
                "write_p50_seconds": round(statistics.median(write), 4),
                "reference_seconds": round(ref50, 4),
                "ratio": round(p50 / ref50, 2) if ref50 else None,
                "target_seconds": TARGET_SECONDS,
                "ratio_to_target": round(p95 / TARGET_SECONDS, 3),
            }
        )
    )


if __name__ == "__main__":
    main()
