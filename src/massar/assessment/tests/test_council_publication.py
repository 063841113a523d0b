"""Publication of results per school, level and period: the selectors the student and guardian
spaces use are false until the director publishes; the year's results wait for every class
council of the level; publish and unpublish are audited."""

import pytest
from django.test import Client

from massar.assessment import council_selectors as selectors
from massar.assessment import council_services as services
from massar.assessment.models import ClassCouncil, Publication
from massar.assessment.tests.access_rows_council import COLLEGE, enrolled, school_class
from massar.core.models import AuditEntry
from massar.core.scopes import scope_for
from massar.enrollment.models import SchoolClass
from massar.schools.models import School

pytestmark = pytest.mark.django_db


@pytest.fixture
def setting(personas):
    sc = school_class(COLLEGE)
    student = enrolled(sc)[0].student_id
    director = personas["director"]
    return {
        "sc": sc,
        "student": student,
        "actor": director,
        "scope": scope_for(director),
        "school": sc.school,
        "year": sc.year,
        "level": sc.level,
    }


def _publish(s, period, service=services.publication_publish):
    return service(
        scope=s["scope"],
        actor=s["actor"],
        school=s["school"],
        year=s["year"],
        level=s["level"],
        period=period,
    )


def test_results_are_published_only_after_the_director_publishes(setting):
    s = setting
    assert not selectors.results_published(s["student"], s["year"], "S1")
    assert selectors.published_periods(s["student"], s["year"]) == []

    _publish(s, "S1")

    assert selectors.results_published(s["student"], s["year"], "S1")
    assert selectors.results_published(s["student"], s["year"].pk, "S1")
    assert not selectors.results_published(s["student"], s["year"], "S2")
    assert selectors.published_periods(s["student"], s["year"]) == ["S1"]
    entry = AuditEntry.objects.get(action="results.publish")
    assert entry.after == {"year": s["year"].code, "level": s["level"].code, "period": "S1"}
    assert entry.actor == s["actor"] and entry.school_id == s["school"].pk

    # another level of the same school is not published by it
    other_level = (
        SchoolClass.objects.filter(school=s["school"], year=s["year"])
        .exclude(level=s["level"])
        .first()
    )
    other_student = enrolled(other_level)[0].student_id
    assert not selectors.results_published(other_student, s["year"], "S1")

    _publish(s, "S1", services.publication_withdraw)
    assert not selectors.results_published(s["student"], s["year"], "S1")
    assert AuditEntry.objects.filter(action="results.unpublish").exists()


def test_publishing_twice_or_withdrawing_nothing_is_refused(setting):
    _publish(setting, "S2")
    with pytest.raises(services.CouncilError) as err:
        _publish(setting, "S2")
    assert err.value.code == "already_published"
    with pytest.raises(services.CouncilError) as err:
        _publish(setting, "S1", services.publication_withdraw)
    assert err.value.code == "not_published"
    with pytest.raises(services.CouncilError) as err:
        _publish(setting, "S3")
    assert err.value.code == "invalid_period"


def test_annual_results_need_every_council_of_the_level_validated(setting):
    s = setting
    classes = list(
        SchoolClass.objects.filter(school=s["school"], year=s["year"], level=s["level"]).order_by(
            "name"
        )
    )
    for sc in classes[:-1]:
        ClassCouncil.objects.create(
            school=s["school"], year=s["year"], school_class=sc, validated_at="2026-06-30T10:00Z"
        )
    with pytest.raises(services.CouncilError) as err:
        _publish(s, "ANNUAL")
    assert err.value.code == "councils_open"
    assert classes[-1].name in err.value.message
    assert err.value.names == [classes[-1].name]
    assert not Publication.objects.filter(period="ANNUAL").exists()

    ClassCouncil.objects.create(
        school=s["school"],
        year=s["year"],
        school_class=classes[-1],
        validated_at="2026-07-01T10:00Z",
    )
    _publish(s, "ANNUAL")
    assert selectors.results_published(s["student"], s["year"], "ANNUAL")


def test_only_the_schools_director_publishes(setting, personas):
    for who in ("staff", "other_director", "directorate"):
        user = personas[who]
        with pytest.raises(services.CouncilError) as err:
            services.publication_publish(
                scope=scope_for(user),
                actor=user,
                school=setting["school"],
                year=setting["year"],
                level=setting["level"],
                period="S1",
            )
        assert err.value.status == 403


def test_level_without_class_is_refused(setting):
    lycee_level = SchoolClass.objects.filter(school__code="04021C").first().level
    with pytest.raises(services.CouncilError) as err:
        _publish({**setting, "level": lycee_level}, "S1")
    assert err.value.code == "no_class"


def test_publication_page_and_api(setting, personas, django_assert_max_num_queries):
    client = Client(headers={"accept-language": "en"})
    client.force_login(personas["director"])
    level = setting["level"].code
    response = client.post(
        "/publications/publish/",
        {"school": setting["school"].pk, "level": level, "period": "ANNUAL"},
        follow=True,
    )
    assert "still open" in response.content.decode()
    response = client.post(
        "/publications/publish/",
        {"school": setting["school"].pk, "level": level, "period": "S1"},
        follow=True,
    )
    assert "The results are published" in response.content.decode()
    with django_assert_max_num_queries(12):
        page = client.get("/publications/")
    assert f'data-testid="publication-{level}-S1"' in page.content.decode()

    api = client.get(f"/api/v1/evaluation/publications?school={COLLEGE}").json()
    cells = next(lv for lv in api["levels"] if lv["level"] == level)["periods"]
    assert [c["period"] for c in cells if c["published_at"]] == ["S1"]
    refused = client.post(
        "/api/v1/evaluation/publications",
        {"level": level, "period": "ANNUAL"},
        content_type="application/json",
    )
    assert refused.status_code == 409 and refused.json()["code"] == "councils_open"
    assert refused.json()["names"]
    gone = client.post(
        "/api/v1/evaluation/publications/withdraw",
        {"level": level, "period": "S1"},
        content_type="application/json",
    )
    assert gone.status_code == 200
    assert not selectors.results_published(setting["student"], setting["year"], "S1")


def test_oversight_reads_the_publication_page_of_a_school(personas):
    client = Client(headers={"accept-language": "en"})
    client.force_login(personas["directorate"])
    picker = client.get(f"/publications/?q={COLLEGE}").content.decode()
    assert 'data-testid="school-picker"' in picker and COLLEGE in picker
    assert "04021C" not in client.get("/councils/").content.decode()  # another directorate
    college = School.objects.get(code=COLLEGE)
    response = client.get(f"/publications/?school={college.pk}")
    assert response.status_code == 200
    assert "publication-grid" in response.content.decode()
    assert "Publish</button>" not in response.content.decode()
