"""Appointments: a guardian asks the director or one of their child's teachers, the school
answers, both sides are notified; double submits, other families' children and foreign
requests are refused; lists run a constant number of queries."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from massar.core.models import AuditEntry, Notification
from massar.core.scopes import scope_for
from massar.portal import appointments_services as services
from massar.portal.models import Appointment
from massar.portal.tests.access_rows_appointments import (
    college_child,
    other_parent,
    school_id,
    teacher_member,
)
from massar.staff.models import StaffMember

pytestmark = pytest.mark.django_db


def _client(user, language="en") -> Client:
    client = Client(headers={"accept-language": language})
    client.force_login(user)
    return client


def _request(p, **kw) -> Appointment:
    appointment, _created = services.appointment_request(
        actor=p["guardian"],
        scope=scope_for(p["guardian"]),
        student_id=kw.pop("student_id", college_child(p).pk),
        teacher_id=kw.pop("teacher_id", teacher_member(p).pk),
        reason=kw.pop("reason", "Parler des devoirs"),
        preferred_slots=kw.pop("preferred_slots", "Lundi après 16 h"),
    )
    return appointment


def test_guardian_requests_a_meeting_with_the_childs_teacher_who_is_notified(personas):
    p = personas
    response = _client(p["guardian"]).post(
        "/appointments/new/",
        {
            "child": college_child(p).pk,
            "teacher": teacher_member(p).pk,
            "reason": "Parler des devoirs",
            "preferred_slots": "Lundi",
        },
    )
    appointment = Appointment.objects.get(requested_by=p["guardian"])
    assert response.status_code == 302
    assert response.url == f"/appointments/{appointment.pk}/"
    assert appointment.status == "REQUESTED"
    assert appointment.school_id == school_id("04012B")
    assert appointment.teacher_id == teacher_member(p).pk
    assert Notification.objects.filter(
        user=p["teacher"], kind="appointment.requested", url=f"/appointments/{appointment.pk}/"
    ).exists()
    assert AuditEntry.objects.filter(action="appointment.request", object_id=appointment.pk)


def test_request_with_the_director_notifies_the_schools_office(personas):
    p = personas
    appointment = _request(p, teacher_id=None)
    assert appointment.teacher_id is None
    notified = set(
        Notification.objects.filter(kind="appointment.requested").values_list("user", flat=True)
    )
    assert {p["director"].pk, p["staff"].pk} <= notified
    assert p["teacher"].pk not in notified


def test_a_double_submit_makes_one_request(personas):
    p = personas
    client = _client(p["guardian"])
    data = {"child": college_child(p).pk, "teacher": 0, "reason": "Comportement"}
    first = client.post("/appointments/new/", data)
    second = client.post("/appointments/new/", data, follow=True)
    assert Appointment.objects.filter(requested_by=p["guardian"]).count() == 1
    assert first.url == second.redirect_chain[-1][0]
    assert "already been sent" in second.content.decode()
    # through the API as well: 201 then 200 with the same request
    api = _client(p["guardian"])
    body = {"student_id": college_child(p).pk, "reason": "Orientation"}
    r1 = api.post("/api/v1/me/appointments", body, content_type="application/json")
    r2 = api.post("/api/v1/me/appointments", body, content_type="application/json")
    assert (r1.status_code, r2.status_code) == (201, 200)
    assert r1.json()["id"] == r2.json()["id"]
    assert Appointment.objects.filter(requested_by=p["guardian"]).count() == 2


def test_the_same_reason_later_is_a_new_request(personas):
    p = personas
    first = _request(p)
    Appointment.objects.filter(pk=first.pk).update(
        created_at=timezone.now() - services.DUPLICATE_WINDOW - timedelta(minutes=1)
    )
    assert _request(p).pk != first.pk


def test_guardian_cannot_request_for_another_familys_child(personas):
    p = personas
    client = _client(p["guardian"])
    other = p["other_family_student"]
    response = client.post(
        "/appointments/new/", {"child": other.pk, "teacher": 0, "reason": "Intrusion"}
    )
    assert response.status_code == 404
    api = client.post(
        "/api/v1/me/appointments",
        {"student_id": other.pk, "reason": "Intrusion"},
        content_type="application/json",
    )
    assert api.status_code == 404
    assert api.json()["code"] == "not_found"
    assert not Appointment.objects.exists()


def test_a_teacher_who_does_not_teach_the_child_cannot_be_asked(personas):
    p = personas
    outsider = StaffMember.objects.exclude(
        teaching_assignments__school_class__enrollments__student=college_child(p)
    ).first()
    with pytest.raises(services.AppointmentError) as exc:
        _request(p, teacher_id=outsider.pk)
    assert exc.value.code == "not_a_teacher_of_the_child"
    assert not Appointment.objects.exists()


def test_targets_are_the_director_and_the_childs_teachers(personas):
    p = personas
    response = _client(p["guardian"]).get(
        f"/api/v1/me/appointments/targets?student_id={college_child(p).pk}"
    )
    assert response.status_code == 200
    targets = response.json()
    assert targets[0]["teacher_id"] is None
    assert teacher_member(p).pk in {t["teacher_id"] for t in targets}


def test_teacher_accepts_with_a_time_and_the_guardian_is_notified(personas):
    p = personas
    appointment = _request(p)
    when = (timezone.localtime() + timedelta(days=3)).replace(second=0, microsecond=0)
    response = _client(p["teacher"]).post(
        f"/appointments/{appointment.pk}/accept/",
        {"scheduled_at": when.strftime("%Y-%m-%dT%H:%M")},
    )
    assert response.status_code == 302
    appointment.refresh_from_db()
    assert appointment.status == "ACCEPTED"
    assert appointment.scheduled_at == when
    assert appointment.decided_by == p["teacher"]
    note = Notification.objects.get(user=p["guardian"], kind="appointment.accepted")
    assert when.strftime("%d/%m/%Y %H:%M") in note.body
    # answered once: a second answer is refused
    again = _client(p["director"]).post(
        f"/api/v1/me/appointments/{appointment.pk}/decline",
        {"reason": "Trop tard"},
        content_type="application/json",
    )
    assert again.status_code == 409
    assert again.json()["code"] == "already_decided"


def test_director_declines_with_a_reason_in_the_guardians_language(personas):
    p = personas
    p["guardian"].language = "ar"
    p["guardian"].save(update_fields=["language"])
    appointment = _request(p, teacher_id=None)
    response = _client(p["director"]).post(
        f"/api/v1/me/appointments/{appointment.pk}/decline",
        {"reason": "Le directeur est en mission"},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert response.json()["status"] == "DECLINED"
    note = Notification.objects.get(user=p["guardian"], kind="appointment.declined")
    assert "Le directeur est en mission" in note.body
    # refusing needs a reason, accepting a future time
    other = _request(p, reason="Autre sujet")
    empty = _client(p["director"]).post(
        f"/api/v1/me/appointments/{other.pk}/decline",
        {"reason": " "},
        content_type="application/json",
    )
    past = _client(p["director"]).post(
        f"/api/v1/me/appointments/{other.pk}/accept",
        {"scheduled_at": (timezone.now() - timedelta(hours=1)).isoformat()},
        content_type="application/json",
    )
    assert (empty.json()["code"], past.json()["code"]) == ("reason_required", "time_in_past")
    other.refresh_from_db()
    assert other.status == "REQUESTED"


def test_guessed_ids_of_another_family_or_school_give_404(personas):
    p = personas
    theirs = Appointment.objects.create(
        school_id=school_id("04012B"),
        student=p["other_family_student"],
        requested_by=other_parent(),
        reason="Autre famille",
    )
    far = Appointment.objects.create(
        school_id=school_id("04021C"),
        student=p["other_school_student"],
        requested_by=other_parent(),
        reason="Autre école",
    )
    guardian, director, teacher = (_client(p[r]) for r in ("guardian", "director", "teacher"))
    assert guardian.get(f"/appointments/{theirs.pk}/").status_code == 404
    assert guardian.get(f"/api/v1/me/appointments/{theirs.pk}").status_code == 404
    assert teacher.get(f"/appointments/{theirs.pk}/").status_code == 404
    assert director.get(f"/appointments/{far.pk}/").status_code == 404
    assert (
        director.post(
            f"/api/v1/me/appointments/{far.pk}/decline",
            {"reason": "Non"},
            content_type="application/json",
        ).status_code
        == 404
    )
    far.refresh_from_db()
    assert far.status == "REQUESTED"
    listed = guardian.get("/api/v1/me/appointments").json()
    assert listed["count"] == 0


def _many(p, n: int) -> None:
    child, teacher = college_child(p), teacher_member(p)
    Appointment.objects.bulk_create(
        Appointment(
            school_id=child_school,
            student=child,
            requested_by=p["guardian"],
            teacher=teacher if i % 2 else None,
            reason=f"Sujet {i}",
        )
        for i in range(n)
        for child_school in [school_id("04012B")]
    )


@pytest.mark.parametrize("role", ["guardian", "director", "teacher"])
def test_lists_run_a_constant_number_of_queries(personas, role, django_assert_max_num_queries):
    p = personas
    client = _client(p[role])
    _many(p, 2)
    client.get("/appointments/")  # warm the session and the caches
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        assert client.get("/appointments/").status_code == 200
        assert client.get("/api/v1/me/appointments").status_code == 200
    _many(p, 40)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get("/appointments/")
        api = client.get("/api/v1/me/appointments")
    assert page.status_code == 200
    assert api.json()["count"] >= 21


@pytest.mark.parametrize("language,direction", [("ar", "rtl"), ("fr", "ltr")])
def test_pages_render_in_arabic_and_french(personas, language, direction):
    p = personas
    appointment = _request(p)
    guardian, teacher = _client(p["guardian"], language), _client(p["teacher"], language)
    for client, url in (
        (guardian, "/appointments/"),
        (guardian, f"/appointments/new/?child={college_child(p).pk}"),
        (guardian, f"/appointments/{appointment.pk}/"),
        (teacher, f"/appointments/{appointment.pk}/"),
    ):
        response = client.get(url)
        html = response.content.decode()
        assert response.status_code == 200
        assert f'dir="{direction}"' in html
        assert "<script>" not in html and "style=" not in html
        assert len(response.content) < 200_000
    assert (
        'data-testid="accept-form"'
        in teacher.get(f"/appointments/{appointment.pk}/").content.decode()
    )


def test_guardian_cancels_their_request_and_the_school_is_told(personas):
    p = personas
    appointment = _request(p)
    page = _client(p["guardian"]).get(f"/appointments/{appointment.pk}/").content.decode()
    assert 'data-testid="cancel-form"' in page
    assert _client(p["director"]).post(f"/appointments/{appointment.pk}/cancel/").status_code == 403
    response = _client(p["guardian"]).post(f"/appointments/{appointment.pk}/cancel/")
    assert response.status_code == 302
    appointment.refresh_from_db()
    assert appointment.status == "CANCELLED"
    assert Notification.objects.filter(user=p["teacher"], kind="appointment.cancelled").exists()
    again = _client(p["guardian"]).post(f"/api/v1/me/appointments/{appointment.pk}/cancel")
    assert (again.status_code, again.json()["code"]) == (409, "not_open")
    # a cancelled request no longer blocks the same one
    assert _request(p).pk != appointment.pk
