"""Access-matrix rows of the spaces' messages part (pages under messages/ and announcements/,
API under api/v1/me/messages/ and api/v1/me/announcements).

Threads: the guardian persona's with the collège's administration (with a PDF attached), the
guardian's with the teacher persona, another family's with the administration, and one at the
lycée. The guardian reaches their two, the collège's director and staff the administration's
threads of the collège, the teacher only the one addressed to them; students and the
territories have no messages (403). Writes that get through carry an empty text or title, so
the service refuses them (nothing written) after the access checks."""

from django.core.files.base import ContentFile

from massar.core.tests.access import Case, expect
from massar.portal.models import Announcement, Attachment, Message, Thread
from massar.portal.tests.access_rows_appointments import (
    college_child,
    other_parent,
    school_id,
    teacher_member,
)

SIDES = {"guardian": 200, "director": 200, "staff": 200, "teacher": 200}
READERS = {**SIDES, "student": 200}
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _thread(*, school: str, student, guardian_user, teacher=None, subject="Sujet") -> Thread:
    thread = Thread.objects.create(
        school_id=school_id(school),
        student=student,
        guardian_user=guardian_user,
        teacher=teacher,
        subject=subject,
    )
    Message.objects.create(thread=thread, author=guardian_user, body="Bonjour")
    return thread


def threads(p) -> dict[str, Thread]:
    return {
        "admin": _thread(school="04012B", student=college_child(p), guardian_user=p["guardian"]),
        "teacher": _thread(
            school="04012B",
            student=college_child(p),
            guardian_user=p["guardian"],
            teacher=teacher_member(p),
        ),
        "theirs": _thread(
            school="04012B", student=p["other_family_student"], guardian_user=other_parent()
        ),
        "far": _thread(
            school="04021C", student=p["other_school_student"], guardian_user=other_parent()
        ),
    }


def attach(thread: Thread) -> Attachment:
    message = thread.messages.order_by("pk").first()
    attachment = Attachment(
        message=message, name="bulletin.pdf", content_type="application/pdf", size=len(PDF)
    )
    attachment.file.save("attachment.pdf", ContentFile(PDF), save=False)
    attachment.save()
    return attachment


# who reaches each thread, beyond the 403 of the roles without messages
REACH = {
    "admin": {**SIDES, "teacher": 404},
    "teacher": {**SIDES, "director": 404, "staff": 404},
    "theirs": {**SIDES, "guardian": 404, "teacher": 404},
    "far": {**SIDES, "guardian": 404, "director": 404, "staff": 404, "teacher": 404},
}


def _list(p):
    return [
        Case("/messages/", expect(403, anon=302, **SIDES)),
        Case("/api/v1/me/messages/threads", expect(403, anon=401, **SIDES)),
    ]


def _new(p):
    child, other = college_child(p), p["other_family_student"]
    return [
        Case("/messages/new/", expect(403, anon=302, guardian=200)),
        Case(f"/messages/new/?child={child.pk}", expect(403, anon=302, guardian=200)),
        Case(f"/messages/new/?child={other.pk}", expect(403, anon=302, guardian=404)),
        Case(
            "/messages/new/",
            expect(403, anon=302, guardian=404),
            method="post",
            data={"child": other.pk, "teacher": 0, "subject": "Intrusion", "body": "Bonjour"},
        ),
        Case(
            "/api/v1/me/messages/threads",
            expect(403, anon=401, guardian=404),
            method="post",
            data={"student_id": other.pk, "subject": "Intrusion", "body": "Bonjour"},
        ),
        # the guardian's own child, an empty text: refused by the service
        Case(
            "/api/v1/me/messages/threads",
            expect(403, anon=401, guardian=400),
            method="post",
            data={"student_id": child.pk, "subject": "Sujet", "body": "  "},
        ),
    ]


def _detail(p):
    out = []
    for name, thread in threads(p).items():
        reach = REACH[name]
        out += [
            Case(f"/messages/{thread.pk}/", expect(403, anon=302, **reach)),
            Case(f"/api/v1/me/messages/threads/{thread.pk}", expect(403, anon=401, **reach)),
            # an empty reply: the form re-renders (200) for whoever reaches the thread
            Case(
                f"/messages/{thread.pk}/",
                expect(403, anon=302, **reach),
                method="post",
                data={"body": ""},
            ),
            Case(
                f"/api/v1/me/messages/threads/{thread.pk}/messages",
                expect(403, anon=401, **{k: 400 if v == 200 else v for k, v in reach.items()}),
                method="post",
                data={"body": "  "},
            ),
        ]
    return out


def _attachment(p):
    out = []
    for name, thread in threads(p).items():
        attachment = attach(thread)
        out += [
            Case(
                f"/messages/attachments/{attachment.pk}/",
                expect(403, anon=302, **REACH[name]),
            ),
            Case(
                f"/api/v1/me/messages/attachments/{attachment.pk}",
                expect(403, anon=401, **REACH[name]),
            ),
        ]
    return out


def _board(p):
    far = Announcement.objects.create(school_id=school_id("04021C"), title="Lycée", body="Texte")
    return [
        Case("/announcements/", expect(403, anon=302, **READERS)),
        Case("/api/v1/me/announcements", expect(403, anon=401, **READERS)),
        # an empty title: refused after the access checks
        Case(
            "/announcements/new/",
            expect(403, anon=302, director=302, staff=302),
            method="post",
            data={"audience": "school", "title": "", "body": "Texte"},
        ),
        Case(
            "/api/v1/me/announcements",
            expect(403, anon=401, director=400, staff=400),
            method="post",
            json=True,
            data={"title": " ", "body": "Texte"},
        ),
        # another school's notice: not the collège's to remove
        Case(
            f"/announcements/{far.pk}/delete/",
            expect(403, anon=302, director=404, staff=404),
            method="post",
        ),
        Case(
            f"/api/v1/me/announcements/{far.pk}/delete",
            expect(403, anon=401, director=404, staff=404),
            method="post",
        ),
    ]


ROWS = {
    "messages/": _list,
    "messages/new/": _new,
    "messages/<int:thread_id>/": _detail,
    "messages/attachments/<int:attachment_id>/": _attachment,
    "announcements/": _board,
    # with the pages above
    "announcements/new/": lambda p: [],
    "announcements/<int:announcement_id>/delete/": lambda p: [],
    "api/v1/me/messages/threads": lambda p: [],
    "api/v1/me/messages/threads/<int:thread_id>": lambda p: [],
    "api/v1/me/messages/threads/<int:thread_id>/messages": lambda p: [],
    "api/v1/me/messages/attachments/<int:attachment_id>": lambda p: [],
    "api/v1/me/announcements": lambda p: [],
    "api/v1/me/announcements/<int:announcement_id>/delete": lambda p: [],
}
