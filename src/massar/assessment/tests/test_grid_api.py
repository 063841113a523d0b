"""The grade grid's API: list, read, save (per-row problems, conflicts), validation,
corrections, history and deadlines."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from massar.assessment.grades import LineInput
from massar.assessment.models import GradeDeadline, MarkChange, MarkLine
from massar.assessment.tests.test_grid import Book, grow
from massar.demo.builder import DEMO_YEAR

pytestmark = pytest.mark.django_db


@pytest.fixture
def book(personas):
    return Book(personas)


def api(book, tail=""):
    return (
        f"/api/v1/evaluation/grade-books/{book.school_class.pk}/{book.subject.pk}/"
        f"{book.semester.number}{tail}"
    )


def post(client, url, body):
    return client.post(url, body, content_type="application/json")


def test_teacher_reads_the_grid_with_versions(client, book):
    s0 = book.students[0]
    book.write(book.p["teacher"], [LineInput(student_id=s0, scores={1: Decimal("12.5")})])
    client.force_login(book.p["teacher"])
    data = client.get(api(book)).json()
    assert (data["role"], data["tests"], data["has_activities"]) == ("teacher", [1, 2, 3, 4], True)
    assert data["editable"] is True and data["correctable"] is False
    row = next(r for r in data["rows"] if r["student_id"] == s0)
    assert row["scores"]["1"] == "12.50" and row["version"] == 1
    assert row["absent"] == {"1": False, "2": False, "3": False, "4": False, "activities": False}
    assert len(data["rows"]) == len(book.students)


def test_api_save_writes_with_source_api_and_returns_versions(client, book):
    s0, s1 = book.students[:2]
    client.force_login(book.p["teacher"])
    response = post(
        client,
        api(book),
        {
            "rows": [
                {
                    "student_id": s0,
                    "scores": {"1": "12,5", "2": 14},
                    "activities": "15",
                    "remark": "Assidu",
                    "version": 0,
                },
                {"student_id": s1, "absent": {"1": True, "activities": True}, "version": 0},
            ]
        },
    )
    assert response.status_code == 200, response.content
    assert response.json()["versions"] == {str(s0): 1, str(s1): 1}
    line = book.line(s0)
    assert (line.score1, line.score2, line.activities, line.remark) == (
        Decimal("12.50"),
        Decimal("14.00"),
        Decimal("15.00"),
        "Assidu",
    )
    assert book.line(s1).absent1 and book.line(s1).activities_absent
    assert set(MarkChange.objects.filter(line=line).values_list("source", flat=True)) == {"api"}


def test_api_names_every_bad_mark_by_row_and_field_and_saves_nothing(client, book):
    s0, s1 = book.students[:2]
    client.force_login(book.p["teacher"])
    response = post(
        client,
        api(book),
        {
            "rows": [
                {"student_id": s0, "scores": {"1": "21", "2": "10"}},
                {"student_id": s1, "scores": {"3": "7.125", "9": "4"}, "activities": "x"},
            ]
        },
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "bad_marks"
    found = {(p["student_id"], p["field"]): p["message"] for p in body["problems"]}
    assert found == {
        (s0, "1"): "21 is above 20",
        (s1, "3"): "7.125 has more than two decimals",
        (s1, "9"): "This grid has no column “9”.",
        (s1, "activities"): "“x” is not a mark",
    }
    assert not MarkLine.objects.filter(student_id__in=[s0, s1], subject=book.subject).exists()


def test_api_stale_version_is_409_and_changes_nothing(client, book):
    s0, s1 = book.students[:2]
    book.write(book.p["director"], [LineInput(student_id=s0, scores={1: Decimal("9")})])
    client.force_login(book.p["teacher"])
    response = post(
        client,
        api(book),
        {
            "rows": [
                {"student_id": s0, "scores": {"1": "17"}, "version": 0},
                {"student_id": s1, "scores": {"1": "11"}, "version": 0},
            ]
        },
    )
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "conflict" and len(body["problems"]) == 1
    assert book.line(s0).score1 == Decimal("9.00") and book.line(s1) is None


def test_api_student_outside_the_class_is_refused(client, book):
    client.force_login(book.p["teacher"])
    stranger = book.p["other_school_student"].pk
    response = post(client, api(book), {"rows": [{"student_id": stranger, "scores": {"1": "9"}}]})
    assert response.status_code == 400 and response.json()["code"] == "bad_rows"
    assert not MarkLine.objects.filter(student_id=stranger).exists()


@pytest.mark.parametrize("role", ["staff", "directorate", "student", "guardian"])
def test_api_save_refused_for_readers_and_families(client, book, role):
    s0 = book.students[0]
    client.force_login(book.p[role])
    response = post(client, api(book), {"rows": [{"student_id": s0, "scores": {"1": "9"}}]})
    assert response.status_code == 403
    assert book.line(s0) is None


def test_api_lock_then_correction_with_reason(client, book):
    s0 = book.students[0]
    book.write(book.p["teacher"], [LineInput(student_id=s0, scores={1: Decimal("8")})])
    client.force_login(book.p["teacher"])
    assert post(client, api(book, "/validate"), {}).status_code == 403
    client.force_login(book.p["director"])
    assert post(client, api(book, "/validate"), {}).status_code == 200

    client.force_login(book.p["teacher"])
    refused = post(client, api(book), {"rows": [{"student_id": s0, "scores": {"1": "18"}}]})
    assert refused.status_code == 409 and refused.json()["code"] == "locked"

    client.force_login(book.p["director"])
    body = {"rows": [{"student_id": s0, "scores": {"1": "10"}, "version": 1}], "reason": " "}
    no_reason = post(client, api(book, "/correct"), body)
    assert no_reason.status_code == 400 and no_reason.json()["code"] == "reason_required"
    assert book.line(s0).score1 == Decimal("8.00")
    body["reason"] = "Copie recorrigée"
    assert post(client, api(book, "/correct"), body).status_code == 200
    assert book.line(s0).score1 == Decimal("10.00")

    history = client.get(api(book, f"/history/{s0}/1")).json()
    assert [(h["old_value"], h["new_value"], h["source"], h["reason"]) for h in history] == [
        ("8.00", "10.00", "correction", "Copie recorrigée"),
        ("", "8.00", "grid", ""),
    ]
    page = client.get(api(book, "/history")).json()
    assert page["count"] == 2 and page["items"][0]["new_value"] == "10.00"


def test_api_past_deadline_refuses_the_teacher(client, book):
    s0 = book.students[0]
    GradeDeadline.objects.create(
        semester=book.semester, closes_on=timezone.localdate() - timedelta(days=2)
    )
    client.force_login(book.p["teacher"])
    grid = client.get(api(book)).json()
    assert grid["past_deadline"] is True and grid["editable"] is False
    response = post(client, api(book), {"rows": [{"student_id": s0, "scores": {"1": "9"}}]})
    assert response.status_code == 409 and response.json()["code"] == "deadline"
    assert book.line(s0) is None


def test_api_grade_book_list(client, book):
    client.force_login(book.p["teacher"])
    data = client.get("/api/v1/evaluation/grade-books", {"semester": 1}).json()
    assert data["count"] >= 1
    item = next(
        i
        for i in data["items"]
        if i["class_id"] == book.school_class.pk and i["subject_id"] == book.subject.pk
    )
    assert (item["students"], item["entered"], item["total"]) == (
        len(book.students),
        0,
        len(book.students) * 5,
    )
    client.force_login(book.p["ministry"])
    assert client.get("/api/v1/evaluation/grade-books").status_code == 404  # choose a school
    school = book.school_class.school_id
    listed = client.get("/api/v1/evaluation/grade-books", {"school_id": school}).json()
    assert listed["count"] >= data["count"]


def test_api_deadlines(client, book):
    client.force_login(book.p["ministry"])
    s1_end = DEMO_YEAR.s1_ends_on
    national, school_day, late = ((s1_end + timedelta(days=d)).isoformat() for d in (-1, 2, 29))
    response = post(
        client, "/api/v1/evaluation/grade-deadlines", {"semester": 1, "closes_on": national}
    )
    assert response.status_code == 200
    assert response.json()["semesters"][0]["national"] == national
    client.force_login(book.p["director"])
    school = book.school_class.school_id
    refused = post(client, "/api/v1/evaluation/grade-deadlines", {"semester": 1, "closes_on": late})
    assert refused.status_code == 403
    own = post(
        client,
        "/api/v1/evaluation/grade-deadlines",
        {"semester": 1, "school_id": school, "closes_on": school_day},
    )
    assert own.json()["semesters"][0] == {
        "semester": 1,
        "national": national,
        "school": school_day,
    }
    client.force_login(book.p["teacher"])
    seen = client.get("/api/v1/evaluation/grade-deadlines").json()
    assert seen["semesters"][0]["school"] == school_day


def test_api_grid_get_and_save_query_counts(client, book, django_assert_max_num_queries):
    book = grow(book)
    client.force_login(book.p["teacher"])
    client.get(api(book))
    with django_assert_max_num_queries(16):
        rows = client.get(api(book)).json()["rows"]
    assert len(rows) >= 45
    body = {
        "rows": [
            {"student_id": r["student_id"], "scores": {"1": "10", "2": "11.5"}, "version": 0}
            for r in rows
        ]
    }
    with django_assert_max_num_queries(30):
        assert post(client, api(book), body).status_code == 200
