"""School certificates: a family's request, the director's decision, the PDF in French and in
Arabic with its verification code, the public verification page, a left student's leaving
date, the desk, automatic approval, and every way of reaching another family's child."""

from __future__ import annotations

import re
import subprocess
import unicodedata
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.cache import cache
from django.test import Client

from massar.core.models import Notification, VerifiableDocument
from massar.core.verification import code_format
from massar.demo.builder import DEMO_YEAR
from massar.enrollment.models import Enrollment
from massar.portal import certificates_services as services
from massar.portal.models import CertificateRequest, SchoolServices

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_rate_limit():
    cache.clear()
    yield
    cache.clear()


def _login(user, language="en") -> Client:
    client = Client(headers={"accept-language": language})
    client.force_login(user)
    return client


def _text(pdf: bytes, tmp_path: Path, name="certificate") -> str:
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True
    ).stdout
    return unicodedata.normalize("NFKC", out)


def _png(pdf: bytes, tmp_path: Path, name="certificate") -> Path:
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(path), str(tmp_path / name)],
        check=True,
    )
    pngs = sorted(tmp_path.glob(f"{name}*.png"))
    assert pngs and pngs[0].stat().st_size > 10_000
    return pngs[0]


def _letters(text: str) -> str:
    return re.sub(r"[\s\u200e\u200f\u202a-\u202e]", "", text)


def _has_arabic(text: str, words) -> None:
    # pdftotext gives Arabic in visual or logical order depending on the line
    letters = _letters(text)
    for word in words:
        assert word in letters or word[::-1] in letters, word


def _request(client, student, language="fr"):
    return client.post(
        "/certificates/new/", {"student": student.pk, "language": language}, follow=False
    )


def _enrollment(student) -> Enrollment:
    return Enrollment.objects.select_related("school", "year", "level", "school_class").get(
        student=student, year__is_current=True
    )


# --- request, decision, PDF -----------------------------------------------------------------
def test_guardian_request_approved_by_director_gives_a_french_pdf(personas, tmp_path):
    child = personas["own_student"]  # the guardian persona's child at the collège
    enrollment = _enrollment(child)
    guardian = _login(personas["guardian"])
    response = _request(guardian, child, "fr")
    certificate = CertificateRequest.objects.get(student=child)
    assert response.status_code == 302
    assert response["Location"] == f"/certificates/{certificate.pk}/"
    assert certificate.status == "REQUESTED" and certificate.channel == "SPACE"
    assert certificate.school_id == enrollment.school_id
    assert certificate.requested_by == personas["guardian"]
    # the school is told, nothing to download yet
    assert Notification.objects.filter(
        user=personas["director"], kind="certificate.requested"
    ).exists()
    assert guardian.get(f"/certificates/{certificate.pk}/pdf/").status_code == 404

    director = _login(personas["director"])
    page = director.get(f"/certificates/{certificate.pk}/")
    assert b'data-testid="approve-form"' in page.content
    response = director.post(f"/certificates/{certificate.pk}/approve/")
    assert response.status_code == 302
    certificate.refresh_from_db()
    assert certificate.status == "APPROVED" and certificate.decided_by == personas["director"]
    document = certificate.document
    assert document.kind == VerifiableDocument.Kind.CERTIFICATE
    assert document.facts == {
        "student": {"fr": child.full_name_fr, "ar": child.full_name_ar},
        "school": {"fr": enrollment.school.name_fr, "ar": enrollment.school.name_ar},
        "year": enrollment.year.code,
    }
    assert Notification.objects.filter(
        user=personas["guardian"], kind="certificate.approved"
    ).exists()

    response = guardian.get(f"/certificates/{certificate.pk}/pdf/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "private" in response["Cache-Control"]
    text = _text(response.content, tmp_path)
    assert child.last_name_fr in text and child.first_name_fr in text
    assert child.code_massar in text
    assert enrollment.year.code in text
    assert enrollment.school.name_fr in text
    assert enrollment.school_class.name in text
    assert child.birth_date.strftime("%d/%m/%Y") in text and child.birth_place in text
    assert code_format(document.code) in text
    assert f"/verify/{code_format(document.code)}/" in text
    _has_arabic(text, child.last_name_ar.split())  # the name in both scripts
    _png(response.content, tmp_path)
    # the school may download it too, and the student themself
    assert director.get(f"/certificates/{certificate.pk}/pdf/").status_code == 200
    assert (
        _login(personas["student"]).get(f"/certificates/{certificate.pk}/pdf/").status_code == 200
    )


def test_student_request_through_the_api_gives_an_arabic_pdf(personas, tmp_path):
    me = personas["own_student"]
    enrollment = _enrollment(me)
    student = _login(personas["student"])
    response = student.post(
        "/api/v1/me/certificates",
        {"student_id": me.pk, "language": "ar"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "REQUESTED" and body["pdf_url"] is None
    response = _login(personas["director"]).post(f"/api/v1/me/certificates/{body['id']}/approve")
    assert response.status_code == 200, response.content
    approved = response.json()
    assert approved["status"] == "APPROVED" and approved["verification_code"]
    response = student.get(approved["pdf_url"])
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = _text(response.content, tmp_path, "ar")
    assert me.code_massar in text
    assert enrollment.year.code in _letters(text) or "2026-2025" in text
    assert approved["verification_code"] in text
    _has_arabic(text, me.last_name_ar.split() + me.first_name_ar.split())
    _has_arabic(text, enrollment.school.name_ar.split()[:3])
    assert me.last_name_fr in text  # and the Latin name
    _png(response.content, tmp_path, "ar")
    # the family's list carries the download link
    listing = student.get("/api/v1/me/certificates").json()
    assert [i["id"] for i in listing["items"]] == [body["id"]]
    assert listing["items"][0]["pdf_url"] == approved["pdf_url"]


# --- verification ----------------------------------------------------------------------------
def test_verification_page_shows_the_certificates_facts_and_nothing_else(personas):
    child = personas["own_student"]
    enrollment = _enrollment(child)
    certificate = services.certificate_desk_issue(
        actor=personas["director"],
        scope=_scope(personas["director"]),
        code_massar=child.code_massar,
        language="fr",
    )
    code = code_format(certificate.document.code)
    page = Client(headers={"accept-language": "en"}).get(f"/verify/{code}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="verify-valid"' in html
    assert "School certificate" in html
    assert child.full_name_fr in html
    assert enrollment.school.name_fr in html
    assert enrollment.year.code in html
    # no identifiers, no birth date, no class
    assert child.code_massar not in html
    assert child.birth_date.strftime("%d/%m/%Y") not in html
    assert "Left the school on" not in html
    # in Arabic the Arabic name
    page = Client(headers={"accept-language": "ar"}).get(f"/verify/{code}/")
    assert child.full_name_ar in page.content.decode()


def test_forged_code_is_not_found(personas):
    client = Client(headers={"accept-language": "en"})
    for forged in ("ABCD-EFGH-JKMN-PQRS", "0000", "x" * 60, "<script>"):
        response = client.get(f"/verify/{forged}/")
        assert response.status_code == 404
        assert b'data-testid="verify-unknown"' in response.content


def test_left_student_certificate_shows_the_leaving_date(personas, tmp_path):
    child = personas["other_family_student"]
    enrollment = _enrollment(child)
    left_on = DEMO_YEAR.starts_on + timedelta(days=37)
    shown = left_on.strftime("%d/%m/%Y")
    Enrollment.objects.filter(pk=enrollment.pk).update(status="LEFT", left_on=left_on)
    director = _login(personas["director"])
    response = director.post(
        "/certificates/desk/", {"code_massar": child.code_massar.lower(), "language": "fr"}
    )
    assert response.status_code == 302
    certificate = CertificateRequest.objects.get(student=child)
    assert certificate.channel == "DESK" and certificate.status == "APPROVED"
    assert certificate.document.facts["left_on"] == shown
    text = _text(director.get(f"/certificates/{certificate.pk}/pdf/").content, tmp_path)
    assert shown in text and child.last_name_fr in text
    page = Client(headers={"accept-language": "en"}).get(
        f"/verify/{code_format(certificate.document.code)}/"
    )
    assert "Left the school on" in page.content.decode()
    assert shown in page.content.decode()
    # in Arabic too
    Enrollment.objects.filter(pk=enrollment.pk).update(status="TRANSFERRED_OUT")
    arabic = services.certificate_desk_issue(
        actor=personas["director"],
        scope=_scope(personas["director"]),
        code_massar=child.code_massar,
        language="ar",
    )
    text = _text(director.get(f"/certificates/{arabic.pk}/pdf/").content, tmp_path, "ar")
    assert shown in _letters(text) or left_on.strftime("%Y/%m/%d") in _letters(text)


# --- double submission ----------------------------------------------------------------------
def test_a_request_sent_twice_is_one_request(personas):
    child = personas["own_student"]
    guardian = _login(personas["guardian"])
    first = _request(guardian, child)
    second = _request(guardian, child, "ar")
    assert first["Location"] == second["Location"]
    assert CertificateRequest.objects.filter(student=child).count() == 1
    page = guardian.get(second["Location"])
    assert b"already sent" in page.content
    # the student asking too finds the same open request (API: 200, not 201)
    response = _login(personas["student"]).post(
        "/api/v1/me/certificates",
        {"student_id": child.pk, "language": "fr"},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert CertificateRequest.objects.filter(student=child).count() == 1


def test_concurrent_submission_losing_the_race_gets_the_open_request(personas, monkeypatch):
    """The unique open-request constraint catches what the first check missed: no 500."""
    child = personas["own_student"]
    enrollment = _enrollment(child)
    existing = CertificateRequest.objects.create(
        school_id=enrollment.school_id,
        year_id=enrollment.year_id,
        student=child,
        enrollment=enrollment,
        requested_by=personas["student"],
        channel="SPACE",
    )
    real = services._same_request
    calls = []

    def blind_first(*args):
        calls.append(1)
        return None if len(calls) == 1 else real(*args)

    monkeypatch.setattr(services, "_same_request", blind_first)
    response = _request(_login(personas["guardian"]), child)
    assert response.status_code == 302
    assert response["Location"] == f"/certificates/{existing.pk}/"
    assert CertificateRequest.objects.filter(student=child).count() == 1


# --- automatic approval -----------------------------------------------------------------------
def test_automatic_approval_issues_the_certificate_at_once(personas, tmp_path):
    child = personas["own_student"]
    director = _login(personas["director"])
    school_id = _enrollment(child).school_id
    response = director.post("/certificates/settings/", {"school": school_id, "auto_approve": "on"})
    assert response.status_code == 302
    assert SchoolServices.objects.get(school_id=school_id).certificates_auto_approve
    guardian = _login(personas["guardian"])
    response = _request(guardian, child, "ar")
    certificate = CertificateRequest.objects.get(student=child)
    assert certificate.status == "APPROVED" and certificate.document_id
    assert certificate.decided_by is None
    assert Notification.objects.filter(
        user=personas["guardian"], kind="certificate.approved"
    ).exists()
    # a double click after the automatic approval is still one request
    _request(guardian, child, "ar")
    assert CertificateRequest.objects.filter(student=child).count() == 1
    assert guardian.get(f"/certificates/{certificate.pk}/pdf/").status_code == 200
    # turned off again through the API
    response = director.post(
        "/api/v1/me/certificates/settings",
        {"school_id": school_id, "auto_approve": False},
        content_type="application/json",
    )
    assert response.json()["auto_approve"] is False
    # another school's setting is out of reach
    other = _enrollment(personas["other_school_student"]).school_id
    assert director.post("/certificates/settings/", {"school": other}).status_code == 404


# --- refusal ------------------------------------------------------------------------------------
def test_refusal_needs_a_reason_and_tells_the_requester(personas):
    child = personas["own_student"]
    _request(_login(personas["student"]), child)
    certificate = CertificateRequest.objects.get(student=child)
    director = _login(personas["director"])
    director.post(f"/certificates/{certificate.pk}/refuse/", {"reason": "  "})
    certificate.refresh_from_db()
    assert certificate.status == "REQUESTED"
    director.post(f"/certificates/{certificate.pk}/refuse/", {"reason": "Dossier incomplet"})
    certificate.refresh_from_db()
    assert certificate.status == "REFUSED" and certificate.refusal_reason == "Dossier incomplet"
    note = Notification.objects.get(user=personas["student"], kind="certificate.refused")
    assert "Dossier incomplet" in note.body
    # decided once: a second decision is refused with a message, not a 500
    response = director.post(f"/api/v1/me/certificates/{certificate.pk}/approve")
    assert response.status_code == 409 and response.json()["code"] == "already_decided"
    assert (
        _login(personas["student"]).get(f"/certificates/{certificate.pk}/pdf/").status_code == 404
    )


def test_staff_issue_at_the_desk_but_only_the_director_decides(personas):
    child = personas["own_student"]
    _request(_login(personas["guardian"]), child)
    certificate = CertificateRequest.objects.get(student=child)
    staff = _login(personas["staff"])
    assert staff.get(f"/certificates/{certificate.pk}/").status_code == 200
    assert staff.post(f"/certificates/{certificate.pk}/approve/").status_code == 403
    response = staff.post(f"/api/v1/me/certificates/{certificate.pk}/approve")
    assert response.status_code == 403
    certificate.refresh_from_db()
    assert certificate.status == "REQUESTED"
    response = staff.post(
        "/api/v1/me/certificates/desk",
        {"code_massar": child.code_massar, "language": "fr"},
        content_type="application/json",
    )
    assert response.status_code == 201 and response.json()["channel"] == "DESK"
    # a student of another school is not found at this desk
    response = staff.post(
        "/certificates/desk/",
        {"code_massar": personas["other_school_student"].code_massar, "language": "fr"},
    )
    assert response.status_code == 200
    assert b"No student of your school has this Code Massar" in response.content


# --- reaching another family's child -----------------------------------------------------------
def test_guardian_cannot_request_or_download_for_another_family(personas):
    other = personas["other_family_student"]
    guardian = _login(personas["guardian"])
    assert _request(guardian, other).status_code == 404
    response = guardian.post(
        "/api/v1/me/certificates",
        {"student_id": other.pk, "language": "fr"},
        content_type="application/json",
    )
    assert response.status_code == 404
    assert not CertificateRequest.objects.filter(student=other).exists()
    theirs = services.certificate_desk_issue(
        actor=personas["director"],
        scope=_scope(personas["director"]),
        code_massar=other.code_massar,
        language="fr",
    )
    for url in (
        f"/certificates/{theirs.pk}/",
        f"/certificates/{theirs.pk}/pdf/",
        f"/api/v1/me/certificates/{theirs.pk}",
        f"/api/v1/me/certificates/{theirs.pk}/pdf",
    ):
        assert guardian.get(url).status_code == 404, url
        assert _login(personas["student"]).get(url).status_code == 404, url
    listing = guardian.get("/api/v1/me/certificates").json()
    assert theirs.pk not in [i["id"] for i in listing["items"]]


def test_student_requests_only_for_themself(personas):
    student = _login(personas["student"])
    sibling = personas["child"]  # the guardian's other child: not the student's to ask for
    assert _request(student, sibling).status_code == 404
    assert _request(student, personas["other_family_student"]).status_code == 404
    assert not CertificateRequest.objects.exists()


def test_staff_of_another_school_reach_nothing(personas):
    child = personas["own_student"]
    _request(_login(personas["guardian"]), child)
    certificate = CertificateRequest.objects.get(student=child)
    other = _login(personas["other_director"])
    for url in (f"/certificates/{certificate.pk}/", f"/api/v1/me/certificates/{certificate.pk}"):
        assert other.get(url).status_code == 404
    assert other.post(f"/certificates/{certificate.pk}/approve/").status_code == 404
    assert other.post(f"/api/v1/me/certificates/{certificate.pk}/approve").status_code == 404
    response = other.post(
        "/certificates/desk/", {"code_massar": child.code_massar, "language": "fr"}
    )
    assert b"No student of your school has this Code Massar" in response.content
    assert other.get("/api/v1/me/certificates").json()["count"] == 0
    certificate.refresh_from_db()
    assert certificate.status == "REQUESTED"


# --- lists ------------------------------------------------------------------------------------
def _many(personas, n: int) -> None:
    enrollments = list(
        Enrollment.objects.filter(
            school__code="04012B", status="ENROLLED", year__is_current=True
        ).order_by("pk")[:n]
    )
    for e in enrollments:
        services.certificate_desk_issue(
            actor=personas["director"],
            scope=_scope(personas["director"]),
            code_massar=e.student.code_massar,
            language="fr",
        )


def test_school_list_runs_a_constant_number_of_queries(personas, django_assert_max_num_queries):
    director = _login(personas["director"])
    _many(personas, 2)
    with django_assert_max_num_queries(14) as few:
        assert director.get("/certificates/").status_code == 200
    _many(personas, 20)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = director.get("/certificates/?status=APPROVED")
    assert page.content.count(b'data-testid="certificate"') == 22
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert director.get("/api/v1/me/certificates?status=APPROVED").json()["count"] == 22
    assert b'data-testid="certificate"' not in director.get("/certificates/?status=REFUSED").content


def test_family_list_shows_own_requests_with_download_links(personas):
    guardian = _login(personas["guardian"])
    _request(guardian, personas["own_student"])
    services.certificate_desk_issue(
        actor=personas["director"],
        scope=_scope(personas["director"]),
        code_massar=personas["other_family_student"].code_massar,
        language="fr",
    )
    mine = CertificateRequest.objects.get(student=personas["own_student"])
    services.certificate_approve(
        actor=personas["director"], scope=_scope(personas["director"]), certificate_id=mine.pk
    )
    page = guardian.get("/certificates/")
    assert page.content.count(b'data-testid="certificate"') == 1
    assert f"/certificates/{mine.pk}/pdf/".encode() in page.content
    assert personas["other_family_student"].last_name_fr.encode() not in page.content


def _scope(user):
    from massar.core.scopes import scope_for

    return scope_for(user)


def test_pages_render_in_arabic_and_stay_light(personas):
    child = personas["own_student"]
    _request(_login(personas["guardian"]), child)
    certificate = CertificateRequest.objects.get(student=child)
    pages = {
        "guardian": ["/certificates/", "/certificates/new/", f"/certificates/{certificate.pk}/"],
        "student": ["/certificates/new/"],
        "director": [
            "/certificates/",
            "/certificates/desk/",
            "/certificates/settings/",
            f"/certificates/{certificate.pk}/",
        ],
    }
    for role, urls in pages.items():
        client = _login(personas[role], "ar")
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, (role, url)
            assert b'dir="rtl"' in response.content, (role, url)
            assert len(response.content) < 200_000, (role, url)
            assert b"<script>" not in response.content and b" style=" not in response.content
