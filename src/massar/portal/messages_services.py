"""Writes of the messages part: a guardian opens a thread about one of their children with the
school's administration (or one of the child's teachers where the school allows it); both
sides reply, with attachments (PDF, PNG, JPEG, checked by their first bytes and their size);
opening a thread marks the other side's messages read. The school's board: the director or
staff publish notices to the school, a level or a class."""

from __future__ import annotations

import os

from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from massar.core.audit import audit_record
from massar.core.notifications import notification_send
from massar.core.scopes import Scope
from massar.enrollment.models import SchoolClass
from massar.portal import appointments_selectors as family
from massar.portal import messages_selectors as sel
from massar.portal.appointments_services import guardian_recipients, school_recipients
from massar.portal.models import Announcement, Attachment, Message, Thread
from massar.schools.models import Level

MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024
MAX_ATTACHMENTS = 3
# the file's real type, from its first bytes, and the extensions a name of that type may have
SIGNATURES = [
    (b"%PDF-", "application/pdf", {".pdf"}),
    (b"\x89PNG\r\n\x1a\n", "image/png", {".png"}),
    (b"\xff\xd8\xff", "image/jpeg", {".jpg", ".jpeg"}),
]


class MessageError(Exception):
    """A refused message or notice: a stable code and a translated sentence."""

    def __init__(self, code: str, message: str, status: int = 400):
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


# --- attachments ------------------------------------------------------------------------------
def attachment_check(upload) -> tuple[str, str]:
    """(safe name, content type) of an upload, or MessageError: too big, or not really a PDF,
    PNG or JPEG whatever its name says."""
    name = os.path.basename(getattr(upload, "name", "") or "file")[:200]
    if upload.size > MAX_ATTACHMENT_BYTES:
        raise MessageError(
            "attachment_too_big",
            _("The file %(name)s is larger than 5 MB; please send a smaller file.")
            % {"name": name},
        )
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    extension = os.path.splitext(name)[1].lower()
    for magic, content_type, extensions in SIGNATURES:
        if head.startswith(magic):
            if extension not in extensions:
                break
            return name, content_type
    raise MessageError(
        "attachment_type",
        _("The file %(name)s is not a PDF, PNG or JPEG file; only these may be attached.")
        % {"name": name},
    )


def _checked(files) -> list[tuple[object, str, str]]:
    files = [f for f in (files or []) if f]
    if len(files) > MAX_ATTACHMENTS:
        raise MessageError("too_many_attachments", _("At most 3 files may be attached."))
    return [(f, *attachment_check(f)) for f in files]


def _store(message: Message, checked) -> None:
    for upload, name, content_type in checked:
        attachment = Attachment(
            message=message, name=name, content_type=content_type, size=upload.size
        )
        # stored under a neutral name: the user's name is only shown, never used on disk
        extension = {"application/pdf": ".pdf", "image/png": ".png"}.get(content_type, ".jpg")
        attachment.file.save(f"attachment{extension}", upload, save=False)
        attachment.save()


def _clean_body(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise MessageError("body_required", _("Please write your message."))
    if len(body) > 5000:
        raise MessageError("body_too_long", _("A message is at most 5000 characters long."))
    return body


def _notify(*, thread: Thread, message: Message, actor) -> None:
    if message.from_school:
        recipients = guardian_recipients(get_user_model().objects.get(pk=thread.guardian_user_id))
    else:
        recipients = school_recipients(school_id=thread.school_id, teacher=thread.teacher)
    subject = thread.subject

    def build():
        return (
            _("New message"),
            _("You have a new message in the conversation “%(subject)s”.") % {"subject": subject},
        )

    notification_send(
        recipients=recipients,
        kind="message.new",
        build=build,
        url=reverse("portal:thread_detail", args=[thread.pk]),
        channels=("email",),
        actor=actor,
        school_id=thread.school_id,
    )


# --- threads and messages -----------------------------------------------------------------
def thread_start(
    *,
    actor,
    scope: Scope,
    student_id: int,
    teacher_id: int | None,
    subject: str,
    body: str,
    files=None,
) -> Thread:
    """A guardian's new conversation about one of their children."""
    student = family.guardian_child_get(scope, student_id)  # 404 for another family's child
    subject = (subject or "").strip()[:200]
    if not subject:
        raise MessageError("subject_required", _("Please give a subject."))
    body = _clean_body(body)
    checked = _checked(files)
    enrollment = family.current_enrollment(student.pk)
    if enrollment is None:
        raise MessageError("not_enrolled", _("This child is not enrolled in a school this year."))
    teacher = None
    if teacher_id:
        if not sel.teachers_in_messages(enrollment.school_id):
            raise MessageError(
                "teachers_closed", _("This school does not take messages to teachers.")
            )
        teacher = family.child_teachers(enrollment).filter(pk=teacher_id).first()
        if teacher is None:
            raise MessageError(
                "not_a_teacher_of_the_child", _("This teacher does not teach your child's class.")
            )
    with transaction.atomic():
        thread = Thread.objects.create(
            school_id=enrollment.school_id,
            student=student,
            guardian_user=actor,
            teacher=teacher,
            subject=subject,
        )
        message = Message.objects.create(thread=thread, author=actor, body=body)
        _store(message, checked)
        audit_record(
            actor=actor,
            action="thread.start",
            object_type="thread",
            object_id=thread.pk,
            after={"student": student.pk, "teacher": teacher.pk if teacher else None},
            school_id=thread.school_id,
        )
        _notify(thread=thread, message=message, actor=actor)
    return thread


def message_post(*, actor, scope: Scope, thread_id: int, body: str, files=None) -> Message:
    """A reply in a thread the user reaches, from the side they are on in it."""
    thread = sel.thread_get(scope, thread_id)  # 404 outside the reach
    body = _clean_body(body)
    checked = _checked(files)
    from_school = thread.guardian_user_id != actor.pk
    with transaction.atomic():
        message = Message.objects.create(
            thread=thread, author=actor, body=body, from_school=from_school
        )
        _store(message, checked)
        Thread.objects.filter(pk=thread.pk).update(last_message_at=message.created_at)
        audit_record(
            actor=actor,
            action="message.post",
            object_type="message",
            object_id=message.pk,
            after={"thread": thread.pk, "attachments": len(checked)},
            school_id=thread.school_id,
        )
        _notify(thread=thread, message=message, actor=actor)
    return message


def thread_mark_read(*, actor, thread: Thread) -> int:
    """Sets read_at on the other side's unread messages (the author sees it as a receipt).
    Not audited: it changes nothing but the reader's own receipt."""
    from_school = thread.guardian_user_id == actor.pk  # the guardian reads the school's
    return Message.objects.filter(
        thread_id=thread.pk, from_school=from_school, read_at__isnull=True
    ).update(read_at=timezone.now())


# --- announcements ------------------------------------------------------------------------
def announcement_publish(
    *,
    actor,
    scope: Scope,
    school_id: int,
    title: str,
    body: str,
    level_id: int | None = None,
    class_id: int | None = None,
) -> Announcement:
    """A notice on a school's board, for the whole school, one level or one class."""
    if school_id not in scope.school_ids:
        raise MessageError("not_your_school", _("You may only post to your school's board."), 403)
    title, body = (title or "").strip()[:200], (body or "").strip()
    if not title or not body:
        raise MessageError("text_required", _("Please give a title and a text."))
    if len(body) > 5000:
        raise MessageError("body_too_long", _("A notice is at most 5000 characters long."))
    level = school_class = None
    if class_id:
        school_class = SchoolClass.objects.filter(pk=class_id, school_id=school_id).first()
        if school_class is None:
            raise MessageError("no_such_class", _("This class is not one of your school's."))
        level = None
    elif level_id:
        level = Level.objects.filter(pk=level_id).first()
        if level is None:
            raise MessageError("no_such_level", _("This level does not exist."))
    with transaction.atomic():
        announcement = Announcement.objects.create(
            school_id=school_id,
            level=level,
            school_class=school_class,
            title=title,
            body=body,
            author=actor,
        )
        audit_record(
            actor=actor,
            action="announcement.publish",
            object_type="announcement",
            object_id=announcement.pk,
            after={"level": level_id, "class": class_id},
            school_id=school_id,
        )
    return announcement


def announcement_delete(*, actor, scope: Scope, announcement_id: int) -> None:
    announcement = sel.announcement_get(scope, announcement_id)  # 404 outside the reach
    if announcement.school_id not in scope.school_ids:
        raise MessageError(
            "not_your_school", _("Only the school's office may remove a notice."), 403
        )
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="announcement.delete",
            object_type="announcement",
            object_id=announcement.pk,
            before={"title": announcement.title},
            school_id=announcement.school_id,
        )
        announcement.delete()
