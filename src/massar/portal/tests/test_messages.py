"""Messages: threads between a guardian and the school (or a teacher where the school allows
it), attachments checked by their first bytes and their size and served only through an
access-checked view, read receipts and unread counts; the announcement board by school,
level and class."""

from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from massar.core.models import Notification
from massar.core.scopes import scope_for
from massar.enrollment.models import Enrollment
from massar.portal import messages_services as services
from massar.portal.models import Announcement, Attachment, Message, SchoolServices, Thread
from massar.portal.tests.access_rows_appointments import (
    college_child,
    other_parent,
    school_id,
    teacher_member,
)
from massar.portal.tests.access_rows_messages import PDF, attach, threads

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64


def _client(user, language="en") -> Client:
    client = Client(headers={"accept-language": language})
    client.force_login(user)
    return client


def _stored_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT) / "messages"
    return [f for f in root.rglob("*") if f.is_file()] if root.exists() else []


def _start(client, p, files=(), **data):
    payload = {
        "child": college_child(p).pk,
        "teacher": 0,
        "subject": "Absence de lundi",
        "body": "Mon fils était malade.",
        **data,
    }
    if files:
        payload["files"] = list(files)
    return client.post("/messages/new/", payload)


def test_guardian_writes_to_the_school_with_a_pdf_that_only_its_readers_can_download(personas):
    p = personas
    response = _start(_client(p["guardian"]), p, files=[SimpleUploadedFile("certificat.pdf", PDF)])
    thread = Thread.objects.get(guardian_user=p["guardian"])
    assert response.status_code == 302
    assert thread.teacher_id is None and thread.school_id == school_id("04012B")
    attachment = Attachment.objects.get(message__thread=thread)
    assert attachment.content_type == "application/pdf"
    assert attachment.name == "certificat.pdf"
    assert Path(attachment.file.path).is_relative_to(Path(settings.MEDIA_ROOT))
    assert Notification.objects.filter(user=p["director"], kind="message.new").exists()

    url = f"/messages/attachments/{attachment.pk}/"
    for role in ("guardian", "director", "staff"):
        got = _client(p[role]).get(url)
        assert got.status_code == 200
        assert b"".join(got.streaming_content) == PDF
        assert got["Content-Type"] == "application/pdf"
        assert got["X-Content-Type-Options"] == "nosniff"
        assert "attachment" in got["Content-Disposition"]
    assert _client(p["teacher"]).get(url).status_code == 404
    assert _client(p["student"]).get(url).status_code == 403
    assert Client().get(url).status_code == 302
    # the stored file's name is neutral; the media URL is never shown
    page = _client(p["guardian"]).get(f"/messages/{thread.pk}/").content.decode()
    assert url in page and attachment.file.name not in page


@pytest.mark.parametrize(
    "name,content,code",
    [
        ("grand.pdf", b"%PDF-1.4\n" + b"0" * (5 * 1024 * 1024), "attachment_too_big"),
        ("programme.pdf", b"MZ\x90\x00\x03" + b"\x00" * 200, "attachment_type"),
        ("photo.png", b"<html><script>alert(1)</script></html>", "attachment_type"),
        ("photo.jpg", PNG, "attachment_type"),
        ("notes.txt", b"hello", "attachment_type"),
    ],
)
def test_oversized_or_disguised_files_are_refused_and_nothing_is_stored(
    personas, name, content, code
):
    p = personas
    before = set(_stored_files())  # files of earlier tests stay on disk (their rows do not)
    response = _start(_client(p["guardian"]), p, files=[SimpleUploadedFile(name, content)])
    assert response.status_code == 200
    html = response.content.decode()
    assert name in html
    assert ("larger than 5 MB" in html) == (code == "attachment_too_big")
    assert ("not a PDF, PNG or JPEG" in html) == (code == "attachment_type")
    assert not Thread.objects.exists() and not Message.objects.exists()
    assert not Attachment.objects.exists() and set(_stored_files()) == before
    # the API answers the same, with a stable code
    api = _client(p["guardian"]).post(
        "/api/v1/me/messages/threads",
        {
            "student_id": college_child(p).pk,
            "subject": "Sujet",
            "body": "Texte",
            "files": SimpleUploadedFile(name, content),
        },
    )
    assert api.status_code == 400
    assert api.json()["code"] == code
    assert not Thread.objects.exists() and set(_stored_files()) == before


def test_png_and_jpeg_replies_are_accepted_through_the_api(personas):
    p = personas
    thread = threads(p)["admin"]
    response = _client(p["director"]).post(
        f"/api/v1/me/messages/threads/{thread.pk}/messages",
        {
            "body": "Voici les documents.",
            "files": [SimpleUploadedFile("a.png", PNG), SimpleUploadedFile("b.jpeg", JPEG)],
        },
    )
    assert response.status_code == 201
    out = response.json()
    assert out["from_school"] is True and out["mine"] is True
    assert [a["content_type"] for a in out["attachments"]] == ["image/png", "image/jpeg"]
    got = _client(p["guardian"]).get(out["attachments"][0]["url"])
    assert got.status_code == 200 and b"".join(got.streaming_content) == PNG
    assert Notification.objects.filter(user=p["guardian"], kind="message.new").exists()


def test_read_receipts_and_unread_counts(personas):
    p = personas
    guardian, director = _client(p["guardian"]), _client(p["director"])
    _start(guardian, p)
    thread = Thread.objects.get(guardian_user=p["guardian"])
    first = thread.messages.get()
    # the school has one unread message; the guardian none
    listed = director.get("/api/v1/me/messages/threads").json()
    assert [(t["id"], t["unread"]) for t in listed["items"]] == [(thread.pk, 1)]
    assert listed["unread_total"] == 1
    assert guardian.get("/api/v1/me/messages/threads").json()["items"][0]["unread"] == 0
    # the guardian's own view: not read yet
    assert "Not read yet" in guardian.get(f"/messages/{thread.pk}/").content.decode()
    # the director opens the thread: the guardian's message is read; the director replies
    assert director.get(f"/messages/{thread.pk}/").status_code == 200
    first.refresh_from_db()
    assert first.read_at is not None
    director.post(f"/messages/{thread.pk}/", {"body": "Bien reçu, merci."})
    reply = thread.messages.get(from_school=True)
    assert reply.read_at is None
    page = guardian.get("/messages/").content.decode()
    assert "1 unread" in page
    detail = guardian.get(f"/api/v1/me/messages/threads/{thread.pk}").json()
    mine = [m for m in detail["messages"] if m["mine"]]
    assert mine[0]["read_at"] is not None  # the receipt, shown to its author
    reply.refresh_from_db()
    assert reply.read_at is not None
    assert director.get("/api/v1/me/messages/threads").json()["unread_total"] == 0


def test_teachers_receive_messages_only_where_the_school_allows_it(personas):
    p = personas
    guardian = _client(p["guardian"])
    teacher_id = teacher_member(p).pk
    closed = _start(guardian, p, teacher=teacher_id)
    assert closed.status_code == 200  # the choice is not offered
    assert not Thread.objects.exists()
    with pytest.raises(services.MessageError) as exc:
        services.thread_start(
            actor=p["guardian"],
            scope=scope_for(p["guardian"]),
            student_id=college_child(p).pk,
            teacher_id=teacher_id,
            subject="Sujet",
            body="Texte",
        )
    assert exc.value.code == "teachers_closed"

    SchoolServices.objects.update_or_create(
        school_id=school_id("04012B"), defaults={"teachers_in_messages": True}
    )
    assert _start(guardian, p, teacher=teacher_id).status_code == 302
    thread = Thread.objects.get(teacher_id=teacher_id)
    assert Notification.objects.filter(user=p["teacher"], kind="message.new").exists()
    assert _client(p["teacher"]).get(f"/messages/{thread.pk}/").status_code == 200
    assert _client(p["director"]).get(f"/messages/{thread.pk}/").status_code == 404
    teacher_list = _client(p["teacher"]).get("/api/v1/me/messages/threads").json()
    assert [t["id"] for t in teacher_list["items"]] == [thread.pk]


def test_guessed_ids_of_another_family_give_404_and_write_nothing(personas):
    p = personas
    all_threads = threads(p)
    theirs = all_threads["theirs"]
    attachment = attach(theirs)
    guardian = _client(p["guardian"])
    assert guardian.get(f"/messages/{theirs.pk}/").status_code == 404
    assert guardian.get(f"/api/v1/me/messages/threads/{theirs.pk}").status_code == 404
    assert guardian.get(f"/messages/attachments/{attachment.pk}/").status_code == 404
    assert guardian.get(f"/api/v1/me/messages/attachments/{attachment.pk}").status_code == 404
    assert guardian.post(f"/messages/{theirs.pk}/", {"body": "Intrusion"}).status_code == 404
    assert (
        guardian.post(
            "/messages/new/",
            {"child": p["other_family_student"].pk, "subject": "x", "body": "Intrusion"},
        ).status_code
        == 404
    )
    assert not Message.objects.filter(body="Intrusion").exists()
    far = all_threads["far"]
    assert _client(p["director"]).get(f"/messages/{far.pk}/").status_code == 404
    ids = {t["id"] for t in guardian.get("/api/v1/me/messages/threads").json()["items"]}
    assert ids == {all_threads["admin"].pk, all_threads["teacher"].pk}
    assert other_parent().pk not in {t.guardian_user_id for t in Thread.objects.filter(pk__in=ids)}


def _many_threads(p, n: int) -> None:
    child = college_child(p)
    for i in range(n):
        thread = Thread.objects.create(
            school_id=school_id("04012B"),
            student=child,
            guardian_user=p["guardian"],
            subject=f"S{i}",
        )
        Message.objects.bulk_create(
            [
                Message(thread=thread, author=p["guardian"], body="a"),
                Message(thread=thread, author=p["director"], body="b", from_school=True),
            ]
        )
        attach(thread)


@pytest.mark.parametrize("role", ["guardian", "director"])
def test_thread_pages_run_a_constant_number_of_queries(
    personas, role, django_assert_max_num_queries
):
    p = personas
    client = _client(p[role])
    _many_threads(p, 2)
    first = Thread.objects.order_by("pk").first()
    client.get("/messages/")
    with CaptureQueriesContext(connection) as few:
        client.get("/messages/")
        client.get("/api/v1/me/messages/threads")
        client.get(f"/messages/{first.pk}/")
        client.get(f"/api/v1/me/messages/threads/{first.pk}")
    _many_threads(p, 30)
    for _ in range(20):
        Message.objects.create(thread=first, author=p["guardian"], body="encore")
        attach(first)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get("/messages/")
        client.get("/api/v1/me/messages/threads")
        client.get(f"/messages/{first.pk}/")
        detail = client.get(f"/api/v1/me/messages/threads/{first.pk}")
    assert len(detail.json()["messages"]) == 22


@pytest.mark.parametrize("language,direction", [("ar", "rtl"), ("fr", "ltr")])
def test_message_pages_render_in_arabic_and_french(personas, language, direction):
    p = personas
    thread = threads(p)["admin"]
    attach(thread)
    guardian = _client(p["guardian"], language)
    for url in ("/messages/", "/messages/new/", f"/messages/{thread.pk}/", "/announcements/"):
        response = guardian.get(url)
        html = response.content.decode()
        assert response.status_code == 200
        assert f'dir="{direction}"' in html
        assert "<script>" not in html and "style=" not in html
        assert len(response.content) < 200_000


# --- announcements ------------------------------------------------------------------------
def test_board_shows_each_reader_the_notices_of_their_school_level_and_class(personas):
    p = personas
    mine = Enrollment.objects.get(student=p["own_student"], year__is_current=True)
    director = _client(p["director"])
    posted = [
        director.post(
            "/announcements/new/", {"audience": audience, "title": title, "body": "Texte"}
        )
        for audience, title in (
            ("school", "Réunion des parents"),
            (f"level:{mine.level_id}", "Sortie du niveau"),
            (f"class:{mine.school_class_id}", "Contrôle de la classe"),
        )
    ]
    assert [r.status_code for r in posted] == [302, 302, 302]
    other_class = (
        Enrollment.objects.filter(school__code="04012B", year__is_current=True)
        .exclude(school_class_id=mine.school_class_id)
        .exclude(level_id=mine.level_id)
        .values_list("school_class_id", "level_id")
        .first()
    )
    Announcement.objects.create(
        school_id=school_id("04012B"),
        school_class_id=other_class[0],
        title="Autre classe",
        body="x",
    )
    Announcement.objects.create(
        school_id=school_id("04012B"), level_id=other_class[1], title="Autre niveau", body="x"
    )
    Announcement.objects.create(school_id=school_id("04021C"), title="Lycée", body="x")

    def titles(role):
        items = _client(p[role]).get("/api/v1/me/announcements").json()["items"]
        return {a["title"] for a in items}

    ours = {"Réunion des parents", "Sortie du niveau", "Contrôle de la classe"}
    assert titles("student") == ours
    # the guardian's children: one at this collège (same class as the student), one elsewhere
    assert ours <= titles("guardian") and "Lycée" not in titles("guardian")
    assert "Autre classe" not in titles("guardian")
    assert titles("teacher") == ours | {"Autre classe", "Autre niveau"}
    assert titles("director") == ours | {"Autre classe", "Autre niveau"}
    assert "Contrôle de la classe" in _client(p["student"]).get("/announcements/").content.decode()


def test_only_the_schools_office_publishes_and_removes_notices(personas):
    p = personas
    for role in ("teacher", "student", "guardian"):
        response = _client(p[role]).post(
            "/announcements/new/", {"audience": "school", "title": "Pirate", "body": "x"}
        )
        assert response.status_code == 403
    assert not Announcement.objects.exists()
    staff = _client(p["staff"])
    created = staff.post(
        "/api/v1/me/announcements",
        {"title": "Vacances", "body": "Du 1er au 9 novembre"},
        content_type="application/json",
    )
    assert created.status_code == 201
    pk = created.json()["id"]
    assert _client(p["other_director"]).post(f"/announcements/{pk}/delete/").status_code == 404
    assert staff.post(f"/announcements/{pk}/delete/").status_code == 302
    assert not Announcement.objects.filter(pk=pk).exists()


@pytest.mark.parametrize("role", ["guardian", "student", "director"])
def test_board_runs_a_constant_number_of_queries(personas, role, django_assert_max_num_queries):
    p = personas
    client = _client(p[role])
    mine = Enrollment.objects.get(student=p["own_student"], year__is_current=True)

    def post(n):
        Announcement.objects.bulk_create(
            Announcement(
                school_id=mine.school_id,
                school_class_id=mine.school_class_id if i % 2 else None,
                title=f"Note {i}",
                body="x",
            )
            for i in range(n)
        )

    post(2)
    client.get("/announcements/")
    with CaptureQueriesContext(connection) as few:
        client.get("/announcements/")
        client.get("/api/v1/me/announcements")
    post(40)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get("/announcements/")
        api = client.get("/api/v1/me/announcements")
    assert page.status_code == 200 and api.json()["count"] == 42
