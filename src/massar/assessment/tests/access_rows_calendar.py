"""Access-matrix rows of the evaluation's calendar part (pages under evaluation/calendar/ and
evaluation/tests/, API under api/v1/evaluation/calendar/).

A test of the teacher persona's class and subject at the demo collège (04012B) frames the
rows: its teacher and the collège's director may change it, the collège's staff and the
territories read it. A test of a lycée class (04021C, directorate 0402) is hidden from the
collège's people and from directorate 0401 (404). Writes that get through are sent with a
date in the past, so they are refused by the service (nothing written) after the access
checks."""

from datetime import timedelta

from django.utils import timezone

from massar.assessment.models import PlannedTest
from massar.core.tests.access import Case, expect
from massar.enrollment.models import SchoolClass, TeachingAssignment
from massar.schools.models import Semester, Subject

READERS = {
    "ministry": 200,
    "academy": 200,
    "directorate": 200,
    "director": 200,
    "staff": 200,
    "teacher": 200,
}
HIDDEN = {"directorate": 404, "director": 404, "staff": 404, "teacher": 404}


def _assignment(p):
    return (
        TeachingAssignment.objects.filter(teacher__user=p["teacher"])
        .select_related("school_class", "subject")
        .order_by("pk")
        .first()
    )


def _test(p, *, hidden: bool = False, number: int = 4) -> PlannedTest:
    """A planned test a week from now: the teacher's (or a lycée class's), test number free."""
    if hidden:
        school_class = SchoolClass.objects.filter(school__code="04021C").order_by("pk").first()
        subject = Subject.objects.order_by("pk").first()
    else:
        a = _assignment(p)
        school_class, subject = a.school_class, a.subject
    semester = Semester.objects.get(year_id=school_class.year_id, number=1)
    PlannedTest.objects.filter(
        school_class=school_class, subject=subject, semester=semester, number=number
    ).delete()
    return PlannedTest.objects.create(
        school_id=school_class.school_id,
        school_class=school_class,
        subject=subject,
        semester=semester,
        number=number,
        date=timezone.localdate() + timedelta(days=7),
    )


def _yesterday() -> str:
    return (timezone.localdate() - timedelta(days=1)).isoformat()


def _calendar(p):
    return [Case("/evaluation/calendar/", expect(403, anon=302, **READERS))]


def _new(p):
    a = _assignment(p)
    semester = Semester.objects.get(year_id=a.school_class.year_id, number=1)
    lycee_class = SchoolClass.objects.filter(school__code="04021C").order_by("pk").first()
    return [
        # the planners reach the service, which refuses the past date (message, redirect)
        Case(
            "/evaluation/calendar/new/",
            expect(403, anon=302, director=302, teacher=302),
            method="post",
            data={"assignment": a.pk, "semester": semester.pk, "number": 1, "date": _yesterday()},
        ),
        Case(
            "/api/v1/evaluation/calendar/tests",
            expect(403, anon=401, director=400, teacher=400),
            method="post",
            json=True,
            data={
                "school_class_id": a.school_class_id,
                "subject": a.subject.code,
                "semester": 1,
                "number": 1,
                "date": _yesterday(),
            },
        ),
        # another school's class: refused to every planner
        Case(
            "/api/v1/evaluation/calendar/tests",
            expect(403, anon=401),
            method="post",
            json=True,
            data={
                "school_class_id": lycee_class.pk,
                "subject": a.subject.code,
                "semester": 1,
                "number": 1,
                "date": _yesterday(),
            },
        ),
        Case("/api/v1/evaluation/calendar/tests", expect(403, anon=401, **READERS)),
    ]


def _detail(p):
    mine, other = _test(p), _test(p, hidden=True)
    return [
        Case(f"/api/v1/evaluation/calendar/tests/{mine.pk}", expect(403, anon=401, **READERS)),
        Case(
            f"/api/v1/evaluation/calendar/tests/{other.pk}",
            expect(403, anon=401, **{**READERS, **HIDDEN}),
        ),
    ]


def _move(p):
    mine, other = _test(p), _test(p, hidden=True)
    return [
        Case(
            f"/evaluation/calendar/{mine.pk}/move/",
            expect(403, anon=302, director=302, teacher=302),
            method="post",
            data={"date": _yesterday()},
        ),
        Case(
            f"/evaluation/calendar/{other.pk}/move/",
            expect(403, anon=302, director=404, teacher=404),
            method="post",
            data={"date": _yesterday()},
        ),
        Case(
            f"/api/v1/evaluation/calendar/tests/{mine.pk}/move",
            expect(403, anon=401, director=400, teacher=400),
            method="post",
            json=True,
            data={"date": _yesterday()},
        ),
        Case(
            f"/api/v1/evaluation/calendar/tests/{other.pk}/move",
            expect(403, anon=401, director=404, teacher=404),
            method="post",
            json=True,
            data={"date": _yesterday()},
        ),
    ]


def _cancel(p):
    """The director cancels first (302 / 200); the teacher then finds it cancelled (302 with
    the message / 409)."""
    page_t, api_t = _test(p, number=3), _test(p, number=4)
    other = _test(p, hidden=True)
    return [
        Case(
            f"/evaluation/calendar/{page_t.pk}/cancel/",
            expect(403, anon=302, director=302, teacher=302),
            method="post",
        ),
        Case(
            f"/evaluation/calendar/{other.pk}/cancel/",
            expect(403, anon=302, director=404, teacher=404),
            method="post",
        ),
        Case(
            f"/api/v1/evaluation/calendar/tests/{api_t.pk}/cancel",
            expect(403, anon=401, director=200, teacher=409),
            method="post",
            json=True,
            data={},
        ),
        Case(
            f"/api/v1/evaluation/calendar/tests/{other.pk}/cancel",
            expect(403, anon=401, director=404, teacher=404),
            method="post",
            json=True,
            data={},
        ),
    ]


def _upcoming(p):
    child, stranger = p["child"], p["other_family_student"]
    own = p["own_student"]
    child_for_student = 200 if child.pk == own.pk else 404
    return [
        Case("/evaluation/tests/", expect(403, anon=302, student=200, guardian=200)),
        Case(
            f"/evaluation/tests/?student={child.pk}",
            expect(403, anon=302, student=child_for_student, guardian=200),
        ),
        Case(
            f"/evaluation/tests/?student={stranger.pk}",
            expect(403, anon=302, student=404, guardian=404),
        ),
        Case(
            "/api/v1/evaluation/calendar/upcoming", expect(403, anon=401, student=200, guardian=200)
        ),
        Case(
            f"/api/v1/evaluation/calendar/upcoming?student_id={stranger.pk}",
            expect(403, anon=401, student=404, guardian=404),
        ),
    ]


ROWS = {
    "evaluation/calendar/": _calendar,
    "evaluation/calendar/new/": _new,
    "evaluation/calendar/<int:test_id>/move/": _move,
    "evaluation/calendar/<int:test_id>/cancel/": _cancel,
    "evaluation/tests/": _upcoming,
    # with the pages above
    "api/v1/evaluation/calendar/tests": lambda p: [],
    "api/v1/evaluation/calendar/tests/<int:test_id>": _detail,
    "api/v1/evaluation/calendar/tests/<int:test_id>/move": lambda p: [],
    "api/v1/evaluation/calendar/tests/<int:test_id>/cancel": lambda p: [],
    "api/v1/evaluation/calendar/upcoming": lambda p: [],
}
