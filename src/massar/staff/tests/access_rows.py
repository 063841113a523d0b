"""Access-matrix rows of the staff app's routes (pages under staff/, API under
api/v1/staff/).

Two people frame the rows: the demo teacher, posted in the collège (04012B, directorate 0401),
whom the collège's director and office staff, directorate 0401, the academy and the ministry
see; and a member of the lycée (04021C, directorate 0402), whom only the academy and the
ministry see. Only a director records, attaches, detaches and provisions; nothing here
changes the database (attaching with a wrong PPR, detaching someone not in the school).
"""

from massar.core.tests.access import Case, expect
from massar.schools.models import School
from massar.staff.models import StaffMember

READERS = {"ministry": 200, "academy": 200, "directorate": 200, "director": 200, "staff": 200}
LYCEE_READERS = {"ministry": 200, "academy": 200, "directorate": 404, "director": 404, "staff": 404}


def lycee_member() -> StaffMember:
    return StaffMember.objects.filter(postings__school__code="04021C").order_by("pk").first()


def lycee() -> School:
    return School.objects.get(code="04021C")


def _list_cases(p):
    return [
        Case("/staff/", expect(403, anon=302, **READERS)),
        Case("/staff/?q=a&page=2", expect(403, anon=302, **READERS)),
        # the school filter only offers schools in scope: another one is not found
        Case(f"/staff/?school={lycee().pk}", expect(403, anon=302, **LYCEE_READERS)),
        Case("/api/v1/staff/", expect(403, anon=401, **READERS)),
        Case(f"/api/v1/staff/?school={lycee().pk}", expect(403, anon=401, **LYCEE_READERS)),
    ]


def _detail_cases(p):
    teacher = p["teacher"].staff_member
    other = lycee_member()
    return [
        Case(f"/staff/{teacher.pk}/", expect(403, anon=302, **READERS)),
        Case(f"/staff/{other.pk}/", expect(403, anon=302, **LYCEE_READERS)),
        Case(f"/api/v1/staff/{teacher.pk}", expect(403, anon=401, **READERS)),
        Case(f"/api/v1/staff/{other.pk}", expect(403, anon=401, **LYCEE_READERS)),
        Case("/staff/999999/", expect(403, anon=302, **{r: 404 for r in READERS})),
    ]


def _create_cases(p):
    taken = p["teacher"].staff_member
    body = {
        "ppr": taken.ppr,
        "last_name_fr": "Alaoui",
        "first_name_fr": "Karim",
        "last_name_ar": "العلوي",
        "first_name_ar": "كريم",
        "sex": "M",
        "kind": "TEACHER",
        "contract": "AREF",
        "subjects": [taken.subjects.first().code],
    }
    return [
        Case("/staff/new/", expect(403, anon=302, director=200)),
        # an existing PPR: the director is offered to attach, nothing is created
        Case("/staff/new/", expect(403, anon=302, director=200), method="post", data=body),
        Case(
            "/api/v1/staff/",
            expect(403, anon=401, director=409),
            method="post",
            json=True,
            data=body,
        ),
    ]


def _attach_cases(p):
    other = lycee_member()
    return [
        Case(f"/staff/{other.pk}/attach/", expect(405)),
        Case(
            f"/staff/{other.pk}/attach/",
            expect(403, anon=302, director=404),
            method="post",
            data={"ppr": "000000"},
        ),
        Case(
            f"/api/v1/staff/{other.pk}/attach",
            expect(403, anon=401, director=404),
            method="post",
            json=True,
            data={"ppr": "000000"},
        ),
    ]


def _detach_cases(p):
    other = lycee_member()
    return [
        Case(f"/staff/{other.pk}/detach/", expect(405)),
        Case(f"/staff/{other.pk}/detach/", expect(403, anon=302, director=404), method="post"),
        Case(
            f"/api/v1/staff/{other.pk}/detach",
            expect(403, anon=401, director=404),
            method="post",
            json=True,
            data={},
        ),
    ]


def _accounts_cases(p):
    return [
        Case("/staff/accounts/", expect(403, anon=302, director=200)),
        # another school than the director's own: not found, nothing issued
        Case(f"/staff/accounts/?school={lycee().pk}", expect(403, anon=302, director=404)),
        Case(
            "/staff/accounts/",
            expect(403, anon=302, director=404),
            method="post",
            data={"school": lycee().pk},
        ),
        Case("/api/v1/staff/accounts", expect(403, anon=401, director=200)),
        Case(
            "/api/v1/staff/accounts",
            expect(403, anon=401, director=404),
            method="post",
            json=True,
            data={"school_id": lycee().pk},
        ),
    ]


ROWS = {
    "staff/": _list_cases,
    "staff/new/": _create_cases,
    "staff/accounts/": _accounts_cases,
    "staff/<int:staff_id>/": _detail_cases,
    "staff/<int:staff_id>/attach/": _attach_cases,
    "staff/<int:staff_id>/detach/": _detach_cases,
    "api/v1/staff/": lambda p: [],  # with the pages, above
    "api/v1/staff/accounts": lambda p: [],
    "api/v1/staff/<int:staff_id>": lambda p: [],
    "api/v1/staff/<int:staff_id>/attach": lambda p: [],
    "api/v1/staff/<int:staff_id>/detach": lambda p: [],
}


def _export_cases(p):
    readers = {"ministry": 200, "academy": 200, "directorate": 200, "director": 200, "staff": 200}
    return [
        Case("/staff/export.csv", expect(403, anon=302, **readers)),
        Case("/staff/export.pdf", expect(403, anon=302, **{r: 404 for r in readers})),
    ]


ROWS["staff/export.<str:fmt>"] = _export_cases
