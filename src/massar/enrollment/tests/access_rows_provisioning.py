"""Access-matrix rows of the student accounts routes (enrollment/provisioning_urls.py and the
API router of enrollment/provisioning.py, mounted at api/v1/student-accounts/).

To be merged into enrollment/tests/access_rows.py (the harness reads only that module).
Only a school's director reaches its classes' accounts; another school's class is not found
(404) for every director but its own. Creating a class's accounts is tested in
test_provisioning.py; here the only write is the collège director's, on a collège class.
"""

from massar.core.tests.access import Case, expect
from massar.enrollment.models import SchoolClass


def _classes(p):
    college = SchoolClass.objects.filter(school__code="04012B", year__is_current=True)
    lycee = SchoolClass.objects.filter(school__code="04021C", year__is_current=True)
    return college.order_by("-pk").first(), lycee.order_by("pk").first()


def _class_cases(p):
    own, other = _classes(p)
    return [
        Case(f"/student-accounts/{own.pk}/", expect(403, anon=302, director=200)),
        Case(f"/student-accounts/{other.pk}/", expect(403, anon=302, director=404)),
        Case(f"/student-accounts/{other.pk}/", expect(403, anon=302, director=404), method="post"),
        Case("/student-accounts/999999/", expect(403, anon=302, director=404)),
        Case(f"/api/v1/student-accounts/{own.pk}", expect(403, anon=401, director=200)),
        Case(f"/api/v1/student-accounts/{other.pk}", expect(403, anon=401, director=404)),
        Case(
            f"/api/v1/student-accounts/{other.pk}",
            expect(403, anon=401, director=404),
            method="post",
            json=True,
            data={},
        ),
        # the director's own class: the sheet (200) the first time, then nothing to issue
        Case(
            f"/api/v1/student-accounts/{own.pk}",
            expect(403, anon=401, director=200),
            method="post",
            json=True,
            data={},
        ),
        Case(f"/student-accounts/{own.pk}/", expect(403, anon=302, director=302), method="post"),
    ]


ROWS = {
    "student-accounts/": lambda p: [
        Case("/student-accounts/", expect(403, anon=302, director=200)),
        Case("/api/v1/student-accounts/", expect(403, anon=401, director=200)),
    ],
    "student-accounts/<int:class_id>/": _class_cases,
    "api/v1/student-accounts/": lambda p: [],  # with the pages, above
    "api/v1/student-accounts/<int:class_id>": lambda p: [],
}
