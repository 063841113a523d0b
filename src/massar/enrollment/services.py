"""Writes of the enrollment app."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from massar.core.audit import audit_record
from massar.core.jobs import job_start
from massar.core.scopes import Scope
from massar.registry.models import ImportBatch
from massar.schools.selectors import current_year

IMPORT_ROLES = ("MINISTRY", "ACADEMY", "DIRECTORATE", "DIRECTOR", "STAFF")


@transaction.atomic
def import_batch_create(
    *, scope: Scope, actor, upload, school_id: int | None = None
) -> ImportBatch:
    """Store an uploaded file and start its validation (nothing is written to the registry
    until the batch is loaded)."""
    if not scope.has(*IMPORT_ROLES):
        raise PermissionDenied
    year = current_year()
    batch = ImportBatch.objects.create(
        file=upload,
        original_name=upload.name[:255],
        uploaded_by=actor,
        school_id=school_id,
        status=ImportBatch.Status.CHECKING,
    )
    batch.job = job_start(
        kind="students.validate",
        title=_("Checking %(file)s") % {"file": batch.original_name},
        params={"batch": batch.pk, "year": year.pk},
        actor=actor,
        school_id=school_id,
    )
    batch.save(update_fields=["job"])
    audit_record(
        actor=actor,
        action="import.upload",
        object_type="import",
        object_id=batch.pk,
        after={"file": batch.original_name},
        school_id=school_id,
    )
    return batch


@transaction.atomic
def import_batch_accept_new_identities(*, actor, batch: ImportBatch) -> ImportBatch:
    """After reviewing the likely duplicates, register those rows as new identities: the
    file is checked again with that decision, which is audited."""
    batch.accept_new_identities = True
    batch.status = ImportBatch.Status.CHECKING
    batch.save(update_fields=["accept_new_identities", "status"])
    audit_record(
        actor=actor,
        action="import.accept_new_identities",
        object_type="import",
        object_id=batch.pk,
        after={"likely_duplicates": batch.likely_duplicates},
        school_id=batch.school_id,
    )
    batch.job = job_start(
        kind="students.validate",
        title=_("Checking %(file)s") % {"file": batch.original_name},
        params={"batch": batch.pk, "year": current_year().pk},
        actor=actor,
        school_id=batch.school_id,
    )
    batch.save(update_fields=["job"])
    return batch


class ImportRefused(Exception):
    pass


@transaction.atomic
def import_batch_load(*, actor, batch: ImportBatch) -> ImportBatch:
    batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    if batch.status != ImportBatch.Status.VALID:
        raise ImportRefused(_("Only a file without problems can be loaded, and only once."))
    batch.status = ImportBatch.Status.LOADING
    batch.save(update_fields=["status"])
    batch.job = job_start(
        kind="students.load",
        title=_("Loading %(file)s") % {"file": batch.original_name},
        params={"batch": batch.pk, "year": current_year().pk},
        actor=actor,
        school_id=batch.school_id,
    )
    batch.save(update_fields=["job"])  # the job sets the status (at once when run eagerly)
    batch.refresh_from_db()
    return batch


class EnrollmentError(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


@transaction.atomic
def enrollment_create(*, actor, scope: Scope, student, school, level, track=None):
    """Enroll a student in a school of the user's for the current year. A student holds one
    active enrollment a year (also a database constraint): a child enrolled elsewhere this
    year moves by transfer, not by a second enrollment."""
    from massar.enrollment.models import Enrollment

    if not scope.administers_school(school.pk):
        raise PermissionDenied
    flags = {"PRIMARY": school.has_primary, "MIDDLE": school.has_middle, "HIGH": school.has_high}
    if not flags[level.cycle]:
        raise EnrollmentError(
            "wrong_cycle", _("This school does not teach level %(level)s.") % {"level": level.code}
        )
    if level.has_tracks != (track is not None):
        raise EnrollmentError(
            "track",
            _("Level %(level)s needs a track.") % {"level": level.code}
            if level.has_tracks
            else _("Level %(level)s has no track.") % {"level": level.code},
        )
    year = current_year()
    active = (
        Enrollment.objects.select_for_update()
        .filter(student=student, year=year, status=Enrollment.Status.ENROLLED)
        .select_related("school")
    )
    if active:
        raise EnrollmentError(
            "already_enrolled",
            _(
                "This student is already enrolled at %(school)s for %(year)s. Ask for a transfer "
                "instead."
            )
            % {"school": active[0].school.name, "year": year.code},
        )
    enrollment = Enrollment.objects.create(
        student=student,
        school=school,
        year=year,
        level=level,
        track=track,
        enrolled_on=max(year.starts_on, timezone_today()),
    )
    audit_record(
        actor=actor,
        action="enrollment.create",
        object_type="enrollment",
        object_id=enrollment.pk,
        school_id=school.pk,
        after={
            "student": student.code_massar,
            "level": level.code,
            "track": track.code if track else None,
        },
    )
    return enrollment


def timezone_today():
    from django.utils import timezone

    return timezone.localdate()


@transaction.atomic
def student_register_and_enroll(
    *,
    actor,
    scope: Scope,
    school,
    level,
    track,
    data: dict,
    guardian: dict,
    confirmed_new: bool,
    seen_candidates: list[int],
):
    """A new child at the desk: a Code Massar is issued once the duplicate check is clear
    (or a person confirmed a new identity), then the child is enrolled."""
    from massar.registry.services import student_register

    if not scope.administers_school(school.pk):
        raise PermissionDenied
    student = student_register(
        actor=actor,
        data=data,
        academy_code=school.directorate.academy.code,
        guardians=[guardian],
        confirmed_new=confirmed_new,
        seen_candidates=seen_candidates,
    )
    enrollment_create(
        actor=actor, scope=scope, student=student, school=school, level=level, track=track
    )
    return student


def _director_of(scope: Scope, enrollment) -> None:
    if not scope.manages_school(enrollment.school_id):
        raise PermissionDenied


@transaction.atomic
def enrollment_set_decision(
    *,
    actor,
    scope: Scope,
    enrollment,
    decision: str,
    decision_track=None,
    annual_average=None,
    reason: str = "",
):
    """The end-of-year decision, set by the director until the evaluation computes it. On a
    closed year it is a correction: a reason is required, and it is audited as such."""
    from massar.enrollment.models import Decision, Enrollment

    _director_of(scope, enrollment)
    enrollment = Enrollment.objects.select_for_update().select_related("year").get(pk=enrollment.pk)
    if decision not in Decision.values:
        raise EnrollmentError("decision", _("Unknown decision."))
    if enrollment.year.is_closed and not reason.strip():
        raise EnrollmentError(
            "closed_year",
            _("School year %(year)s is closed: a correction needs a reason.")
            % {"year": enrollment.year.code},
        )
    before = {
        "decision": enrollment.decision,
        "track": enrollment.decision_track_id,
        "average": str(enrollment.annual_average) if enrollment.annual_average else None,
    }
    enrollment.decision = decision
    enrollment.decision_track = decision_track
    if annual_average is not None:
        enrollment.annual_average = annual_average
    enrollment.save(update_fields=["decision", "decision_track", "annual_average"])
    audit_record(
        actor=actor,
        school_id=enrollment.school_id,
        object_type="enrollment",
        object_id=enrollment.pk,
        before=before,
        action="enrollment.correct_decision"
        if enrollment.year.is_closed
        else "enrollment.decision",
        after={
            "decision": decision,
            "track": decision_track.pk if decision_track else None,
            "average": str(annual_average) if annual_average is not None else None,
            "reason": reason,
        },
    )
    return enrollment


@transaction.atomic
def enrollment_end(*, actor, scope: Scope, enrollment, status: str, reason: str, on=None):
    """A student leaves the school (dropout, deceased, abroad…) or is excluded."""
    from massar.enrollment.models import Enrollment, LeftReason
    from massar.registry.models import StudentStatusChange

    _director_of(scope, enrollment)
    enrollment = Enrollment.objects.select_for_update().select_related("year").get(pk=enrollment.pk)
    if enrollment.year.is_closed:
        raise EnrollmentError(
            "closed_year", _("School year %(year)s is closed.") % {"year": enrollment.year.code}
        )
    if enrollment.status != Enrollment.Status.ENROLLED:
        raise EnrollmentError("not_enrolled", _("This student is no longer enrolled here."))
    if status not in (Enrollment.Status.LEFT, Enrollment.Status.EXCLUDED):
        raise EnrollmentError("status", _("A student leaves or is excluded."))
    if status == Enrollment.Status.LEFT and reason not in LeftReason.values:
        raise EnrollmentError("reason", _("Give the reason for leaving."))
    enrollment.status = status
    enrollment.left_reason = reason if status == Enrollment.Status.LEFT else ""
    enrollment.left_on = on or timezone_today()
    enrollment.save(update_fields=["status", "left_reason", "left_on"])
    StudentStatusChange.objects.create(student_id=enrollment.student_id, status=status, note=reason)
    audit_record(
        actor=actor,
        action="enrollment.end",
        object_type="enrollment",
        object_id=enrollment.pk,
        school_id=enrollment.school_id,
        after={"status": status, "reason": reason, "on": enrollment.left_on.isoformat()},
    )
    return enrollment


def reenrollment_review(*, scope: Scope, school, to_year):
    from massar.enrollment.rentree import LevelMap, previous_year, reenroll_school

    if not scope.administers_school(school.pk):
        raise PermissionDenied
    return reenroll_school(
        school_id=school.pk,
        from_year=previous_year(to_year),
        to_year=to_year,
        levels=LevelMap.load(),
        apply=False,
    )


def reenrollment_confirm(*, actor, scope: Scope, school, to_year):
    """The director confirms the re-enrollment of the school reviewed on the page; students
    are then distributed into the new year's classes for review."""
    from massar.enrollment.rentree import (
        LevelMap,
        distribute_school,
        previous_year,
        reenroll_school,
    )

    if not scope.manages_school(school.pk):
        raise PermissionDenied
    if to_year.is_closed:
        raise EnrollmentError(
            "closed_year", _("School year %(year)s is closed.") % {"year": to_year.code}
        )
    report = reenroll_school(
        school_id=school.pk,
        from_year=previous_year(to_year),
        to_year=to_year,
        levels=LevelMap.load(),
        apply=True,
        actor=actor,
    )
    with transaction.atomic():
        distribute_school(school_id=school.pk, to_year=to_year, actor=actor)
    return report


@transaction.atomic
def student_link_and_enroll(
    *, actor, scope: Scope, candidates, candidate_id: int, data: dict, school, level, track=None
):
    """The child at the desk is one of the registry's candidates: record that decision
    (audited, with what was typed) and enroll the existing record; no new code."""
    from massar.registry.services import RegistryError, student_link_existing

    chosen = next((c for c in candidates if c.student.pk == candidate_id), None)
    if chosen is None:
        raise RegistryError("no_candidate", _("Choose one of the students listed."))
    student = student_link_existing(
        actor=actor, student=chosen.student, data=data, score=chosen.score
    )
    enrollment_create(
        actor=actor, scope=scope, student=student, school=school, level=level, track=track
    )
    return student
