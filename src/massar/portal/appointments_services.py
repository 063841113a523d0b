"""Writes of the appointments part: a guardian requests an appointment about one of their own
children with the director or one of the child's teachers; the school accepts it with a time
or declines it with a reason. Both sides are notified (in the app, by e-mail and SMS)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from massar.core.audit import audit_record
from massar.core.locking import locked_status
from massar.core.models import Role, RoleAssignment
from massar.core.notifications import Recipient, notification_send
from massar.core.scopes import Scope
from massar.portal import appointments_selectors as sel
from massar.portal.models import Appointment
from massar.registry.models import Guardian

# a second identical request within this window is the same request (a double click)
DUPLICATE_WINDOW = timedelta(minutes=10)
MAX_OPEN_PER_CHILD = 5


class AppointmentError(Exception):
    """A refused request: a stable code and a translated sentence."""

    def __init__(self, code: str, message: str, status: int = 400):
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


# --- recipients ---------------------------------------------------------------------------------
def guardian_recipients(user) -> list[Recipient]:
    """The guardian's account, plus the e-mail and phone the school holds for them."""
    guardian = Guardian.objects.filter(user_id=user.pk).first()
    return [
        Recipient(
            user_id=user.pk,
            language=user.language or "fr",
            email=(guardian.email if guardian else "") or user.email,
            phone=guardian.phone if guardian else "",
        )
    ]


def school_recipients(*, school_id: int, teacher=None) -> list[Recipient]:
    """The teacher addressed, or else the school's director and office staff."""
    if teacher is not None:
        if teacher.user_id is None:
            return [Recipient(email=teacher.email, phone=teacher.phone)]
        user = get_user_model().objects.get(pk=teacher.user_id)
        return [
            Recipient(
                user_id=user.pk,
                language=user.language or "fr",
                email=teacher.email or user.email,
                phone=teacher.phone,
            )
        ]
    rows = RoleAssignment.objects.filter(
        role__in=[Role.DIRECTOR, Role.STAFF], school_id=school_id
    ).select_related("user")
    return [
        Recipient(user_id=r.user_id, language=r.user.language or "fr", email=r.user.email)
        for r in rows
    ]


def _student_name(student) -> str:
    from django.utils.translation import get_language

    if (get_language() or "")[:2] == "ar" and student.last_name_ar:
        return student.full_name_ar
    return student.full_name_fr


# --- writes -----------------------------------------------------------------------------------
def appointment_request(
    *,
    actor,
    scope: Scope,
    student_id: int,
    teacher_id: int | None,
    reason: str,
    preferred_slots: str = "",
) -> tuple[Appointment, bool]:
    """Requests an appointment; returns (appointment, created). The same request (child,
    person, reason) sent again within DUPLICATE_WINDOW returns the open one, created=False."""
    student = sel.guardian_child_get(scope, student_id)  # 404 for another family's child
    reason = (reason or "").strip()
    preferred_slots = (preferred_slots or "").strip()
    if not reason:
        raise AppointmentError("reason_required", _("Please give the reason for the meeting."))
    enrollment = sel.current_enrollment(student.pk)
    if enrollment is None:
        raise AppointmentError(
            "not_enrolled", _("This child is not enrolled in a school this year.")
        )
    teacher = None
    if teacher_id:
        teacher = sel.child_teachers(enrollment).filter(pk=teacher_id).first()
        if teacher is None:
            raise AppointmentError(
                "not_a_teacher_of_the_child", _("This teacher does not teach your child's class.")
            )
    with transaction.atomic():
        # one request at a time per guardian: a double click waits here, then finds the first
        get_user_model().objects.select_for_update().filter(pk=actor.pk).first()
        open_requests = Appointment.objects.filter(
            student_id=student.pk, requested_by_id=actor.pk, status=Appointment.Status.REQUESTED
        )
        same = (
            open_requests.filter(
                teacher_id=teacher.pk if teacher else None,
                reason=reason,
                created_at__gte=timezone.now() - DUPLICATE_WINDOW,
            )
            .order_by("-pk")
            .first()
        )
        if same is not None:
            return same, False
        if open_requests.count() >= MAX_OPEN_PER_CHILD:
            raise AppointmentError(
                "too_many_open",
                _(
                    "You already have several requests waiting for this child; please wait for "
                    "the school's answer."
                ),
                409,
            )
        appointment = Appointment.objects.create(
            school_id=enrollment.school_id,
            student=student,
            requested_by=actor,
            teacher=teacher,
            reason=reason,
            preferred_slots=preferred_slots,
        )
        audit_record(
            actor=actor,
            action="appointment.request",
            object_type="appointment",
            object_id=appointment.pk,
            after={"student": student.pk, "teacher": teacher.pk if teacher else None},
            school_id=appointment.school_id,
        )

        def build():
            return (
                _("New appointment request"),
                _("A guardian of %(student)s asks for an appointment: %(reason)s")
                % {"student": _student_name(student), "reason": reason},
            )

        notification_send(
            recipients=school_recipients(school_id=appointment.school_id, teacher=teacher),
            kind="appointment.requested",
            build=build,
            url=reverse("portal:appointment_detail", args=[appointment.pk]),
            channels=("email",),
            actor=actor,
            school_id=appointment.school_id,
        )
    return appointment, True


def _decidable(scope: Scope, appointment_id: int) -> Appointment:
    appointment = sel.appointment_get(scope, appointment_id)  # 404 outside the reach
    if not sel.can_decide(scope, appointment):
        raise AppointmentError(
            "not_yours", _("Only the school may answer an appointment request."), 403
        )
    if locked_status(Appointment, appointment.pk) != Appointment.Status.REQUESTED:
        raise AppointmentError("already_decided", _("This request has already been answered."), 409)
    return appointment


def _notify_guardian(*, appointment: Appointment, actor, build) -> None:
    requester = get_user_model().objects.get(pk=appointment.requested_by_id)
    notification_send(
        recipients=guardian_recipients(requester),
        kind=f"appointment.{appointment.status.lower()}",
        build=build,
        url=reverse("portal:appointment_detail", args=[appointment.pk]),
        actor=actor,
        school_id=appointment.school_id,
    )


def appointment_accept(
    *, actor, scope: Scope, appointment_id: int, scheduled_at: datetime
) -> Appointment:
    """Accepts a request at a time in the future and tells the guardian."""
    with transaction.atomic():
        appointment = _decidable(scope, appointment_id)  # 404/403/409 before the input
        if scheduled_at is None:
            raise AppointmentError("time_required", _("Please give the time of the meeting."))
        if timezone.is_naive(scheduled_at):
            scheduled_at = timezone.make_aware(scheduled_at)
        if scheduled_at <= timezone.now():
            raise AppointmentError(
                "time_in_past", _("The time of the meeting must be in the future.")
            )
        appointment.status = Appointment.Status.ACCEPTED
        appointment.scheduled_at = scheduled_at
        appointment.decided_at = timezone.now()
        appointment.decided_by = actor
        appointment.save(update_fields=["status", "scheduled_at", "decided_at", "decided_by"])
        audit_record(
            actor=actor,
            action="appointment.accept",
            object_type="appointment",
            object_id=appointment.pk,
            after={"scheduled_at": scheduled_at.isoformat()},
            school_id=appointment.school_id,
        )
        student = appointment.student

        def build():
            when = timezone.localtime(scheduled_at).strftime("%d/%m/%Y %H:%M")
            return (
                _("Appointment accepted"),
                _("The school will meet you about %(student)s on %(when)s.")
                % {"student": _student_name(student), "when": when},
            )

        _notify_guardian(appointment=appointment, actor=actor, build=build)
    return appointment


def appointment_decline(*, actor, scope: Scope, appointment_id: int, reason: str) -> Appointment:
    """Declines a request with a reason and tells the guardian."""
    reason = (reason or "").strip()
    with transaction.atomic():
        appointment = _decidable(scope, appointment_id)  # 404/403/409 before the input
        if not reason:
            raise AppointmentError(
                "reason_required", _("Please tell the guardian why the request is declined.")
            )
        appointment.status = Appointment.Status.DECLINED
        appointment.decline_reason = reason[:300]
        appointment.decided_at = timezone.now()
        appointment.decided_by = actor
        appointment.save(update_fields=["status", "decline_reason", "decided_at", "decided_by"])
        audit_record(
            actor=actor,
            action="appointment.decline",
            object_type="appointment",
            object_id=appointment.pk,
            after={"reason": appointment.decline_reason},
            school_id=appointment.school_id,
        )
        student = appointment.student

        def build():
            return (
                _("Appointment declined"),
                _("The school declined your request about %(student)s: %(reason)s")
                % {"student": _student_name(student), "reason": reason},
            )

        _notify_guardian(appointment=appointment, actor=actor, build=build)
    return appointment


def appointment_cancel(*, actor, scope: Scope, appointment_id: int) -> Appointment:
    """The guardian withdraws their request (waiting or accepted) and the school is told."""
    with transaction.atomic():
        appointment = sel.appointment_get(scope, appointment_id)  # 404 outside the reach
        if appointment.requested_by_id != actor.pk:
            raise AppointmentError(
                "not_yours", _("Only the guardian who asked may cancel the request."), 403
            )
        status = (
            Appointment.objects.select_for_update()
            .filter(pk=appointment.pk)
            .values_list("status", flat=True)
            .first()
        )
        if status not in (Appointment.Status.REQUESTED, Appointment.Status.ACCEPTED):
            raise AppointmentError(
                "not_open", _("This request is no longer open and cannot be cancelled."), 409
            )
        appointment.status = Appointment.Status.CANCELLED
        appointment.decided_at = timezone.now()
        appointment.save(update_fields=["status", "decided_at"])
        audit_record(
            actor=actor,
            action="appointment.cancel",
            object_type="appointment",
            object_id=appointment.pk,
            before={"status": status},
            school_id=appointment.school_id,
        )
        student = appointment.student

        def build():
            return (
                _("Appointment cancelled"),
                _("The guardian of %(student)s cancelled the appointment request.")
                % {"student": _student_name(student)},
            )

        notification_send(
            recipients=school_recipients(
                school_id=appointment.school_id, teacher=appointment.teacher
            ),
            kind="appointment.cancelled",
            build=build,
            url=reverse("portal:appointment_detail", args=[appointment.pk]),
            channels=("email",),
            actor=actor,
            school_id=appointment.school_id,
        )
    return appointment
