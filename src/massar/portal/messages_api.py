"""API of the spaces' messages part (mounted under /api/v1/me/): threads with unread counts,
messages with read receipts and attachments (multipart uploads, access-checked downloads),
and the announcement board."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from massar.core.i18n import pick
from massar.core.paging import CappedPaginator
from massar.core.scopes import scope_for
from massar.portal import messages_selectors as sel
from massar.portal import messages_services as services
from massar.portal.appointments_views import person_name

router = Router(tags=["spaces"])
PAGE_SIZE = 50
SIDES = ("GUARDIAN", "DIRECTOR", "STAFF", "TEACHER")
BOARD_READERS = ("DIRECTOR", "STAFF", "TEACHER", "STUDENT", "GUARDIAN")


class ErrorOut(Schema):
    code: str
    message: str


class ThreadOut(Schema):
    id: int
    school: str
    student_id: int | None
    student: str
    teacher_id: int | None
    teacher: str | None  # null: the school's administration
    subject: str
    last_message_at: datetime
    unread: int


class ThreadPageOut(Schema):
    count: int
    capped: bool
    unread_total: int
    page: int
    pages: int | None
    items: list[ThreadOut]


class AttachmentOut(Schema):
    id: int
    name: str
    content_type: str
    size: int
    url: str


class MessageOut(Schema):
    id: int
    from_school: bool
    mine: bool
    body: str
    created_at: datetime
    read_at: datetime | None  # by the other side: the author's read receipt
    attachments: list[AttachmentOut]


class ThreadDetailOut(ThreadOut):
    messages: list[MessageOut]


class AnnouncementOut(Schema):
    id: int
    school: str
    level_id: int | None
    class_id: int | None
    audience: str
    title: str
    body: str
    published_at: datetime


class AnnouncementPageOut(Schema):
    count: int
    capped: bool
    page: int
    pages: int | None
    items: list[AnnouncementOut]


class AnnouncementIn(Schema):
    title: str
    body: str
    level_id: int | None = None
    class_id: int | None = None


class DeletedOut(Schema):
    deleted: bool


ERRORS = {400: ErrorOut, 403: ErrorOut}


def _scope(request, *roles):
    scope = scope_for(request.user)
    if not scope.has(*roles):
        raise PermissionDenied
    return scope


def _thread(t, unread: int | None = None) -> dict:
    return {
        "id": t.pk,
        "school": t.school.code,
        "student_id": t.student_id,
        "student": person_name(t.student),
        "teacher_id": t.teacher_id,
        "teacher": person_name(t.teacher) or None,
        "subject": t.subject,
        "last_message_at": t.last_message_at,
        "unread": getattr(t, "unread", 0) if unread is None else unread,
    }


def _messages(thread, user) -> list[dict]:
    as_guardian = thread.guardian_user_id == user.pk
    return [
        {
            "id": m.pk,
            "from_school": m.from_school,
            "mine": m.from_school != as_guardian,
            "body": m.body,
            "created_at": m.created_at,
            "read_at": m.read_at,
            "attachments": [
                {
                    "id": f.pk,
                    "name": f.name,
                    "content_type": f.content_type,
                    "size": f.size,
                    "url": f"/api/v1/me/messages/attachments/{f.pk}",
                }
                for f in m.attachments.all()
            ],
        }
        for m in sel.thread_messages(thread)
    ]


@router.get("/messages/threads", response=ThreadPageOut)
def thread_list(request, page: int = 1):
    scope = _scope(request, *SIDES)
    paginator = CappedPaginator(sel.threads_for(scope), PAGE_SIZE)
    current = paginator.get_page(page)
    return {
        "count": paginator.count,
        "capped": paginator.is_capped,
        "unread_total": sel.unread_total(scope),
        "page": current.number,
        "pages": None if paginator.is_capped else paginator.num_pages,
        "items": [_thread(t) for t in current],
    }


@router.post("/messages/threads", response={201: ThreadDetailOut, **ERRORS})
def thread_create(
    request,
    student_id: Form[int],
    subject: Form[str],
    body: Form[str],
    teacher_id: Form[int | None] = None,
    files: File[list[UploadedFile]] = None,
):
    """A guardian's new thread (multipart form; `files`: PDF, PNG or JPEG, 5 MB each)."""
    scope = _scope(request, "GUARDIAN")
    thread = services.thread_start(
        actor=request.user,
        scope=scope,
        student_id=student_id,
        teacher_id=teacher_id or None,
        subject=subject,
        body=body,
        files=files or [],
    )
    thread = sel.thread_get(scope, thread.pk)
    return Status(201, {**_thread(thread, 0), "messages": _messages(thread, request.user)})


@router.get("/messages/threads/{int:thread_id}", response=ThreadDetailOut)
def thread_detail(request, thread_id: int):
    """The thread and its messages; reading it marks the other side's messages read."""
    scope = _scope(request, *SIDES)
    thread = sel.thread_get(scope, thread_id)
    services.thread_mark_read(actor=request.user, thread=thread)
    return {**_thread(thread, 0), "messages": _messages(thread, request.user)}


@router.post("/messages/threads/{int:thread_id}/messages", response={201: MessageOut, **ERRORS})
def message_create(
    request, thread_id: int, body: Form[str], files: File[list[UploadedFile]] = None
):
    scope = _scope(request, *SIDES)
    message = services.message_post(
        actor=request.user, scope=scope, thread_id=thread_id, body=body, files=files or []
    )
    thread = sel.thread_get(scope, thread_id)
    out = next(m for m in _messages(thread, request.user) if m["id"] == message.pk)
    return Status(201, out)


@router.get("/messages/attachments/{int:attachment_id}")
def attachment_download(request, attachment_id: int):
    """The file, to a user who reaches its thread (404 otherwise); never a public URL."""
    scope = _scope(request, *SIDES)
    attachment = sel.attachment_get(scope, attachment_id)
    try:
        handle = attachment.file.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404 from None
    response = FileResponse(
        handle, as_attachment=True, filename=attachment.name, content_type=attachment.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


# --- announcements ------------------------------------------------------------------------
def _announcement(a) -> dict:
    if a.school_class_id:
        audience = a.school_class.name
    elif a.level_id:
        audience = pick(a.level)
    else:
        audience = pick(a.school)
    return {
        "id": a.pk,
        "school": a.school.code,
        "level_id": a.level_id,
        "class_id": a.school_class_id,
        "audience": audience,
        "title": a.title,
        "body": a.body,
        "published_at": a.published_at,
    }


@router.get("/announcements", response=AnnouncementPageOut)
def announcement_list(request, page: int = 1):
    scope = _scope(request, *BOARD_READERS)
    paginator = CappedPaginator(sel.announcements_for(scope), PAGE_SIZE)
    current = paginator.get_page(page)
    return {
        "count": paginator.count,
        "capped": paginator.is_capped,
        "page": current.number,
        "pages": None if paginator.is_capped else paginator.num_pages,
        "items": [_announcement(a) for a in current],
    }


@router.post("/announcements", response={201: AnnouncementOut, **ERRORS})
def announcement_publish(request, payload: AnnouncementIn):
    scope = _scope(request, "DIRECTOR", "STAFF")
    announcement = services.announcement_publish(
        actor=request.user,
        scope=scope,
        school_id=min(scope.school_ids),
        title=payload.title,
        body=payload.body,
        level_id=payload.level_id,
        class_id=payload.class_id,
    )
    return Status(201, _announcement(sel.announcement_get(scope, announcement.pk)))


@router.post("/announcements/{int:announcement_id}/delete", response={200: DeletedOut, **ERRORS})
def announcement_delete(request, announcement_id: int):
    scope = _scope(request, "DIRECTOR", "STAFF")
    services.announcement_delete(actor=request.user, scope=scope, announcement_id=announcement_id)
    return {"deleted": True}
