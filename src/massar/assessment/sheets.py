"""Registers the grade sheets' menu entry and `massar import grade-sheet FILE` (the operators'
contract: keep the name and options)."""

from __future__ import annotations

from pathlib import Path

from django.utils import translation
from django.utils.translation import gettext_lazy as _

from massar.core.commands import IMPORTS, register
from massar.core.context import change_source
from massar.core.navigation import nav_entry

nav_entry("assessment:sheet_list", _("Grade sheets"), ["TEACHER", "DIRECTOR", "STAFF"], 47)


def _args(parser):
    parser.add_argument("file", type=Path)
    parser.add_argument("--school", help="school code (overrides the sheet's)")
    parser.add_argument("--class", dest="class_name", help="class name (overrides the sheet's)")
    parser.add_argument("--subject", help="subject code (overrides the sheet's)")
    parser.add_argument("--semester", type=int, choices=[1, 2])
    parser.add_argument("--language", default="fr", choices=["fr", "ar", "en"])


@register(IMPORTS, "grade-sheet", "a Massar grade sheet (XLSX, NotesCC layout)", _args)
def import_grade_sheet(options, command) -> int:
    """Exit 0 when the marks were written; 1 with every problem as 'CELL: reason'; 2 when
    the file cannot be read at all."""
    from massar.assessment.grades import GradeError
    from massar.assessment.sheet_io import problem_lines, sheet_import

    path: Path = options["file"]
    if not path.is_file():
        command.stderr.write(f"{path}: no such file")
        return 2
    change_source.set("command")
    with translation.override(options["language"]):
        try:
            result = sheet_import(
                scope=None,
                actor=None,
                data=path.read_bytes(),
                school_code=options["school"],
                class_name=options["class_name"],
                subject_code=options["subject"],
                semester_number=options["semester"],
                source="command",
            )
        except GradeError as refused:
            for line in problem_lines(refused.problems) or [refused.message]:
                command.stdout.write(line)
            command.stderr.write(refused.message)
            return 1
        command.stdout.write(
            f"{result.marks_changed} mark(s) changed in {result.lines_written} row(s) "
            f"of {result.rows}."
        )
    return 0
