"""Access-matrix rows of the enrollment app's routes (imports, exports, registration)."""

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile

from massar.core.tests.access import Case, expect
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
