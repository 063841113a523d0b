"""Access-matrix rows of the spaces' spaces part. A student or guardian naming a child outside
their family (in the query string) gets a 404, never the other family's data."""

from massar.core.tests.access import Case, expect
from massar.demo.personas import COLLEGE
from massar.enrollment.models import SchoolClass

LOGIN = 302
FAMILY_OK = {"anon": LOGIN, "student": 200, "guardian": 200}
FAMILY_API = {"anon": 401, "student": 200, "guardian": 200}


def _other_child(p):
    """A child of the guardian who is not the student persona (their sibling)."""
    return next(pk for pk in sorted(p["guardian_children"]) if pk != p["own_student"].pk)


def _family_page(url):
    def cases(p):
        other = p["other_family_student"].pk
        sibling = _other_child(p)
        return [
            Case(url, expect(403, **FAMILY_OK)),
            # another family's child: 404 for both, whoever asks
            Case(f"{url}?child={other}", expect(403, anon=LOGIN, student=404, guardian=404)),
            # the guardian's other child: theirs, not the student's
            Case(f"{url}?child={sibling}", expect(403, anon=LOGIN, student=404, guardian=200)),
            Case(f"{url}?child=abc", expect(403, anon=LOGIN, student=404, guardian=404)),
        ]

    return cases


def _family_api(url):
    def cases(p):
        other = p["other_family_student"].pk
        sibling = _other_child(p)
        return [
            Case(url, expect(403, **FAMILY_API)),
            Case(f"{url}?child={other}", expect(403, anon=401, student=404, guardian=404)),
            Case(f"{url}?child={sibling}", expect(403, anon=401, student=404, guardian=200)),
        ]

    return cases


def _college_class(p):
    return (
        SchoolClass.objects.filter(school__code=COLLEGE, year__is_current=True)
        .order_by("pk")
        .first()
    )


def _other_school_class(p):
    return (
        SchoolClass.objects.filter(school__code="04021C", year__is_current=True)
        .order_by("pk")
        .first()
    )


def _activation_class_cases(p):
    own, other = _college_class(p), _other_school_class(p)
    return [
        Case(f"/space/activation-codes/{own.pk}/", expect(403, anon=LOGIN, director=200)),
        # another school's class does not exist for this director
        Case(f"/space/activation-codes/{other.pk}/", expect(403, anon=LOGIN, director=404)),
        Case("/space/activation-codes/99999999/", expect(403, anon=LOGIN, director=404)),
    ]


def _activation_codes_api(p):
    own, other = _college_class(p), _other_school_class(p)
    return [
        Case(
            f"/api/v1/me/activation-codes/classes/{other.pk}",
            expect(403, anon=401, director=404),
            method="post",
            json=True,
        ),
        Case(
            f"/api/v1/me/activation-codes/classes/{own.pk}",
            expect(403, anon=401, director=200),
            method="post",
            json=True,
        ),
    ]


ROWS: dict = {
    "space/": _family_page("/space/"),
    "space/recovery/": lambda p: [
        Case(
            "/space/recovery/",
            expect(403, anon=LOGIN, student=302, guardian=302),
            method="post",
            data={"recovery_email": "famille@example.ma", "recovery_phone": "0612345678"},
        ),
        Case("/space/recovery/", expect(405)),
    ],
    "space/teacher/": lambda p: [Case("/space/teacher/", expect(403, anon=LOGIN, teacher=200))],
    # open to everyone: with an account it links children, without one it creates one
    "space/activate/": lambda p: [Case("/space/activate/", expect(200))],
    "space/activation-codes/": lambda p: [
        Case("/space/activation-codes/", expect(403, anon=LOGIN, director=200))
    ],
    "space/activation-codes/<int:class_id>/": _activation_class_cases,
    "api/v1/me/space": _family_api("/api/v1/me/space"),
    "api/v1/me/space/tests": _family_api("/api/v1/me/space/tests"),
    "api/v1/me/recovery": lambda p: [
        Case(
            "/api/v1/me/recovery",
            expect(403, **FAMILY_API),
            method="put",
            data={"recovery_email": "", "recovery_phone": "0612345678"},
            json=True,
        )
    ],
    # a payload without a code is refused whoever asks (the code flow is in test_spaces)
    "api/v1/me/activation": lambda p: [
        Case("/api/v1/me/activation", expect(422, anon=401), method="post", json=True)
    ],
    "api/v1/me/teaching": lambda p: [
        Case("/api/v1/me/teaching", expect(403, anon=401, teacher=200))
    ],
    "api/v1/me/activation-codes/classes/<class_id>": _activation_codes_api,
}
