"""The demo's evaluation data (`make run`): the marks of the tests already taken in the semester
in progress, their history and the test calendar. The suite's demo is built without them
(conftest), so these tests add them inside their own transaction."""

import random

import pytest
from django.db.models import Q
from django.urls import reverse

from massar.assessment.models import GradeBook, MarkChange, MarkLine, PlannedTest
from massar.demo.builder import (
    DEMO_YEAR,
    _evaluations,
    planned_test_dates,
    school_year,
    school_year_for,
)
from massar.enrollment.models import TeachingAssignment
from massar.schools.models import SchoolYear, Semester


def test_school_year_rule():
    assert school_year(2025) == school_year_for(DEMO_YEAR.starts_on.replace(2026, 3, 1))
    y = school_year(2025)
    assert (y.code, y.starts_on.isoformat(), y.s1_ends_on.isoformat()) == (
        "2025-2026",
        "2025-09-08",
        "2026-01-31",
    )
    assert (y.s2_starts_on.isoformat(), y.ends_on.isoformat()) == ("2026-02-02", "2026-07-03")
    assert school_year_for(school_year(2026).starts_on).code == "2026-2027"
    assert school_year_for(school_year(2027).starts_on.replace(day=1)).code == "2027-2028"


@pytest.mark.django_db
def test_demo_marks_history_and_calendar_of_the_semester_in_progress(personas, client):
    year = SchoolYear.objects.get(code=DEMO_YEAR.code)
    s1 = Semester.objects.get(year=year, number=1)
    mid_november = s1.starts_on.replace(month=11, day=23)  # tests 1–2 taken, test 3 ahead
    _evaluations(random.Random(1), year, mid_november)

    assignments = TeachingAssignment.objects.filter(school_class__year=year)
    assert PlannedTest.objects.filter(semester=s1).count() == 3 * assignments.count()
    assert not PlannedTest.objects.exclude(semester=s1).exists()
    assert not PlannedTest.objects.filter(number=3, date__lt=mid_november).exists()
    lines = MarkLine.objects.filter(semester=s1)
    assert lines.count() > 1000 and not lines.filter(score3__isnull=False).exists()
    assert not lines.filter(Q(score1__isnull=True, absent1=False)).exists()
    assert 0 < lines.filter(absent2=True).count() < lines.count() * 0.1
    assert lines.exclude(remark="").exists()
    changes = MarkChange.objects.filter(semester=s1)
    assert set(changes.values_list("source", flat=True)) == {"generated"}
    assert changes.filter(test__in=(1, 2)).count() == 2 * lines.count()
    assert not GradeBook.objects.filter(validated_at__isnull=False).exists()

    teacher = personas["teacher"]
    mine = assignments.filter(teacher__user=teacher).order_by("pk").first()
    line = lines.filter(school_class=mine.school_class, subject=mine.subject, absent1=False)[0]
    assert planned_test_dates(s1, mine.school_class_id, mine.subject_id)[1] < mid_november
    client.force_login(teacher)
    page = client.get(
        reverse(
            "assessment:grid",
            kwargs={"class_id": mine.school_class_id, "subject_id": mine.subject_id, "semester": 1},
        )
    ).content.decode()
    assert f"{line.score1:.2f}".replace(".", ",") in page or f"{line.score1:.2f}" in page
