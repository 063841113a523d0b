"""The test calendar: who plans, moves and cancels; dates; duplicates; upcoming tests for
students and guardians; pages and API with constant query counts."""

from datetime import timedelta

import pytest
from django.utils import timezone, translation

from massar.assessment.calendar_selectors import upcoming_tests
from massar.assessment.calendar_services import (
    CalendarError,
    planned_test_cancel,
    planned_test_create,
    planned_test_move,
)
from massar.assessment.models import PlannedTest
from massar.core.models import AuditEntry
from massar.core.scopes import scope_for
from massar.enrollment.models import Enrollment, TeachingAssignment
from massar.registry.models import Student
from massar.schools.models import Semester

TODAY = timezone.localdate


@pytest.fixture(autouse=True)
def _english():
    """Service messages are asserted in English (commands and services default to French)."""
    with translation.override("en"):
        yield


@pytest.fixture
def semester(personas):
    """Semester 1 of the demo year, stretched around today (the demo year may be past on the
    machine's clock): from 30 days ago to 90 days ahead."""
    assignment = TeachingAssignment.objects.filter(teacher__user=personas["teacher"]).first()
    s = Semester.objects.get(year_id=assignment.school_class.year_id, number=1)
    s.starts_on, s.ends_on = TODAY() - timedelta(days=30), TODAY() + timedelta(days=90)
    s.save(update_fields=["starts_on", "ends_on"])
    return s


@pytest.fixture
def mine(personas):
    """The teacher persona's first class × subject."""
    return (
        TeachingAssignment.objects.filter(teacher__user=personas["teacher"])
        .select_related("school_class", "subject")
        .order_by("pk")
        .first()
    )


@pytest.fixture
def theirs(personas, mine):
    """A class × subject of the same collège taught by someone else."""
    return (
        TeachingAssignment.objects.filter(school_id=mine.school_id)
        .exclude(teacher__user=personas["teacher"])
        .select_related("school_class", "subject")
        .order_by("pk")
        .first()
    )


def _plan(user, assignment, semester, *, number=1, days=7):
    return planned_test_create(
        scope=scope_for(user),
        actor=user,
        school_class=assignment.school_class,
        subject=assignment.subject,
        semester=semester,
        number=number,
        date=TODAY() + timedelta(days=days),
    )


# --- services --------------------------------------------------------------------------------
def test_teacher_plans_moves_and_cancels_own_test_with_audit(personas, semester, mine):
    teacher = personas["teacher"]
    test = _plan(teacher, mine, semester, days=3)
    assert test.status == "PLANNED" and test.teacher.user_id == teacher.pk
    assert test.school_id == mine.school_id

    moved = planned_test_move(
        scope=scope_for(teacher), actor=teacher, test=test, date=TODAY() + timedelta(days=10)
    )
    assert PlannedTest.objects.get(pk=test.pk).date == TODAY() + timedelta(days=10)
    planned_test_cancel(scope=scope_for(teacher), actor=teacher, test=moved, reason="Grève")
    assert PlannedTest.objects.get(pk=test.pk).status == "CANCELLED"
    actions = list(
        AuditEntry.objects.filter(object_type="planned_test", object_id=str(test.pk))
        .order_by("at", "id")
        .values_list("action", flat=True)
    )
    assert actions == ["planned_test.create", "planned_test.move", "planned_test.cancel"]
    # once cancelled, the number is free again; the cancelled test can no longer change
    again = _plan(teacher, mine, semester, days=12)
    assert again.number == 1
    with pytest.raises(CalendarError) as err:
        planned_test_move(
            scope=scope_for(teacher), actor=teacher, test=moved, date=TODAY() + timedelta(days=5)
        )
    assert err.value.code == "cancelled" and err.value.status == 409


def test_second_test_with_the_same_number_is_refused_with_a_clear_message(personas, semester, mine):
    _plan(personas["teacher"], mine, semester, number=2)
    with pytest.raises(CalendarError) as err:
        _plan(personas["teacher"], mine, semester, number=2, days=20)
    assert err.value.code == "duplicate" and err.value.status == 409
    assert "Test 2 of this class, subject and semester is already planned" in err.value.message
    assert PlannedTest.objects.filter(school_class=mine.school_class, number=2).count() == 1


def test_dates_outside_the_semester_or_in_the_past_are_refused(personas, semester, mine):
    teacher = personas["teacher"]
    with pytest.raises(CalendarError) as err:
        _plan(teacher, mine, semester, days=91)
    assert err.value.code == "outside_semester"
    assert err.value.message == (
        f"The date {(TODAY() + timedelta(days=91)):%d/%m/%Y} is outside the semester, which "
        f"runs from {semester.starts_on:%d/%m/%Y} to {semester.ends_on:%d/%m/%Y}."
    )
    with pytest.raises(CalendarError) as err:
        _plan(teacher, mine, semester, days=-1)
    assert err.value.code == "past_date"
    assert "is in the past" in err.value.message
    with pytest.raises(CalendarError) as err:
        _plan(teacher, mine, semester, number=5)
    assert err.value.code == "bad_number"
    test = _plan(teacher, mine, semester)
    with pytest.raises(CalendarError) as err:
        planned_test_move(
            scope=scope_for(teacher), actor=teacher, test=test, date=semester.ends_on + timedelta(1)
        )
    assert err.value.code == "outside_semester"
    assert not PlannedTest.objects.filter(school_class=mine.school_class).exclude(pk=test.pk)


def test_teacher_may_not_plan_for_another_teachers_class(personas, semester, theirs):
    with pytest.raises(CalendarError) as err:
        _plan(personas["teacher"], theirs, semester)
    assert err.value.status == 403
    assert not PlannedTest.objects.filter(school_class=theirs.school_class).exists()


def test_director_plans_for_any_class_of_the_school_staff_and_outsiders_may_not(
    personas, semester, theirs
):
    test = _plan(personas["director"], theirs, semester)
    assert test.teacher_id == theirs.teacher_id
    for role in ("staff", "other_director", "student", "guardian", "directorate"):
        with pytest.raises(CalendarError) as err:
            _plan(personas[role], theirs, semester, number=3)
        assert err.value.status == 403, role


# --- pages and API: the teacher's calendar -------------------------------------------------------
def test_calendar_page_lists_the_teachers_tests_by_week_with_constant_queries(
    client, personas, semester, mine, theirs, django_assert_max_num_queries
):
    client.force_login(personas["teacher"])
    _plan(personas["director"], theirs, semester)  # not the teacher's: not listed
    _plan(personas["teacher"], mine, semester, number=1, days=2)
    with django_assert_max_num_queries(12) as few:
        response = client.get("/evaluation/calendar/")
    assert response.status_code == 200
    assert response.content.decode().count('data-testid="planned-test"') == 1
    for n, days in ((2, 9), (3, 16), (4, 30)):
        _plan(personas["teacher"], mine, semester, number=n, days=days)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get("/evaluation/calendar/")
    page = response.content.decode()
    assert page.count('data-testid="planned-test"') == 4
    assert page.count("Week of") == 4
    assert 'data-testid="plan-test"' in page  # the planning form
    past = client.get("/evaluation/calendar/?when=past").content.decode()
    assert 'data-testid="planned-test"' not in past


def test_teacher_plans_moves_and_cancels_through_the_pages(client, personas, semester, mine):
    client.force_login(personas["teacher"])
    day = TODAY() + timedelta(days=5)
    response = client.post(
        "/evaluation/calendar/new/",
        {"assignment": mine.pk, "semester": semester.pk, "number": 1, "date": day.isoformat()},
        follow=True,
    )
    assert "is planned on" in response.content.decode()
    test = PlannedTest.objects.get(school_class=mine.school_class, subject=mine.subject)
    # the same number again: the message says why
    response = client.post(
        "/evaluation/calendar/new/",
        {"assignment": mine.pk, "semester": semester.pk, "number": 1, "date": day.isoformat()},
        follow=True,
    )
    assert "is already planned" in response.content.decode()
    # outside the semester: refused with the semester's dates
    late = semester.ends_on + timedelta(days=3)
    response = client.post(
        f"/evaluation/calendar/{test.pk}/move/", {"date": late.isoformat()}, follow=True
    )
    assert "is outside the semester" in response.content.decode()
    new_day = TODAY() + timedelta(days=8)
    client.post(f"/evaluation/calendar/{test.pk}/move/", {"date": new_day.isoformat()})
    test.refresh_from_db()
    assert test.date == new_day
    client.post(f"/evaluation/calendar/{test.pk}/cancel/", {"reason": "Sortie"})
    test.refresh_from_db()
    assert test.status == "CANCELLED"


def test_other_teachers_test_is_hidden_and_students_guardians_are_refused(
    client, personas, semester, theirs
):
    test = _plan(personas["director"], theirs, semester)
    client.force_login(personas["teacher"])
    assert (
        client.post(f"/evaluation/calendar/{test.pk}/move/", {"date": "2030-01-01"}).status_code
        == 404
    )
    assert client.post(f"/evaluation/calendar/{test.pk}/cancel/").status_code == 404
    response = client.post(
        "/api/v1/evaluation/calendar/tests",
        {
            "school_class_id": theirs.school_class_id,
            "subject": theirs.subject.code,
            "semester": 1,
            "number": 2,
            "date": (TODAY() + timedelta(days=4)).isoformat(),
        },
        content_type="application/json",
    )
    assert response.status_code == 403 and response.json()["code"] == "forbidden"
    for role in ("student", "guardian"):
        client.force_login(personas[role])
        assert client.get("/evaluation/calendar/").status_code == 403
        assert client.post(f"/evaluation/calendar/{test.pk}/cancel/").status_code == 403
        url = f"/api/v1/evaluation/calendar/tests/{test.pk}/cancel"
        assert client.post(url, {}, content_type="application/json").status_code == 403
    test.refresh_from_db()
    assert test.status == "PLANNED"


def test_api_plan_move_cancel_and_list(client, personas, semester, mine):
    client.force_login(personas["teacher"])
    payload = {
        "school_class_id": mine.school_class_id,
        "subject": mine.subject.code,
        "semester": 1,
        "number": 3,
        "date": (TODAY() + timedelta(days=6)).isoformat(),
    }
    created = client.post(
        "/api/v1/evaluation/calendar/tests", payload, content_type="application/json"
    )
    assert created.status_code == 201, created.json()
    test_id = created.json()["id"]
    duplicate = client.post(
        "/api/v1/evaluation/calendar/tests", payload, content_type="application/json"
    )
    assert duplicate.status_code == 409 and duplicate.json()["code"] == "duplicate"
    outside = client.post(
        "/api/v1/evaluation/calendar/tests",
        {**payload, "number": 4, "date": (semester.starts_on - timedelta(days=1)).isoformat()},
        content_type="application/json",
    )
    assert outside.status_code == 400 and outside.json()["code"] == "outside_semester"
    moved = client.post(
        f"/api/v1/evaluation/calendar/tests/{test_id}/move",
        {"date": (TODAY() + timedelta(days=11)).isoformat()},
        content_type="application/json",
    )
    assert moved.status_code == 200 and moved.json()["date"] == str(TODAY() + timedelta(days=11))
    listed = client.get("/api/v1/evaluation/calendar/tests").json()
    assert [t["id"] for t in listed["items"]] == [test_id]
    cancelled = client.post(
        f"/api/v1/evaluation/calendar/tests/{test_id}/cancel",
        {"reason": "x"},
        content_type="application/json",
    )
    assert cancelled.json()["status"] == "CANCELLED"


# --- students and guardians --------------------------------------------------------------------
def _planned_for(student, semester, *, number: int, days: int = 3) -> PlannedTest:
    """A planned test of the student's class (written directly: the selector is under test)."""
    enrollment = Enrollment.objects.filter(
        student=student, status="ENROLLED", school_class__isnull=False
    ).first()
    assignment = TeachingAssignment.objects.filter(school_class=enrollment.school_class).first()
    school_class = enrollment.school_class
    return PlannedTest.objects.create(
        school_id=school_class.school_id,
        school_class=school_class,
        subject=assignment.subject,
        semester=Semester.objects.get(year_id=school_class.year_id, number=1),
        number=number,
        date=TODAY() + timedelta(days=days),
    )


def test_upcoming_tests_for_the_guardians_children_with_a_switch_and_no_stranger(
    client, personas, semester, django_assert_max_num_queries
):
    guardian, stranger = personas["guardian"], personas["other_family_student"]
    children = list(Student.objects.filter(pk__in=personas["guardian_children"]).order_by("pk"))
    planned = {c.pk: _planned_for(c, semester, number=i + 1) for i, c in enumerate(children)}
    hidden = _planned_for(stranger, semester, number=4, days=4)

    scope = scope_for(guardian)
    for child in children:
        assert planned[child.pk] in upcoming_tests(scope, child)
    assert not upcoming_tests(scope, stranger).exists()

    client.force_login(guardian)
    for child in children:
        with django_assert_max_num_queries(10):
            page = client.get(f"/evaluation/tests/?student={child.pk}")
        assert page.status_code == 200 and page.context["student"] == child
        assert planned[child.pk] in page.context["tests"]
        assert (
            hidden not in page.context["tests"]
            or hidden.school_class_id == planned[child.pk].school_class_id
        )
    if len(children) > 1:
        assert 'data-testid="child-switch"' in page.content.decode()
    assert client.get(f"/evaluation/tests/?student={stranger.pk}").status_code == 404
    api = client.get(f"/api/v1/evaluation/calendar/upcoming?student_id={children[0].pk}").json()
    assert planned[children[0].pk].pk in [t["id"] for t in api["items"]]
    assert sorted(c["id"] for c in api["children"]) == sorted(c.pk for c in children)
    url = f"/api/v1/evaluation/calendar/upcoming?student_id={stranger.pk}"
    assert client.get(url).status_code == 404


def test_a_student_sees_only_their_own_upcoming_tests(client, personas, semester):
    own, stranger = personas["own_student"], personas["other_family_student"]
    mine = _planned_for(own, semester, number=4)
    client.force_login(personas["student"])
    response = client.get("/evaluation/tests/")
    assert response.context["student"] == own and mine in response.context["tests"]
    assert [c.pk for c in response.context["children"]] == [own.pk]
    assert client.get(f"/evaluation/tests/?student={stranger.pk}").status_code == 404
    url = f"/api/v1/evaluation/calendar/upcoming?student_id={stranger.pk}"
    assert client.get(url).status_code == 404
    assert not upcoming_tests(scope_for(personas["student"]), stranger).exists()


def test_cancelled_and_past_tests_are_not_upcoming(personas, semester, mine):
    teacher = personas["teacher"]
    kept = _plan(teacher, mine, semester, number=1, days=4)
    dropped = _plan(teacher, mine, semester, number=2, days=5)
    planned_test_cancel(scope=scope_for(teacher), actor=teacher, test=dropped)
    past = PlannedTest.objects.create(
        school_id=mine.school_id,
        school_class=mine.school_class,
        subject=mine.subject,
        semester=semester,
        number=3,
        date=TODAY() - timedelta(days=2),
    )
    student = (
        Enrollment.objects.filter(school_class=mine.school_class, status="ENROLLED").first().student
    )
    # the staff reach: the teacher sees the student's upcoming tests of their subject
    ids = set(upcoming_tests(scope_for(teacher), student).values_list("pk", flat=True))
    assert kept.pk in ids and dropped.pk not in ids and past.pk not in ids


def test_calendar_and_upcoming_pages_render_in_arabic(client, personas, semester, mine):
    test = _plan(personas["teacher"], mine, semester, days=4)
    client.force_login(personas["teacher"])
    page = client.get("/evaluation/calendar/", headers={"accept-language": "ar"}).content.decode()
    assert 'dir="rtl"' in page and mine.subject.name_ar in page
    student = Enrollment.objects.filter(school_class=mine.school_class, status="ENROLLED").first()
    assert test in upcoming_tests(scope_for(personas["teacher"]), student.student)
