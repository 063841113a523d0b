"""Registering a child at the desk: the duplicate check, linking to an existing identity or
confirming a new one (audited), one enrollment a year, and two offices racing."""

import threading
from datetime import date

import pytest
from django.db import close_old_connections, connection

from massar.core.models import AuditEntry
from massar.enrollment.models import Enrollment
from massar.registry.models import Student
from massar.registry.services import RegistryError, student_register

pytestmark = pytest.mark.django_db

FORM = {
    "last_name_fr": "El Ouardi",
    "first_name_fr": "Mohammed",
    "last_name_ar": "الوردي",
    "first_name_ar": "محمد",
    "sex": "M",
    "birth_date": "2013-04-17",
    "birth_place": "Rabat",
    "level": "1AC",
    "guardian_last_name": "El Ouardi",
    "guardian_first_name": "Said",
    "guardian_phone": "0661234567",
    "guardian_relation": "FATHER",
}


def test_new_child_gets_a_code_and_an_enrollment(client, personas):
    client.force_login(personas["director"])
    response = client.post("/students/register/", FORM)
    student = Student.objects.get(first_name_fr="Mohammed", last_name_fr="El Ouardi")
    assert response.url == f"/students/{student.pk}/"
    assert student.code_massar.startswith("D") and student.guardian_links.count() == 1
    enrollment = Enrollment.objects.get(student=student)
    assert enrollment.school.code == "04012B" and enrollment.level.code == "1AC"
    assert AuditEntry.objects.filter(action="student.register", object_id=str(student.pk)).exists()


def test_spelling_variant_is_shown_as_a_candidate_before_any_code(client, personas):
    client.force_login(personas["director"])
    client.post("/students/register/", FORM)
    before = Student.objects.count()
    variant = {
        **FORM,
        "first_name_fr": "Muhammad",
        "last_name_fr": "Al Wardi",
        "first_name_ar": "مُحمد",
    }
    page = client.post("/students/register/", variant).content.decode()
    assert 'data-testid="candidates"' in page and "El Ouardi Mohammed" in page
    assert Student.objects.count() == before


def test_director_links_to_the_existing_record(client, personas):
    existing = personas["other_school_student"]  # in the lycée; left it, say
    Enrollment.objects.filter(student=existing).update(status="LEFT")
    client.force_login(personas["director"])
    form = {
        **FORM,
        "last_name_fr": existing.last_name_fr,
        "first_name_fr": existing.first_name_fr,
        "last_name_ar": existing.last_name_ar,
        "first_name_ar": existing.first_name_ar,
        "sex": existing.sex,
        "birth_date": existing.birth_date.isoformat(),
        "level": "3AC",
    }
    before = Student.objects.count()
    response = client.post(
        "/students/register/", {**form, "action": "link", "candidate": existing.pk}
    )
    assert response.status_code == 302 and Student.objects.count() == before
    assert Enrollment.objects.filter(
        student=existing, school__code="04012B", status="ENROLLED"
    ).exists()
    entry = AuditEntry.objects.get(action="student.identity_linked", object_id=str(existing.pk))
    assert entry.actor == personas["director"] and entry.after["score"] >= 85


def test_a_child_enrolled_elsewhere_this_year_is_refused(client, personas):
    existing = personas["other_school_student"]  # enrolled in the lycée this year
    client.force_login(personas["director"])
    form = {
        **FORM,
        "last_name_fr": existing.last_name_fr,
        "first_name_fr": existing.first_name_fr,
        "last_name_ar": existing.last_name_ar,
        "first_name_ar": existing.first_name_ar,
        "sex": existing.sex,
        "birth_date": existing.birth_date.isoformat(),
        "level": "3AC",
        "action": "link",
        "candidate": existing.pk,
    }
    page = client.post("/students/register/", form).content.decode()
    assert "is already enrolled at" in page and "Ask for a transfer" in page
    assert Enrollment.objects.filter(student=existing).count() == 1


def test_confirming_a_new_identity_is_recorded(client, personas):
    client.force_login(personas["director"])
    client.post("/students/register/", FORM)
    first = Student.objects.get(first_name_fr="Mohammed", last_name_fr="El Ouardi")
    twin = {**FORM, "first_name_fr": "Mohamed", "first_name_ar": "محمد"}
    page = client.post("/students/register/", twin).content.decode()
    assert first.code_massar in page
    response = client.post("/students/register/", {**twin, "action": "new", "seen": [first.pk]})
    assert response.status_code == 302
    second = Student.objects.get(first_name_fr="Mohamed", last_name_fr="El Ouardi")
    entry = AuditEntry.objects.get(action="student.register", object_id=str(second.pk))
    assert entry.after["confirmed_new"] and entry.after["candidates"] == [first.pk]


def test_level_of_another_cycle_is_refused(client, personas):
    client.force_login(personas["director"])
    page = client.post("/students/register/", {**FORM, "level": "TC", "track": "TCS"})
    assert "does not teach level TC" in page.content.decode()
    assert not Student.objects.filter(last_name_fr="El Ouardi", first_name_fr="Mohammed").exists()


def test_teacher_and_other_roles_cannot_register(client, personas):
    for role in ("teacher", "guardian", "directorate"):
        client.force_login(personas[role])
        assert client.post("/students/register/", FORM).status_code == 403


def test_registration_through_the_api(client, personas):
    client.force_login(personas["director"])
    body = {
        **{k: v for k, v in FORM.items() if not k.startswith("guardian") and k != "level"},
        "school_id": personas["director"].role_assignments.get().school_id,
        "level": "1AC",
        "guardian": {
            "last_name_fr": "El Ouardi",
            "first_name_fr": "Said",
            "phone": "0661234567",
            "relation": "FATHER",
        },
    }
    first = client.post("/api/v1/students/register", body, content_type="application/json")
    assert first.status_code == 201
    again = client.post("/api/v1/students/register", body, content_type="application/json")
    assert again.status_code == 409 and again.json()["code"] == "likely_duplicate"
    assert again.json()["candidates"][0]["code_massar"] == first.json()["code_massar"]


@pytest.mark.django_db(transaction=True)
def test_two_offices_registering_one_child_at_once_end_with_one_record(personas):
    """Two sessions race through the duplicate check; the birth-date lock makes the second
    see the first's record and refuse."""
    data = {
        "last_name_fr": "Bakkali",
        "first_name_fr": "Youssef",
        "last_name_ar": "البقالي",
        "first_name_ar": "يوسف",
        "sex": "M",
        "birth_date": date(2012, 2, 29),
        "birth_place": "Salé",
    }
    barrier = threading.Barrier(2)
    outcomes = []

    def register():
        try:
            barrier.wait()
            student_register(actor=None, data=data, academy_code="04")
            outcomes.append("created")
        except RegistryError:
            outcomes.append("refused")
        finally:
            close_old_connections()

    threads = [threading.Thread(target=register) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["created", "refused"], (connection.vendor, outcomes)
    assert (
        Student.objects.filter(
            first_name_fr="Youssef", last_name_fr="Bakkali", birth_date=date(2012, 2, 29)
        ).count()
        == 1
    )
