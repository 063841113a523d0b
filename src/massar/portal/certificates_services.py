"""Writes of the certificates part: a student or guardian requests a school certificate
(certificat de scolarité) from their space; the school's director approves or refuses it, or
the school approves every request automatically (SchoolServices.certificates_auto_approve);
the director or the office staff issue one at the desk for a student in front of them.
The office staff see their school's requests and prepare them (check the student's file), but
only the director decides on a request from a space: a decision commits the school remotely,
whereas at the desk the staff member has the person and their papers in front of them.

Approving issues the certificate's verifiable document (core.verification): its facts are
what the public verification page shows (student's name, school, school year and, for a
student who left, the leaving date) and what the PDF prints for them, so the paper and the
page always agree. The PDF itself is rendered on demand (portal/certificates.py)."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from massar.core.audit import audit_record
from massar.core.locking import locked_status
from massar.core.models import VerifiableDocument
from massar.core.notifications import notification_send
from massar.core.scopes import Scope
from massar.core.verification import document_issue
from massar.enrollment.models import Enrollment
from massar.portal import certificates_selectors as sel
from massar.portal.appointments_services import guardian_recipients, school_recipients
from massar.portal.models import CertificateRequest, SchoolServices

LANGUAGES = ("ar", "fr")
# the same request sent again within this window (a double click after an automatic
# approval) is the same request
DUPLICATE_WINDOW = timedelta(minutes=10)


class CertificateError(Exception):
    """A refused action: a stable code and a translated sentence."""

    def __init__(self, code: str, message: str, status: int = 400):
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


def _check_language(language: str) -> None:
    if language not in LANGUAGES:
        raise CertificateError("bad_language", _("Choose Arabic or French."))


def _student_name(student) -> str:
    from django.utils.translation import get_language

    if (get_language() or "")[:2] == "ar" and student.last_name_ar:
        return student.full_name_ar
    return student.full_name_fr


def certificate_subject_key(certificate: CertificateRequest) -> str:
    return f"certificate:{certificate.pk}"


def certificate_facts(enrollment: Enrollment) -> dict:
    """What the public verification page shows about a certificate, and nothing else: the
    student's name, the school, the school year and, for a student who left, the date."""
    student, school = enrollment.student, enrollment.school
    facts = {
        "student": {"fr": student.full_name_fr, "ar": student.full_name_ar},
        "school": {"fr": school.name_fr, "ar": school.name_ar},
        "year": enrollment.year.code,
    }
    if enrollment.status != Enrollment.Status.ENROLLED and enrollment.left_on:
        facts["left_on"] = enrollment.left_on.strftime("%d/%m/%Y")
    return facts


def _issue(certificate: CertificateRequest, *, actor) -> None:
    """Marks the request approved and gives it its verifiable document (inside the caller's
    transaction)."""
    enrollment = (
        Enrollment.objects.select_related("student", "school", "year")
        .filter(pk=certificate.enrollment_id)
        .get()
    )
    certificate.document = document_issue(
        kind=VerifiableDocument.Kind.CERTIFICATE,
        subject_key=certificate_subject_key(certificate),
        facts=certificate_facts(enrollment),
        school_id=certificate.school_id,
        student_id=certificate.student_id,
        actor=actor,
    )
    certificate.status = CertificateRequest.Status.APPROVED
    certificate.decided_at = timezone.now()
    certificate.decided_by = actor
    certificate.save(update_fields=["status", "document", "decided_at", "decided_by"])


def _detail_url(certificate: CertificateRequest) -> str:
    return reverse("portal:certificate_detail", args=[certificate.pk])


def _notify_requester(certificate: CertificateRequest, *, actor) -> None:
    if certificate.requested_by_id is None or certificate.channel != "SPACE":
        return
    requester = get_user_model().objects.get(pk=certificate.requested_by_id)
    student = certificate.student
    approved = certificate.status == CertificateRequest.Status.APPROVED
    reason = certificate.refusal_reason

    def build():
        if approved:
            return (
                _("School certificate ready"),
                _("The school certificate of %(student)s is ready to download from your space.")
                % {"student": _student_name(student)},
            )
        return (
            _("School certificate refused"),
            _("The school refused the certificate request for %(student)s: %(reason)s")
            % {"student": _student_name(student), "reason": reason},
        )

    notification_send(
        recipients=guardian_recipients(requester),
        kind=f"certificate.{certificate.status.lower()}",
        build=build,
        url=_detail_url(certificate),
        channels=("email",),
        actor=actor,
        school_id=certificate.school_id,
    )


def _audit(certificate: CertificateRequest, *, actor, action: str, after: dict) -> None:
    audit_record(
        actor=actor,
        action=f"certificate.{action}",
        object_type="certificate",
        object_id=certificate.pk,
        after=after,
        school_id=certificate.school_id,
    )


# --- a family's request ------------------------------------------------------------------------
def certificate_request(
    *, actor, scope: Scope, student_id: int, language: str
) -> tuple[CertificateRequest, bool]:
    """A student (for themself) or a guardian (for one of their children) asks for a school
    certificate of the current year; returns (request, created). A request sent again while
    one is waiting, or just after it was approved automatically, returns that one with
    created=False. Approved at once when the school approves automatically."""
    student = sel.family_student_get(scope, student_id)  # 404 for another family's child
    _check_language(language)
    enrollment = sel.certificate_enrollment(student.pk)
    if enrollment is None:
        raise CertificateError(
            "not_enrolled", _("This student is not enrolled in a school this school year.")
        )
    with transaction.atomic():
        # the student's row is locked: two submissions at once are served one after the other
        type(student).objects.select_for_update().filter(pk=student.pk).first()
        same = _same_request(student.pk, enrollment.year_id, actor, language)
        if same is not None:
            return same, False
        try:
            with transaction.atomic():
                certificate = CertificateRequest.objects.create(
                    school_id=enrollment.school_id,
                    year_id=enrollment.year_id,
                    student=student,
                    enrollment=enrollment,
                    requested_by=actor,
                    channel=CertificateRequest.Channel.SPACE,
                    language=language,
                )
        except IntegrityError:  # the open request of a concurrent submission won the race
            same = _same_request(student.pk, enrollment.year_id, actor, language)
            if same is None:
                raise
            return same, False
        _audit(
            certificate,
            actor=actor,
            action="request",
            after={"student": student.pk, "language": language},
        )
        if sel.auto_approve(enrollment.school_id):
            _issue(certificate, actor=None)
            _audit(certificate, actor=None, action="approve", after={"automatic": True})
            _notify_requester(certificate, actor=actor)
        else:

            def build():
                return (
                    _("New school certificate request"),
                    _("A school certificate is requested for %(student)s.")
                    % {"student": _student_name(student)},
                )

            notification_send(
                recipients=school_recipients(school_id=enrollment.school_id),
                kind="certificate.requested",
                build=build,
                url=_detail_url(certificate),
                channels=(),
                actor=actor,
                school_id=enrollment.school_id,
            )
    return certificate, True


def _same_request(student_id: int, year_id: int, actor, language: str):
    """The request a new one would repeat: the open one of the student's year, or the same
    person's same request approved within DUPLICATE_WINDOW."""
    open_request = CertificateRequest.objects.filter(
        student_id=student_id, year_id=year_id, status=CertificateRequest.Status.REQUESTED
    ).first()
    if open_request is not None:
        return open_request
    return (
        CertificateRequest.objects.filter(
            student_id=student_id,
            year_id=year_id,
            requested_by_id=actor.pk,
            channel=CertificateRequest.Channel.SPACE,
            language=language,
            status=CertificateRequest.Status.APPROVED,
            created_at__gte=timezone.now() - DUPLICATE_WINDOW,
        )
        .order_by("-pk")
        .first()
    )


# --- the school's decisions ------------------------------------------------------------------
def _decidable(scope: Scope, certificate_id: int) -> CertificateRequest:
    certificate = sel.certificate_get(scope, certificate_id)  # 404 outside the reach
    if not sel.can_decide(scope, certificate):
        raise CertificateError(
            "director_only", _("Only the school's director may decide on a request."), 403
        )
    if locked_status(CertificateRequest, certificate.pk) != CertificateRequest.Status.REQUESTED:
        raise CertificateError("already_decided", _("This request has already been decided."), 409)
    return certificate


def certificate_approve(*, actor, scope: Scope, certificate_id: int) -> CertificateRequest:
    """The director approves a request: the certificate is issued and the requester told."""
    with transaction.atomic():
        certificate = _decidable(scope, certificate_id)
        _issue(certificate, actor=actor)
        _audit(
            certificate, actor=actor, action="approve", after={"code": certificate.document.code}
        )
        _notify_requester(certificate, actor=actor)
    return certificate


def certificate_refuse(
    *, actor, scope: Scope, certificate_id: int, reason: str
) -> CertificateRequest:
    """The director refuses a request with a reason, which the requester reads."""
    reason = (reason or "").strip()
    with transaction.atomic():
        certificate = _decidable(scope, certificate_id)  # 404/403/409 before the input
        if not reason:
            raise CertificateError(
                "reason_required", _("Please give the reason for refusing the request.")
            )
        certificate.status = CertificateRequest.Status.REFUSED
        certificate.refusal_reason = reason[:300]
        certificate.decided_at = timezone.now()
        certificate.decided_by = actor
        certificate.save(update_fields=["status", "refusal_reason", "decided_at", "decided_by"])
        _audit(
            certificate, actor=actor, action="refuse", after={"reason": certificate.refusal_reason}
        )
        _notify_requester(certificate, actor=actor)
    return certificate


def certificate_desk_issue(
    *, actor, scope: Scope, code_massar: str, language: str
) -> CertificateRequest:
    """The director or the office staff issue a certificate at the desk for a student of
    their school this year (attending, or who left: the certificate then shows the date)."""
    _check_language(language)
    enrollment = sel.desk_enrollment(scope, code_massar)
    if enrollment is None:
        raise CertificateError(
            "unknown_student",
            _("No student of your school has this Code Massar this school year."),
        )
    with transaction.atomic():
        certificate = CertificateRequest.objects.create(
            school_id=enrollment.school_id,
            year_id=enrollment.year_id,
            student_id=enrollment.student_id,
            enrollment=enrollment,
            requested_by=actor,
            channel=CertificateRequest.Channel.DESK,
            language=language,
            # issued at once: never an open request (one may be waiting from the space)
            status=CertificateRequest.Status.APPROVED,
        )
        _audit(
            certificate,
            actor=actor,
            action="desk_issue",
            after={"student": enrollment.student_id, "language": language},
        )
        _issue(certificate, actor=actor)
    return certificate


def certificates_settings_update(
    *, actor, scope: Scope, school_id: int, auto_approve: bool
) -> SchoolServices:
    """The director turns the automatic approval of their school's requests on or off
    (requests already waiting stay waiting for a decision)."""
    if not scope.manages_school(school_id):
        raise Http404
    with transaction.atomic():
        services, _created = SchoolServices.objects.select_for_update().get_or_create(
            school_id=school_id
        )
        before = services.certificates_auto_approve
        if before != auto_approve:
            services.certificates_auto_approve = auto_approve
            services.save(update_fields=["certificates_auto_approve"])
            audit_record(
                actor=actor,
                action="certificate.settings",
                object_type="school",
                object_id=school_id,
                before={"auto_approve": before},
                after={"auto_approve": auto_approve},
                school_id=school_id,
            )
    return services
