"""The one write path of marks: permission, validation, versions, history."""

from decimal import Decimal

import pytest

from massar.assessment.grades import GradeError, LineInput, grades_write, mark_parse
from massar.assessment.models import MarkChange, MarkLine
from massar.core.scopes import scope_for
from massar.enrollment.models import Enrollment, TeachingAssignment
from massar.schools.models import Semester


@pytest.fixture
def book(personas):
    assignment = (
        TeachingAssignment.objects.filter(teacher__user=personas["teacher"])
        .select_related("school_class", "subject")
        .order_by("pk")
        .first()
    )
    semester = Semester.objects.get(year=assignment.school_class.year, number=1)
    students = list(
        Enrollment.objects.filter(school_class=assignment.school_class)
        .order_by("student_id")
        .values_list("student_id", flat=True)
    )
    return assignment.school_class, assignment.subject, semester, students


@pytest.mark.parametrize(
    ("text", "value", "error"),
    [
        ("12,5", Decimal("12.50"), None),
        ("20", Decimal("20.00"), None),
        ("", None, None),
        ("21", None, "21 is above 20"),
        ("-1", None, "-1 is below 0"),
        ("12.345", None, "12.345 has more than two decimals"),
        ("abc", None, "“abc” is not a mark"),
    ],
)
def test_mark_parse(text, value, error):
    assert mark_parse(text) == (value, error)


def test_teacher_saves_marks_with_history_and_versions(personas, book):
    school_class, subject, semester, students = book
    teacher = personas["teacher"]
    lines = [
        LineInput(student_id=students[0], scores={1: Decimal("12.50")}, version=0),
        LineInput(student_id=students[1], absent={1: True}, version=0),
    ]
    summary = grades_write(
        scope=scope_for(teacher),
        actor=teacher,
        school_class=school_class,
        subject=subject,
        semester=semester,
        lines=lines,
        source="grid",
    )
    assert summary.marks_changed == 2
    first = MarkLine.objects.get(student_id=students[0], subject=subject, semester=semester)
    assert (first.score1, first.version) == (Decimal("12.50"), 1)
    history = MarkChange.objects.filter(line=first).get()
    assert (history.old_value, history.new_value, history.source) == ("", "12.50", "grid")

    # a second editor who read version 0 loses nothing of the first's: refused, unchanged
    with pytest.raises(GradeError) as refused:
        grades_write(
            scope=scope_for(teacher),
            actor=teacher,
            school_class=school_class,
            subject=subject,
            semester=semester,
            lines=[LineInput(student_id=students[0], scores={1: Decimal("3")}, version=0)],
            source="grid",
        )
    assert refused.value.code == "conflict"
    first.refresh_from_db()
    assert first.score1 == Decimal("12.50")


def test_other_teacher_and_student_outside_class_are_refused(personas, book):
    school_class, subject, semester, students = book
    with pytest.raises(GradeError) as refused:
        grades_write(
            scope=scope_for(personas["director"]),
            actor=personas["director"],
            school_class=school_class,
            subject=subject,
            semester=semester,
            lines=[LineInput(student_id=personas["other_school_student"].pk, scores={1: 10})],
            source="grid",
        )
    assert refused.value.code == "bad_rows"
    with pytest.raises(GradeError) as refused:
        grades_write(
            scope=scope_for(personas["staff"]),
            actor=personas["staff"],
            school_class=school_class,
            subject=subject,
            semester=semester,
            lines=[LineInput(student_id=students[0], scores={1: 10})],
            source="grid",
        )
    assert refused.value.status == 403
    assert not MarkLine.objects.filter(school_class=school_class, subject=subject).exists()
