"""Access-matrix rows of the transfer routes (pages under transfers/, API under
api/v1/transfers/).

Two transfers frame each row: one touching the demo collège (04012B, directorate 0401), which
its director and staff, the directorate, the academy and the ministry see; and one between
the lycée and the private school (both in directorate 0402), which only the academy and the
ministry see: the collège's people and directorate 0401 get 404.
"""

from massar.core.tests.access import Case, expect
from massar.enrollment.models import Enrollment, Transfer
from massar.schools.models import School
from massar.schools.selectors import current_year

READERS = {"ministry": 200, "academy": 200, "directorate": 200, "director": 200, "staff": 200}
MOVERS = {"ministry": 200, "academy": 200, "directorate": 200, "director": 200}
COLLEGE, LYCEE, PRIVATE = "04012B", "04021C", "04022D"
OPEN = ("REQUESTED", "RELEASED")


def make_transfer(
    origin: str, receiving: str, *, level: str, status: str = "REQUESTED", by_family=False
):
    """A transfer of the last student of `level` at `origin` without an open transfer (the
    last, so the demo's first students, which other rows use, stay where they are)."""
    enrollment = (
        Enrollment.objects.filter(
            school__code=origin,
            level__code=level,
            status="ENROLLED",
            year=current_year(),
        )
        .exclude(student__transfers__status__in=OPEN)
        .select_related("school", "level")
        .order_by("-pk")
        .first()
    )
    return Transfer.objects.create(
        student_id=enrollment.student_id,
        year=enrollment.year,
        origin_school=enrollment.school,
        receiving_school=School.objects.get(code=receiving),
        origin_enrollment=enrollment,
        level=enrollment.level,
        status=status,
        requested_by_family=by_family,
    )


def _elsewhere():
    """Between two schools of directorate 0402: hidden from the collège and from 0401."""
    return make_transfer(LYCEE, PRIVATE, level="TC")


HIDDEN = {"ministry": 200, "academy": 200}  # on a transfer that is not the collège's


def _detail(p):
    mine = make_transfer(COLLEGE, PRIVATE, level="1AC")
    other = _elsewhere()
    return [
        Case(f"/transfers/{mine.pk}/", expect(403, anon=302, **READERS)),
        Case(
            f"/transfers/{other.pk}/",
            expect(403, anon=302, directorate=404, director=404, staff=404, **HIDDEN),
        ),
        Case(f"/api/v1/transfers/{mine.pk}", expect(403, anon=401, **READERS)),
        Case(
            f"/api/v1/transfers/{other.pk}",
            expect(403, anon=401, directorate=404, director=404, staff=404, **HIDDEN),
        ),
    ]


def _director_step(page: str, api: str, make, **data):
    """A director-only step: the collège director gets through (302 on the page, 200 from
    the API); other signed-in roles are refused by role; on the hidden transfer the director
    gets 404."""

    def cases(p):
        page_t, api_t, hidden = make(), make(), _elsewhere()
        return [
            Case(
                f"/transfers/{page_t.pk}/{page}/",
                expect(403, anon=302, director=302),
                method="post",
                data=data,
            ),
            Case(
                f"/api/v1/transfers/{api_t.pk}/{api}",
                expect(403, anon=401, director=200),
                method="post",
                json=True,
                data=data,
            ),
            Case(
                f"/transfers/{hidden.pk}/{page}/",
                expect(403, anon=302, director=404),
                method="post",
                data=data,
            ),
            Case(
                f"/api/v1/transfers/{hidden.pk}/{api}",
                expect(403, anon=401, director=404),
                method="post",
                json=True,
                data=data,
            ),
        ]

    return cases


def _cancel(p):
    """The collège asked for a student of the private school: its director cancels (302 /
    200); its staff then finds the request already cancelled (302 with the message / 409)."""
    page_t = make_transfer(PRIVATE, COLLEGE, level="1AC")
    api_t = make_transfer(PRIVATE, COLLEGE, level="1AC")
    hidden = _elsewhere()
    return [
        Case(
            f"/transfers/{page_t.pk}/cancel/",
            expect(403, anon=302, director=302, staff=302),
            method="post",
        ),
        Case(
            f"/api/v1/transfers/{api_t.pk}/cancel",
            expect(403, anon=401, director=200, staff=409),
            method="post",
            json=True,
            data={},
        ),
        Case(
            f"/api/v1/transfers/{hidden.pk}/cancel",
            expect(403, anon=401, director=404, staff=404),
            method="post",
            json=True,
            data={},
        ),
    ]


ROWS = {
    "transfers/": lambda p: [Case("/transfers/", expect(403, anon=302, **READERS))],
    "transfers/new/": lambda p: [
        Case("/transfers/new/", expect(403, anon=302, director=200, staff=200))
    ],
    "transfers/mobility/": lambda p: [
        Case("/transfers/mobility/", expect(403, anon=302, **MOVERS))
    ],
    "transfers/<int:transfer_id>/": _detail,
    "transfers/<int:transfer_id>/release/": _director_step(
        "release", "release", lambda: make_transfer(COLLEGE, PRIVATE, level="1AC")
    ),
    "transfers/<int:transfer_id>/accept/": _director_step(
        "accept",
        "accept",
        lambda: make_transfer(PRIVATE, COLLEGE, level="1AC", status="RELEASED"),
    ),
    "transfers/<int:transfer_id>/refuse/": _director_step(
        "refuse",
        "refuse",
        lambda: make_transfer(COLLEGE, PRIVATE, level="1AC"),
        reason="Plus de place",
    ),
    "transfers/<int:transfer_id>/cancel/": _cancel,
    # with the pages above
    "api/v1/transfers/<int:transfer_id>": lambda p: [],
    "api/v1/transfers/<int:transfer_id>/release": lambda p: [],
    "api/v1/transfers/<int:transfer_id>/accept": lambda p: [],
    "api/v1/transfers/<int:transfer_id>/refuse": lambda p: [],
    "api/v1/transfers/<int:transfer_id>/cancel": lambda p: [],
    "api/v1/transfers/": lambda p: [
        Case("/api/v1/transfers/", expect(403, anon=401, **READERS)),
        # an unknown student: the desk gets the refusal, other roles may not ask at all
        Case(
            "/api/v1/transfers/",
            expect(403, anon=401, director=400, staff=400),
            method="post",
            json=True,
            data={"code_massar": "Z000000000", "birth_date": "2012-01-01"},
        ),
    ],
    "api/v1/transfers/mobility": lambda p: [
        # the collège's 3AC to a primary school: refused as the wrong cycle (nothing moves)
        # for those who may move the collège's students; by role for the others
        Case(
            "/api/v1/transfers/mobility",
            expect(403, anon=401, ministry=400, academy=400, directorate=400, director=400),
            method="post",
            json=True,
            data={
                "origin_school": COLLEGE,
                "from_level": "3AC",
                "receiving_school": "04011A",
                "to_level": "TC",
                "to_track": "TCS",
                "to_year": current_year().code,
            },
        )
    ],
}


def _export_cases(p):
    readers = {"ministry": 200, "academy": 200, "directorate": 200, "director": 200, "staff": 200}
    return [
        Case("/transfers/export.csv", expect(403, anon=302, **readers)),
        Case("/transfers/export.doc", expect(403, anon=302, **{r: 404 for r in readers})),
    ]


ROWS["transfers/export.<str:fmt>"] = _export_cases
