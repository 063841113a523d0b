"""Transfers (mobilité): a student's move from one school to another, individual or collective.

Individual: the receiving school asks (or the family asks through the origin school), the
origin's director releases, the receiving director accepts; acceptance closes the origin
enrollment and opens one at the receiving school in one transaction. Every step locks the
transfer row first, so two directors acting at once end with one outcome and the other gets
a message saying what happened.

Collective: a whole cohort (every 6AP student of a primary school who passed, say) moves to a
level of another school, in a job; batches of set-based statements, each batch a short
transaction, so a run that stopped can be started again (moved students are skipped).

Each side sees its part: the receiving school sees only the code, names, date of birth and
origin school of a student until it accepts (the registry then shows it the student's file
through the new enrollment); directorates, academies and the ministry read the transfers that
touch schools in their scope.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from massar.core.audit import audit_bulk, audit_record
from massar.core.jobs import job_start
from massar.core.models import AuditEntry, Job
from massar.core.scopes import Scope
from massar.enrollment.models import Decision, Enrollment, Transfer
from massar.enrollment.services import EnrollmentError
from massar.registry.models import StudentStatusChange
from massar.schools.models import Level, School, SchoolYear, Track
from massar.schools.selectors import current_year

OPEN = (Transfer.Status.REQUESTED, Transfer.Status.RELEASED)
DESK_ROLES = ("DIRECTOR", "STAFF")
READ_ROLES = ("MINISTRY", "ACADEMY", "DIRECTORATE", "DIRECTOR", "STAFF")
MOBILITY_ROLES = ("MINISTRY", "ACADEMY", "DIRECTORATE", "DIRECTOR")
MOBILITY_KIND = "transfer.mobility"
# Decisions a cohort moves on by default; NO_DECISION also takes students without one (a
# school closing mid-year moves everyone).
DEFAULT_DECISIONS = (Decision.PROMOTED, Decision.PASSED)
NO_DECISION = "NONE"
BATCH = 500


class TransferError(EnrollmentError):
    """A refused transfer step: a stable code, a translated message, and the HTTP status the
    API answers with (400 for bad input, 409 when the transfer's state forbids the step)."""

    def __init__(self, code: str, message: str, status: int = 409):
        super().__init__(code, message)
        self.status = status


# --- reads -----------------------------------------------------------------------------------


def _visible_q(scope: Scope) -> Q:
    """Transfers with either end in a school the user administers or oversees."""
    if not scope.has(*READ_ROLES):
        return Q(pk__in=[])
    return scope.schools_q("origin_school__") | scope.schools_q("receiving_school__")


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def transfer_list(
    scope: Scope,
    *,
    status: str = "",
    kind: str = "",
    direction: str = "",
    since: date | None = None,
    until: date | None = None,
    text: str = "",
    batch_id: int | None = None,
) -> QuerySet[Transfer]:
    """The transfers the user may see, newest first, joined for the list's columns. Direction
    is relative to the user: "in" towards their schools (or territory), "out" from them. The
    (origin_school, status) and (receiving_school, status) indexes serve both sides."""
    qs = Transfer.objects.filter(_visible_q(scope)).select_related(
        "student",
        "year",
        "level",
        "track",
        "origin_school__directorate",
        "receiving_school__directorate",
    )
    if status in Transfer.Status.values:
        qs = qs.filter(status=status)
    if kind in Transfer.Kind.values:
        qs = qs.filter(kind=kind)
    if direction == "in":
        qs = qs.filter(scope.schools_q("receiving_school__"))
    elif direction == "out":
        qs = qs.filter(scope.schools_q("origin_school__"))
    if since:
        qs = qs.filter(requested_at__gte=_day_start(since))
    if until:
        qs = qs.filter(requested_at__lt=_day_start(date.fromordinal(until.toordinal() + 1)))
    text = text.strip().upper()
    if text:
        qs = qs.filter(
            Q(student__code_massar=text)
            | Q(origin_school__code=text)
            | Q(receiving_school__code=text)
        )
    if batch_id is not None:
        qs = qs.filter(batch_id=batch_id)
    return qs.order_by("-requested_at", "-id")


def transfer_get(scope: Scope, transfer_id: int) -> Transfer:
    """One transfer the user may see; 404 otherwise (an id from elsewhere reveals nothing)."""
    transfer = transfer_list(scope).filter(pk=transfer_id).first()
    if transfer is None:
        raise Http404
    return transfer


def transfer_side(scope: Scope, transfer: Transfer) -> str:
    """Which part the user plays: "origin", "receiving" (a school of theirs at that end; the
    origin wins when they administer both) or "oversight" (a territory's read-only view)."""
    if scope.administers_school(transfer.origin_school_id):
        return "origin"
    if scope.administers_school(transfer.receiving_school_id):
        return "receiving"
    return "oversight"


def transfer_file_visible(scope: Scope, transfer: Transfer) -> bool:
    """Whether the user may open the student's file from the transfer: the origin side and
    those overseeing it always, the receiving side only once the student is theirs."""
    if transfer.status == Transfer.Status.ACCEPTED:
        return True
    return scope.administers_school(transfer.origin_school_id) or _oversees(
        scope, transfer.origin_school
    )


def _requester_school_id(transfer: Transfer) -> int:
    if transfer.requested_by_family:
        return transfer.origin_school_id
    return transfer.receiving_school_id


def transfer_actions(scope: Scope, transfer: Transfer) -> list[str]:
    """The steps the user may take on the transfer now (the services check the same rules)."""
    actions = []
    origin_director = scope.manages_school(transfer.origin_school_id)
    receiving_director = scope.manages_school(transfer.receiving_school_id)
    if transfer.status == Transfer.Status.REQUESTED:
        if origin_director:
            actions.append("release")
        if origin_director or receiving_director:
            actions.append("refuse")
        if scope.administers_school(_requester_school_id(transfer)):
            actions.append("cancel")
    elif transfer.status == Transfer.Status.RELEASED and receiving_director:
        actions += ["accept", "refuse"]
    return actions


ACTION_LABELS = {
    "transfer.request": gettext_lazy("Requested"),
    "transfer.release": gettext_lazy("Released by the origin school"),
    "transfer.accept": gettext_lazy("Accepted"),
    "transfer.refuse": gettext_lazy("Refused"),
    "transfer.cancel": gettext_lazy("Cancelled"),
    "transfer.collective": gettext_lazy("Moved with the cohort"),
}


def transfer_history(transfer: Transfer) -> list[dict]:
    """Who did what and when, with the reasons given, from the audit log (one query)."""
    entries = (
        AuditEntry.objects.filter(object_type="transfer", object_id=str(transfer.pk))
        .select_related("actor")
        .order_by("at", "id")
    )
    return [
        {
            "action": e.action,
            "label": ACTION_LABELS.get(e.action, e.action),
            "at": e.at,
            "actor": e.actor.display_name() if e.actor else "",
            "reason": (e.after or {}).get("reason", ""),
        }
        for e in entries
    ]


# --- individual transfers --------------------------------------------------------------------


def _check_cycle(school: School, level: Level) -> None:
    """The school teaches the level (the rule of enrollment_create)."""
    flags = {"PRIMARY": school.has_primary, "MIDDLE": school.has_middle, "HIGH": school.has_high}
    if not flags[level.cycle]:
        raise TransferError(
            "wrong_cycle",
            _("%(school)s does not teach level %(level)s.")
            % {"school": school.name, "level": level.code},
            400,
        )


def _check_track(level: Level, track: Track | None) -> None:
    if level.has_tracks and track is None:
        raise TransferError(
            "track", _("Level %(level)s needs a track.") % {"level": level.code}, 400
        )
    if not level.has_tracks and track is not None:
        raise TransferError(
            "track", _("Level %(level)s has no track.") % {"level": level.code}, 400
        )
    if track is not None and not track.levels.filter(pk=level.pk).exists():
        raise TransferError(
            "track",
            _("Track %(track)s does not belong to level %(level)s.")
            % {"track": track.code, "level": level.code},
            400,
        )


def _open_year() -> SchoolYear:
    year = current_year()
    if year is None or year.is_closed:
        raise TransferError("closed_year", _("There is no open school year."), 409)
    return year


@transaction.atomic
def transfer_request(
    *,
    actor,
    scope: Scope,
    code_massar: str,
    receiving_school: School,
    birth_date: date | None = None,
    level: Level | None = None,
    track: Track | None = None,
    reason: str = "",
) -> Transfer:
    """Ask for a student's transfer to `receiving_school` this year.

    From the receiving school (its director or staff): the Code Massar and the date of birth
    must match a student enrolled elsewhere this year. From the origin school, on the family's
    behalf: the student is enrolled there and the receiving school is named. Level and track
    default to the current ones. Any other combination answers as if no student matched, so
    the form cannot be used to find out where a code is enrolled."""
    if not scope.has(*DESK_ROLES):
        raise PermissionDenied
    year = _open_year()
    code = (code_massar or "").strip().upper()
    at_receiving = scope.administers_school(receiving_school.pk)
    if at_receiving and birth_date is None:
        raise TransferError("birth_date", _("Give the student's date of birth."), 400)
    # The message depends on the input only, never on what the registry holds.
    not_found = TransferError(
        "student_not_found",
        _("No student enrolled this year matches this Code Massar and date of birth.")
        if at_receiving
        else _("No student enrolled this year has this Code Massar."),
        400,
    )
    # The lock serialises two requests for one student: the second sees the first's transfer.
    origin = (
        Enrollment.objects.select_for_update(of=("self",))
        .select_related("student", "school", "level", "track")
        .filter(student__code_massar=code, year=year, status=Enrollment.Status.ENROLLED)
        .first()
    )
    if origin is None:
        raise not_found
    if at_receiving:
        if origin.school_id == receiving_school.pk:
            raise TransferError(
                "same_school", _("This student is already enrolled in this school."), 400
            )
        if birth_date != origin.student.birth_date:
            raise not_found
        by_family = False
    elif scope.administers_school(origin.school_id):
        by_family = True
    else:
        raise not_found
    level = level or origin.level
    if track is None and level.pk == origin.level_id:
        track = origin.track
    _check_cycle(receiving_school, level)
    _check_track(level, track)
    if Transfer.objects.filter(student_id=origin.student_id, status__in=OPEN).exists():
        raise TransferError("already_open", _("A transfer of this student is already open."))
    try:
        with transaction.atomic():
            transfer = Transfer.objects.create(
                student=origin.student,
                year=year,
                kind=Transfer.Kind.INDIVIDUAL,
                origin_school=origin.school,
                receiving_school=receiving_school,
                origin_enrollment=origin,
                level=level,
                track=track,
                requested_by_family=by_family,
                reason=reason.strip()[:300],
            )
    except IntegrityError as err:  # the one-open-transfer constraint, on a race
        raise TransferError(
            "already_open", _("A transfer of this student is already open.")
        ) from err
    audit_record(
        actor=actor,
        action="transfer.request",
        object_type="transfer",
        object_id=transfer.pk,
        school_id=origin.school_id if by_family else receiving_school.pk,
        after={
            "student": code,
            "from": origin.school.code,
            "to": receiving_school.code,
            "level": level.code,
            "track": track.code if track else None,
            "by_family": by_family,
            "reason": transfer.reason,
        },
    )
    return transfer


def _locked(transfer: Transfer) -> Transfer:
    return (
        Transfer.objects.select_for_update(of=("self",))
        .select_related("origin_school", "receiving_school", "level", "track", "year", "student")
        .get(pk=transfer.pk)
    )


def _expect(transfer: Transfer, *allowed: str) -> None:
    """Refuse a step the transfer's current state forbids, saying what state it is in."""
    if transfer.status in allowed:
        return
    messages = {
        Transfer.Status.ACCEPTED: ("already_accepted", _("This transfer is already accepted.")),
        Transfer.Status.REFUSED: ("already_refused", _("This transfer has already been refused.")),
        Transfer.Status.CANCELLED: ("cancelled", _("This transfer has been cancelled.")),
        Transfer.Status.RELEASED: (
            "already_released",
            _("The origin school has already released this student."),
        ),
        Transfer.Status.REQUESTED: (
            "not_released",
            _("The origin school has not released this student yet."),
        ),
    }
    code, message = messages[transfer.status]
    raise TransferError(code, message)


def _audit_step(actor, transfer: Transfer, action: str, school_id: int, **after) -> None:
    audit_record(
        actor=actor,
        action=action,
        object_type="transfer",
        object_id=transfer.pk,
        school_id=school_id,
        after={"student": transfer.student.code_massar, "status": transfer.status, **after},
    )


@transaction.atomic
def transfer_release(*, actor, scope: Scope, transfer: Transfer) -> Transfer:
    """The origin's director lets the student go."""
    if not scope.manages_school(transfer.origin_school_id):
        raise PermissionDenied
    transfer = _locked(transfer)
    _expect(transfer, Transfer.Status.REQUESTED)
    transfer.status = Transfer.Status.RELEASED
    transfer.released_at = timezone.now()
    transfer.save(update_fields=["status", "released_at"])
    _audit_step(actor, transfer, "transfer.release", transfer.origin_school_id)
    return transfer


@transaction.atomic
def transfer_accept(*, actor, scope: Scope, transfer: Transfer) -> Transfer:
    """The receiving director takes the student in: the origin enrollment ends as transferred
    out today and an enrollment at the receiving school opens (level and track of the
    transfer, no class yet), with the registry's status history, all in one transaction."""
    if not scope.manages_school(transfer.receiving_school_id):
        raise PermissionDenied
    transfer = _locked(transfer)
    _expect(transfer, Transfer.Status.RELEASED)
    if transfer.year.is_closed:
        raise TransferError(
            "closed_year", _("School year %(year)s is closed.") % {"year": transfer.year.code}
        )
    origin = Enrollment.objects.select_for_update().get(pk=transfer.origin_enrollment_id)
    if origin.status != Enrollment.Status.ENROLLED:
        raise TransferError(
            "not_enrolled", _("The student is no longer enrolled at the origin school.")
        )
    _check_cycle(transfer.receiving_school, transfer.level)
    today = timezone.localdate()
    origin.status = Enrollment.Status.TRANSFERRED_OUT
    origin.left_on = today
    origin.save(update_fields=["status", "left_on"])
    new = Enrollment.objects.create(
        student_id=transfer.student_id,
        school_id=transfer.receiving_school_id,
        year=transfer.year,
        level=transfer.level,
        track=transfer.track,
        enrolled_on=max(transfer.year.starts_on, today),
    )
    transfer.status = Transfer.Status.ACCEPTED
    transfer.decided_at = timezone.now()
    transfer.new_enrollment = new
    transfer.save(update_fields=["status", "decided_at", "new_enrollment"])
    StudentStatusChange.objects.create(
        student_id=transfer.student_id,
        status=StudentStatusChange.Status.TRANSFERRED,
        note=f"{transfer.origin_school.code} → {transfer.receiving_school.code}",
    )
    _audit_step(
        actor,
        transfer,
        "transfer.accept",
        transfer.receiving_school_id,
        origin_enrollment=origin.pk,
        new_enrollment=new.pk,
    )
    return transfer


@transaction.atomic
def transfer_refuse(*, actor, scope: Scope, transfer: Transfer, reason: str) -> Transfer:
    """The origin's director refuses to release, or the receiving director refuses the
    student; a reason is required and becomes the transfer's reason (the request's own
    reason stays in the history)."""
    origin_director = scope.manages_school(transfer.origin_school_id)
    receiving_director = scope.manages_school(transfer.receiving_school_id)
    if not (origin_director or receiving_director):
        raise PermissionDenied
    reason = (reason or "").strip()[:300]
    if not reason:
        raise TransferError("reason", _("Give the reason for the refusal."), 400)
    transfer = _locked(transfer)
    if receiving_director:
        _expect(transfer, Transfer.Status.REQUESTED, Transfer.Status.RELEASED)
    else:
        _expect(transfer, Transfer.Status.REQUESTED)
    transfer.status = Transfer.Status.REFUSED
    transfer.decided_at = timezone.now()
    transfer.reason = reason
    transfer.save(update_fields=["status", "decided_at", "reason"])
    side = transfer.receiving_school_id if receiving_director else transfer.origin_school_id
    _audit_step(actor, transfer, "transfer.refuse", side, reason=reason)
    return transfer


@transaction.atomic
def transfer_cancel(*, actor, scope: Scope, transfer: Transfer, reason: str = "") -> Transfer:
    """The requesting school (the receiving one, or the origin on the family's behalf) takes
    its request back before the student is released."""
    requester = _requester_school_id(transfer)
    if not scope.administers_school(requester):
        raise PermissionDenied
    transfer = _locked(transfer)
    _expect(transfer, Transfer.Status.REQUESTED)
    transfer.status = Transfer.Status.CANCELLED
    transfer.decided_at = timezone.now()
    fields = ["status", "decided_at"]
    reason = (reason or "").strip()[:300]
    if reason:
        transfer.reason = reason
        fields.append("reason")
    transfer.save(update_fields=fields)
    _audit_step(actor, transfer, "transfer.cancel", requester, reason=reason)
    return transfer


# --- collective mobility ---------------------------------------------------------------------

SKIP_REASONS = {
    "no_decision": gettext_lazy("no end-of-year decision"),
    "decision_not_included": gettext_lazy("decision not included in the move"),
    "open_transfer": gettext_lazy("an individual transfer is open"),
    "already_enrolled": gettext_lazy("already enrolled in the target year"),
    "no_track": gettext_lazy("no track for the target level"),
}


@dataclass(frozen=True)
class MobilityPlan:
    """A checked collective move: who moves (origin, level, year, decisions) and where."""

    origin: School
    from_level: Level
    from_year: SchoolYear
    receiving: School
    to_level: Level
    to_track: Track | None
    to_year: SchoolYear
    decisions: tuple[str, ...]

    @property
    def same_year(self) -> bool:
        return self.from_year.pk == self.to_year.pk

    def params(self) -> dict:
        return {
            "origin": self.origin.pk,
            "from_level": self.from_level.pk,
            "from_year": self.from_year.pk,
            "receiving": self.receiving.pk,
            "to_level": self.to_level.pk,
            "to_track": self.to_track.pk if self.to_track else None,
            "to_year": self.to_year.pk,
            "decisions": list(self.decisions),
        }


def _oversees(scope: Scope, school: School) -> bool:
    if scope.nation:
        return True
    return school.directorate_id in scope.directorate_ids or (
        school.directorate.academy_id in scope.academy_ids
    )


def mobility_plan(
    *,
    scope: Scope,
    origin_school: School,
    from_level: Level,
    receiving_school: School,
    to_level: Level,
    to_year: SchoolYear,
    to_track: Track | None = None,
    from_year: SchoolYear | None = None,
    decisions: Iterable[str] = DEFAULT_DECISIONS,
) -> MobilityPlan:
    """Check a collective move before it runs: the origin's director, or a directorate,
    academy or the ministry over the origin school; the receiving school teaches the target
    level; the target year is the source year or a later one, and open."""
    if not (scope.manages_school(origin_school.pk) or _oversees(scope, origin_school)):
        raise PermissionDenied
    from_year = from_year or current_year()
    if from_year is None:
        raise TransferError("closed_year", _("There is no open school year."), 400)
    decisions = tuple(dict.fromkeys(decisions))
    unknown = [d for d in decisions if d not in Decision.values and d != NO_DECISION]
    if unknown or not decisions:
        raise TransferError("decisions", _("Choose the decisions of the students who move."), 400)
    if to_year.is_closed:
        raise TransferError(
            "closed_year", _("School year %(year)s is closed.") % {"year": to_year.code}, 400
        )
    if to_year.starts_on < from_year.starts_on:
        raise TransferError(
            "year_order",
            _("Students move into %(from)s or a later school year, not %(to)s.")
            % {"from": from_year.code, "to": to_year.code},
            400,
        )
    _check_cycle(receiving_school, to_level)
    if to_track is not None or not to_level.has_tracks:
        # Without a fixed track each student takes the track of their orientation decision.
        _check_track(to_level, to_track)
    if receiving_school.pk == origin_school.pk and to_level.pk == from_level.pk:
        raise TransferError("same_school", _("The students would stay where they are."), 400)
    return MobilityPlan(
        origin=origin_school,
        from_level=from_level,
        from_year=from_year,
        receiving=receiving_school,
        to_level=to_level,
        to_track=to_track,
        to_year=to_year,
        decisions=decisions,
    )


def mobility_plan_from_params(scope: Scope, params: dict) -> MobilityPlan:
    """The plan of a job, checked again when it runs (a school or a year may have changed)."""
    return mobility_plan(
        scope=scope,
        origin_school=School.objects.select_related("directorate").get(pk=params["origin"]),
        from_level=Level.objects.get(pk=params["from_level"]),
        from_year=SchoolYear.objects.get(pk=params["from_year"]),
        receiving_school=School.objects.get(pk=params["receiving"]),
        to_level=Level.objects.get(pk=params["to_level"]),
        to_track=Track.objects.get(pk=params["to_track"]) if params.get("to_track") else None,
        to_year=SchoolYear.objects.get(pk=params["to_year"]),
        decisions=params["decisions"],
    )


@transaction.atomic
def mobility_start(
    *,
    actor,
    scope: Scope,
    origin_school: School,
    from_level: Level,
    receiving_school: School,
    to_level: Level,
    to_year: SchoolYear,
    to_track: Track | None = None,
    from_year: SchoolYear | None = None,
    decisions: Iterable[str] = DEFAULT_DECISIONS,
) -> Job:
    """Start a collective move as a job (progress bar at /jobs/<id>/, report in its result)."""
    plan = mobility_plan(
        scope=scope,
        origin_school=origin_school,
        from_level=from_level,
        receiving_school=receiving_school,
        to_level=to_level,
        to_year=to_year,
        to_track=to_track,
        from_year=from_year,
        decisions=decisions,
    )
    audit_record(
        actor=actor,
        action="transfer.mobility_start",
        object_type="school",
        object_id=origin_school.pk,
        school_id=origin_school.pk,
        after={
            "from": f"{origin_school.code} {from_level.code} {plan.from_year.code}",
            "to": f"{receiving_school.code} {to_level.code} {to_year.code}",
            "track": to_track.code if to_track else None,
            "decisions": list(plan.decisions),
        },
    )
    return job_start(
        kind=MOBILITY_KIND,
        title=_(
            "Collective mobility: %(from_level)s of %(origin)s to %(to_level)s of %(receiving)s"
        )
        % {
            "from_level": from_level.code,
            "origin": origin_school.code,
            "to_level": to_level.code,
            "receiving": receiving_school.code,
        },
        params=plan.params(),
        actor=actor,
        school_id=origin_school.pk,
    )


def _classify(
    plan: MobilityPlan, row: dict, *, open_transfers: set, enrolled: set, track_ids: set
) -> tuple[str | None, int | None]:
    """(skip reason, None) or (None, track id) for one source enrollment."""
    decision = row["decision"]
    if not decision and NO_DECISION not in plan.decisions:
        return "no_decision", None
    if decision and decision not in plan.decisions:
        return "decision_not_included", None
    if row["student_id"] in open_transfers:
        return "open_transfer", None
    if row["student_id"] in enrolled:
        return "already_enrolled", None
    if not plan.to_level.has_tracks:
        return None, None
    if plan.to_track is not None:
        return None, plan.to_track.pk
    if row["decision_track_id"] in track_ids:  # the track of the orientation decision
        return None, row["decision_track_id"]
    return "no_track", None


def _move_batch(plan: MobilityPlan, ids: list[int], *, job: Job, actor) -> tuple[int, list]:
    """Move one batch of source enrollments (a fixed number of statements whatever its size);
    the caller runs it in a transaction. Returns the number moved and the skipped rows."""
    rows = list(
        Enrollment.objects.select_for_update(of=("self",))
        .filter(pk__in=ids, status=Enrollment.Status.ENROLLED)
        .order_by("pk")
        .values("pk", "student_id", "student__code_massar", "decision", "decision_track_id")
    )
    students = [r["student_id"] for r in rows]
    open_transfers = set(
        Transfer.objects.filter(student_id__in=students, status__in=OPEN).values_list(
            "student_id", flat=True
        )
    )
    enrolled = set()
    if not plan.same_year:
        enrolled = set(
            Enrollment.objects.filter(
                student_id__in=students, year=plan.to_year, status=Enrollment.Status.ENROLLED
            ).values_list("student_id", flat=True)
        )
    track_ids = set(plan.to_level.tracks.values_list("pk", flat=True))
    moving, skipped = [], []
    for row in rows:
        reason, track_id = _classify(
            plan, row, open_transfers=open_transfers, enrolled=enrolled, track_ids=track_ids
        )
        if reason:
            skipped.append({"code": row["student__code_massar"], "reason": reason})
        else:
            moving.append((row, track_id))
    if not moving:
        return 0, skipped
    now, today = timezone.now(), timezone.localdate()
    if plan.same_year:
        # Before the insert: the one-enrollment-a-year constraint holds after each statement.
        Enrollment.objects.filter(pk__in=[r["pk"] for r, _t in moving]).update(
            status=Enrollment.Status.TRANSFERRED_OUT, left_on=today
        )
    new = Enrollment.objects.bulk_create(
        [
            Enrollment(
                student_id=row["student_id"],
                school_id=plan.receiving.pk,
                year_id=plan.to_year.pk,
                level_id=plan.to_level.pk,
                track_id=track_id,
                enrolled_on=max(plan.to_year.starts_on, today),
                decision="",
            )
            for row, track_id in moving
        ]
    )
    transfers = Transfer.objects.bulk_create(
        [
            Transfer(
                student_id=row["student_id"],
                year_id=plan.to_year.pk,
                kind=Transfer.Kind.COLLECTIVE,
                status=Transfer.Status.ACCEPTED,
                origin_school_id=plan.origin.pk,
                receiving_school_id=plan.receiving.pk,
                origin_enrollment_id=row["pk"],
                new_enrollment_id=enrollment.pk,
                level_id=plan.to_level.pk,
                track_id=track_id,
                released_at=now,
                decided_at=now,
                batch_id=job.pk,
            )
            for (row, track_id), enrollment in zip(moving, new, strict=True)
        ]
    )
    note = f"{plan.origin.code} → {plan.receiving.code}"
    StudentStatusChange.objects.bulk_create(
        [
            StudentStatusChange(
                student_id=row["student_id"],
                status=StudentStatusChange.Status.TRANSFERRED,
                note=note,
            )
            for row, _t in moving
        ]
    )
    audit_bulk(
        [
            {
                "actor": actor,
                "action": "transfer.collective",
                "object_type": "transfer",
                "object_id": t.pk,
                "school_id": plan.origin.pk,
                "after": {
                    "student": row["student__code_massar"],
                    "to": plan.receiving.code,
                    "level": plan.to_level.code,
                    "year": plan.to_year.code,
                    "job": job.pk,
                },
            }
            for t, (row, _t) in zip(transfers, moving, strict=True)
        ]
    )
    return len(moving), skipped


def mobility_move(
    *,
    job: Job,
    actor,
    plan: MobilityPlan,
    total: Callable[[int], None] = lambda n: None,
    advance: Callable[[int], None] = lambda n: None,
) -> dict:
    """Run a checked plan: the cohort's enrollments in primary-key batches, one short
    transaction each, so a stopped run resumes (students already moved are skipped as
    already enrolled, or are no longer enrolled at the origin). Returns the job's report."""
    ids = list(
        Enrollment.objects.filter(
            school_id=plan.origin.pk,
            year_id=plan.from_year.pk,
            level_id=plan.from_level.pk,
            status=Enrollment.Status.ENROLLED,
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    total(len(ids))
    moved, skipped = 0, []
    for start in range(0, len(ids), BATCH):
        with transaction.atomic():
            n, batch_skipped = _move_batch(plan, ids[start : start + BATCH], job=job, actor=actor)
        moved += n
        skipped += batch_skipped
        advance(min(start + BATCH, len(ids)))
    counts = Counter(s["reason"] for s in skipped)
    audit_record(
        actor=actor,
        action="transfer.mobility_done",
        object_type="job",
        object_id=job.pk,
        school_id=plan.origin.pk,
        source="job",
        after={"moved": moved, "skipped": dict(counts)},
    )
    sentences = [
        ngettext(
            "%(n)d student moved from %(from_level)s at %(origin)s to %(to_level)s at "
            "%(receiving)s for %(year)s.",
            "%(n)d students moved from %(from_level)s at %(origin)s to %(to_level)s at "
            "%(receiving)s for %(year)s.",
            moved,
        )
        % {
            "n": moved,
            "from_level": plan.from_level.code,
            "origin": plan.origin.code,
            "to_level": plan.to_level.code,
            "receiving": plan.receiving.code,
            "year": plan.to_year.code,
        }
    ]
    for reason, n in sorted(counts.items()):
        sentences.append(
            ngettext("%(n)d student skipped: %(reason)s.", "%(n)d students skipped: %(reason)s.", n)
            % {"n": n, "reason": SKIP_REASONS[reason]}
        )
    return {
        "moved": moved,
        "skipped": dict(counts),
        "skipped_students": skipped[:1000],
        "to_year": plan.to_year.code,
        "summary": " ".join(sentences),
        "link": reverse("transfer:transfer_list") + f"?batch={job.pk}",
    }
