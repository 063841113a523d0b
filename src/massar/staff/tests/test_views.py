"""The staff pages: the list within scope (paginated, a constant number of queries), the
record, recording someone new or attaching a person already recorded, detaching."""

import pytest

from massar.core.models import AuditEntry
from massar.schools.models import School, Subject
from massar.staff.models import Posting, StaffMember

pytestmark = pytest.mark.django_db

FORM = {
    "ppr": "1 987 654",
    "last_name_fr": "Alaoui",
    "first_name_fr": "Karim",
    "last_name_ar": "العلوي",
    "first_name_ar": "كريم",
    "sex": "M",
    "kind": "TEACHER",
    "corps": "Professeur",
    "contract": "AREF",
    "required_weekly_hours": "24",
    "phone": "06 12 34 56 78",
}


def subject_code() -> str:
    return Subject.objects.order_by("code").first().code


def pprs(page) -> set[str]:
    return {m.ppr for m in page.context["page"]}


def test_director_sees_their_schools_staff_only(client, personas):
    client.force_login(personas["director"])
    page = client.get("/staff/")
    assert page.status_code == 200
    college = set(
        StaffMember.objects.filter(postings__school__code="04012B").values_list("ppr", flat=True)
    )
    assert pprs(page) <= college and len(pprs(page)) == min(25, len(college))
    lycee_member = StaffMember.objects.filter(postings__school__code="04021C").first()
    assert lycee_member.ppr not in page.content.decode()


def test_the_list_is_paginated_and_searchable(client, personas):
    client.force_login(personas["academy"])
    first, second = client.get("/staff/"), client.get("/staff/", {"page": 2})
    assert first.context["page"].paginator.count > 25
    assert not pprs(first) & pprs(second)
    member = personas["teacher"].staff_member
    found = client.get("/staff/", {"q": member.last_name_fr[:4].lower()})
    assert member.ppr in pprs(found)
    assert pprs(client.get("/staff/", {"q": member.ppr})) == {member.ppr}
    assert member.ppr in pprs(client.get("/staff/", {"q": member.last_name_ar}))


def test_territorial_roles_filter_by_a_school_in_scope(client, personas):
    lycee = School.objects.get(code="04021C")
    college = School.objects.get(code="04012B")
    client.force_login(personas["directorate"])
    page = client.get("/staff/", {"school": college.pk})
    assert page.status_code == 200 and page.context["school"] == college
    assert pprs(page) <= set(
        Posting.objects.filter(school=college).values_list("staff__ppr", flat=True)
    )
    assert page.context["page"].has_next()  # the pager keeps the filter
    assert f"?school={college.pk}&amp;page=2" in page.content.decode()
    assert client.get("/staff/", {"school": lycee.pk}).status_code == 404
    assert client.get("/staff/", {"school": "x"}).status_code == 404
    client.force_login(personas["academy"])
    page = client.get("/staff/", {"school": lycee.pk})
    assert pprs(page) == set(
        Posting.objects.filter(school=lycee).values_list("staff__ppr", flat=True)
    )


@pytest.mark.parametrize("role,params", [("director", {}), ("ministry", {}), ("academy", "lycee")])
def test_the_list_runs_a_constant_number_of_queries(
    client, personas, django_assert_max_num_queries, role, params
):
    if params == "lycee":
        params = {"school": School.objects.get(code="04021C").pk}
    client.force_login(personas[role])
    # session, user, roles, count, page, subjects, postings, the school filter's choices
    # (and the chosen school), and the session's last-seen stamp: whatever the school's size
    with django_assert_max_num_queries(12):
        page = client.get("/staff/", params)
    assert page.status_code == 200 and len(page.context["page"]) > 5


def test_teachers_students_and_guardians_have_no_staff_list(client, personas):
    for role in ("teacher", "student", "guardian"):
        client.force_login(personas[role])
        assert client.get("/staff/").status_code == 403


def test_the_record_shows_both_scripts_subjects_and_postings(client, personas):
    member = personas["teacher"].staff_member
    client.force_login(personas["staff"])
    page = client.get(f"/staff/{member.pk}/").content.decode()
    assert member.ppr in page and member.last_name_ar in page and member.first_name_fr in page
    assert member.subjects.first().name_fr in page
    assert "Collège Al Massira" in page and "04012B" in page
    assert "Detach" not in page  # office staff do not detach


def test_director_records_a_new_staff_member(client, personas):
    client.force_login(personas["director"])
    response = client.post("/staff/new/", {**FORM, "subjects": [subject_code()]})
    member = StaffMember.objects.get(ppr="1987654")
    assert response.status_code == 302 and response.url == f"/staff/{member.pk}/"
    assert member.phone == "0612345678" and member.first_name_ar == "كريم"
    assert member.postings.get().school.code == "04012B"


def test_the_form_checks_ppr_scripts_and_subjects(client, personas):
    client.force_login(personas["director"])
    page = client.post(
        "/staff/new/",
        {**FORM, "ppr": "12a45", "last_name_ar": "Alaoui", "first_name_fr": "كريم"},
    )
    form = page.context["form"]
    assert set(form.errors) == {"ppr", "last_name_ar", "first_name_fr", "subjects"}
    assert not StaffMember.objects.filter(last_name_fr="Alaoui", first_name_fr="Karim").exists()


def test_an_existing_ppr_offers_to_attach_that_person(client, personas):
    existing = StaffMember.objects.filter(postings__school__code="04021C", kind="TEACHER").first()
    client.force_login(personas["director"])
    before = StaffMember.objects.count()
    page = client.post("/staff/new/", {**FORM, "ppr": existing.ppr, "subjects": [subject_code()]})
    body = page.content.decode()
    assert page.status_code == 200 and 'data-testid="existing"' in body
    assert existing.last_name_ar in body and f"/staff/{existing.pk}/attach/" in body
    assert StaffMember.objects.count() == before
    # the director takes the offer
    response = client.post(f"/staff/{existing.pk}/attach/", {"ppr": existing.ppr})
    assert response.status_code == 302 and response.url == f"/staff/{existing.pk}/"
    assert existing.postings.filter(school__code="04012B").exists()
    assert client.get(f"/staff/{existing.pk}/").status_code == 200
    # the same PPR again: the person is already on the staff, no second offer
    page = client.post("/staff/new/", {**FORM, "ppr": existing.ppr, "subjects": [subject_code()]})
    assert "already on your school" in page.content.decode()


def test_attach_needs_the_matching_ppr(client, personas):
    existing = StaffMember.objects.filter(postings__school__code="04021C").first()
    client.force_login(personas["director"])
    assert client.post(f"/staff/{existing.pk}/attach/", {"ppr": "1234567"}).status_code == 404
    assert client.post(f"/staff/{existing.pk}/attach/").status_code == 404
    assert not existing.postings.filter(school__code="04012B").exists()


def test_director_detaches_from_the_record_page(client, personas):
    client.force_login(personas["director"])
    client.post("/staff/new/", {**FORM, "subjects": [subject_code()]})
    member = StaffMember.objects.get(ppr="1987654")
    assert "Detach from this school" in client.get(f"/staff/{member.pk}/").content.decode()
    response = client.post(f"/staff/{member.pk}/detach/")
    assert response.status_code == 302 and response.url == "/staff/"
    assert not member.postings.exists()
    assert AuditEntry.objects.filter(action="staff.detach", object_id=str(member.pk)).exists()
    assert client.get(f"/staff/{member.pk}/").status_code == 404


def test_a_refused_detach_says_why(client, personas):
    teacher = personas["teacher"].staff_member
    client.force_login(personas["director"])
    response = client.post(f"/staff/{teacher.pk}/detach/", follow=True)
    assert "still teaches classes" in response.content.decode()
    assert teacher.postings.filter(school__code="04012B").exists()


def test_staff_list_export_lists_only_the_schools_staff(client, personas):
    from massar.staff.models import StaffMember

    client.force_login(personas["director"])
    body = b"".join(client.get("/staff/export.csv").streaming_content).decode("utf-8-sig")
    lines = body.strip().splitlines()
    assert lines[0].startswith("ppr,last_name_fr,first_name_fr")
    pprs = {line.split(",")[0] for line in lines[1:]}
    college = set(
        StaffMember.objects.filter(postings__school__code="04012B").values_list("ppr", flat=True)
    )
    assert pprs == college
    xlsx = client.get("/staff/export.xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
