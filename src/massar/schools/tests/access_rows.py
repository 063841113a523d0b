"""Access-matrix rows of the schools app's routes."""

from massar.core.tests.access import Case, expect
from massar.demo.builder import DEMO_YEAR
from massar.schools.models import CurriculumEntry, School

OVERSIGHT = {"ministry": 200, "academy": 200, "directorate": 200, "director": 200, "staff": 200}
STAFF = {**OVERSIGHT, "teacher": 200}


def _detail(p):
    lycee = School.objects.get(code="04021C")
    return [
        Case(
            f"/schools/{lycee.pk}/",
            expect(
                403, anon=302, ministry=200, academy=200, directorate=404, director=404, staff=404
            ),
        ),
        Case(
            f"/api/v1/schools/{lycee.pk}",
            expect(
                403, anon=401, ministry=200, academy=200, directorate=404, director=404, staff=404
            ),
        ),
    ]


def _entry(p):
    entry = CurriculumEntry.objects.filter(year__is_current=True).first()
    values = {"coefficient": str(entry.coefficient), "weekly_hours": str(entry.weekly_hours)}
    return [
        Case(
            f"/curriculum/{entry.pk}/",
            expect(403, anon=302, ministry=302),
            method="post",
            data=values,
        ),
        Case(
            f"/api/v1/schools/curriculum/entries/{entry.pk}",
            expect(403, anon=401, ministry=200),
            method="patch",
            json=True,
            data=values,
        ),
    ]


ROWS = {
    "schools/": lambda p: [Case("/schools/", expect(403, anon=302, **OVERSIGHT))],
    "schools/export.<str:fmt>": lambda p: [
        Case("/schools/export.csv", expect(403, anon=302, **OVERSIGHT))
    ],
    "schools/<int:school_id>/": _detail,
    "api/v1/schools/": lambda p: [Case("/api/v1/schools/", expect(403, anon=401, **OVERSIGHT))],
    "api/v1/schools/<school_id>": lambda p: [],  # with the page
    "curriculum/": lambda p: [Case("/curriculum/", expect(403, anon=302, **STAFF))],
    "curriculum/add/": lambda p: [
        Case(
            "/curriculum/add/",
            expect(403, anon=302, ministry=302),
            method="post",
            data={"level": "1AC", "subject": "NOSUCH", "coefficient": "1", "weekly_hours": "1"},
        )
    ],
    "curriculum/<int:entry_id>/": _entry,
    "api/v1/schools/curriculum/entries": lambda p: [
        Case("/api/v1/schools/curriculum/entries", expect(403, anon=401, **STAFF)),
        Case(
            "/api/v1/schools/curriculum/entries",
            expect(403, anon=401, ministry=404),
            method="post",
            json=True,
            data={
                "year": DEMO_YEAR.code,
                "level": "1AC",
                "subject": "NOPE",
                "coefficient": "1",
                "weekly_hours": "1",
            },
        ),
    ],
    "api/v1/schools/curriculum/entries/<entry_id>": lambda p: [],
    "years/": lambda p: [Case("/years/", expect(403, anon=302, ministry=200))],
    "api/v1/schools/years/all": lambda p: [
        Case("/api/v1/schools/years/all", expect(403, anon=401, **STAFF)),
        Case(
            "/api/v1/schools/years/all",
            expect(403, anon=401, ministry=400),
            method="post",
            json=True,
            data={
                "code": "1999-2001",
                "starts_on": "1999-09-01",
                "s2_starts_on": "2000-02-01",
                "ends_on": "2000-07-01",
            },
        ),
    ],
}
