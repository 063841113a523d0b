"""Access-matrix rows of the enrollment app's routes (imports, exports, registration)."""

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile

from massar.core.tests.access import Case, expect
from massar.demo.builder import DEMO_YEAR
from massar.registry.models import ImportBatch

IMPORTERS = {"ministry": 200, "academy": 200, "directorate": 200, "director": 200, "staff": 200}


def _batch_cases(p):
    """A batch uploaded by the collège director: its school's administration and the
    ministry see it; others get 404 (or 403 when their role cannot import at all)."""
    batch = ImportBatch.objects.create(
        file=ContentFile(b"x", name="x.csv"),
        original_name="x.csv",
        uploaded_by=p["director"],
        school=p["director"].role_assignments.get().school,
        status="REJECTED",
        problems=[{"row": 2, "column": "sex", "code": "bad_sex", "params": {"value": "X"}}],
    )
    seen = {"ministry": 200, "director": 200, "staff": 200}
    return [
        Case(f"/imports/{batch.pk}/", expect(403, anon=302, academy=404, directorate=404, **seen)),
        Case(f"/api/v1/imports/{batch.pk}", expect(404, anon=401, **seen)),
        # a rejected batch cannot be loaded: its viewers are redirected with a message
        Case(
            f"/imports/{batch.pk}/load/",
            expect(
                403, anon=302, academy=404, directorate=404, ministry=302, director=302, staff=302
            ),
            method="post",
        ),
        Case(
            f"/api/v1/imports/{batch.pk}/load",
            expect(
                403, anon=401, academy=404, directorate=404, ministry=400, director=400, staff=400
            ),
            method="post",
        ),
    ]


def _accept_cases(p):
    other = ImportBatch.objects.create(
        file=ContentFile(b"x", name="y.csv"),
        original_name="y.csv",
        uploaded_by=p["other_director"],
        school=p["other_director"].role_assignments.get().school,
        status="REJECTED",
    )
    return [
        Case(
            f"/imports/{other.pk}/accept-new/",
            expect(
                403, anon=302, academy=404, directorate=404, director=404, staff=404, ministry=302
            ),
            method="post",
        ),
        Case(
            f"/api/v1/imports/{other.pk}/accept-new",
            expect(
                403, anon=401, academy=404, directorate=404, director=404, staff=404, ministry=200
            ),
            method="post",
        ),
    ]


SEARCHERS = {
    "ministry": 200,
    "academy": 200,
    "directorate": 200,
    "director": 200,
    "staff": 200,
    "teacher": 200,
}

ROWS = {
    "imports/students/": lambda p: [Case("/imports/students/", expect(403, anon=302, **IMPORTERS))],
    "imports/students/template.<str:fmt>": lambda p: [
        Case("/imports/students/template.csv", expect(403, anon=302, **IMPORTERS)),
        Case(
            "/imports/students/template.pdf", expect(403, anon=302, **{r: 404 for r in IMPORTERS})
        ),
    ],
    "imports/<int:batch_id>/": _batch_cases,
    "imports/<int:batch_id>/load/": lambda p: [],  # with the batch page, above
    "imports/<int:batch_id>/accept-new/": _accept_cases,
    "api/v1/imports/students": lambda p: [
        Case(
            "/api/v1/imports/students",
            expect(403, anon=401, **{r: 201 for r in IMPORTERS}),
            method="post",
            data=lambda: {"file": SimpleUploadedFile("s.csv", b"a,b\n")},
        )
    ],
    "api/v1/imports/<batch_id>": lambda p: [],
    "api/v1/imports/<batch_id>/load": lambda p: [],
    "api/v1/imports/<batch_id>/accept-new": lambda p: [],
    "students/export.<str:fmt>": lambda p: [
        Case("/students/export.csv", expect(403, anon=302, **SEARCHERS))
    ],
    "students/register/": lambda p: [
        Case("/students/register/", expect(403, anon=302, director=200, staff=200))
    ],
    "api/v1/students/register": lambda p: [
        # the lycée is not a school of the collège's desk: 404 for everyone signed in
        Case(
            "/api/v1/students/register",
            expect(404, anon=401),
            method="post",
            json=True,
            data={
                "school_id": p["other_school_student"].enrollments.get().school_id,
                "level": "TC",
                "track": "TCS",
                "last_name_fr": "A",
                "first_name_fr": "B",
                "last_name_ar": "ا",
                "first_name_ar": "ب",
                "sex": "M",
                "birth_date": "2010-01-01",
                "guardian": {"last_name_fr": "A", "first_name_fr": "C", "relation": "FATHER"},
            },
        )
    ],
}


# --- rentrée: re-enrollment, a student's enrollment, teaching assignments -----------------------


def _rentree_rows():
    from massar.enrollment.models import Enrollment, TeachingAssignment
    from massar.schools.models import School

    def own():
        return Enrollment.objects.filter(school__code="04012B").order_by("pk").first()

    def other():
        return Enrollment.objects.filter(school__code="04021C").order_by("pk").first()

    def college():
        return School.objects.get(code="04012B")

    desk = {"director": 200, "staff": 200}
    oversight = {"ministry": 200, "academy": 200, "directorate": 200}
    return {
        "rentree/": lambda p: [Case("/rentree/", expect(403, anon=302, **desk, **oversight))],
        "rentree/confirm/": lambda p: [
            Case("/rentree/confirm/", expect(403, anon=302, director=302), method="post")
        ],
        "enrollments/<int:enrollment_id>/": lambda p: [
            Case(f"/enrollments/{own().pk}/", expect(403, anon=302, **desk)),
            Case(f"/enrollments/{other().pk}/", expect(403, anon=302, director=404, staff=404)),
        ],
        "enrollments/<int:enrollment_id>/decision/": lambda p: [
            Case(
                f"/enrollments/{other().pk}/decision/",
                expect(403, anon=302, director=404),
                method="post",
                data={"decision": "PROMOTED"},
            ),
            Case(
                f"/enrollments/{own().pk}/decision/",
                expect(403, anon=302, director=302),
                method="post",
                data={"decision": "PROMOTED"},
            ),
        ],
        "enrollments/<int:enrollment_id>/end/": lambda p: [
            Case(
                f"/enrollments/{other().pk}/end/",
                expect(403, anon=302, director=404),
                method="post",
                data={"status": "LEFT", "reason": "ABROAD"},
            )
        ],
        "assignments/": lambda p: [
            Case(
                "/assignments/",
                expect(403, anon=302, **desk, ministry=404, academy=404, directorate=404),
            ),
            Case(
                f"/assignments/?school={college().pk}", expect(403, anon=302, **desk, **oversight)
            ),
        ],
        "assignments/save/": lambda p: [
            Case(
                "/assignments/save/",
                expect(403, anon=302, director=404),
                method="post",
                data={"school_class": 0},
            )
        ],
        "assignments/<int:assignment_id>/remove/": lambda p: [
            Case(
                f"/assignments/"
                f"{TeachingAssignment.objects.filter(school__code='04021C').first().pk}"
                "/remove/",
                expect(403, anon=302, director=404),
                method="post",
            )
        ],
        "api/v1/rentree/<school_id>": lambda p: [
            Case(
                f"/api/v1/rentree/{School.objects.get(code='04021C').pk}?to={DEMO_YEAR.code}",
                expect(404, anon=401),
            ),
            Case(
                f"/api/v1/rentree/{college().pk}?to={DEMO_YEAR.code}",
                expect(404, anon=401, director=409, staff=409),
            ),
        ],
        "api/v1/enrollments/<enrollment_id>": lambda p: [
            Case(f"/api/v1/enrollments/{own().pk}", expect(404, anon=401, **desk))
        ],
        "api/v1/enrollments/<enrollment_id>/decision": lambda p: [
            Case(
                f"/api/v1/enrollments/{own().pk}/decision",
                expect(404, anon=401, director=200, staff=403),
                method="put",
                json=True,
                data={"decision": "PROMOTED"},
            )
        ],
        "api/v1/enrollments/<enrollment_id>/end": lambda p: [
            Case(
                f"/api/v1/enrollments/{other().pk}/end",
                expect(404, anon=401),
                method="post",
                json=True,
                data={"status": "LEFT", "reason": "ABROAD"},
            )
        ],
        "api/v1/assignments/<school_id>": lambda p: [
            Case(f"/api/v1/assignments/{college().pk}", expect(403, anon=401, **desk, **oversight))
        ],
        "api/v1/assignments": lambda p: [
            Case(
                "/api/v1/assignments",
                expect(404, anon=401),
                method="post",
                json=True,
                data={"school_class_id": 0, "subject_id": 0, "teacher_id": 0, "weekly_hours": "1"},
            )
        ],
    }


ROWS.update(_rentree_rows())


def _merge(module_name: str) -> None:
    from importlib import import_module

    rows = import_module(module_name).ROWS
    assert not set(rows) & set(ROWS), set(rows) & set(ROWS)
    ROWS.update(rows)


_merge("massar.enrollment.tests.access_rows_transfers")
_merge("massar.enrollment.tests.access_rows_provisioning")
_merge("massar.enrollment.tests.access_rows_formation")
