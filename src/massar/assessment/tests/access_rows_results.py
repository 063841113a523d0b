"""Access-matrix rows of the evaluation's results part (pages under results/, API under
api/v1/evaluation/results/).

Computing: a director for their school, the directorate, academy and ministry for the schools
of their territory; office staff, teachers, students and guardians are refused by role. The
collège 04012B (directorate 0401) frames the rows; the lycée 04021C (directorate 0402, same
academy) is outside the collège's director's and directorate's reach (404).

Reading a class's results: the school's administration, a teacher of the class, the
oversight of its territory; students and guardians never here (they read published results
in their own spaces)."""

from massar.core.tests.access import Case, expect
from massar.enrollment.models import SchoolClass, TeachingAssignment

READERS = {
    "ministry": 200,
    "academy": 200,
    "directorate": 200,
    "director": 200,
    "staff": 200,
    "teacher": 200,
}
COLLEGE, LYCEE = "04012B", "04021C"


def _classes(p):
    taught = (
        TeachingAssignment.objects.filter(teacher__user=p["teacher"])
        .order_by("school_class_id")
        .values_list("school_class_id", flat=True)
        .first()
    )
    untaught = (
        SchoolClass.objects.filter(school__code=COLLEGE, year__is_current=True)
        .exclude(
            pk__in=TeachingAssignment.objects.filter(teacher__user=p["teacher"]).values(
                "school_class_id"
            )
        )
        .order_by("pk")
        .values_list("pk", flat=True)
        .first()
    )
    lycee = (
        SchoolClass.objects.filter(school__code=LYCEE, year__is_current=True)
        .order_by("pk")
        .values_list("pk", flat=True)
        .first()
    )
    return taught, untaught, lycee


def _class_cases(p):
    taught, untaught, lycee = _classes(p)
    hidden = {"ministry": 200, "academy": 200}
    cases = []
    for prefix, anon, outsider in (
        ("/results/classes/", 302, 403),
        ("/api/v1/evaluation/results/classes/", 401, 404),
    ):
        end = "/" if prefix.startswith("/results") else ""
        cases += [
            Case(f"{prefix}{taught}{end}?period=S1", expect(outsider, anon=anon, **READERS)),
            Case(
                f"{prefix}{untaught}{end}?period=ANNUAL",
                expect(outsider, anon=anon, **{**READERS, "teacher": 404}),
            ),
            Case(
                f"{prefix}{lycee}{end}",
                expect(
                    outsider,
                    anon=anon,
                    directorate=404,
                    director=404,
                    staff=404,
                    teacher=404,
                    **hidden,
                ),
            ),
        ]
    return cases


LAUNCHERS = {"ministry": 302, "academy": 302, "directorate": 302, "director": 302}

ROWS = {
    "results/": lambda p: [
        Case("/results/", expect(403, anon=302, **READERS)),
        Case(f"/results/?school={COLLEGE}", expect(403, anon=302, **READERS)),
    ],
    "results/compute/": lambda p: [
        Case(
            "/results/compute/",
            expect(403, anon=302, **LAUNCHERS),
            method="post",
            data={"school": COLLEGE, "semester": "1"},
        ),
        Case(
            "/results/compute/",
            expect(403, anon=302, ministry=302, academy=302, directorate=404, director=404),
            method="post",
            data={"school": LYCEE, "semester": "1"},
        ),
    ],
    "results/classes/<int:class_id>/": _class_cases,
    "api/v1/evaluation/results/classes/<class_id>": lambda p: [],  # with the page
    "api/v1/evaluation/results/compute": lambda p: [
        Case(
            "/api/v1/evaluation/results/compute",
            expect(403, anon=401, ministry=200, academy=200, directorate=200, director=200),
            method="post",
            json=True,
            data={"school": COLLEGE, "semester": 1},
        ),
        Case(
            "/api/v1/evaluation/results/compute",
            expect(403, anon=401, ministry=200, academy=200, directorate=404, director=404),
            method="post",
            json=True,
            data={"school": LYCEE, "semester": 1},
        ),
    ],
}
