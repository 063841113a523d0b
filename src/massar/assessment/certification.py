"""Registers the certification part: navigation entries and `massar import exam-marks`."""

from __future__ import annotations

from pathlib import Path

from django.utils import translation
from django.utils.translation import gettext_lazy as _

from massar.core.commands import IMPORTS, register
from massar.core.context import change_source
from massar.core.navigation import nav_entry

nav_entry(
    "assessment:exam_list",
    _("Certification exams"),
    ["MINISTRY", "ACADEMY", "DIRECTORATE", "DIRECTOR", "STAFF"],
    order=56,
)
nav_entry(
    "assessment:policy_list",
    _("Grading policy"),
    ["MINISTRY", "ACADEMY", "DIRECTORATE", "DIRECTOR", "STAFF"],
    order=57,
)


def _import_args(parser):
    parser.add_argument("file", type=Path)
    parser.add_argument("--session", type=int, required=True, help="exam session id")
    parser.add_argument("--language", default="fr", choices=["fr", "ar", "en"])


@register(
    IMPORTS,
    "exam-marks",
    "exam marks of a certification session (CSV code_massar,subject_code,score,absent)",
    _import_args,
)
def import_exam_marks(options, command) -> int:
    from massar.assessment.certification_services import CertificationError, exam_marks_import
    from massar.assessment.models import ExamSession

    path: Path = options["file"]
    if not path.exists():
        command.stderr.write(f"{path}: no such file")
        return 2
    session = ExamSession.objects.filter(pk=options["session"]).first()
    if session is None:
        command.stderr.write(f"No exam session has the id {options['session']}.")
        return 2
    change_source.set("command")
    with translation.override(options["language"]):
        try:
            result = exam_marks_import(
                scope=None, actor=None, session=session, data=path.read_bytes()
            )
        except CertificationError as err:
            for problem in err.problems:
                command.stdout.write(f"{problem['where']}: {problem['message']}")
            command.stderr.write(f"{err.message}")
            return 1
    command.stdout.write(
        f"{result['lines']} lines: {result['saved']} marks saved, {result['unchanged']} unchanged."
    )
    return 0
