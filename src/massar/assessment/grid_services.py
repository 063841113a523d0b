"""Writes of the grade grid: a submitted grid (page form or API body) parsed cell by cell and
handed to grades.grades_write, the one path that writes marks; and the grade-entry
deadlines (national by the ministry, per school by its director)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db import transaction
from django.utils.translation import gettext as _

from massar.assessment.grades import GradeError, LineInput, WriteSummary, grades_write, mark_parse
from massar.assessment.grid_selectors import Grid
from massar.assessment.models import GradeDeadline
from massar.assessment.models.marks import ACTIVITIES
from massar.core.audit import audit_record
from massar.core.scopes import Scope

REMARK_MAX = 200


@dataclass
class RowInput:
    """One row as typed: texts by column ("1".."4", "activities"), absences by column."""

    student_id: int
    scores: dict[str, str] = field(default_factory=dict)
    absent: dict[str, bool] = field(default_factory=dict)
    remark: str | None = None
    version: int | None = None
    label: str = ""  # the row as the user knows it (Code Massar)


def column_key(test: int) -> str:
    return "activities" if test == ACTIVITIES else str(test)


def column_label(test: int) -> str:
    if test == ACTIVITIES:
        return _("Integrated activities")
    return _("Test %(number)s") % {"number": test}


def _where(row: RowInput, what: str) -> str:
    return _("%(row)s, %(column)s") % {"row": row.label or row.student_id, "column": what}


def grid_parse(grid: Grid, rows: list[RowInput]) -> tuple[list[LineInput], list[dict]]:
    """Rows as typed → LineInputs for the grid's columns, and every bad cell as
    {"where", "message", "student_id", "field"} (field: "1".."4", "activities", "remark")."""
    keys = {column_key(t): t for t in grid.columns}
    lines, problems = [], []

    def problem(row, key, what, message):
        problems.append(
            {
                "where": _where(row, what),
                "message": message,
                "student_id": row.student_id,
                "field": key,
            }
        )

    for row in rows:
        line = LineInput(
            student_id=row.student_id, version=row.version, where=row.label or str(row.student_id)
        )
        for key in set(row.scores) | set(row.absent):
            if key not in keys:
                problem(
                    row,
                    key,
                    key,
                    _("This grid has no column “%(column)s”.") % {"column": key},
                )
        for key, test in keys.items():
            if key not in row.scores and key not in row.absent:
                continue
            absent = bool(row.absent.get(key, False))
            value, error = mark_parse(row.scores.get(key))
            if error and not absent:
                problem(row, key, column_label(test), error)
                continue
            line.absent[test] = absent
            line.scores[test] = None if absent else value
        if row.remark is not None:
            if len(row.remark.strip()) > REMARK_MAX:
                problem(
                    row,
                    "remark",
                    _("Remark"),
                    _("A remark has at most %(max)s characters.") % {"max": REMARK_MAX},
                )
            line.remark = row.remark
        lines.append(line)
    return lines, problems


def grid_save(
    *,
    scope: Scope,
    actor,
    grid: Grid,
    rows: list[RowInput],
    source: str,
    correction: bool = False,
    reason: str = "",
) -> WriteSummary:
    """Save a whole grid in one transaction through grades_write, or refuse it whole:
    bad cells ("bad_marks", every cell named), then grades_write's own refusals (forbidden,
    locked, deadline, conflict, students not in the class)."""
    lines, problems = grid_parse(grid, rows)
    if problems:
        raise GradeError(
            "bad_marks",
            _("Some marks are not valid: nothing was saved. Correct the marked cells."),
            problems,
        )
    return grades_write(
        scope=scope,
        actor=actor,
        school_class=grid.school_class,
        subject=grid.subject,
        semester=grid.semester,
        lines=lines,
        source=source,
        correction=correction,
        reason=reason,
    )


def deadline_set(
    *, scope: Scope, actor, semester, school=None, closes_on: date | None
) -> GradeDeadline | None:
    """Set (or clear, with closes_on None) the last day of grade entry of a semester: the
    nation's by the ministry (school None), a school's own by its director."""
    if school is None and not scope.nation:
        raise GradeError(
            "forbidden", _("Only the ministry may set the national deadline."), status=403
        )
    if school is not None and not scope.manages_school(school.pk):
        raise GradeError(
            "forbidden", _("Only the school's director may set its deadline."), status=403
        )
    if closes_on is not None and closes_on < semester.starts_on:
        raise GradeError(
            "bad_date", _("The deadline cannot fall before the start of the semester.")
        )
    school_id = school.pk if school is not None else None
    with transaction.atomic():
        current = (
            GradeDeadline.objects.select_for_update()
            .filter(semester=semester, school_id=school_id)
            .first()
        )
        before = {"closes_on": current.closes_on.isoformat()} if current else None
        if closes_on is None:
            if current is not None:
                current.delete()
            result = None
        elif current is None:
            result = GradeDeadline.objects.create(
                semester=semester, school_id=school_id, closes_on=closes_on
            )
        else:
            current.closes_on = closes_on
            current.save(update_fields=["closes_on"])
            result = current
        audit_record(
            actor=actor,
            action="grades.deadline",
            object_type="grade_deadline",
            object_id=f"{semester.pk}:{school_id or 'national'}",
            school_id=school_id,
            before=before,
            after={
                "semester": str(semester),
                "closes_on": closes_on.isoformat() if closes_on else None,
            },
        )
    return result
