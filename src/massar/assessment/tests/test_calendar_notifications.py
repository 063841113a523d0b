"""Moving or cancelling a test notifies the class: in-app rows for every student and guardian
with an account, e-mail/SMS copies through the channel (console by default), each in the
recipient's language; the notifications page, badge and API."""

import logging
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from massar.assessment.calendar_services import planned_test_cancel, planned_test_move
from massar.assessment.models import PlannedTest
from massar.core.channels.console import ConsoleChannel
from massar.core.models import Job, Notification, User
from massar.core.scopes import scope_for
from massar.enrollment.models import Enrollment, TeachingAssignment
from massar.registry.models import Guardian
from massar.schools.models import Semester

TODAY = timezone.localdate


@pytest.fixture(autouse=True)
def _clean_outbox():
    ConsoleChannel.sent.clear()
    yield
    ConsoleChannel.sent.clear()


def _test_for(assignment, number=1, days=5) -> PlannedTest:
    school_class = assignment.school_class
    semester = Semester.objects.get(year_id=school_class.year_id, number=1)
    semester.starts_on, semester.ends_on = TODAY() - timedelta(days=30), TODAY() + timedelta(90)
    semester.save(update_fields=["starts_on", "ends_on"])
    return PlannedTest.objects.create(
        school_id=school_class.school_id,
        school_class=school_class,
        subject=assignment.subject,
        semester=semester,
        number=number,
        date=TODAY() + timedelta(days=days),
    )


def _give_accounts(school_class_id, *, limit=None, language="fr"):
    """Accounts (and e-mail addresses) for the class's students and their guardians who have
    none, so that a notice has many people to reach. At most `limit` students."""
    enrollments = Enrollment.objects.filter(
        school_class_id=school_class_id, status="ENROLLED", student__user__isnull=True
    ).select_related("student")[:limit]
    for e in enrollments:
        user = User.objects.create(
            username=f"s{e.student_id}@taalim.ma",
            language=language,
            recovery_email=f"s{e.student_id}@example.ma",
        )
        type(e.student).objects.filter(pk=e.student_id).update(user=user)
        for link in e.student.guardian_links.select_related("guardian"):
            if link.guardian.user_id is None:
                g_user = User.objects.create(
                    username=f"g{link.guardian_id}@taalim.ma", language=language
                )
                Guardian.objects.filter(pk=link.guardian_id).update(user=g_user)


@pytest.fixture
def mine(personas):
    return (
        TeachingAssignment.objects.filter(teacher__user=personas["teacher"])
        .select_related("school_class", "subject", "teacher__user")
        .order_by("pk")
        .first()
    )


def _class_people(school_class_id):
    """Who the class's notice must reach, computed the slow, obvious way."""
    users, addresses = set(), set()
    enrollments = Enrollment.objects.filter(
        school_class_id=school_class_id, status="ENROLLED"
    ).select_related("student__user")
    for e in enrollments:
        if e.student.user:
            users.add(e.student.user_id)
            if e.student.user.recovery_email:
                addresses.add(("email", e.student.user.recovery_email))
        for link in e.student.guardian_links.select_related("guardian__user"):
            g = link.guardian
            if g.user_id:
                users.add(g.user_id)
            if g.email:
                addresses.add(("email", g.email))
            if g.phone:
                addresses.add(("sms", g.phone))
    return users, addresses


def test_moving_a_test_notifies_every_student_and_guardian_in_their_language(
    personas, mine, caplog
):
    _give_accounts(mine.school_class_id)
    users, addresses = _class_people(mine.school_class_id)
    assert len(users) > 20 and addresses
    # one guardian with an account and a phone reads Arabic; the others French
    arabic = (
        Guardian.objects.filter(
            links__student__enrollments__school_class=mine.school_class,
            user__isnull=False,
        )
        .exclude(phone="")
        .first()
    )
    User.objects.filter(pk=arabic.user_id).update(language="ar")
    test = _test_for(mine)
    teacher = personas["teacher"]
    new_day = TODAY() + timedelta(days=12)

    with caplog.at_level(logging.INFO, logger="massar.channels"):
        planned_test_move(scope=scope_for(teacher), actor=teacher, test=test, date=new_day)

    notes = Notification.objects.filter(kind="test.moved")
    assert set(notes.values_list("user_id", flat=True)) == users
    assert notes.count() == len(users)  # each person once, even a parent of two pupils
    assert {(m.channel, m.address) for m in ConsoleChannel.sent} == addresses
    assert len(ConsoleChannel.sent) == len(addresses)
    job = Job.objects.get(kind="notifications.deliver", status="DONE")
    assert job.result["sent"] and job.params == {"delivered": len(addresses)}  # no addresses kept
    # in the recipient's language: subject names and month names follow it
    subject = mine.subject
    ar_note = notes.get(user_id=arabic.user_id)
    assert subject.name_ar in ar_note.title and subject.name_fr not in ar_note.title
    fr_note = notes.filter(user__language="fr").first()
    assert subject.name_fr in fr_note.title
    ar_sms = next(m for m in ConsoleChannel.sent if m.address == arabic.phone)
    assert ar_sms.language == "ar" and subject.name_ar in ar_sms.text
    fr_sms = next(m for m in ConsoleChannel.sent if m.channel == "sms" and m.language == "fr")
    assert subject.name_fr in fr_sms.text
    # the console backend wrote every message to the log
    logged = [r.getMessage() for r in caplog.records if r.name == "massar.channels"]
    assert len(logged) == len(addresses)
    assert any(arabic.phone in line and subject.name_ar in line for line in logged)


def test_cancelling_notifies_with_the_reason(personas, mine):
    users, _ = _class_people(mine.school_class_id)
    test = _test_for(mine, number=2)
    director = personas["director"]
    planned_test_cancel(scope=scope_for(director), actor=director, test=test, reason="Sortie")
    notes = Notification.objects.filter(kind="test.cancelled")
    assert set(notes.values_list("user_id", flat=True)) == users
    assert all("Sortie" in n.body for n in notes)
    assert ConsoleChannel.sent and all("Sortie" in m.text for m in ConsoleChannel.sent)


def test_dispatch_runs_the_same_queries_whatever_the_class_size(personas, mine):
    """No per-recipient loop: moving a test of a big class costs what a small one does."""
    director = personas["director"]
    per_class = {}
    for a in (
        TeachingAssignment.objects.filter(school_id=mine.school_id)
        .exclude(school_class=mine.school_class)
        .select_related("school_class", "subject")
        .order_by("school_class_id", "pk")
    ):
        per_class.setdefault(a.school_class_id, a)
    small, big = list(per_class.values())[:2]
    assert small.school_class_id != big.school_class_id
    _give_accounts(small.school_class_id, limit=2)
    _give_accounts(big.school_class_id)
    sizes = [len(_class_people(a.school_class_id)[0]) for a in (small, big)]
    assert sizes[0] * 5 < sizes[1], sizes
    counts = []
    for assignment in (small, big):
        test = _test_for(assignment, number=3)
        scope = scope_for(director)
        with CaptureQueriesContext(connection) as queries:
            planned_test_move(
                scope=scope, actor=director, test=test, date=TODAY() + timedelta(days=20)
            )
        counts.append(len(queries.captured_queries))
    assert counts[0] == counts[1], counts


# --- the notifications page, badge and API ------------------------------------------------------
def _notify(user, n):
    Notification.objects.bulk_create(
        [Notification(user=user, kind="test", title=f"Notice {i}", url="/") for i in range(n)]
    )


def test_notifications_page_newest_first_paginated_with_constant_queries(
    client, personas, django_assert_max_num_queries
):
    student = personas["student"]
    client.force_login(student)
    _notify(student, 3)
    with django_assert_max_num_queries(10) as few:
        client.get("/notifications/")
    _notify(student, 40)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get("/notifications/")
    html = page.content.decode()
    assert html.count('data-testid="notification"') == 25  # one page
    assert html.count('data-unread="1"') == 25
    first = list(page.context["page"])[0]
    assert first == Notification.objects.filter(user=student).order_by("-created_at", "-pk")[0]
    assert 'data-testid="notifications-link"' in html
    # session, user, the capped count, and the session's last-seen stamp (3 with savepoints)
    with django_assert_max_num_queries(6):
        badge = client.get("/notifications/badge/").content.decode()
    assert 'data-testid="unread-badge"' in badge and ">43<" in badge
    assert (
        client.get("/notifications/?page=2").content.decode().count('data-testid="notification"')
        == 18
    )
    _notify(student, 100)
    assert ">99+<" in client.get("/notifications/badge/").content.decode()


def test_mark_one_and_all_read_and_the_badge(client, personas):
    guardian, student = personas["guardian"], personas["student"]
    _notify(guardian, 3)
    _notify(student, 1)
    theirs = Notification.objects.filter(user=student).first()
    client.force_login(guardian)
    one = Notification.objects.filter(user=guardian).first()
    assert client.post(f"/notifications/{one.pk}/read/").status_code == 302
    one.refresh_from_db()
    assert one.read_at is not None
    assert client.post(f"/notifications/{theirs.pk}/read/").status_code == 404
    badge = client.get("/notifications/badge/").content.decode()
    assert 'data-testid="unread-badge"' in badge and ">2<" in badge
    client.post("/notifications/read-all/")
    assert not Notification.objects.filter(user=guardian, read_at__isnull=True).exists()
    assert Notification.objects.filter(user=student, read_at__isnull=True).count() == 1
    assert 'data-testid="unread-badge"' not in client.get("/notifications/badge/").content.decode()


def test_notifications_api_list_read_and_read_all(client, personas, django_assert_max_num_queries):
    teacher, student = personas["teacher"], personas["student"]
    _notify(teacher, 5)
    _notify(student, 1)
    client.force_login(teacher)
    with django_assert_max_num_queries(8):
        listed = client.get("/api/v1/notifications/").json()
    assert listed["count"] == 5 and listed["unread"] == 5
    first = listed["items"][0]["id"]
    read = client.post(f"/api/v1/notifications/{first}/read")
    assert read.status_code == 200 and read.json()["read_at"]
    assert client.get("/api/v1/notifications/?unread=true").json()["count"] == 4
    theirs = Notification.objects.get(user=student)
    assert client.post(f"/api/v1/notifications/{theirs.pk}/read").status_code == 404
    assert client.post("/api/v1/notifications/read-all").json() == {"marked": 4}
    theirs.refresh_from_db()
    assert theirs.read_at is None
