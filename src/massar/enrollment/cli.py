"""Command-line import and export of students (the operators' contract: keep these names)."""

from __future__ import annotations

import csv
from pathlib import Path

from django.utils import translation

from massar.core.commands import EXPORTS, IMPORTS, register
from massar.core.context import change_source
from massar.enrollment.exports import STUDENT_COLUMNS, student_export_rows
from massar.enrollment.student_import import import_file, validate_file
from massar.schools.selectors import current_year


def _import_args(parser):
    parser.add_argument("file", type=Path)
    parser.add_argument("--dry-run", action="store_true", help="validate only; write nothing")
    parser.add_argument(
        "--accept-new-identities",
        action="store_true",
        help="after review: register rows that look like students already "
        "in the registry as new identities",
    )
    parser.add_argument("--language", default="fr", choices=["fr", "ar", "en"])


@register(IMPORTS, "students", "students (CSV UTF-8 or XLSX)", _import_args)
def import_students(options, command) -> int:
    path: Path = options["file"]
    if not path.exists():
        command.stderr.write(f"{path}: no such file")
        return 2
    year = current_year()
    if year is None:
        command.stderr.write("No current school year: open one first.")
        return 2
    change_source.set("command")
    with translation.override(options["language"]):
        if options["dry_run"]:
            check = validate_file(
                path,
                scope=None,
                year=year,
                accept_new_identities=options["accept_new_identities"],
                progress=lambda n: command.stdout.write(f"checked {n} rows"),
            )
            result = None
        else:
            check, result = import_file(
                path,
                scope=None,
                year=year,
                actor=None,
                accept_new_identities=options["accept_new_identities"],
                progress=lambda done, total: command.stdout.write(f"loaded {done}/{total}"),
            )
        if not check.ok:
            for problem in check.problems:
                command.stdout.write(problem.message())
            command.stderr.write(f"{len(check.problems)} problem(s); nothing was written.")
            return 1
        command.stdout.write(
            f"{check.rows} rows are valid ({check.likely_duplicates} accepted as new identities)."
        )
        if result is None:
            return 0
    command.stdout.write(
        f"Imported {result.students} students and {result.guardians} "
        f"guardians; first codes: {result.first_codes}"
    )
    return 0


def _export_args(parser):
    parser.add_argument("--school")
    parser.add_argument("--out", required=True, type=Path)


@register(EXPORTS, "students", "students with their current enrollment (CSV)", _export_args)
def export_students(options, command) -> int:
    count = 0
    with options["out"].open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(STUDENT_COLUMNS)
        for row in student_export_rows(None, school_code=options["school"]):
            writer.writerow(row)
            count += 1
    command.stdout.write(f"{count} students written to {options['out']}")
    return 0


ENROLLMENT_COLUMNS = ["code_massar", "school_code", "level", "track", "class", "status"]


def _enrollment_export_args(parser):
    parser.add_argument("--year", required=True)
    parser.add_argument("--school")
    parser.add_argument("--out", required=True, type=Path)


@register(EXPORTS, "enrollments", "enrollments of a school year (CSV)", _enrollment_export_args)
def export_enrollments(options, command) -> int:
    from massar.enrollment.models import Enrollment
    from massar.schools.models import SchoolYear

    year = SchoolYear.objects.filter(code=options["year"]).first()
    if year is None:
        command.stderr.write(f"No school year {options['year']}.")
        return 2
    qs = Enrollment.objects.filter(year=year)
    if options["school"]:
        qs = qs.filter(school__code=options["school"])
    count = 0
    with options["out"].open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(ENROLLMENT_COLUMNS)
        for row in (
            qs.order_by("school__code", "student__code_massar")
            .values_list(
                "student__code_massar",
                "school__code",
                "level__code",
                "track__code",
                "school_class__name",
                "status",
            )
            .iterator(chunk_size=5000)
        ):
            writer.writerow(["" if v is None else v for v in row])
            count += 1
    command.stdout.write(f"{count} enrollments written to {options['out']}")
    return 0
