"""Report cards: the PDF in French and in Arabic with the real figures, the verification code
and its public page, re-issue after a recomputation, the class's bulk print as a job."""

from __future__ import annotations

import re
import subprocess
import unicodedata
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import translation

from massar.assessment.models import GeneralResult, Period
from massar.assessment.reports_selectors import class_students, report_cards_data
from massar.assessment.tests.report_card_fixtures import publish, results_fill
from massar.core.models import Job, VerifiableDocument
from massar.core.verification import code_format
from massar.enrollment.models import Decision, Enrollment

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_rate_limit():
    cache.clear()
    yield
    cache.clear()


def _class_of(student):
    return (
        Enrollment.objects.filter(student=student, status="ENROLLED")
        .select_related("school_class__school", "school_class__year", "school_class__level")
        .first()
        .school_class
    )


def _text(pdf: bytes, tmp_path: Path, name="card") -> str:
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True
    ).stdout
    return unicodedata.normalize("NFKC", out)


def _pages(pdf: bytes, tmp_path: Path, name="card") -> int:
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(pdf)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, check=True, text=True).stdout
    return int(re.search(r"Pages:\s+(\d+)", info).group(1))


def _png(pdf: bytes, tmp_path: Path, name="card") -> Path:
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "70", "-f", "1", "-l", "1", str(path), str(tmp_path / name)],
        check=True,
    )
    pngs = sorted(tmp_path.glob(f"{name}*.png"))
    assert pngs and pngs[0].stat().st_size > 10_000
    return pngs[0]


def _login(user) -> Client:
    client = Client(headers={"accept-language": "en"})
    client.force_login(user)
    return client


@pytest.fixture
def filled(personas):
    student = personas["taught_student"]
    school_class = _class_of(student)
    figures = results_fill(school_class, Period.S1)
    return {"student": student, "class": school_class, "figures": figures}


def test_french_card_shows_the_students_marks_averages_and_code(personas, filled, tmp_path):
    student, school_class = filled["student"], filled["class"]
    mine = filled["figures"][student.pk]
    response = _login(personas["director"]).get(
        f"/report-cards/students/{student.pk}/S1/?language=fr"
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = _text(response.content, tmp_path)
    assert student.code_massar in text
    assert student.last_name_fr in text and student.first_name_fr in text
    assert school_class.school.name_fr in text
    assert school_class.name in text
    assert f"{mine['average']:.2f}".replace(".", ",") in text
    formula = f"{mine['weighted']:.2f}".replace(".", ",")
    assert formula in text  # the "how it is computed" line
    first_subject_avg = next(iter(mine["subjects"].values()))
    assert f"{first_subject_avg:.2f}".replace(".", ",") in text
    assert "Bon travail" in text  # the teacher's remark
    document = VerifiableDocument.objects.get(student_id=student.pk, revoked_at__isnull=True)
    assert code_format(document.code) in text
    assert document.facts["average"] == f"{mine['average']:.2f}"
    _png(response.content, tmp_path)


def test_arabic_card_is_rendered_with_arabic_names(personas, filled, tmp_path):
    school_class = filled["class"]
    # the first student of the class has an absent test in the first subject
    first = class_students(school_class)[0]
    response = _login(personas["director"]).get(
        f"/report-cards/students/{first.pk}/S1/?language=ar"
    )
    assert response.status_code == 200
    text = _text(response.content, tmp_path)
    mine = filled["figures"][first.pk]
    assert f"{mine['average']:.2f}" in text
    assert first.code_massar in text
    # pdftotext gives Arabic in visual or logical order depending on the line: compare the
    # letters of each name word either way
    letters = re.sub(r"[\s\u200e\u200f\u202a-\u202e]", "", text)
    for word in (first.last_name_ar.split() + school_class.school.name_ar.split())[:4]:
        assert word in letters or word[::-1] in letters, word
    png = _png(response.content, tmp_path)
    assert png.exists()


def test_absent_test_is_printed_as_abs(personas, filled, tmp_path):
    first = class_students(filled["class"])[0]
    response = _login(personas["director"]).get(
        f"/report-cards/students/{first.pk}/S1/?language=fr"
    )
    assert "Abs" in _text(response.content, tmp_path)


def test_annual_card_shows_the_councils_decision(personas, filled, tmp_path):
    from massar.assessment.models import CouncilDecision

    school_class, student = filled["class"], filled["student"]
    results_fill(school_class, Period.S2, shift=2)
    annual = results_fill(school_class, Period.ANNUAL, shift=1)
    CouncilDecision.objects.create(
        school=school_class.school,
        year=school_class.year,
        student=student,
        decision="REPEATS",
        reason="Absences",
    )
    response = _login(personas["director"]).get(
        f"/report-cards/students/{student.pk}/ANNUAL/?language=fr"
    )
    text = _text(response.content, tmp_path)
    with translation.override("fr"):
        assert str(Decision.REPEATS.label) in text  # the override, not the proposed decision
    assert f"{annual[student.pk]['average']:.2f}".replace(".", ",") in text
    document = VerifiableDocument.objects.get(subject_key__endswith=":ANNUAL")
    assert document.facts["decision"] == "REPEATS"


def test_card_without_results_still_prints(personas, tmp_path):
    student = personas["untaught_student"]
    response = _login(personas["director"]).get(
        f"/report-cards/students/{student.pk}/S2/?language=fr"
    )
    assert response.status_code == 200
    assert student.code_massar in _text(response.content, tmp_path)


def test_unknown_period_is_404(personas, filled):
    response = _login(personas["director"]).get(
        f"/report-cards/students/{filled['student'].pk}/S3/"
    )
    assert response.status_code == 404


# --- verification ---------------------------------------------------------------------------


def _issue(personas, filled) -> VerifiableDocument:
    _login(personas["director"]).get(f"/report-cards/students/{filled['student'].pk}/S1/")
    return VerifiableDocument.objects.get(student_id=filled["student"].pk, revoked_at__isnull=True)


def test_verification_page_confirms_the_key_facts_only(personas, filled):
    document = _issue(personas, filled)
    student = filled["student"]
    response = Client(headers={"accept-language": "en"}).get(
        f"/verify/{code_format(document.code)}/"
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-testid="verify-valid"' in body
    assert student.full_name_fr in body
    assert filled["class"].school.name_fr in body
    assert f"{filled['figures'][student.pk]['average']:.2f}" in body
    assert "Semester 1" in body
    # nothing more: no identifier, no birth date, no marks
    assert student.code_massar not in body
    assert student.birth_date.strftime("%d/%m/%Y") not in body


def test_verification_accepts_a_code_typed_loosely(personas, filled):
    document = _issue(personas, filled)
    typed = document.code.lower()
    response = Client().get("/verify/", {"code": typed})
    assert response.status_code == 302
    assert response.url == f"/verify/{code_format(document.code)}/"


def test_forged_code_is_a_clear_not_found(personas, filled):
    _issue(personas, filled)
    client = Client(headers={"accept-language": "en"})
    for forged in ("ABCD-EFGH-JKMN-PQRS", "x", "0" * 200, "%00", "<script>", "é'\""):
        response = client.get(f"/verify/{forged}/")
        assert response.status_code == 404, forged
        assert "No document was issued with the code" in response.content.decode()


def test_verification_is_rate_limited_per_client_address(personas, filled, settings):
    settings.MASSAR_VERIFY_ATTEMPTS = 5
    document = _issue(personas, filled)
    client = Client(headers={"accept-language": "en"}, REMOTE_ADDR="10.0.0.7")
    for _ in range(5):
        assert client.get("/verify/ABCD-EFGH-JKMN-PQRS/").status_code == 404
    limited = client.get(f"/verify/{code_format(document.code)}/")
    assert limited.status_code == 429
    assert "Too many unknown codes" in limited.content.decode()
    # another address is not affected
    other = Client(REMOTE_ADDR="10.0.0.8")
    assert other.get(f"/verify/{code_format(document.code)}/").status_code == 200


def test_reissue_keeps_the_code_while_facts_are_unchanged(personas, filled):
    first = _issue(personas, filled)
    again = _issue(personas, filled)
    assert again.pk == first.pk
    # Arabic print of the same card: same facts, same code
    _login(personas["director"]).get(
        f"/report-cards/students/{filled['student'].pk}/S1/?language=ar"
    )
    assert VerifiableDocument.objects.filter(student_id=filled["student"].pk).count() == 1


def test_recomputed_result_revokes_the_old_code(personas, filled):
    old = _issue(personas, filled)
    GeneralResult.objects.filter(student=filled["student"], period="S1").update(
        average=Decimal("19.99")
    )
    new = _issue(personas, filled)
    assert new.pk != old.pk and new.code != old.code
    old.refresh_from_db()
    assert old.revoked_at is not None
    client = Client(headers={"accept-language": "en"})
    stale = client.get(f"/verify/{old.code}/").content.decode()
    assert 'data-testid="verify-revoked"' in stale and "19.99" not in stale
    assert "19.99" in client.get(f"/verify/{new.code}/").content.decode()


# --- bulk -----------------------------------------------------------------------------------


def test_bulk_print_gives_one_pdf_with_a_page_per_student(personas, filled, tmp_path):
    school_class = filled["class"]
    students = class_students(school_class)
    client = _login(personas["director"])
    response = client.post(
        f"/report-cards/classes/{school_class.pk}/bulk/", {"period": "S1", "language": "ar"}
    )
    assert response.status_code == 302
    job = Job.objects.latest("pk")
    assert response.url == f"/jobs/{job.pk}/"
    assert job.status == Job.Status.DONE, job.errors
    assert job.done == job.total == len(students)
    download = client.get(job.result["link"])
    assert download.status_code == 200
    pdf = b"".join(download.streaming_content)
    assert _pages(pdf, tmp_path, "bulk") == len(students)
    text = _text(pdf, tmp_path, "bulk")
    for student in students:
        assert student.code_massar in text
    assert VerifiableDocument.objects.filter(
        subject_key__startswith="report:", revoked_at__isnull=True
    ).count() == len(students)
    # the job's progress page links to the download
    assert job.result["link"] in client.get(f"/jobs/{job.pk}/").content.decode()


def test_bulk_file_is_not_served_to_another_school(personas, filled):
    client = _login(personas["director"])
    client.post(
        f"/report-cards/classes/{filled['class'].pk}/bulk/", {"period": "S1", "language": "fr"}
    )
    job = Job.objects.latest("pk")
    assert _login(personas["other_director"]).get(job.result["link"]).status_code == 404
    assert _login(personas["teacher"]).get(job.result["link"]).status_code == 404
    api = _login(personas["other_director"]).get(
        f"/api/v1/evaluation/report-cards/jobs/{job.pk}/file"
    )
    assert api.status_code == 404


def test_bulk_with_a_bad_period_starts_nothing(personas, filled):
    before = Job.objects.count()
    response = _login(personas["director"]).post(
        f"/report-cards/classes/{filled['class'].pk}/bulk/", {"period": "S9", "language": "fr"}
    )
    assert response.status_code == 302
    assert Job.objects.count() == before


# --- who may have a card -------------------------------------------------------------------


def test_student_gets_their_card_only_after_publication(personas, tmp_path):
    own = personas["own_student"]
    school_class = _class_of(own)
    results_fill(school_class, Period.S1)
    client = _login(personas["student"])
    url = f"/report-cards/students/{own.pk}/S1/"
    assert client.get(url).status_code == 404
    assert client.get("/api/v1/evaluation/report-cards/mine").json() == []
    publish(school_class, "S1")
    response = client.get(url)
    assert response.status_code == 200
    assert own.code_massar in _text(response.content, tmp_path)
    mine = client.get("/api/v1/evaluation/report-cards/mine").json()
    assert [(r["student_id"], r["period"]) for r in mine] == [(own.pk, "S1")]
    # S2 is not published
    assert client.get(f"/report-cards/students/{own.pk}/S2/").status_code == 404


def test_guardian_gets_their_childs_card_not_another_familys(personas):
    child, stranger = personas["child"], personas["other_family_student"]
    for student in (child, stranger):
        school_class = _class_of(student)
        publish(school_class, "S1")
    client = _login(personas["guardian"])
    assert client.get(f"/api/v1/evaluation/report-cards/students/{child.pk}/S1").status_code == (
        200
    )
    assert client.get(f"/report-cards/students/{stranger.pk}/S1/").status_code == 404
    assert (
        client.get(f"/api/v1/evaluation/report-cards/students/{stranger.pk}/S1").status_code == 404
    )
    mine = client.get("/api/v1/evaluation/report-cards/mine").json()
    assert {r["student_id"] for r in mine} <= personas["guardian_children"]
    assert child.pk in {r["student_id"] for r in mine}


def test_teacher_gets_cards_of_their_classes_only(personas, filled):
    client = _login(personas["teacher"])
    assert client.get(f"/report-cards/students/{filled['student'].pk}/S1/").status_code == 200
    untaught = personas["untaught_student"]
    assert client.get(f"/report-cards/students/{untaught.pk}/S1/").status_code == 404
    assert client.get(f"/report-cards/classes/{_class_of(untaught).pk}/").status_code == 404


def test_card_content_takes_a_constant_number_of_queries(
    personas, filled, django_assert_max_num_queries
):
    school_class = filled["class"]
    students = class_students(school_class)
    with django_assert_max_num_queries(12):
        one = report_cards_data(
            school_class=school_class, students=students[:1], year=school_class.year, period="S1"
        )
    with django_assert_max_num_queries(12):
        many = report_cards_data(
            school_class=school_class, students=students, year=school_class.year, period="S1"
        )
    assert len(one) == 1 and len(many) == len(students)
    assert many[0].rows and many[0].general is not None


def test_class_page_lists_students_with_links(personas, filled, django_assert_max_num_queries):
    client = _login(personas["director"])
    with django_assert_max_num_queries(25):
        response = client.get(f"/report-cards/classes/{filled['class'].pk}/")
    assert response.status_code == 200
    assert filled["student"].code_massar in response.content.decode()


def test_classes_page_lists_the_users_classes(personas, django_assert_max_num_queries):
    from massar.enrollment.models import SchoolClass, TeachingAssignment

    director = _login(personas["director"])
    with django_assert_max_num_queries(20):
        page = director.get("/report-cards/").content.decode()
    college = SchoolClass.objects.filter(school__code="04012B", year__is_current=True)
    assert all(f"/report-cards/classes/{c.pk}/" in page for c in college)
    taught = set(
        TeachingAssignment.objects.filter(teacher__user=personas["teacher"]).values_list(
            "school_class_id", flat=True
        )
    )
    teacher_page = _login(personas["teacher"]).get("/report-cards/").content.decode()
    for c in college:
        assert (f"/report-cards/classes/{c.pk}/" in teacher_page) == (c.pk in taught)
    # territory: pick a school first; a school outside the territory is not shown
    directorate = _login(personas["directorate"])
    assert "/report-cards/classes/" not in directorate.get("/report-cards/").content.decode()
    picked = directorate.get("/report-cards/", {"school": "04012b"}).content.decode()
    assert f"/report-cards/classes/{college.first().pk}/" in picked
    outside = directorate.get("/report-cards/", {"school": "04021C"}).content.decode()
    assert "No school with this code in your territory." in outside
