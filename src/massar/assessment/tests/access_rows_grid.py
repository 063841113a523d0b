"""Access-matrix rows of the grade grid (pages under evaluation/grades/, API under
api/v1/evaluation/grade-books and grade-deadlines).

Two grade books of the demo collège frame the rows: TAUGHT, a class × subject the demo teacher
teaches, and UNTAUGHT, one of a class they do not teach (the teacher gets 404 there). The
school's director writes and validates both; its staff and the directorate, academy and
ministry read them; students and guardians are refused by role."""

from massar.core.tests.access import Case, expect
from massar.enrollment.models import Enrollment, TeachingAssignment

COLLEGE = "04012B"
READERS = {
    "ministry": 200,
    "academy": 200,
    "directorate": 200,
    "director": 200,
    "staff": 200,
    "teacher": 200,
}


def _books(p):
    taught = (
        TeachingAssignment.objects.filter(teacher__user=p["teacher"], school__code=COLLEGE)
        .order_by("pk")
        .first()
    )
    untaught = (
        TeachingAssignment.objects.filter(school__code=COLLEGE)
        .exclude(school_class__teaching_assignments__teacher__user=p["teacher"])
        .order_by("pk")
        .first()
    )
    return taught, untaught


def _student(assignment) -> int:
    return (
        Enrollment.objects.filter(school_class_id=assignment.school_class_id, status="ENROLLED")
        .order_by("student_id")
        .values_list("student_id", flat=True)
        .first()
    )


def _page(a, semester=1, tail=""):
    return f"/evaluation/grades/{a.school_class_id}/{a.subject_id}/{semester}/{tail}"


def _api(a, semester=1, tail=""):
    return f"/api/v1/evaluation/grade-books/{a.school_class_id}/{a.subject_id}/{semester}{tail}"


def _grid(p):
    taught, untaught = _books(p)
    s_taught, s_untaught = _student(taught), _student(untaught)
    form = {"row": str(s_taught), f"m{s_taught}_1": "12"}
    other_form = {"row": str(s_untaught), f"m{s_untaught}_1": "12"}
    writers = {"director": 302, "teacher": 302}
    return [
        Case(_page(taught), expect(403, anon=302, **READERS)),
        Case(_page(untaught), expect(403, anon=302, **{**READERS, "teacher": 404})),
        # a save: the class's teacher and the director; readers are refused by the service
        Case(_page(taught), expect(403, anon=302, **writers), method="post", data=form),
        Case(
            _page(untaught),
            expect(403, anon=302, director=302, teacher=404),
            method="post",
            data=other_form,
        ),
        # an unknown semester or class is not found
        Case(_page(taught, semester=3), expect(403, anon=302, **{r: 404 for r in READERS})),
    ]


def _api_grid(p):
    taught, untaught = _books(p)
    body = {"rows": [{"student_id": _student(taught), "scores": {"1": "12.5"}}]}
    other = {"rows": [{"student_id": _student(untaught), "scores": {"1": "12.5"}}]}
    return [
        Case(_api(taught), expect(403, anon=401, **READERS)),
        Case(_api(untaught), expect(403, anon=401, **{**READERS, "teacher": 404})),
        Case(
            _api(taught),
            expect(403, anon=401, director=200, teacher=200),
            method="post",
            json=True,
            data=body,
        ),
        Case(
            _api(untaught),
            expect(403, anon=401, director=200, teacher=404),
            method="post",
            json=True,
            data=other,
        ),
    ]


def _validate(p):
    taught, untaught = _books(p)
    return [
        # semester 2: the first semester's books stay open for the other rows
        Case(_page(taught, 2, "validate/"), expect(403, anon=302, director=302), method="post"),
        Case(
            _api(untaught, 2, "/validate"),
            expect(403, anon=401, director=200),
            method="post",
            json=True,
        ),
    ]


def _correct(p):
    taught, untaught = _books(p)
    sid = _student(taught)
    form = {"row": str(sid), f"m{sid}_2": "11", "reason": "Erreur de saisie"}
    body = {
        "rows": [{"student_id": _student(untaught), "scores": {"2": "11"}}],
        "reason": "Erreur de saisie",
    }
    return [
        Case(
            _page(taught, 2, "correct/"),
            expect(403, anon=302, director=302),
            method="post",
            data=form,
        ),
        Case(
            _api(untaught, 2, "/correct"),
            expect(403, anon=401, director=200),
            method="post",
            json=True,
            data=body,
        ),
    ]


def _history(p):
    taught, untaught = _books(p)
    return [
        Case(_page(taught, 1, "history/"), expect(403, anon=302, **READERS)),
        Case(_page(untaught, 1, "history/"), expect(403, anon=302, **{**READERS, "teacher": 404})),
        Case(_api(taught, 1, "/history"), expect(403, anon=401, **READERS)),
        Case(_api(untaught, 1, "/history"), expect(403, anon=401, **{**READERS, "teacher": 404})),
    ]


def _mark_history(p):
    taught, untaught = _books(p)
    t, u = _student(taught), _student(untaught)
    stranger = p["other_school_student"].pk
    return [
        Case(_page(taught, 1, f"history/{t}/1/"), expect(403, anon=302, **READERS)),
        Case(
            _page(untaught, 1, f"history/{u}/1/"),
            expect(403, anon=302, **{**READERS, "teacher": 404}),
        ),
        # a student of another school through a readable book: not found
        Case(
            _page(taught, 1, f"history/{stranger}/1/"),
            expect(403, anon=302, **{r: 404 for r in READERS}),
        ),
        Case(_api(taught, 1, f"/history/{t}/1"), expect(403, anon=401, **READERS)),
        Case(
            _api(untaught, 1, f"/history/{u}/1"),
            expect(403, anon=401, **{**READERS, "teacher": 404}),
        ),
    ]


def _books_list(p):
    college = p["director"].role_assignments.get().school_id
    return [
        # oversight roles first choose a school
        Case("/evaluation/grades/", expect(403, anon=302, **READERS)),
        Case(f"/evaluation/grades/?school={college}", expect(403, anon=302, **READERS)),
        Case(
            f"/api/v1/evaluation/grade-books?school_id={college}",
            expect(403, anon=401, **READERS),
        ),
    ]


def _deadlines(p):
    return [
        Case("/evaluation/grades/deadlines/", expect(403, anon=302, ministry=200, director=200)),
        # clearing the national date: the ministry only
        Case(
            "/evaluation/grades/deadlines/",
            expect(403, anon=302, ministry=302),
            method="post",
            data={"semester": "1", "level": "national", "closes_on": ""},
        ),
        Case("/api/v1/evaluation/grade-deadlines", expect(403, anon=401, **READERS)),
        Case(
            "/api/v1/evaluation/grade-deadlines",
            expect(403, anon=401, ministry=200),
            method="post",
            json=True,
            data={"semester": 1, "closes_on": None},
        ),
    ]


BOOK = "evaluation/grades/<int:class_id>/<int:subject_id>/<int:semester>/"
API = "api/v1/evaluation/grade-books/<int:class_id>/<int:subject_id>/<int:semester>"
ROWS = {
    "evaluation/grades/": _books_list,
    "evaluation/grades/deadlines/": _deadlines,
    BOOK: _grid,
    f"{BOOK}validate/": _validate,
    f"{BOOK}correct/": _correct,
    f"{BOOK}history/": _history,
    f"{BOOK}history/<int:student_id>/<int:test>/": _mark_history,
    # with the pages above
    "api/v1/evaluation/grade-books": lambda p: [],
    "api/v1/evaluation/grade-deadlines": lambda p: [],
    API: _api_grid,
    f"{API}/validate": lambda p: [],
    f"{API}/correct": lambda p: [],
    f"{API}/history": lambda p: [],
    f"{API}/history/<int:student_id>/<int:test>": lambda p: [],
}
