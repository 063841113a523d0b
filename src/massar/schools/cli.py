"""`massar import schools FILE` and `massar export schools --out F`."""

import csv
from pathlib import Path

from django.utils import translation

from massar.core.commands import EXPORTS, IMPORTS, register
from massar.core.context import change_source
from massar.schools.models import School
from massar.schools.school_import import COLUMNS, check_schools, load_schools


def _import_args(parser):
    parser.add_argument("file", type=Path)
    parser.add_argument("--dry-run", action="store_true")
    parser.add_argument("--language", default="fr", choices=["fr", "ar", "en"])


@register(
    IMPORTS,
    "schools",
    "schools (CSV UTF-8: code,name_fr,name_ar,directorate_code,sector,area,cycles)",
    _import_args,
)
def import_schools(options, command) -> int:
    if not options["file"].exists():
        command.stderr.write(f"{options['file']}: no such file")
        return 2
    change_source.set("command")
    with translation.override(options["language"]):
        rows, problems = check_schools(options["file"])
        for problem in problems:
            command.stdout.write(problem)
        if problems:
            command.stderr.write(f"{len(problems)} problem(s); nothing was written.")
            return 1
    if options["dry_run"]:
        command.stdout.write(f"{len(rows)} schools are valid.")
        return 0
    created, updated = load_schools(rows)
    command.stdout.write(f"{created} schools created, {updated} updated.")
    return 0


def _export_args(parser):
    parser.add_argument("--out", required=True, type=Path)


@register(EXPORTS, "schools", "schools, in the import's columns (CSV)", _export_args)
def export_schools(options, command) -> int:
    count = 0
    with options["out"].open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(COLUMNS)
        for s in School.objects.select_related("directorate").order_by("code").iterator(2000):
            cycles = "".join(
                c for c, on in (("P", s.has_primary), ("M", s.has_middle), ("H", s.has_high)) if on
            )
            writer.writerow(
                [s.code, s.name_fr, s.name_ar, s.directorate.code, s.sector, s.area, cycles]
            )
            count += 1
    command.stdout.write(f"{count} schools written to {options['out']}")
    return 0
