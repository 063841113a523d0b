"""Access-matrix rows of the evaluation's council part: class councils (pages under councils/,
API under api/v1/evaluation/councils/), publication of results and the analysts' exports.

A class of the demo collège (04012B, directorate 0401) frames each council row: its director
acts, its staff, directorate, academy and ministry read; a class of the lycée (04021C,
directorate 0402) is hidden from the collège's people and from directorate 0401 (404).
Also holds `results_for`, the small helper the council tests use to write results rows as
the results job would (they do not depend on the job)."""

from decimal import Decimal

from django.db.models import Count, Q

from massar.assessment.models import GeneralResult
from massar.assessment.models.results import Period
from massar.core.tests.access import Case, expect
from massar.enrollment.models import Enrollment, SchoolClass
from massar.schools.models import School
from massar.schools.selectors import current_year

COLLEGE, LYCEE = "04012B", "04021C"
READERS = {"ministry": 200, "academy": 200, "directorate": 200, "director": 200, "staff": 200}
HIDDEN = {"directorate": 404, "director": 404, "staff": 404}  # on the lycée's class


def school_class(code: str, index: int = 0) -> SchoolClass:
    """The school's `index`-th class of the year among those with at least three enrolled
    students (rows of other parts run before these may empty a class)."""
    return (
        SchoolClass.objects.filter(school__code=code, year=current_year())
        .annotate(n=Count("enrollments", filter=Q(enrollments__status="ENROLLED")))
        .filter(n__gte=3)
        .select_related("school", "year", "level", "track")
        .order_by("level__order", "name")[index]
    )


def enrolled(sc: SchoolClass) -> list[Enrollment]:
    return list(
        Enrollment.objects.filter(school_class=sc, status="ENROLLED")
        .select_related("student")
        .order_by("student__code_massar")
    )


def results_for(sc: SchoolClass, annual: dict, *, proposed: dict | None = None) -> None:
    """S1, S2 and ANNUAL general results for the class's students, as the results job writes
    them: `annual` maps student id → annual average (S1 = S2 = it); `proposed` maps student id
    → proposed decision (default PROMOTED at ≥ 10, else REPEATS)."""
    proposed = proposed or {}
    # rows another part's access rows may have computed for these students are replaced
    GeneralResult.objects.filter(
        school_id=sc.school_id, year_id=sc.year_id, student_id__in=list(annual)
    ).delete()
    rows = []
    for student_id, average in annual.items():
        average = None if average is None else Decimal(str(average))
        for period in (Period.S1, Period.S2, Period.ANNUAL):
            decision = ""
            if period == Period.ANNUAL and average is not None:
                decision = proposed.get(student_id) or ("PROMOTED" if average >= 10 else "REPEATS")
            rows.append(
                GeneralResult(
                    school_id=sc.school_id,
                    year_id=sc.year_id,
                    period=period,
                    school_class=sc,
                    level_id=sc.level_id,
                    student_id=student_id,
                    average=average,
                    rank_class=1,
                    proposed_decision=decision,
                )
            )
    GeneralResult.objects.bulk_create(rows)


def _all_promoted(sc: SchoolClass) -> None:
    results_for(sc, {e.student_id: 14 for e in enrolled(sc)})


def _pages(p):
    mine, other = school_class(COLLEGE), school_class(LYCEE)
    return [
        Case("/councils/", expect(403, anon=302, **READERS)),
        Case(f"/councils/{mine.pk}/", expect(403, anon=302, **READERS)),
        Case(f"/councils/{other.pk}/", expect(403, anon=302, **{**READERS, **HIDDEN})),
        Case(f"/api/v1/evaluation/councils/{mine.pk}", expect(403, anon=401, **READERS)),
        Case(
            f"/api/v1/evaluation/councils/{other.pk}",
            expect(403, anon=401, **{**READERS, **HIDDEN}),
        ),
    ]


def _page_step(step: str, data=None):
    """A director's step on the council page: the collège's director is redirected back to
    the page (with the outcome as a message); the lycée's class is not found for them."""

    def cases(p):
        mine, other = school_class(COLLEGE, 1), school_class(LYCEE)
        student = enrolled(mine)[0].student_id
        payload = {"student": student, **(data or {})}
        return [
            Case(
                f"/councils/{mine.pk}/{step}/",
                expect(403, anon=302, director=302),
                method="post",
                data=payload,
            ),
            Case(
                f"/councils/{other.pk}/{step}/",
                expect(403, anon=302, director=404),
                method="post",
                data=payload,
            ),
        ]

    return cases


def _api_steps(p):
    """Threshold, override, its withdrawal, validation and reopening of a collège class with
    results, through the API, in that order: each answers 200 to its director; the lycée's
    class is not found for them."""
    mine, other = school_class(COLLEGE, 2), school_class(LYCEE)
    _all_promoted(mine)
    student = enrolled(mine)[0].student_id
    base, hidden = (
        f"/api/v1/evaluation/councils/{mine.pk}",
        f"/api/v1/evaluation/councils/{other.pk}",
    )
    override = {"student_id": student, "decision": "REPEATS", "reason": "Absences répétées"}

    def step(url, data=None, method="post", director=200):
        return Case(
            url, expect(403, anon=401, director=director), method=method, json=True, data=data or {}
        )

    return [
        step(f"{base}/threshold", {"threshold": "11.5"}),
        step(f"{hidden}/threshold", {"threshold": "11.5"}, director=404),
        step(f"{base}/overrides", override),
        step(f"{hidden}/overrides", override, director=404),
        step(f"{base}/overrides/{student}", method="delete"),
        step(f"{hidden}/overrides/{student}", method="delete", director=404),
        step(f"{base}/validate"),
        step(f"{hidden}/validate", director=404),
        step(f"{base}/reopen"),
        step(f"{hidden}/reopen", director=404),
    ]


def _publications(p):
    college = School.objects.get(code=COLLEGE)
    lycee = School.objects.get(code=LYCEE)
    level = school_class(COLLEGE).level.code
    form = {"school": college.pk, "level": level, "period": "S1"}
    api = {"level": level, "period": "S1"}
    return [
        Case("/publications/", expect(403, anon=302, **READERS)),
        Case(f"/publications/?school={lycee.pk}", expect(403, anon=302, **{**READERS, **HIDDEN})),
        Case(
            "/publications/publish/", expect(403, anon=302, director=302), method="post", data=form
        ),
        Case(
            "/publications/withdraw/", expect(403, anon=302, director=302), method="post", data=form
        ),
        # the lycée is not the collège director's: not found
        Case(
            "/publications/publish/",
            expect(403, anon=302, director=404),
            method="post",
            data={**form, "school": lycee.pk},
        ),
        Case(f"/api/v1/evaluation/publications?school={COLLEGE}", expect(403, anon=401, **READERS)),
        Case(
            f"/api/v1/evaluation/publications?school={LYCEE}",
            expect(403, anon=401, **{**READERS, **HIDDEN}),
        ),
        Case(
            "/api/v1/evaluation/publications",
            expect(403, anon=401, director=200),
            method="post",
            json=True,
            data=api,
        ),
        Case(
            "/api/v1/evaluation/publications/withdraw",
            expect(403, anon=401, director=200),
            method="post",
            json=True,
            data=api,
        ),
    ]


def _exports(p):
    lycee = School.objects.get(code=LYCEE)
    year = current_year().code
    readers = READERS
    return [
        Case("/evaluation-exports/", expect(403, anon=302, **readers)),
        Case(f"/evaluation-exports/grades.csv?year={year}", expect(403, anon=302, **readers)),
        Case(f"/evaluation-exports/results.csv?year={year}", expect(403, anon=302, **readers)),
        Case(f"/evaluation-exports/curriculum.csv?year={year}", expect(403, anon=302, **readers)),
        Case(
            "/evaluation-exports/marks.csv",
            expect(403, anon=302, **{r: 404 for r in readers}),
        ),
        # another territory's school: not found
        Case(
            f"/evaluation-exports/grades.csv?school={lycee.pk}",
            expect(403, anon=302, **{**readers, **HIDDEN}),
        ),
        Case(f"/api/v1/evaluation/exports/results?year={year}", expect(403, anon=401, **readers)),
        Case(
            "/api/v1/evaluation/exports/marks",
            expect(403, anon=401, **{r: 404 for r in readers}),
        ),
        Case(
            f"/api/v1/evaluation/exports/grades?school={lycee.pk}",
            expect(403, anon=401, **{**readers, **HIDDEN}),
        ),
    ]


ROWS = {
    "councils/": _pages,
    "councils/<int:class_id>/": lambda p: [],  # with councils/
    "api/v1/evaluation/councils/<int:class_id>": lambda p: [],  # with councils/
    "councils/<int:class_id>/threshold/": _page_step("threshold", {"threshold": "10.5"}),
    "councils/<int:class_id>/override/": _page_step(
        "override", {"decision": "PROMOTED", "reason": "Progrès constants"}
    ),
    "councils/<int:class_id>/override/clear/": _page_step("override/clear"),
    "councils/<int:class_id>/validate/": _page_step("validate"),
    "councils/<int:class_id>/reopen/": _page_step("reopen"),
    "api/v1/evaluation/councils/<int:class_id>/threshold": _api_steps,
    "api/v1/evaluation/councils/<int:class_id>/overrides": lambda p: [],  # with threshold
    "api/v1/evaluation/councils/<int:class_id>/overrides/<int:student_id>": lambda p: [],
    "api/v1/evaluation/councils/<int:class_id>/validate": lambda p: [],
    "api/v1/evaluation/councils/<int:class_id>/reopen": lambda p: [],
    "publications/": _publications,
    "publications/publish/": lambda p: [],  # with publications/
    "publications/withdraw/": lambda p: [],
    "api/v1/evaluation/publications": lambda p: [],
    "api/v1/evaluation/publications/withdraw": lambda p: [],
    "evaluation-exports/": _exports,
    "evaluation-exports/<str:kind>.csv": lambda p: [],  # with evaluation-exports/
    "api/v1/evaluation/exports/<kind>": lambda p: [],  # with evaluation-exports/
}
