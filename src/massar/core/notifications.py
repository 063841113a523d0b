"""In-app notifications and their copies by e-mail and SMS.

`notification_send` is the one way to notify people: one bulk INSERT of the in-app rows for
every recipient with an account, texts built once per language inside
`translation.override`, and the e-mail/SMS copies queued as one job (core.channels) so that
no gateway is called inside the request's transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from massar.core.audit import audit_record
from massar.core.channels import Message, channels_deliver
from massar.core.jobs import job_handler, job_start
from massar.core.models import Job, Notification

DELIVER_JOB = "notifications.deliver"
UNREAD_CAP = 99  # the badge shows "99+" beyond: counting further is wasted work


@dataclass(frozen=True)
class Recipient:
    """Someone to notify: an account (in-app) and/or addresses (e-mail, SMS). `language` is
    the account's (User.language) or French for a guardian without an account."""

    user_id: int | None = None
    language: str = "fr"
    email: str = ""
    phone: str = ""


def notification_send(
    *,
    recipients: list[Recipient],
    kind: str,
    build: Callable[[], tuple[str, str]],
    url: str = "",
    channels: tuple[str, ...] = ("email", "sms"),
    actor=None,
    school_id: int | None = None,
) -> dict:
    """Notifies `recipients`. `build()` returns (title, body) and is called once per
    language, inside translation.override(language), so every recipient reads their own.
    Returns {"notifications": n, "messages": m, "job_id": id or None}."""
    texts: dict[str, tuple[str, str]] = {}
    for language in {r.language or "fr" for r in recipients}:
        with translation.override(language):
            title, body = build()
            texts[language] = (str(title), str(body))

    seen_users: set[int] = set()
    rows, messages = [], []
    for r in recipients:
        title, body = texts[r.language or "fr"]
        if r.user_id and r.user_id not in seen_users:
            seen_users.add(r.user_id)
            rows.append(Notification(user_id=r.user_id, kind=kind, title=title, body=body, url=url))
        if "email" in channels and r.email:
            messages.append(Message("email", r.email, title, body, r.language or "fr"))
        if "sms" in channels and r.phone:
            messages.append(Message("sms", r.phone, title, f"{title}. {body}", r.language or "fr"))
    messages = list(dict.fromkeys(messages))  # a parent of two pupils gets one copy

    with transaction.atomic():
        Notification.objects.bulk_create(rows, batch_size=1000)
        job = None
        if messages:
            job = job_start(
                kind=DELIVER_JOB,
                title=_("Sending notifications"),
                params={"messages": [m.as_dict() for m in messages]},
                actor=actor,
                school_id=school_id,
            )
        audit_record(
            actor=actor,
            action="notification.send",
            object_type="notification",
            object_id=kind,
            after={"notifications": len(rows), "messages": len(messages)},
            school_id=school_id,
        )
    return {"notifications": len(rows), "messages": len(messages), "job_id": job and job.pk}


@job_handler(DELIVER_JOB)
def _deliver(job, progress) -> dict:
    messages = [Message(**m) for m in job.params.get("messages", [])]
    progress.total(len(messages))
    sent = channels_deliver(messages)
    progress.advance(len(messages))
    # the addresses and texts were only needed to send: do not keep them on the job
    Job.objects.filter(pk=job.pk).update(params={"delivered": len(messages)})
    return {"sent": sent}


# --- reads ------------------------------------------------------------------------------------
def notifications_for(user) -> QuerySet[Notification]:
    """The user's own notifications, newest first (index user, -created_at)."""
    return Notification.objects.filter(user_id=user.pk).order_by("-created_at", "-pk")


def notifications_unread_count(user) -> int:
    """Unread notifications, counted up to UNREAD_CAP + 1 (one small query)."""
    if not getattr(user, "is_authenticated", False):
        return 0
    return (
        Notification.objects.filter(user_id=user.pk, read_at__isnull=True)
        .values("pk")[: UNREAD_CAP + 1]
        .count()
    )


# --- writes (a user's own read marks: not audited, they change no one else's data) ----------
def notification_mark_read(*, user, notification_id: int) -> Notification:
    notification = Notification.objects.filter(user_id=user.pk, pk=notification_id).first()
    if notification is None:
        raise Http404(_("No such notification."))
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def notifications_mark_all_read(*, user) -> int:
    return Notification.objects.filter(user_id=user.pk, read_at__isnull=True).update(
        read_at=timezone.now()
    )
