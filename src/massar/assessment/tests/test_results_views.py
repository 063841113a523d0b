"""The results pages and API: the access rows of this part, the class page's constant query
count, the job started from the page and from the API, and the command."""

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from massar.assessment.models import GeneralResult, MarkLine, SubjectResult
from massar.assessment.tests.access_rows_results import ROWS
from massar.core.models import Job
from massar.core.tests.access import ROLES
from massar.demo.builder import DEMO_YEAR
from massar.enrollment.models import Enrollment, SchoolClass, TeachingAssignment
from massar.schools.models import CurriculumEntry, School, Semester


def test_access_rows_of_the_results_part(personas):
    failures = []
    for builder in ROWS.values():
        for case in builder(personas):
            for role in ROLES:
                client = Client(headers={"accept-language": "en"})
                if role != "anon":
                    client.force_login(personas[role])
                kwargs = {"content_type": "application/json"} if case.json else {}
                response = getattr(client, case.method)(case.url, case.data, **kwargs)
                if response.status_code != case.status_for(role):
                    failures.append(
                        f"{case.method.upper()} {case.url} as {role}: "
                        f"{response.status_code}, expected {case.status_for(role)}"
                    )
    assert not failures, "\n".join(failures)


def _fill(school_class, n_students):
    """Marks for the first n students of the class in every curriculum subject, S1 and S2."""
    sems = list(Semester.objects.filter(year=school_class.year))
    subjects = CurriculumEntry.objects.filter(
        year=school_class.year, level=school_class.level, track=school_class.track
    ).values_list("subject_id", flat=True)
    students = Enrollment.objects.filter(school_class=school_class).order_by("student_id")[
        :n_students
    ]
    MarkLine.objects.bulk_create(
        MarkLine(
            school_id=school_class.school_id,
            school_class=school_class,
            subject_id=subject_id,
            semester=sem,
            student_id=e.student_id,
            score1=Decimal(8 + (e.student_id + subject_id) % 9),
            score2=Decimal("12.25"),
            absent3=True,
        )
        for e in students
        for subject_id in subjects
        for sem in sems
    )


@pytest.fixture
def klass(personas):
    return (
        SchoolClass.objects.filter(
            pk__in=TeachingAssignment.objects.filter(teacher__user=personas["teacher"]).values(
                "school_class_id"
            )
        )
        .select_related("school", "level", "track", "year")
        .order_by("pk")
        .first()
    )


def test_director_starts_the_job_from_the_page_and_reads_the_class(personas, klass):
    _fill(klass, 10)
    client = Client(headers={"accept-language": "en"})
    client.force_login(personas["director"])
    response = client.post("/results/compute/", {"school": klass.school.code})
    job = Job.objects.latest("pk")
    assert response.status_code == 302 and response["Location"] == f"/jobs/{job.pk}/"
    assert job.status == Job.Status.DONE and job.done == job.total == 1
    assert job.result["schools"] == 1 and job.result["subject_results"] > 0
    page = client.get(f"/jobs/{job.pk}/")
    assert page.status_code == 200
    # query count of the class page does not grow with the class
    client.get(f"/results/classes/{klass.pk}/?period=S1")  # warm the session and caches
    with CaptureQueriesContext(connection) as few:
        response = client.get(f"/results/classes/{klass.pk}/?period=ANNUAL")
    assert len(few.captured_queries) <= 12
    assert response.status_code == 200
    assert response.content.decode().count('data-testid="result-row"') == (
        Enrollment.objects.filter(school_class=klass, status="ENROLLED").count()
    )
    _fill_more = Enrollment.objects.filter(school_class=klass).count()
    MarkLine.objects.all().delete()
    _fill(klass, _fill_more)
    client.post("/results/compute/", {"school": klass.school.code})
    with CaptureQueriesContext(connection) as more:
        response = client.get(f"/results/classes/{klass.pk}/?period=ANNUAL")
    assert len(more.captured_queries) == len(few.captured_queries)
    assert response.status_code == 200
    assert "Proposed decision" in response.content.decode()


def test_teacher_reads_the_class_but_may_not_compute(personas, klass):
    client = Client(headers={"accept-language": "en"})
    client.force_login(personas["teacher"])
    assert client.get(f"/results/classes/{klass.pk}/").status_code == 200
    assert client.post("/results/compute/", {"school": klass.school.code}).status_code == 403


def test_api_starts_the_job_and_returns_the_class_results(personas, klass):
    _fill(klass, 5)
    client = Client(headers={"accept-language": "en"})
    client.force_login(personas["directorate"])
    response = client.post(
        "/api/v1/evaluation/results/compute",
        {"school": klass.school.code},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    job = Job.objects.get(pk=response.json()["job_id"])
    assert job.status == Job.Status.DONE
    data = client.get(f"/api/v1/evaluation/results/classes/{klass.pk}?period=S1").json()
    assert data["computed"] is True
    with_average = [s for s in data["students"] if s["average"] is not None]
    assert len(with_average) == 5
    assert all(s["rank_class"] >= 1 for s in with_average)
    assert data["statistics"] and all(st["count"] == 5 for st in data["statistics"])


def test_semester_must_be_one_or_two(personas, klass):
    client = Client(headers={"accept-language": "en"})
    client.force_login(personas["director"])
    response = client.post(
        "/api/v1/evaluation/results/compute",
        {"school": klass.school.code, "semester": 3},
        content_type="application/json",
    )
    assert response.status_code == 400 and response.json()["code"] == "semester"


def test_command_computes_one_school_and_prints_a_summary(personas, klass):
    _fill(klass, 3)
    out = StringIO()
    call_command(
        "results", "compute", "--year", klass.year.code, "--school", klass.school.code,
        stdout=out,
    )  # fmt: skip
    text = out.getvalue()
    assert "1/1 schools" in text and "1 schools, periods S1, S2, ANNUAL" in text
    assert (
        GeneralResult.objects.filter(
            school_class=klass, period="ANNUAL", average__isnull=False
        ).count()
        == 3
    )
    assert SubjectResult.objects.filter(school=klass.school).exists()
    assert not GeneralResult.objects.exclude(school=klass.school).exists()


def test_command_refuses_an_unknown_school(db):
    err = StringIO()
    with pytest.raises(SystemExit):
        call_command(
            "results", "compute", "--year", DEMO_YEAR.code, "--school", "99999Z", stderr=err
        )
    assert "99999Z" in err.getvalue()
    assert School.objects.exists()
