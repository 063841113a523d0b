"""School pages, the curriculum edited by the ministry and versioned by year, school years."""

from decimal import Decimal

import pytest

from massar.core.models import AuditEntry
from massar.demo.builder import DEMO_YEAR, NEXT_YEAR
from massar.schools.models import CurriculumEntry, SchoolYear

pytestmark = pytest.mark.django_db


def test_directorate_sees_its_schools_with_their_figures(
    client, personas, django_assert_max_num_queries
):
    client.force_login(personas["directorate"])
    with django_assert_max_num_queries(10):
        page = client.get("/schools/").content.decode()
    assert "04011A" in page and "04012B" in page and "04021C" not in page


def test_school_page_shows_enrolled_students_per_level(client, personas):
    client.force_login(personas["academy"])
    from massar.schools.models import School

    college = School.objects.get(code="04012B")
    page = client.get(f"/schools/{college.pk}/").content.decode()
    assert "1AC" in page and f"students enrolled in {DEMO_YEAR.code}" in page
    data = client.get(f"/api/v1/schools/{college.pk}").json()
    assert data["students"] == 120 and {r["level"] for r in data["per_level"]} == {
        "1AC",
        "2AC",
        "3AC",
    }
    client.force_login(personas["other_director"])
    assert client.get(f"/schools/{college.pk}/").status_code == 404


def test_school_list_api_and_exports(client, personas):
    client.force_login(personas["academy"])
    items = client.get("/api/v1/schools/", {"cycle": "HIGH"}).json()["items"]
    assert [s["code"] for s in items] == ["04021C"]
    body = b"".join(client.get("/schools/export.csv").streaming_content).decode("utf-8-sig")
    assert body.splitlines()[0].startswith("school_code,name_fr,name_ar")
    assert len(body.strip().splitlines()) == 5


def test_ministry_edits_a_coefficient_and_it_is_audited(client, personas):
    entry = CurriculumEntry.objects.filter(year__is_current=True, level__code="1AC").first()
    client.force_login(personas["ministry"])
    client.post(f"/curriculum/{entry.pk}/", {"coefficient": "3.5", "weekly_hours": "4"})
    entry.refresh_from_db()
    assert entry.coefficient == Decimal("3.5") and entry.weekly_hours == Decimal("4")
    audit = AuditEntry.objects.get(action="curriculum.update", object_id=str(entry.pk))
    assert audit.after == {"coefficient": "3.5", "weekly_hours": "4"}


def test_bad_coefficient_is_refused_with_a_message(client, personas):
    entry = CurriculumEntry.objects.filter(year__is_current=True).first()
    before = entry.coefficient
    client.force_login(personas["ministry"])
    page = client.post(
        f"/curriculum/{entry.pk}/", {"coefficient": "99", "weekly_hours": "2"}, follow=True
    ).content.decode()
    assert "A coefficient is between 0 and 20." in page
    entry.refresh_from_db()
    assert entry.coefficient == before


def test_only_the_ministry_edits_the_curriculum(client, personas):
    entry = CurriculumEntry.objects.filter(year__is_current=True).first()
    for role in ("academy", "director", "teacher"):
        client.force_login(personas[role])
        assert (
            client.post(
                f"/curriculum/{entry.pk}/", {"coefficient": "1", "weekly_hours": "1"}
            ).status_code
            == 403
        )
        response = client.patch(
            f"/api/v1/schools/curriculum/entries/{entry.pk}",
            {"coefficient": "1", "weekly_hours": "1"},
            content_type="application/json",
        )
        assert response.status_code == 403
    client.force_login(personas["teacher"])
    assert "Coefficient" in client.get("/curriculum/").content.decode()


def test_opening_a_year_copies_the_curriculum_which_then_evolves_apart(client, personas):
    client.force_login(personas["ministry"])
    response = client.post(
        "/api/v1/schools/years/all",
        {
            "code": NEXT_YEAR.code,
            "starts_on": NEXT_YEAR.starts_on.isoformat(),
            "s2_starts_on": NEXT_YEAR.s2_starts_on.isoformat(),
            "ends_on": NEXT_YEAR.ends_on.isoformat(),
        },
        content_type="application/json",
    )
    assert response.status_code == 201
    new, old = (
        SchoolYear.objects.get(code=NEXT_YEAR.code),
        SchoolYear.objects.get(code=DEMO_YEAR.code),
    )
    assert new.semesters.count() == 2
    assert (
        CurriculumEntry.objects.filter(year=new).count()
        == CurriculumEntry.objects.filter(year=old).count()
        > 0
    )
    entry = CurriculumEntry.objects.filter(year=new).first()
    client.patch(
        f"/api/v1/schools/curriculum/entries/{entry.pk}",
        {"coefficient": "9", "weekly_hours": "1"},
        content_type="application/json",
    )
    twin = CurriculumEntry.objects.get(
        year=old, level=entry.level, track=entry.track, subject=entry.subject
    )
    assert twin.coefficient != Decimal("9")


def test_a_closed_year_cannot_be_edited(client, personas):
    year = SchoolYear.objects.get(code=DEMO_YEAR.code)
    SchoolYear.objects.filter(pk=year.pk).update(is_closed=True)
    entry = CurriculumEntry.objects.filter(year=year).first()
    client.force_login(personas["ministry"])
    response = client.patch(
        f"/api/v1/schools/curriculum/entries/{entry.pk}",
        {"coefficient": "9", "weekly_hours": "1"},
        content_type="application/json",
    )
    assert response.status_code == 400 and response.json()["code"] == "year_closed"


def test_year_with_wrong_dates_is_refused(client, personas):
    client.force_login(personas["ministry"])
    page = client.post(
        "/years/",
        {
            "code": f"{NEXT_YEAR.start_year + 1}-{NEXT_YEAR.start_year + 2}",
            "starts_on": NEXT_YEAR.starts_on.isoformat(),
            "s2_starts_on": NEXT_YEAR.s2_starts_on.isoformat(),
            "ends_on": NEXT_YEAR.ends_on.isoformat(),
        },
    )
    message = f"A year starting in {NEXT_YEAR.start_year} is called {NEXT_YEAR.code}."
    assert message in page.content.decode()
