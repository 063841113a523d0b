"""Exports of the evaluation for analysts: every mark, every result, the curriculum's
coefficients, as CSV with fixed column names (the analysts' contract: keep them). Each export
is one query read through a server-side cursor in chunks, so a national file never sits in
memory; the page downloads them within the user's scope, `massar export grades|results|
curriculum` writes them for the operator (the whole nation, or one school).

Importing this module registers the three commands and the council part's menu entries."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

from django.db.models import CharField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, NullIf
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from massar.assessment.models import (
    CertificationResult,
    CouncilDecision,
    GeneralResult,
    MarkLine,
    SubjectResult,
)
from massar.assessment.models.results import Period
from massar.core.audit import audit_record
from massar.core.commands import EXPORTS, register
from massar.core.navigation import nav_entry
from massar.core.scopes import Scope
from massar.schools.models import CurriculumEntry, School, SchoolYear

GRADE_COLUMNS = [
    "code_massar",
    "school_code",
    "class",
    "level",
    "track",
    "semester",
    "subject_code",
    "test",
    "score",
    "absent",
]
RESULT_COLUMNS = [
    "code_massar",
    "school_code",
    "class",
    "period",
    "subject_code",
    "average",
    "rank",
    "decision",
]
CURRICULUM_COLUMNS = ["level", "track", "subject_code", "coefficient"]
CHUNK = 5000
KINDS = ("grades", "results", "curriculum")
EXPORT_ROLES = ("MINISTRY", "ACADEMY", "DIRECTORATE", "DIRECTOR", "STAFF")


def _scoped(qs: QuerySet, scope: Scope | None, school: School | None) -> QuerySet:
    """`scope` None is the operator (the nation); `school` narrows to one school."""
    if scope is not None:
        qs = qs.filter(scope.schools_q("school__"))
    if school is not None:
        qs = qs.filter(school_id=school.pk)
    return qs


def _text(value) -> str:
    return "" if value is None else str(value)


# the unpivot of a mark line: (test label, score column, absent column)
_TESTS = [
    ("1", "score1", "absent1"),
    ("2", "score2", "absent2"),
    ("3", "score3", "absent3"),
    ("4", "score4", "absent4"),
    ("AI", "activities", "activities_absent"),
]


def grade_export_rows(
    scope: Scope | None, *, year: SchoolYear, school: School | None = None
) -> Iterator[list]:
    """One row per mark of the year: each test (1–4, AI for integrated activities) of a mark
    line that has a score or is marked absent; the score is empty when absent. One query
    over MarkLine, unpivoted as it streams."""
    qs = _scoped(MarkLine.objects.filter(semester__year=year), scope, school)
    fields = [
        "student__code_massar",
        "school__code",
        "school_class__name",
        "school_class__level__code",
        "school_class__track__code",
        "semester__number",
        "subject__code",
    ]
    marks = [c for _t, score, absent in _TESTS for c in (score, absent)]
    for row in qs.order_by("pk").values_list(*fields, *marks).iterator(chunk_size=CHUNK):
        head = [_text(v) for v in row[:7]]
        for i, (test, _score, _absent) in enumerate(_TESTS):
            score, absent = row[7 + 2 * i], row[8 + 2 * i]
            if absent:
                yield [*head, test, "", 1]
            elif score is not None:
                yield [*head, test, str(score), 0]


def result_export_rows(
    scope: Scope | None, *, year: SchoolYear, school: School | None = None
) -> Iterator[list]:
    """The subject averages (with their rank in the class), then the general averages (rank in
    the class; on the year's row the final decision: a certification outcome where the student
    has one this year, else the council's decision, else the proposal). Two queries."""
    subjects = _scoped(SubjectResult.objects.filter(year=year), scope, school)
    for row in (
        subjects.order_by("pk")
        .values_list(
            "student__code_massar",
            "school__code",
            "school_class__name",
            "period",
            "subject__code",
            "average",
            "rank",
        )
        .iterator(chunk_size=CHUNK)
    ):
        yield [*row[:5], _text(row[5]), _text(row[6]), ""]
    override = CouncilDecision.objects.filter(
        school_id=OuterRef("school_id"),
        year_id=OuterRef("year_id"),
        student_id=OuterRef("student_id"),
    ).values("decision")[:1]
    outcome = (
        CertificationResult.objects.filter(
            candidate__student_id=OuterRef("student_id"), candidate__year_id=OuterRef("year_id")
        )
        .exclude(outcome="")
        .order_by("-candidate__level__order")
        .values("outcome")[:1]
    )
    general = _scoped(GeneralResult.objects.filter(year=year), scope, school).annotate(
        final=Coalesce(
            Subquery(outcome),
            Subquery(override),
            NullIf("proposed_decision", Value("")),
            Value(""),
            output_field=CharField(),
        )
    )
    for row in (
        general.order_by("pk")
        .values_list(
            "student__code_massar",
            "school__code",
            "school_class__name",
            "period",
            "average",
            "rank_class",
            "final",
        )
        .iterator(chunk_size=CHUNK)
    ):
        decision = row[6] if row[3] == Period.ANNUAL else ""
        yield [*row[:4], "", _text(row[4]), _text(row[5]), decision]


def curriculum_export_rows(*, year: SchoolYear) -> Iterator[list]:
    """The subjects of each level (and track) with their coefficient. One query."""
    for row in (
        CurriculumEntry.objects.filter(year=year)
        .order_by("level__order", "track__code", "subject__code")
        .values_list("level__code", "track__code", "subject__code", "coefficient")
        .iterator(chunk_size=CHUNK)
    ):
        yield [row[0], _text(row[1]), row[2], str(row[3])]


def export_rows(kind: str, scope: Scope | None, *, year: SchoolYear, school: School | None):
    """(columns, rows) of an export kind."""
    if kind == "grades":
        return GRADE_COLUMNS, grade_export_rows(scope, year=year, school=school)
    if kind == "results":
        return RESULT_COLUMNS, result_export_rows(scope, year=year, school=school)
    if kind == "curriculum":
        return CURRICULUM_COLUMNS, curriculum_export_rows(year=year)
    raise KeyError(kind)


def export_schools(scope: Scope):
    """The schools a user may export (none but their own for a director or office staff)."""
    from massar.schools.selectors import school_list

    return school_list(scope).order_by("code")


def export_record(*, actor, kind: str, year: SchoolYear, school: School | None, scope: Scope):
    """Bulk reads of marks leave a trace: who downloaded which export of which perimeter."""
    audit_record(
        actor=actor,
        action="assessment.export",
        object_type="assessment.Export",
        object_id=kind,
        after={
            "kind": kind,
            "year": year.code,
            "school": school.code if school else None,
            "nation": scope.nation,
            "academies": sorted(scope.academy_ids),
            "directorates": sorted(scope.directorate_ids),
            "schools": sorted(scope.school_ids),
        },
        school_id=school.pk if school else None,
    )


def _export_school(scope: Scope, wanted: str) -> School | None:
    """The school asked for, within the user's scope; a director or office staff always gets
    their own school, oversight roles their whole territory when none is asked for."""
    schools = export_schools(scope)
    if scope.school_ids and not scope.is_territorial:
        school = (schools.filter(pk=wanted) if wanted.isdigit() else schools).first()
        if school is None:
            raise Http404
        return school
    if not wanted:
        return None
    school = schools.filter(pk=wanted).first() if wanted.isdigit() else None
    if school is None:
        raise Http404
    return school


def export_download(*, scope: Scope, actor, kind: str, year_code: str, school_id: str):
    """The CSV download of an export kind within the user's scope (page and API), recorded
    in the audit log; 404 for an unknown kind, year or a school outside the scope."""
    from massar.core.exports import export_response
    from massar.schools.selectors import current_year

    if kind not in KINDS:
        raise Http404
    year = SchoolYear.objects.filter(code=year_code).first() if year_code else current_year()
    if year is None:
        raise Http404
    school = _export_school(scope, school_id or "")
    columns, rows = export_rows(kind, scope, year=year, school=school)
    export_record(actor=actor, kind=kind, year=year, school=school, scope=scope)
    name = f"{kind}_{year.code}" + (f"_{school.code}" if school else "")
    return export_response("csv", columns, rows, name)


# --- command line -----------------------------------------------------------------------------


def _export_args(parser, *, with_school: bool = True):
    parser.add_argument("--year", required=True, help="school year, e.g. 2025-2026")
    if with_school:
        parser.add_argument("--school", help="one school's code (default: every school)")
    parser.add_argument("--out", required=True, type=Path)


def _run_export(kind: str, options, command) -> int:
    year = SchoolYear.objects.filter(code=options["year"]).first()
    if year is None:
        command.stderr.write(f"No school year {options['year']}.")
        return 2
    school = None
    code = options.get("school")
    if code:
        school = School.objects.filter(code=code.strip().upper()).first()
        if school is None:
            command.stderr.write(f"No school has the code {code}.")
            return 2
    columns, rows = export_rows(kind, None, year=year, school=school)
    count = 0
    with options["out"].open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(columns)
        for row in rows:
            writer.writerow(row)
            count += 1
    command.stdout.write(f"{count} rows written to {options['out']}")
    return 0


@register(
    EXPORTS,
    "grades",
    "every mark of a school year, one row per test (CSV: " + ",".join(GRADE_COLUMNS) + ")",
    _export_args,
)
def export_grades(options, command) -> int:
    return _run_export("grades", options, command)


@register(
    EXPORTS,
    "results",
    "subject and general averages, ranks and decisions of a school year (CSV: "
    + ",".join(RESULT_COLUMNS)
    + ")",
    _export_args,
)
def export_results(options, command) -> int:
    return _run_export("results", options, command)


@register(
    EXPORTS,
    "curriculum",
    "subjects and coefficients per level and track (CSV: " + ",".join(CURRICULUM_COLUMNS) + ")",
    lambda parser: _export_args(parser, with_school=False),
)
def export_curriculum(options, command) -> int:
    return _run_export("curriculum", options, command)


# --- menu -------------------------------------------------------------------------------------

nav_entry("assessment:council_list", _("Class councils"), EXPORT_ROLES, 44)
nav_entry("assessment:publication_list", _("Publication of results"), ["DIRECTOR", "STAFF"], 45)
nav_entry("assessment:export_page", _("Evaluation exports"), EXPORT_ROLES, 46)
