"""The staff API: the same reads and writes as the pages, with stable error codes."""

import pytest

from massar.core.models import User
from massar.schools.models import School, Subject
from massar.staff.models import StaffMember

pytestmark = pytest.mark.django_db

BODY = {
    "ppr": "1987654",
    "last_name_fr": "Alaoui",
    "first_name_fr": "Karim",
    "last_name_ar": "العلوي",
    "first_name_ar": "كريم",
    "sex": "M",
    "kind": "TEACHER",
    "corps": "Professeur",
    "contract": "AREF",
    "required_weekly_hours": 24,
}


def post(client, url, body):
    return client.post(url, body, content_type="application/json")


def test_the_list_is_paginated_within_scope_in_constant_queries(
    client, personas, django_assert_max_num_queries
):
    client.force_login(personas["director"])
    with django_assert_max_num_queries(10):
        data = client.get("/api/v1/staff/").json()
    college = StaffMember.objects.filter(postings__school__code="04012B").count()
    assert data["count"] == college and len(data["items"]) == min(50, college)
    item = next(i for i in data["items"] if i["ppr"] == personas["teacher"].staff_member.ppr)
    assert item["schools"] == ["04012B"] and item["subjects"]
    assert item["account"] == personas["teacher"].username
    lycee = School.objects.get(code="04021C")
    assert client.get("/api/v1/staff/", {"school": lycee.pk}).status_code == 404


def test_ministry_filters_by_school(client, personas):
    lycee = School.objects.get(code="04021C")
    client.force_login(personas["ministry"])
    data = client.get("/api/v1/staff/", {"school": lycee.pk, "page": 1}).json()
    assert data["count"] == StaffMember.objects.filter(postings__school=lycee).count()
    assert all(i["schools"] == ["04021C"] for i in data["items"])


def test_record_attach_and_detach_through_the_api(client, personas):
    client.force_login(personas["director"])
    subject = Subject.objects.order_by("code").first().code
    created = post(client, "/api/v1/staff/", {**BODY, "subjects": [subject]})
    assert created.status_code == 201
    member = created.json()
    assert member["ppr"] == "1987654" and member["subjects"] == [subject]
    assert member["postings"][0]["school_code"] == "04012B"

    again = post(client, "/api/v1/staff/", {**BODY, "subjects": [subject]})
    assert again.status_code == 409 and again.json()["code"] == "ppr_exists"
    assert again.json()["existing"]["id"] == member["id"]

    lycee_member = StaffMember.objects.filter(postings__school__code="04021C").first()
    url = f"/api/v1/staff/{lycee_member.pk}/attach"
    assert post(client, url, {"ppr": "0000000"}).status_code == 404
    attached = post(client, url, {"ppr": lycee_member.ppr})
    assert attached.status_code == 200 and attached.json()["created"] is True
    assert client.get(f"/api/v1/staff/{lycee_member.pk}").status_code == 200

    detached = post(client, f"/api/v1/staff/{lycee_member.pk}/detach", {})
    assert detached.status_code == 200
    assert not lycee_member.postings.filter(school__code="04012B").exists()
    assert client.get(f"/api/v1/staff/{lycee_member.pk}").status_code == 404


def test_api_refusals_carry_stable_codes(client, personas):
    client.force_login(personas["director"])
    invalid = post(client, "/api/v1/staff/", {**BODY, "ppr": "12a", "subjects": []})
    assert invalid.status_code == 422 and set(invalid.json()["errors"]) == {"ppr", "subjects"}
    private = post(
        client,
        "/api/v1/staff/",
        {**BODY, "contract": "PRIVATE", "subjects": [Subject.objects.first().code]},
    )
    assert private.status_code == 400 and private.json()["code"] == "contract_sector"
    teacher = personas["teacher"].staff_member
    busy = post(client, f"/api/v1/staff/{teacher.pk}/detach", {})
    assert busy.status_code == 409 and busy.json()["code"] == "still_teaching"
    client.force_login(personas["staff"])
    assert post(client, "/api/v1/staff/", BODY).status_code == 403


def test_accounts_through_the_api_answer_with_the_sheet_once(client, personas):
    client.force_login(personas["director"])
    listing = client.get("/api/v1/staff/accounts").json()
    waiting = [i for i in listing["items"] if i["identifier"] is None]
    assert waiting and all(i["kind"] in ("TEACHER", "ADMIN") for i in listing["items"])
    response = post(client, "/api/v1/staff/accounts", {})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF") and "no-store" in response["Cache-Control"]
    for item in waiting:
        user = StaffMember.objects.get(pk=item["id"]).user
        assert user is not None and user.must_change_password
    users = User.objects.count()
    again = post(client, "/api/v1/staff/accounts", {})
    assert again.status_code == 409 and again.json()["code"] == "nothing_to_issue"
    assert User.objects.count() == users
    reissued = post(
        client, "/api/v1/staff/accounts", {"reissue": [personas["teacher"].staff_member.pk]}
    )
    assert reissued.status_code == 200
    personas["teacher"].refresh_from_db()
    assert personas["teacher"].must_change_password


def test_teachers_cannot_provision_through_the_api(client, personas):
    client.force_login(personas["teacher"])
    assert post(client, "/api/v1/staff/accounts", {}).status_code == 403
    assert client.get("/api/v1/staff/accounts").status_code == 403
    assert not User.objects.filter(must_change_password=True).exists()
