"""Writes of the class council and of the publication of results.

The council of a class sets its promotion threshold (proposals are recomputed for the class at
once), overrides proposals with a recorded reason, and is validated by the director: the final
decision and annual average of each enrolled student go to their enrollment in one UPDATE (the
year rollover reads them there). A validated council changes nothing until the director
reopens it. The director publishes a level's results of a period; the year's results only once
every class of the level has a validated council.

Every write is atomic and audited; every refusal is a CouncilError with a stable code, a
translated message and the HTTP status the API answers with."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Case, CharField, Exists, OuterRef, Subquery, Value, When
from django.db.models.functions import Coalesce, NullIf
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from massar.assessment.council_selectors import (
    OVERRIDE_DECISIONS,
    council_get,
    council_rows,
    council_threshold,
    council_threshold_default,
)
from massar.assessment.hooks import results_changed
from massar.assessment.models import (
    ClassCouncil,
    CouncilDecision,
    GeneralResult,
    Publication,
)
from massar.assessment.models.results import Period
from massar.core.audit import audit_record
from massar.core.scopes import Scope
from massar.enrollment.models import Decision, Enrollment, SchoolClass
from massar.schools.models import Cycle, Level, School, SchoolYear

MAX_NAMED = 20  # students or classes named in one refusal; the rest are counted


class CouncilError(Exception):
    def __init__(self, code: str, message: str, status: int = 409, names: list | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
        self.names = names or []


def _named(items: list[str]) -> str:
    shown = ", ".join(items[:MAX_NAMED])
    if len(items) > MAX_NAMED:
        rest = len(items) - MAX_NAMED
        shown += " " + ngettext("and %(count)d more", "and %(count)d more", rest) % {"count": rest}
    return shown


def _check_director(scope: Scope, school_id: int) -> None:
    if not scope.manages_school(school_id):
        raise CouncilError(
            "forbidden", _("Only the school's director may change its class councils."), 403
        )


def _locked_council(school_class: SchoolClass) -> ClassCouncil:
    """The class's council row, created if needed and locked for this transaction."""
    council, _created = ClassCouncil.objects.select_for_update().get_or_create(
        school_id=school_class.school_id,
        school_class=school_class,
        defaults={"year_id": school_class.year_id},
    )
    return council


def _check_open(council: ClassCouncil) -> None:
    if council.validated_at is not None:
        raise CouncilError(
            "council_validated",
            _("The council of this class is validated: reopen it before changing anything."),
        )


def _enrolled(school_class: SchoolClass):
    return Enrollment.objects.filter(school_class=school_class, status=Enrollment.Status.ENROLLED)


# --- proposals --------------------------------------------------------------------------------


def council_proposals_recompute(*, school_class: SchoolClass, threshold: Decimal) -> int:
    """Rewrite the proposed decisions of the class's annual results for `threshold` in one
    UPDATE: promoted at or above it, else repeats, except a collège student already repeating
    the level, who goes to the council. Students without an annual average get no proposal.
    Uses the (school, year, period, school_class) index of GeneralResult."""
    rules = [
        When(average__isnull=True, then=Value("")),
        When(average__gte=threshold, then=Value(Decision.PROMOTED)),
    ]
    if school_class.level.cycle == Cycle.MIDDLE:
        repeater = Enrollment.objects.filter(
            student_id=OuterRef("student_id"),
            year_id=OuterRef("year_id"),
            status=Enrollment.Status.ENROLLED,
            is_repeater=True,
        )
        rules.append(When(Exists(repeater), then=Value(Decision.COUNCIL)))
    return GeneralResult.objects.filter(
        school_id=school_class.school_id,
        year_id=school_class.year_id,
        period=Period.ANNUAL,
        school_class=school_class,
    ).update(
        proposed_decision=Case(*rules, default=Value(Decision.REPEATS), output_field=CharField())
    )


def _parse_threshold(value) -> Decimal:
    try:
        threshold = Decimal(str(value).strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        threshold = None
    if (
        threshold is None
        or not threshold.is_finite()
        or threshold < 0
        or threshold > 20
        or threshold != threshold.quantize(Decimal("0.01"))
    ):
        raise CouncilError(
            "invalid_threshold",
            _("The threshold is a mark from 0 to 20 with at most two decimals."),
            400,
        )
    return threshold.quantize(Decimal("0.01"))


def council_threshold_set(
    *, scope: Scope, actor, school_class: SchoolClass, threshold
) -> tuple[ClassCouncil, int]:
    """Set the class's promotion threshold (empty: back to the policy's) and recompute the
    class's proposals for it. Returns the council and the number of proposals rewritten."""
    _check_director(scope, school_class.school_id)
    value = None if threshold in (None, "") else _parse_threshold(threshold)
    with transaction.atomic():
        council = _locked_council(school_class)
        _check_open(council)
        before = council.threshold
        council.threshold = value
        council.save(update_fields=["threshold"])
        effective = council_threshold(school_class, council)
        changed = council_proposals_recompute(school_class=school_class, threshold=effective)
        audit_record(
            actor=actor,
            action="council.threshold",
            object_type="assessment.ClassCouncil",
            object_id=council.pk,
            before={"threshold": None if before is None else str(before)},
            after={"threshold": None if value is None else str(value), "effective": str(effective)},
            school_id=school_class.school_id,
        )
    return council, changed


# --- overrides --------------------------------------------------------------------------------


def _enrollment_in_class(school_class: SchoolClass, student_id: int) -> Enrollment:
    enrollment = (
        _enrolled(school_class).select_related("student").filter(student_id=student_id).first()
    )
    if enrollment is None:
        raise CouncilError("not_in_class", _("This student is not enrolled in this class."), 404)
    return enrollment


def council_override_set(
    *, scope: Scope, actor, school_class: SchoolClass, student_id: int, decision: str, reason: str
) -> CouncilDecision:
    """The council's decision for a student in place of the proposal, with its reason."""
    _check_director(scope, school_class.school_id)
    reason = (reason or "").strip()
    if decision not in OVERRIDE_DECISIONS:
        raise CouncilError(
            "invalid_decision",
            _("Choose the council's decision: promoted, repeats the level or excluded."),
            400,
        )
    if not reason:
        raise CouncilError("reason_required", _("Give the reason for the council's decision."), 400)
    if len(reason) > 300:
        raise CouncilError("reason_too_long", _("The reason is at most 300 characters long."), 400)
    with transaction.atomic():
        council = _locked_council(school_class)
        _check_open(council)
        enrollment = _enrollment_in_class(school_class, student_id)
        existing = CouncilDecision.objects.filter(
            school_id=school_class.school_id, year_id=school_class.year_id, student_id=student_id
        ).first()
        before = {"decision": existing.decision, "reason": existing.reason} if existing else None
        override, _created = CouncilDecision.objects.update_or_create(
            school_id=school_class.school_id,
            year_id=school_class.year_id,
            student_id=student_id,
            defaults={"decision": decision, "reason": reason, "decided_by": actor},
        )
        audit_record(
            actor=actor,
            action="council.override",
            object_type="assessment.CouncilDecision",
            object_id=override.pk,
            before=before,
            after={
                "student": enrollment.student.code_massar,
                "class_id": school_class.pk,
                "decision": decision,
                "reason": reason,
            },
            school_id=school_class.school_id,
        )
    return override


def council_override_clear(
    *, scope: Scope, actor, school_class: SchoolClass, student_id: int
) -> None:
    """Withdraw the council's decision: the proposal applies again."""
    _check_director(scope, school_class.school_id)
    with transaction.atomic():
        council = _locked_council(school_class)
        _check_open(council)
        enrollment = _enrollment_in_class(school_class, student_id)
        existing = CouncilDecision.objects.filter(
            school_id=school_class.school_id, year_id=school_class.year_id, student_id=student_id
        ).first()
        if existing is None:
            raise CouncilError(
                "no_override", _("The council has recorded no decision for this student.")
            )
        audit_record(
            actor=actor,
            action="council.override_clear",
            object_type="assessment.CouncilDecision",
            object_id=existing.pk,
            before={
                "student": enrollment.student.code_massar,
                "class_id": school_class.pk,
                "decision": existing.decision,
                "reason": existing.reason,
            },
            school_id=school_class.school_id,
        )
        existing.delete()


# --- validation -------------------------------------------------------------------------------


def council_validate(*, scope: Scope, actor, school_class: SchoolClass) -> ClassCouncil:
    """Close the council: every enrolled student needs a final decision (a proposal or the
    council's own, and never 'to the class council'); then each enrollment receives its final
    decision and annual average in one UPDATE."""
    _check_director(scope, school_class.school_id)
    with transaction.atomic():
        council = _locked_council(school_class)
        _check_open(council)
        rows = council_rows(school_class)
        if not rows:
            raise CouncilError("empty_class", _("This class has no enrolled student."))
        waiting = [r for r in rows if r.final == Decision.COUNCIL]
        if waiting:
            names = [f"{r.code_massar} {r.name_fr}" for r in waiting]
            raise CouncilError(
                "council_pending",
                _("The council must decide for these students before validating: %(students)s.")
                % {"students": _named(names)},
                names=names,
            )
        missing = [r for r in rows if not r.final]
        if missing:
            names = [f"{r.code_massar} {r.name_fr}" for r in missing]
            raise CouncilError(
                "no_decision",
                _(
                    "These students have no annual result and no council decision: "
                    "%(students)s. Compute the results or record the council's decision."
                )
                % {"students": _named(names)},
                names=names,
            )
        annual = GeneralResult.objects.filter(
            school_id=OuterRef("school_id"),
            year_id=OuterRef("year_id"),
            period=Period.ANNUAL,
            student_id=OuterRef("student_id"),
        )
        override = CouncilDecision.objects.filter(
            school_id=OuterRef("school_id"),
            year_id=OuterRef("year_id"),
            student_id=OuterRef("student_id"),
        )
        written = _enrolled(school_class).update(
            decision=Coalesce(
                Subquery(override.values("decision")[:1]),
                NullIf(Subquery(annual.values("proposed_decision")[:1]), Value("")),
                Value(""),
                output_field=CharField(),
            ),
            annual_average=Subquery(annual.values("average")[:1]),
        )
        council.validated_at = timezone.now()
        council.validated_by = actor if getattr(actor, "pk", None) else None
        if council.threshold is None:
            # the threshold the decisions were taken with stays on record
            council.threshold = council_threshold_default(school_class)
        council.save(update_fields=["validated_at", "validated_by", "threshold"])
        counts: dict[str, int] = {}
        for r in rows:
            counts[r.final] = counts.get(r.final, 0) + 1
        audit_record(
            actor=actor,
            action="council.validate",
            object_type="assessment.ClassCouncil",
            object_id=council.pk,
            after={
                "class_id": school_class.pk,
                "threshold": str(council.threshold),
                "students": written,
                "decisions": counts,
            },
            school_id=school_class.school_id,
        )
    return council


def council_reopen(*, scope: Scope, actor, school_class: SchoolClass) -> ClassCouncil:
    """Reopen a validated council. The decisions it wrote to the enrollments are withdrawn
    (in one UPDATE) so that the rollover never acts on a council that is not closed."""
    _check_director(scope, school_class.school_id)
    with transaction.atomic():
        council = _locked_council(school_class)
        if council.validated_at is None:
            raise CouncilError("council_open", _("The council of this class is not validated."))
        before = {
            "validated_at": council.validated_at.isoformat(),
            "validated_by": council.validated_by_id,
        }
        council.validated_at = None
        council.validated_by = None
        council.save(update_fields=["validated_at", "validated_by"])
        cleared = _enrolled(school_class).update(decision="", annual_average=None)
        audit_record(
            actor=actor,
            action="council.reopen",
            object_type="assessment.ClassCouncil",
            object_id=council.pk,
            before=before,
            after={"class_id": school_class.pk, "enrollments_cleared": cleared},
            school_id=school_class.school_id,
        )
    return council


# --- publication ------------------------------------------------------------------------------


def _check_publisher(scope: Scope, school: School) -> None:
    if not scope.manages_school(school.pk):
        raise CouncilError(
            "forbidden", _("Only the school's director may publish its results."), 403
        )


def _check_period(period: str) -> None:
    if period not in Period.values:
        raise CouncilError(
            "invalid_period", _("The period is the first semester, the second or the year."), 400
        )


def publication_publish(
    *, scope: Scope, actor, school: School, year: SchoolYear, level: Level, period: str
) -> Publication:
    """Make a level's results of a period visible to its students and guardians. The year's
    results need a validated council in every class of the level."""
    _check_publisher(scope, school)
    _check_period(period)
    with transaction.atomic():
        classes = list(
            SchoolClass.objects.filter(school=school, year=year, level=level)
            .annotate(
                done=Exists(
                    ClassCouncil.objects.filter(
                        school_id=school.pk,
                        school_class=OuterRef("pk"),
                        validated_at__isnull=False,
                    )
                )
            )
            .order_by("name")
            .values_list("name", "done")
        )
        if not classes:
            raise CouncilError(
                "no_class",
                _("Your school has no class of level %(level)s this year.") % {"level": level.code},
                400,
            )
        if period == Period.ANNUAL:
            open_classes = [name for name, done in classes if not done]
            if open_classes:
                raise CouncilError(
                    "councils_open",
                    _(
                        "The year's results are published once every class council of the "
                        "level is validated; still open: %(classes)s."
                    )
                    % {"classes": _named(open_classes)},
                    names=open_classes,
                )
        if Publication.objects.filter(
            school=school, year=year, level=level, period=period
        ).exists():
            raise CouncilError("already_published", _("These results are already published."))
        publication = Publication.objects.create(
            school=school,
            year=year,
            level=level,
            period=period,
            published_by=actor if getattr(actor, "pk", None) else None,
        )
        audit_record(
            actor=actor,
            action="results.publish",
            object_type="assessment.Publication",
            object_id=publication.pk,
            after={"year": year.code, "level": level.code, "period": period},
            school_id=school.pk,
        )
        results_changed(school=school, year=year, level=level, actor=actor)
    return publication


def publication_withdraw(
    *, scope: Scope, actor, school: School, year: SchoolYear, level: Level, period: str
) -> None:
    """Hide a published level's results of a period again."""
    _check_publisher(scope, school)
    _check_period(period)
    with transaction.atomic():
        publication = (
            Publication.objects.select_for_update()
            .filter(school=school, year=year, level=level, period=period)
            .first()
        )
        if publication is None:
            raise CouncilError("not_published", _("These results are not published."))
        audit_record(
            actor=actor,
            action="results.unpublish",
            object_type="assessment.Publication",
            object_id=publication.pk,
            before={
                "year": year.code,
                "level": level.code,
                "period": period,
                "published_at": publication.published_at.isoformat(),
            },
            school_id=school.pk,
        )
        publication.delete()
        results_changed(school=school, year=year, level=level, actor=actor)


__all__ = [
    "CouncilError",
    "council_get",
    "council_override_clear",
    "council_override_set",
    "council_proposals_recompute",
    "council_reopen",
    "council_threshold_set",
    "council_validate",
    "publication_publish",
    "publication_withdraw",
]
