"""Reads of the messages part, each scoped. A guardian reaches their own threads; the school's
administration (director, staff) the threads addressed to it; a teacher the threads addressed
to them. Announcements: the school's people see their school's board, a student and a
guardian the notices of their (children's) school, level and class of the current year."""

from __future__ import annotations

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import Http404

from massar.core.scopes import Scope
from massar.enrollment.models import Enrollment
from massar.portal.models import Announcement, Attachment, Message, SchoolServices, Thread


def _thread_reach(scope: Scope) -> Q:
    q = Q(pk__in=[])
    if scope.user_id is None:
        return q
    if scope.has("GUARDIAN"):
        q |= Q(guardian_user_id=scope.user_id)
    if scope.school_ids:
        q |= Q(school_id__in=scope.school_ids, teacher__isnull=True)
    if scope.has("TEACHER"):
        q |= Q(teacher__user_id=scope.user_id)
    return q


def threads_for(scope: Scope) -> QuerySet[Thread]:
    """The user's threads, latest activity first, each with `unread`: the messages of the
    other side not yet opened by the user (one query, whatever the number of threads)."""
    # the user reads as the guardian in their own threads, as the school in the others
    unread_q = Q(messages__read_at__isnull=True) & (
        Q(guardian_user_id=scope.user_id or 0, messages__from_school=True)
        | (~Q(guardian_user_id=scope.user_id or 0) & Q(messages__from_school=False))
    )
    return (
        Thread.objects.filter(_thread_reach(scope))
        .select_related("student", "teacher", "school")
        .annotate(unread=Count("messages", filter=unread_q))
        .order_by("-last_message_at", "-pk")
    )


def thread_get(scope: Scope, thread_id: int) -> Thread:
    thread = (
        Thread.objects.filter(_thread_reach(scope), pk=thread_id)
        .select_related("student", "teacher", "school")
        .first()
    )
    if thread is None:
        raise Http404
    return thread


def thread_messages(thread: Thread) -> QuerySet[Message]:
    """A thread's messages, oldest first, with their authors and attachments (two queries)."""
    return (
        Message.objects.filter(thread_id=thread.pk)
        .select_related("author")
        .prefetch_related("attachments")
        .order_by("created_at", "pk")
    )


def unread_total(scope: Scope) -> int:
    """Messages waiting for the user across their threads (one query)."""
    if scope.user_id is None:
        return 0
    mine = Q(thread__guardian_user_id=scope.user_id, from_school=True)
    theirs = Q(
        Exists(Thread.objects.filter(_thread_reach(scope), pk=OuterRef("thread_id"))),
        ~Q(thread__guardian_user_id=scope.user_id),
        from_school=False,
    )
    return Message.objects.filter(mine | theirs, read_at__isnull=True).count()


def attachment_get(scope: Scope, attachment_id: int) -> Attachment:
    """An attachment of a thread the user reaches, or 404."""
    attachment = (
        Attachment.objects.filter(
            pk=attachment_id,
            message__thread__in=Thread.objects.filter(_thread_reach(scope)).values("pk"),
        )
        .select_related("message")
        .first()
    )
    if attachment is None:
        raise Http404
    return attachment


def teachers_in_messages(school_id: int) -> bool:
    return SchoolServices.objects.filter(school_id=school_id, teachers_in_messages=True).exists()


# --- announcements ----------------------------------------------------------------------------
def _family_enrollments(scope: Scope) -> list[tuple[int, int, int | None]]:
    """(school, level, class) of the current enrollments of the student or the guardian's
    children (one query)."""
    q = Q(pk__in=[])
    if scope.has("STUDENT"):
        q |= Q(student__user_id=scope.user_id)
    if scope.has("GUARDIAN"):
        q |= Q(student__guardian_links__guardian__user_id=scope.user_id)
    return list(
        Enrollment.objects.filter(q, status=Enrollment.Status.ENROLLED, year__is_current=True)
        .values_list("school_id", "level_id", "school_class_id")
        .distinct()
    )


def announcement_reach(scope: Scope) -> Q:
    q = Q(pk__in=[])
    if scope.user_id is None:
        return q
    schools = set(scope.school_ids) | set(scope.teacher_school_ids)
    if schools:
        q |= Q(school_id__in=schools)
    if scope.has("STUDENT", "GUARDIAN"):
        for school_id, level_id, class_id in _family_enrollments(scope):
            q |= Q(school_id=school_id, level__isnull=True, school_class__isnull=True)
            q |= Q(school_id=school_id, level_id=level_id, school_class__isnull=True)
            if class_id:
                q |= Q(school_id=school_id, school_class_id=class_id)
    return q


def announcements_for(scope: Scope) -> QuerySet[Announcement]:
    """The notices the user may read, newest first (two queries for a family, one else)."""
    return (
        Announcement.objects.filter(announcement_reach(scope))
        .select_related("school", "level", "school_class", "author")
        .order_by("-published_at", "-pk")
    )


def announcement_get(scope: Scope, announcement_id: int) -> Announcement:
    announcement = announcements_for(scope).filter(pk=announcement_id).first()
    if announcement is None:
        raise Http404
    return announcement
