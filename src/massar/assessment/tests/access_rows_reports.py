"""Access-matrix rows of the report cards (pages under report-cards/ and verify/, API under
api/v1/evaluation/report-cards/).

The demo collège 04012B frames the rows: its director and staff, the directorate, academy and
ministry above it read every card of the school; the teacher the cards of the classes they
teach; the student and the guardian only their own / their children's, once published (the
rows publish nothing, so they get 404). The verification page is public.
"""

from massar.assessment.tests.report_card_fixtures import results_fill
from massar.core.tests.access import Case, expect
from massar.core.verification import code_format
from massar.enrollment.models import Enrollment

OVERSIGHT = {"ministry": 200, "academy": 200, "directorate": 200, "director": 200, "staff": 200}


def _class_of(student):
    return (
        Enrollment.objects.filter(student=student, status="ENROLLED")
        .select_related("school_class")
        .first()
        .school_class
    )


def _classes(p):
    return [Case("/report-cards/", expect(403, anon=302, teacher=200, **OVERSIGHT))]


def _class(p):
    taught = _class_of(p["taught_student"])
    untaught = _class_of(p["untaught_student"])
    return [
        Case(
            f"/report-cards/classes/{taught.pk}/", expect(403, anon=302, teacher=200, **OVERSIGHT)
        ),
        Case(
            f"/report-cards/classes/{untaught.pk}/", expect(403, anon=302, teacher=404, **OVERSIGHT)
        ),
    ]


def _reach(p, student) -> dict:
    """Staff statuses for a student's card: the collège's people and the territory above it
    when the student is at the collège; the teacher when they teach the student's class."""
    from massar.enrollment.models import TeachingAssignment

    school_class = _class_of(student)
    at_college = school_class.school.code == "04012B"
    teaches = TeachingAssignment.objects.filter(
        school_class=school_class, teacher__user=p["teacher"]
    ).exists()
    statuses = {role: 200 if at_college else 404 for role in ("director", "staff")}
    statuses["teacher"] = 200 if teaches else 404
    return statuses


def _student_pdf(p):
    """Staff in scope get the PDF; the student and the guardian, before publication, 404 even
    for their own or their child's; a student of another family is 404 for them too."""
    taught, untaught = p["taught_student"], p["untaught_student"]
    own, stranger = p["own_student"], p["other_family_student"]
    family_404 = {"student": 404, "guardian": 404}
    return [
        Case(
            f"/report-cards/students/{taught.pk}/S1/?language=fr",
            expect(200, anon=302, **family_404),
        ),
        Case(
            f"/report-cards/students/{untaught.pk}/S1/?language=ar",
            expect(200, anon=302, teacher=404, **family_404),
        ),
        Case(
            f"/report-cards/students/{own.pk}/S1/",
            expect(200, anon=302, **_reach(p, own), **family_404),
        ),
        Case(
            f"/api/v1/evaluation/report-cards/students/{stranger.pk}/S1",
            expect(200, anon=401, **_reach(p, stranger), **family_404),
        ),
        Case(
            f"/api/v1/evaluation/report-cards/students/{taught.pk}/S3",
            expect(404, anon=401),
        ),
    ]


def _bulk(p):
    taught = _class_of(p["taught_student"])
    untaught = _class_of(p["untaught_student"])
    return [
        Case(
            f"/report-cards/classes/{taught.pk}/bulk/",
            expect(403, anon=302, teacher=302, **{r: 302 for r in OVERSIGHT}),
            method="post",
            data={"period": "S9", "language": "fr"},
        ),
        Case(
            f"/report-cards/classes/{untaught.pk}/bulk/",
            expect(403, anon=302, teacher=404, **{r: 302 for r in OVERSIGHT}),
            method="post",
            data={"period": "S9", "language": "fr"},
        ),
        Case(
            f"/api/v1/evaluation/report-cards/classes/{taught.pk}/bulk",
            expect(403, anon=401, teacher=400, **{r: 400 for r in OVERSIGHT}),
            method="post",
            json=True,
            data={"period": "S9", "language": "fr"},
        ),
        Case(
            f"/api/v1/evaluation/report-cards/classes/{untaught.pk}/bulk",
            expect(403, anon=401, teacher=404, **{r: 400 for r in OVERSIGHT}),
            method="post",
            json=True,
            data={"period": "S9", "language": "fr"},
        ),
    ]


def _download(p):
    """A bulk print the collège's director ran (the bulk rows above send a bad period and
    start no job; this one runs once): the creator, the school's administration and the
    ministry get the file (core.selectors.job_get); the territory between, the teacher and
    the families get 404."""
    from massar.assessment.reports_services import report_cards_bulk_start

    school_class = _class_of(p["taught_student"])
    job = report_cards_bulk_start(
        school_class=school_class,
        period="S1",
        language="fr",
        actor=p["director"],
        base_url="http://testserver/",
    )
    readers = {"ministry": 200, "director": 200, "staff": 200}
    return [
        Case(
            f"/report-cards/jobs/{job.pk}/download/",
            expect(403, anon=302, academy=404, directorate=404, teacher=404, **readers),
        ),
        Case(
            f"/api/v1/evaluation/report-cards/jobs/{job.pk}/file",
            expect(403, anon=401, academy=404, directorate=404, teacher=404, **readers),
        ),
        Case(
            "/report-cards/jobs/999999999/download/",
            expect(
                403,
                anon=302,
                **{
                    r: 404
                    for r in ("ministry", "academy", "directorate", "director", "staff", "teacher")
                },
            ),
        ),
    ]


def _verify(p):
    from massar.assessment.reports_selectors import class_students, report_cards_data
    from massar.assessment.reports_services import report_cards_issue

    school_class = _class_of(p["taught_student"])
    students = class_students(school_class)[:1]
    results_fill(school_class, "S2", students=students)
    cards = report_cards_data(
        school_class=school_class, students=students, year=school_class.year, period="S2"
    )
    report_cards_issue(cards=cards, actor=None)
    code = code_format(cards[0].document.code)
    return [
        Case("/verify/", expect(200)),
        Case(f"/verify/?code={code}", expect(302)),
        Case(f"/verify/{code}/", expect(200)),
        Case("/verify/ZZZZ-ZZZZ-ZZZZ-ZZZZ/", expect(404)),
    ]


ROWS = {
    "report-cards/": _classes,
    "report-cards/classes/<int:class_id>/": _class,
    "report-cards/classes/<int:class_id>/bulk/": _bulk,
    "report-cards/jobs/<int:job_id>/download/": _download,
    "report-cards/students/<int:student_id>/<str:period>/": _student_pdf,
    "verify/": _verify,
    "verify/<str:code>/": lambda p: [],  # with verify/
    "api/v1/evaluation/report-cards/mine": lambda p: [
        Case(
            "/api/v1/evaluation/report-cards/mine",
            expect(403, anon=401, student=200, guardian=200),
        )
    ],
    # with the pages above
    "api/v1/evaluation/report-cards/students/<student_id>/<period>": lambda p: [],
    "api/v1/evaluation/report-cards/classes/<class_id>/bulk": lambda p: [],
    "api/v1/evaluation/report-cards/jobs/<job_id>/file": lambda p: [],
}
