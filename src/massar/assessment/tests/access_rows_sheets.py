"""Access-matrix rows of Massar grade sheets (pages under evaluation/sheets/, API under
api/v1/evaluation/sheets/).

Two books frame the rows: the demo teacher's first class × subject at the collège (04012B),
which its teacher and director may upload to and its office staff and oversight may download;
and a class × subject of the lycée (04021C), which the collège's people get 404 on. Uploads
send a file that is not a workbook: those who may write get the page again with the refusal
(200) or the API's 400; the others are refused before any reading."""

from django.core.files.uploadedfile import SimpleUploadedFile

from massar.core.tests.access import Case, expect
from massar.enrollment.models import TeachingAssignment

VIEWERS = {
    "ministry": 200,
    "academy": 200,
    "directorate": 200,
    "director": 200,
    "staff": 200,
    "teacher": 200,
}


def _books(p):
    mine = (
        TeachingAssignment.objects.filter(teacher__user=p["teacher"])
        .order_by("pk")
        .values_list("school_class_id", "subject_id")
        .first()
    )
    other = (
        TeachingAssignment.objects.filter(school__code="04021C")
        .order_by("pk")
        .values_list("school_class_id", "subject_id")
        .first()
    )
    return "{}/{}/1".format(*mine), "{}/{}/1".format(*other)


def _not_a_sheet():
    return {"file": SimpleUploadedFile("notes.xlsx", b"not a workbook")}


# the lycée is outside directorate 0401 and the collège's school roles
ELSEWHERE = {"ministry": 200, "academy": 200}
HIDDEN = {r: 404 for r in ("directorate", "director", "staff", "teacher")}


def _page(p):
    mine, other = _books(p)
    return [
        Case(f"/evaluation/sheets/{mine}/", expect(403, anon=302, **VIEWERS)),
        Case(f"/evaluation/sheets/{other}/", expect(403, anon=302, **HIDDEN, **ELSEWHERE)),
        Case(
            f"/evaluation/sheets/{mine}/",
            expect(403, anon=302, director=200, teacher=200),
            method="post",
            data=_not_a_sheet,
        ),
        Case(
            f"/evaluation/sheets/{other}/",
            expect(403, anon=302, **HIDDEN, ministry=403, academy=403),
            method="post",
            data=_not_a_sheet,
        ),
    ]


def _download(p):
    mine, other = _books(p)
    return [
        Case(f"/evaluation/sheets/{mine}/sheet.xlsx", expect(403, anon=302, **VIEWERS)),
        Case(
            f"/evaluation/sheets/{other}/sheet.xlsx",
            expect(403, anon=302, **HIDDEN, **ELSEWHERE),
        ),
    ]


def _api_download(p):
    mine, other = _books(p)
    return [
        Case(f"/api/v1/evaluation/sheets/{mine}/xlsx", expect(403, anon=401, **VIEWERS)),
        Case(
            f"/api/v1/evaluation/sheets/{other}/xlsx",
            expect(403, anon=401, **HIDDEN, **ELSEWHERE),
        ),
    ]


def _api_upload(p):
    mine, other = _books(p)
    return [
        Case(
            f"/api/v1/evaluation/sheets/{mine}",
            expect(403, anon=401, director=400, teacher=400),
            method="post",
            data=_not_a_sheet,
        ),
        Case(
            f"/api/v1/evaluation/sheets/{other}",
            expect(403, anon=401, **HIDDEN),
            method="post",
            data=_not_a_sheet,
        ),
    ]


ROWS = {
    "evaluation/sheets/": lambda p: [
        Case(
            "/evaluation/sheets/",
            expect(403, anon=302, director=200, staff=200, teacher=200),
        )
    ],
    "evaluation/sheets/<int:class_id>/<int:subject_id>/<int:semester>/": _page,
    "evaluation/sheets/<int:class_id>/<int:subject_id>/<int:semester>/sheet.xlsx": _download,
    "api/v1/evaluation/sheets/<class_id>/<subject_id>/<semester>/xlsx": _api_download,
    "api/v1/evaluation/sheets/<class_id>/<subject_id>/<semester>": _api_upload,
}
