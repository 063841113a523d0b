"""Reads of the class council and of the publication of results: the classes of a school with
their council's state, one class's council sheet (its students' averages, proposed and final
decisions), the publication grid of a school, and whether a student's results of a period are
published (for the student and guardian spaces).

Every page read here runs a fixed number of queries whatever the class or school size."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import (
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
)
from django.http import Http404

from massar.assessment.models import ClassCouncil, CouncilDecision, GeneralResult, Publication
from massar.assessment.models.results import Period
from massar.assessment.policy import policy_for
from massar.core.scopes import Scope
from massar.enrollment.formation_selectors import class_get
from massar.enrollment.models import Decision, Enrollment, SchoolClass
from massar.schools.models import Level, School, SchoolYear

READ_ROLES = ("MINISTRY", "ACADEMY", "DIRECTORATE", "DIRECTOR", "STAFF")
MANAGE_ROLES = ("DIRECTOR",)
# Decisions the council may record over a proposal; COUNCIL is not a final decision.
OVERRIDE_DECISIONS = (Decision.PROMOTED, Decision.REPEATS, Decision.EXCLUDED)
PERIODS = (Period.S1, Period.S2, Period.ANNUAL)


def council_class_get(scope: Scope, class_id: int) -> SchoolClass:
    """A class whose council the user may read: their own school's (director, office staff)
    or one in their territory; 404 otherwise."""
    return class_get(scope, class_id)


def council_threshold_default(school_class: SchoolClass) -> Decimal:
    policy = policy_for(
        year=school_class.year, level=school_class.level, track=school_class.track_id
    )
    return Decimal(policy.promotion_threshold)


def council_get(school_class: SchoolClass) -> ClassCouncil:
    """The class's council, or an unsaved one when nobody has touched it yet."""
    council = ClassCouncil.objects.filter(
        school_id=school_class.school_id, school_class=school_class
    ).first()
    if council is None:
        council = ClassCouncil(
            school_id=school_class.school_id,
            year_id=school_class.year_id,
            school_class=school_class,
        )
    return council


def council_threshold(school_class: SchoolClass, council: ClassCouncil) -> Decimal:
    if council.threshold is not None:
        return council.threshold
    return council_threshold_default(school_class)


def _general(period: str, column: str):
    return Subquery(
        GeneralResult.objects.filter(
            school_id=OuterRef("school_id"),
            year_id=OuterRef("year_id"),
            period=period,
            student_id=OuterRef("student_id"),
        ).values(column)[:1]
    )


def _override(column: str):
    return Subquery(
        CouncilDecision.objects.filter(
            school_id=OuterRef("school_id"),
            year_id=OuterRef("year_id"),
            student_id=OuterRef("student_id"),
        ).values(column)[:1]
    )


@dataclass
class CouncilRow:
    enrollment_id: int
    student_id: int
    code_massar: str
    name_fr: str
    name_ar: str
    is_repeater: bool
    s1: Decimal | None
    s2: Decimal | None
    annual: Decimal | None
    rank: int | None
    proposed: str
    override: str
    reason: str

    @property
    def final(self) -> str:
        return self.override or self.proposed

    @property
    def final_label(self) -> str:
        return Decision(self.final).label if self.final in Decision.values else ""

    @property
    def proposed_label(self) -> str:
        return Decision(self.proposed).label if self.proposed in Decision.values else ""

    @property
    def unresolved(self) -> bool:
        """A proposal the council must settle before its validation."""
        return self.final in ("", Decision.COUNCIL)


def council_rows(school_class: SchoolClass) -> list[CouncilRow]:
    """The class's enrolled students with their semester and annual general averages, rank,
    proposed decision and the council's override (one query: correlated subqueries on the
    unique (school, year, period, student) key of GeneralResult and CouncilDecision)."""
    qs = (
        Enrollment.objects.filter(school_class=school_class, status=Enrollment.Status.ENROLLED)
        .annotate(
            s1=_general(Period.S1, "average"),
            s2=_general(Period.S2, "average"),
            annual=_general(Period.ANNUAL, "average"),
            rank=_general(Period.ANNUAL, "rank_class"),
            proposed=_general(Period.ANNUAL, "proposed_decision"),
            override=_override("decision"),
            reason=_override("reason"),
        )
        .order_by("student__last_name_fr", "student__first_name_fr", "student__code_massar")
        .values(
            "pk",
            "student_id",
            "student__code_massar",
            "student__last_name_fr",
            "student__first_name_fr",
            "student__last_name_ar",
            "student__first_name_ar",
            "is_repeater",
            "s1",
            "s2",
            "annual",
            "rank",
            "proposed",
            "override",
            "reason",
        )
    )
    return [
        CouncilRow(
            enrollment_id=r["pk"],
            student_id=r["student_id"],
            code_massar=r["student__code_massar"],
            name_fr=f"{r['student__last_name_fr']} {r['student__first_name_fr']}",
            name_ar=f"{r['student__last_name_ar']} {r['student__first_name_ar']}",
            is_repeater=r["is_repeater"],
            s1=_dec(r["s1"]),
            s2=_dec(r["s2"]),
            annual=_dec(r["annual"]),
            rank=r["rank"],
            proposed=r["proposed"] or "",
            override=r["override"] or "",
            reason=r["reason"] or "",
        )
        for r in qs
    ]


def _dec(value) -> Decimal | None:
    # SQLite hands subquery decimals back as floats or strings
    if value is None or isinstance(value, Decimal):
        return value
    return Decimal(str(value)).quantize(Decimal("0.01"))


@dataclass
class CouncilSheet:
    school_class: SchoolClass
    council: ClassCouncil
    threshold: Decimal
    threshold_default: Decimal
    rows: list[CouncilRow] = field(default_factory=list)

    @property
    def validated(self) -> bool:
        return self.council.validated_at is not None

    @property
    def unresolved(self) -> list[CouncilRow]:
        return [r for r in self.rows if r.unresolved]

    @property
    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for r in self.rows:
            out[r.final] = out.get(r.final, 0) + 1
        return out


def council_sheet(scope: Scope, school_class: SchoolClass) -> CouncilSheet:
    """Everything the council page and API show for a class (a fixed number of queries)."""
    council = council_get(school_class)
    default = council_threshold_default(school_class)
    return CouncilSheet(
        school_class=school_class,
        council=council,
        threshold=council.threshold if council.threshold is not None else default,
        threshold_default=default,
        rows=council_rows(school_class),
    )


def council_classes(scope: Scope, school: School, year: SchoolYear) -> list[dict]:
    """The school's classes of the year with their council's state: students, validation,
    threshold, and how many proposals still wait for the council (one query)."""
    councils = ClassCouncil.objects.filter(school_id=school.pk, school_class=OuterRef("pk"))
    waiting = (
        GeneralResult.objects.filter(
            school_id=school.pk,
            year=year,
            period=Period.ANNUAL,
            school_class=OuterRef("pk"),
            proposed_decision=Decision.COUNCIL,
        )
        .exclude(
            Exists(
                CouncilDecision.objects.filter(
                    school_id=school.pk, year=year, student_id=OuterRef("student_id")
                )
            )
        )
        .values("school_class")
        .annotate(n=Count("pk"))
        .values("n")
    )
    classes = (
        SchoolClass.objects.filter(school=school, year=year)
        .select_related("level", "track")
        .annotate(
            students=Count("enrollments", filter=Q(enrollments__status="ENROLLED")),
            validated_at=Subquery(councils.values("validated_at")[:1]),
            threshold=Subquery(councils.values("threshold")[:1]),
            waiting=Subquery(waiting[:1], output_field=IntegerField()),
        )
        .order_by("level__order", "name")
    )
    return [
        {
            "school_class": c,
            "students": c.students,
            "validated_at": c.validated_at,
            "threshold": _dec(c.threshold),
            "waiting": c.waiting or 0,
        }
        for c in classes
    ]


# --- publication ------------------------------------------------------------------------------


@dataclass
class PublicationLevel:
    level: Level
    classes: int
    validated: int
    publications: dict = field(default_factory=dict)  # period -> Publication

    @property
    def councils_done(self) -> bool:
        return self.classes > 0 and self.validated == self.classes

    def cells(self) -> list[tuple[str, str, Publication | None]]:
        return [(p.value, p.label, self.publications.get(p.value)) for p in PERIODS]


def publication_grid(scope: Scope, school: School, year: SchoolYear) -> list[PublicationLevel]:
    """The levels the school teaches this year (those with classes), each with its number of
    classes and of validated councils, and its publications per period (two queries)."""
    validated = ClassCouncil.objects.filter(
        school_id=school.pk, school_class=OuterRef("pk"), validated_at__isnull=False
    )
    rows = (
        SchoolClass.objects.filter(school=school, year=year)
        .annotate(done=Exists(validated))
        .values("level_id")
        .annotate(classes=Count("pk"), validated=Count("pk", filter=Q(done=True)))
        .order_by()
    )
    counts = {r["level_id"]: r for r in rows}
    levels = Level.objects.filter(pk__in=counts.keys()).order_by("order")
    publications: dict[int, dict] = {}
    for p in Publication.objects.filter(school=school, year=year).select_related("published_by"):
        publications.setdefault(p.level_id, {})[p.period] = p
    return [
        PublicationLevel(
            level=lv,
            classes=counts[lv.pk]["classes"],
            validated=counts[lv.pk]["validated"],
            publications=publications.get(lv.pk, {}),
        )
        for lv in levels
    ]


def _published(year, period: str | None = None):
    """Publications matching an enrollment of the outer query (its school, level and year)."""
    qs = Publication.objects.filter(
        school_id=OuterRef("school_id"), level_id=OuterRef("level_id"), year_id=OuterRef("year_id")
    )
    return qs.filter(period=period) if period else qs


def results_published(student_id: int, year: SchoolYear | int, period: str) -> bool:
    """Whether the student's results of `period` (S1, S2, ANNUAL) in `year` are published:
    the school and level of one of the student's enrollments that year have a publication for
    that period. Students and guardians see nothing of a period before this is true."""
    year_id = getattr(year, "pk", year)
    return (
        Enrollment.objects.filter(student_id=student_id, year_id=year_id)
        .filter(Exists(_published(year_id, period)))
        .exists()
    )


def published_periods(student_id: int, year: SchoolYear | int) -> list[str]:
    """The periods of `year` whose results are published for the student, in calendar order
    (one query)."""
    year_id = getattr(year, "pk", year)
    enrollments = Enrollment.objects.filter(student_id=student_id, year_id=year_id)
    found = set(
        Publication.objects.filter(
            year_id=year_id,
            school_id__in=enrollments.values("school_id"),
        )
        .filter(
            Exists(
                enrollments.filter(school_id=OuterRef("school_id"), level_id=OuterRef("level_id"))
            )
        )
        .values_list("period", flat=True)
    )
    return [p.value for p in PERIODS if p.value in found]


def council_school_year_get(scope: Scope, school_id, year_code: str | None):
    """The school and year a council list or publication page is about."""
    from massar.enrollment.formation_selectors import formation_school
    from massar.schools.selectors import current_year

    school = formation_school(scope, school_id)
    if year_code:
        year = SchoolYear.objects.filter(code=year_code).first()
        if year is None:
            raise Http404
    else:
        year = current_year()
        if year is None:
            raise Http404
    return school, year
