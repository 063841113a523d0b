"""Student search within scope: by code, name prefix in either script, birth date."""

import pytest

from massar.core.scopes import scope_for
from massar.registry.selectors import student_search

pytestmark = pytest.mark.django_db


def codes(user, text):
    return set(student_search(scope_for(user), text=text).values_list("code_massar", flat=True))


def test_search_by_code_by_names_and_by_birth_date(personas):
    s = personas["untaught_student"]
    director = personas["director"]
    assert codes(director, s.code_massar) == {s.code_massar}
    assert codes(director, s.code_massar.lower()) == {s.code_massar}
    assert s.code_massar in codes(director, f"{s.last_name_fr.upper()} {s.first_name_fr[:2]}")
    assert s.code_massar in codes(director, s.last_name_ar)
    assert s.code_massar in codes(director, s.birth_date.strftime("%d/%m/%Y"))
    assert s.code_massar in codes(director, s.birth_date.isoformat())


def test_search_never_leaves_the_scope(personas):
    outside = personas["other_school_student"]
    assert codes(personas["director"], outside.code_massar) == set()
    assert codes(personas["teacher"], personas["untaught_student"].code_massar) == set()
    assert codes(personas["academy"], outside.code_massar) == {outside.code_massar}


def test_search_page_runs_a_constant_number_of_queries(
    client, personas, django_assert_max_num_queries
):
    client.force_login(personas["ministry"])
    with django_assert_max_num_queries(8):
        page = client.get("/students/", {"q": "a"})
    assert page.status_code == 200


def test_reading_a_full_record_is_logged_and_costs_constant_queries(
    client, personas, django_assert_max_num_queries
):
    from massar.core.models import AuditEntry

    student = personas["untaught_student"]
    client.force_login(personas["director"])
    with django_assert_max_num_queries(12):
        assert client.get(f"/students/{student.pk}/").status_code == 200
    entry = AuditEntry.objects.get(action="student.file_read", object_id=str(student.pk))
    assert entry.actor == personas["director"]
    client.get(f"/api/v1/registry/students/{student.pk}")
    assert (
        AuditEntry.objects.filter(action="student.file_read", object_id=str(student.pk)).count()
        == 2
    )
