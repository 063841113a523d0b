"""Access-matrix rows of the class-formation routes (pages under classes/ and the API under
api/v1/formation/). The collège 04012B is the director's and staff's school, in the
directorate's territory; the lycée 04021C is in the academy but another directorate. Reads:
the school's director and staff and the oversight roles of its territory; writes: its
director only. Everyone else is refused (403), and a school outside a scope is not found."""

from massar.core.tests.access import Case, expect
from massar.enrollment.models import ClassPairing, Enrollment, SchoolClass
from massar.schools.models import School

COLLEGE, LYCEE = "04012B", "04021C"
READERS = {"ministry": 200, "academy": 200, "directorate": 200, "director": 200, "staff": 200}
# the lycée: in the academy's territory, not in the directorate's nor the collège's desk
LYCEE_READ = {"ministry": 200, "academy": 200, "directorate": 404, "director": 404, "staff": 404}


def _schools():
    return School.objects.get(code=COLLEGE), School.objects.get(code=LYCEE)


def _class(code: str, name: str) -> SchoolClass:
    return SchoolClass.objects.get(school__code=code, year__is_current=True, name=name)


def _pairing(school: School, offset: int) -> ClassPairing:
    """A request between two students of the school (made here: the demo has none); each
    row takes its own two students, as a pair is unique in a year."""
    first, second = (
        Enrollment.objects.filter(school=school, year__is_current=True, status="ENROLLED")
        .order_by("pk")
        .values_list("student_id", flat=True)[offset : offset + 2]
    )
    return ClassPairing.objects.create(
        school=school,
        year=school.enrollments.first().year,
        first_id=min(first, second),
        second_id=max(first, second),
        mode="APART",
    )


def _page_structure(p):
    _college, lycee = _schools()
    return [
        # oversight roles get a chooser of their schools; desk roles their own school
        Case("/classes/", expect(403, anon=302, **READERS)),
        Case(f"/classes/?school={lycee.pk}", expect(403, anon=302, **LYCEE_READ)),
    ]


def _page_declare(p):
    college, lycee = _schools()
    return [
        Case(
            "/classes/declare/",
            expect(403, anon=302, director=302),
            method="post",
            data={"school": college.pk, "level": "1AC", "count": "1", "capacity": "30"},
        ),
        Case(
            "/classes/declare/",
            expect(403, anon=302, director=404),
            method="post",
            data={
                "school": lycee.pk,
                "level": "TC",
                "track": "TCS",
                "count": "1",
                "capacity": "30",
            },
        ),
    ]


def _page_class(p):
    mine, theirs = _class(COLLEGE, "1AC-1"), _class(LYCEE, "TCS-1")
    return [
        Case(f"/classes/{mine.pk}/", expect(403, anon=302, **READERS)),
        Case(f"/classes/{theirs.pk}/", expect(403, anon=302, **LYCEE_READ)),
    ]


def _page_class_edit(p):
    mine, theirs = _class(COLLEGE, "1AC-1"), _class(LYCEE, "TCS-1")
    return [
        Case(
            f"/classes/{mine.pk}/edit/",
            expect(403, anon=302, director=302),
            method="post",
            data={"name": "1AC-1", "capacity": "40"},
        ),
        Case(
            f"/classes/{theirs.pk}/edit/",
            expect(403, anon=302, director=404),
            method="post",
            data={"name": "X", "capacity": "40"},
        ),
    ]


def _page_class_delete(p):
    mine, theirs = _class(COLLEGE, "1AC-1"), _class(LYCEE, "TCS-1")
    return [
        # a class with students: the director is sent back with the refusal
        Case(f"/classes/{mine.pk}/delete/", expect(403, anon=302, director=302), method="post"),
        Case(f"/classes/{theirs.pk}/delete/", expect(403, anon=302, director=404), method="post"),
    ]


def _page_level(p):
    college, lycee = _schools()
    return [
        Case(f"/classes/1AC/?school={college.pk}", expect(403, anon=302, **READERS)),
        # without a school: the desk's own; oversight must name one
        Case(
            "/classes/1AC/",
            expect(
                403, anon=302, ministry=404, academy=404, directorate=404, director=200, staff=200
            ),
        ),
        Case(f"/classes/TC/?school={lycee.pk}&track=TCS", expect(403, anon=302, **LYCEE_READ)),
        Case(
            f"/classes/NOPE/?school={college.pk}",
            expect(403, anon=302, **{r: 404 for r in READERS}),
        ),
    ]


def _page_assign(p):
    college, lycee = _schools()
    mine, theirs = _class(COLLEGE, "1AC-1"), _class(LYCEE, "TCS-1")
    inside = mine.enrollments.order_by("pk").first()
    other = theirs.enrollments.order_by("pk").first()
    return [
        Case(
            "/classes/1AC/assign/",
            expect(403, anon=302, director=302),
            method="post",
            data={"school": college.pk, "target": mine.pk, "enrollment": [inside.pk]},
        ),
        Case(
            "/classes/TC/assign/",
            expect(403, anon=302, director=404),
            method="post",
            data={
                "school": lycee.pk,
                "track": "TCS",
                "target": theirs.pk,
                "enrollment": [other.pk],
            },
        ),
    ]


def _page_confirm(p):
    college, lycee = _schools()
    return [
        # a fingerprint that matches nothing: refused with a message, nothing written
        Case(
            "/classes/1AC/confirm/",
            expect(403, anon=302, director=302),
            method="post",
            data={"school": college.pk, "fingerprint": "stale"},
        ),
        Case(
            "/classes/TC/confirm/",
            expect(403, anon=302, director=404),
            method="post",
            data={"school": lycee.pk, "track": "TCS", "fingerprint": "stale"},
        ),
    ]


def _page_pair_create(p):
    college, lycee = _schools()
    codes = list(
        Enrollment.objects.filter(school=college, level__code="1AC")
        .order_by("pk")
        .values_list("student__code_massar", flat=True)[:2]
    )
    return [
        Case(
            "/classes/1AC/pairs/",
            expect(403, anon=302, director=302),
            method="post",
            data={"school": college.pk, "first": codes[0], "second": codes[1], "mode": "APART"},
        ),
        Case(
            "/classes/TC/pairs/",
            expect(403, anon=302, director=404),
            method="post",
            data={"school": lycee.pk, "track": "TCS", "first": "X", "second": "Y", "mode": "APART"},
        ),
    ]


def _page_pair_delete(p):
    college, lycee = _schools()
    mine, theirs = _pairing(college, 10), _pairing(lycee, 10)
    return [
        Case(
            f"/classes/pairs/{mine.pk}/delete/",
            expect(403, anon=302, director=302),
            method="post",
            data={"level": "1AC"},
        ),
        Case(
            f"/classes/pairs/{theirs.pk}/delete/",
            expect(403, anon=302, director=404),
            method="post",
        ),
    ]


API = "/api/v1/formation"


def _api_structure(p):
    college, lycee = _schools()
    return [
        Case(f"{API}/schools/{college.pk}/structure", expect(403, anon=401, **READERS)),
        Case(f"{API}/schools/{lycee.pk}/structure", expect(403, anon=401, **LYCEE_READ)),
    ]


def _api_declare(p):
    college, lycee = _schools()
    return [
        Case(
            f"{API}/schools/{college.pk}/classes",
            expect(403, anon=401, director=201),
            method="post",
            json=True,
            data={"level": "1AC", "count": 1, "capacity": 30},
        ),
        Case(
            f"{API}/schools/{lycee.pk}/classes",
            expect(403, anon=401, director=404),
            method="post",
            json=True,
            data={"level": "TC", "track": "TCS", "count": 1, "capacity": 30},
        ),
    ]


def _api_class(p):
    mine, theirs = _class(COLLEGE, "1AC-1"), _class(LYCEE, "TCS-1")
    return [
        Case(f"{API}/classes/{mine.pk}", expect(403, anon=401, **READERS)),
        Case(f"{API}/classes/{theirs.pk}", expect(403, anon=401, **LYCEE_READ)),
        Case(
            f"{API}/classes/{mine.pk}",
            expect(403, anon=401, director=200),
            method="patch",
            json=True,
            data={"capacity": 40},
        ),
        Case(
            f"{API}/classes/{theirs.pk}",
            expect(403, anon=401, director=404),
            method="patch",
            json=True,
            data={"capacity": 40},
        ),
        # a class with students cannot be deleted
        Case(f"{API}/classes/{mine.pk}", expect(403, anon=401, director=409), method="delete"),
        Case(f"{API}/classes/{theirs.pk}", expect(403, anon=401, director=404), method="delete"),
    ]


def _api_class_students(p):
    mine, theirs = _class(COLLEGE, "1AC-1"), _class(LYCEE, "TCS-1")
    return [
        Case(
            f"{API}/classes/{mine.pk}/students",
            expect(403, anon=401, director=200),
            method="post",
            json=True,
            data={"enrollment_ids": [mine.enrollments.order_by("pk").first().pk]},
        ),
        Case(
            f"{API}/classes/{theirs.pk}/students",
            expect(403, anon=401, director=404),
            method="post",
            json=True,
            data={"enrollment_ids": [theirs.enrollments.order_by("pk").first().pk]},
        ),
    ]


def _api_unassign(p):
    college, lycee = _schools()
    mine, theirs = _class(COLLEGE, "1AC-2"), _class(LYCEE, "TCS-1")
    return [
        Case(
            f"{API}/schools/{college.pk}/unassign",
            expect(403, anon=401, director=200),
            method="post",
            json=True,
            data={"level": "1AC", "enrollment_ids": [mine.enrollments.order_by("pk").first().pk]},
        ),
        Case(
            f"{API}/schools/{lycee.pk}/unassign",
            expect(403, anon=401, director=404),
            method="post",
            json=True,
            data={
                "level": "TC",
                "track": "TCS",
                "enrollment_ids": [theirs.enrollments.order_by("pk").first().pk],
            },
        ),
    ]


def _api_level(suffix: str):
    def cases(p):
        college, lycee = _schools()
        return [
            Case(
                f"{API}/schools/{college.pk}/levels/1AC{suffix}", expect(403, anon=401, **READERS)
            ),
            Case(
                f"{API}/schools/{lycee.pk}/levels/TC{suffix}?track=TCS",
                expect(403, anon=401, **LYCEE_READ),
            ),
        ]

    return cases


def _api_preview(p):
    college, lycee = _schools()
    return [
        Case(f"{API}/schools/{college.pk}/levels/1AC/preview", expect(403, anon=401, director=200)),
        Case(
            f"{API}/schools/{lycee.pk}/levels/TC/preview?track=TCS",
            expect(403, anon=401, director=404),
        ),
    ]


def _api_confirm(p):
    college, lycee = _schools()
    return [
        Case(
            f"{API}/schools/{college.pk}/levels/1AC/confirm",
            expect(403, anon=401, director=409),
            method="post",
            json=True,
            data={"fingerprint": "stale"},
        ),
        Case(
            f"{API}/schools/{lycee.pk}/levels/TC/confirm",
            expect(403, anon=401, director=404),
            method="post",
            json=True,
            data={"track": "TCS", "fingerprint": "stale"},
        ),
    ]


def _api_pairs(p):
    college, lycee = _schools()
    codes = list(
        Enrollment.objects.filter(school=college, level__code="2AC")
        .order_by("pk")
        .values_list("student__code_massar", flat=True)[:2]
    )
    return [
        Case(f"{API}/schools/{college.pk}/pairs", expect(403, anon=401, **READERS)),
        Case(f"{API}/schools/{lycee.pk}/pairs", expect(403, anon=401, **LYCEE_READ)),
        Case(
            f"{API}/schools/{college.pk}/pairs",
            expect(403, anon=401, director=201),
            method="post",
            json=True,
            data={"first": codes[0], "second": codes[1], "mode": "TOGETHER"},
        ),
        Case(
            f"{API}/schools/{lycee.pk}/pairs",
            expect(403, anon=401, director=404),
            method="post",
            json=True,
            data={"first": "X", "second": "Y", "mode": "TOGETHER"},
        ),
    ]


def _api_pair(p):
    college, lycee = _schools()
    mine, theirs = _pairing(college, 20), _pairing(lycee, 20)
    return [
        Case(f"{API}/pairs/{mine.pk}", expect(403, anon=401, director=204), method="delete"),
        Case(f"{API}/pairs/{theirs.pk}", expect(403, anon=401, director=404), method="delete"),
    ]


ROWS = {
    "classes/": _page_structure,
    "classes/declare/": _page_declare,
    "classes/<int:class_id>/": _page_class,
    "classes/<int:class_id>/edit/": _page_class_edit,
    "classes/<int:class_id>/delete/": _page_class_delete,
    "classes/<str:level>/": _page_level,
    "classes/<str:level>/assign/": _page_assign,
    "classes/<str:level>/confirm/": _page_confirm,
    "classes/<str:level>/pairs/": _page_pair_create,
    "classes/pairs/<int:pair_id>/delete/": _page_pair_delete,
    "api/v1/formation/schools/<school_id>/structure": _api_structure,
    "api/v1/formation/schools/<school_id>/classes": _api_declare,
    "api/v1/formation/classes/<class_id>": _api_class,
    "api/v1/formation/classes/<class_id>/students": _api_class_students,
    "api/v1/formation/schools/<school_id>/unassign": _api_unassign,
    "api/v1/formation/schools/<school_id>/levels/<level>": _api_level(""),
    "api/v1/formation/schools/<school_id>/levels/<level>/students": _api_level("/students"),
    "api/v1/formation/schools/<school_id>/levels/<level>/preview": _api_preview,
    "api/v1/formation/schools/<school_id>/levels/<level>/confirm": _api_confirm,
    "api/v1/formation/schools/<school_id>/pairs": _api_pairs,
    "api/v1/formation/pairs/<pair_id>": _api_pair,
}
