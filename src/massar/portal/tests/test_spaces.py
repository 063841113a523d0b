"""The student, guardian and teacher spaces: published results only, the general average's
explanation, recovery contacts, guardian activation codes, constant query counts."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client, TestCase
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from massar.assessment.models import GeneralResult, MarkLine, Publication, SubjectResult
from massar.core.models import AuditEntry, Role, RoleAssignment
from massar.demo.personas import COLLEGE
from massar.enrollment.models import Enrollment, SchoolClass
from massar.portal.models import GuardianActivation
from massar.portal.results_day_services import results_snapshot_refresh
from massar.portal.spaces_services import activation_code_hash
from massar.registry.models import Guardian, GuardianLink
from massar.schools.models import CurriculumEntry, Semester

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()  # rate-limit counters of wrong activation codes
    yield
    cache.clear()


def _client(user, lang="en"):
    c = Client(headers={"accept-language": lang})
    c.force_login(user)
    return c


def _results(student, *, subjects=2, publish=True):
    """S1 results of `subjects` subjects for the student, computed the way the results job
    stores them, published or not; then the snapshots rebuilt and the cache written at
    commit, as a publication does (the results page and API read only those)."""
    enrollment = Enrollment.objects.select_related("school_class", "year").get(
        student=student, year__is_current=True, status=Enrollment.Status.ENROLLED
    )
    sc, year = enrollment.school_class, enrollment.year
    for model in (GeneralResult, SubjectResult, Publication):
        model.objects.filter(school_id=sc.school_id, year=year).delete()
    semester = Semester.objects.get(year=year, number=1)
    entries = list(
        CurriculumEntry.objects.filter(year=year, level_id=sc.level_id, track_id=sc.track_id)
        .select_related("subject")
        .order_by("subject__code")[:subjects]
    )
    assert len(entries) == subjects
    averages = [Decimal("12.50"), Decimal("15.00"), Decimal("9.75"), Decimal("11.25")] * 10
    weighted = Decimal(0)
    for entry, avg in zip(entries, averages, strict=False):
        SubjectResult.objects.create(
            school_id=sc.school_id,
            year=year,
            period="S1",
            school_class=sc,
            student=student,
            subject=entry.subject,
            average=avg,
            rank=3,
        )
        MarkLine.objects.update_or_create(
            school_id=sc.school_id,
            school_class=sc,
            subject=entry.subject,
            semester=semester,
            student=student,
            defaults={"score1": avg, "score2": avg, "absent3": True, "activities": avg},
        )
        weighted += avg * entry.coefficient
    coef_sum = sum(e.coefficient for e in entries)
    GeneralResult.objects.create(
        school_id=sc.school_id,
        year=year,
        period="S1",
        school_class=sc,
        level_id=sc.level_id,
        student=student,
        average=(weighted / coef_sum).quantize(Decimal("0.01")),
        coefficient_sum=coef_sum,
        weighted_sum=weighted,
        rank_class=4,
    )
    if publish:
        Publication.objects.create(
            school_id=sc.school_id, year=year, level_id=sc.level_id, period="S1"
        )
    with TestCase.captureOnCommitCallbacks(execute=True):
        results_snapshot_refresh(school=sc.school_id, year=year)
    return entries, weighted, coef_sum


def test_unpublished_results_are_invisible_to_student_and_guardian(personas):
    student = personas["own_student"]
    _results(student, publish=False)
    for role in ("student", "guardian"):
        c = _client(personas[role])
        page = c.get(f"/space/marks/?child={student.pk}")
        assert page.status_code == 200
        assert b'data-testid="results-not-published"' in page.content
        assert b"general-average" not in page.content
        body = c.get(f"/api/v1/me/results?child={student.pk}").json()
        assert body["published"] is False and body["results"] is None


def test_published_results_show_each_test_and_the_explanation_figures(personas):
    student = personas["own_student"]
    entries, weighted, coef_sum = _results(student)
    data = _client(personas["student"]).get("/api/v1/me/results").json()
    assert data["published"] is True and data["student_id"] == student.pk
    assert [p["period"] for p in data["results"]["periods"]] == ["S1"]
    s1 = data["results"]["periods"][0]
    assert Decimal(s1["weighted_sum"]) == weighted
    assert Decimal(s1["coefficient_sum"]) == coef_sum
    # the explanation, as an API client shows it: each product, their sum, the division
    for s in s1["subjects"]:
        assert Decimal(s["product"]) == Decimal(s["average"]) * Decimal(s["coefficient"])
    assert sum(Decimal(s["product"]) for s in s1["subjects"]) == weighted
    quotient = (weighted / coef_sum).quantize(Decimal("0.0001"))
    assert Decimal(s1["quotient"]) == quotient
    assert quotient.quantize(Decimal("0.01")) == Decimal(s1["average"])
    assert s1["rank"] == 4 and s1["class_size"] == 1
    first = next(s for s in s1["subjects"] if s["average"] == "12.50")
    assert [None if m is None else Decimal(m) for m in first["marks"]] == [
        Decimal("12.5"),
        Decimal("12.5"),
        None,
        None,
    ]
    assert first["absent"] == [False, False, True, False]
    assert Decimal(first["activities"]) == Decimal("12.5")

    page = _client(personas["guardian"]).get(f"/space/marks/?child={student.pk}")
    html = page.content.decode()
    assert 'data-testid="explanation-S1"' in html
    plain = "{:f}".format
    assert f"{plain(weighted.normalize())} ÷ {plain(coef_sum.normalize())}" in html
    for entry, avg in zip(entries, (Decimal("12.50"), Decimal("15.00")), strict=False):
        assert f'data-testid="product">{plain((avg * entry.coefficient).normalize())}<' in html
    assert f"/report-cards/students/{student.pk}/S1/?language=ar" in html


def test_guardian_never_sees_another_familys_child(personas):
    other = personas["other_family_student"]
    _results(other)
    c = _client(personas["guardian"])
    assert c.get(f"/space/marks/?child={other.pk}").status_code == 404
    assert c.get(f"/api/v1/me/results?child={other.pk}").status_code == 404
    assert c.get(f"/api/v1/me/space?child={other.pk}").status_code == 404


def test_guardian_switches_between_children_in_two_schools(personas):
    data = _client(personas["guardian"]).get("/api/v1/me/space").json()
    ids = {c["id"] for c in data["children"]}
    assert ids == personas["guardian_children"] and len(ids) >= 2
    schools = set()
    for child in ids:
        one = _client(personas["guardian"]).get(f"/api/v1/me/space?child={child}").json()
        schools.add(one["history"][0]["school"])
    assert len(schools) >= 2


def test_recovery_contacts_are_validated_and_saved(personas):
    user = personas["student"]
    c = _client(user)
    bad = c.put(
        "/api/v1/me/recovery",
        {"recovery_email": "x@example.ma", "recovery_phone": "12345"},
        content_type="application/json",
    )
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_phone"
    c.post("/space/recovery/", {"recovery_email": "moi@example.ma", "recovery_phone": "0612345678"})
    user.refresh_from_db()
    assert (user.recovery_email, user.recovery_phone) == ("moi@example.ma", "0612345678")
    assert AuditEntry.objects.filter(action="user.recovery_contacts", object_id=user.pk).exists()


def _college_class_with_guardians():
    return (
        SchoolClass.objects.filter(school__code=COLLEGE, year__is_current=True)
        .filter(enrollments__student__guardian_links__isnull=False)
        .order_by("pk")
        .first()
    )


def test_activation_code_flow_print_use_reuse(personas):
    sc = _college_class_with_guardians()
    director = _client(personas["director"])
    pdf = director.post(f"/space/activation-codes/{sc.pk}/")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    codes = director.post(f"/api/v1/me/activation-codes/classes/{sc.pk}").json()
    assert codes and all(len(c["code"]) == 12 for c in codes)
    # only hashes are stored
    assert not GuardianActivation.objects.filter(code_hash=codes[0]["code"]).exists()
    assert GuardianActivation.objects.filter(
        code_hash=activation_code_hash(codes[0]["code"])
    ).exists()

    # a guardian without an account: the code creates one and links their children
    target = next(c for c in codes if Guardian.objects.get(pk=c["guardian_id"]).user_id is None)
    anon = Client(headers={"accept-language": "en"})
    done = anon.post(
        "/space/activate/",
        {
            "code": target["code"].lower(),
            "password": "Cedar-Lamp-2026!",
            "password_again": "Cedar-Lamp-2026!",
        },
    )
    assert done.status_code == 200
    guardian = Guardian.objects.select_related("user").get(pk=target["guardian_id"])
    assert guardian.user is not None
    assert guardian.user.username.endswith(".parent@taalim.ma")
    assert RoleAssignment.objects.filter(user=guardian.user, role=Role.GUARDIAN).exists()
    child = GuardianLink.objects.filter(guardian=guardian).first().student
    assert _client(guardian.user).get(f"/api/v1/me/space?child={child.pk}").status_code == 200

    # the same code again: refused with a clear message
    again = _client(guardian.user).post(
        "/api/v1/me/activation", {"code": target["code"]}, content_type="application/json"
    )
    assert again.status_code == 400 and again.json()["code"] == "used_code"


def test_signed_in_guardian_links_children_of_another_school(personas):
    """The demo guardian holds a record; a code printed for another guardian record (the
    same parent typed again by another school) adds that record's children to the account."""
    sc = _college_class_with_guardians()
    link = (
        GuardianLink.objects.filter(
            student__enrollments__school_class=sc, guardian__user__isnull=True
        )
        .select_related("guardian")
        .first()
    )
    codes = (
        _client(personas["director"]).post(f"/api/v1/me/activation-codes/classes/{sc.pk}").json()
    )
    code = next(c["code"] for c in codes if c["guardian_id"] == link.guardian_id)
    c = _client(personas["guardian"])
    r = c.post("/api/v1/me/activation", {"code": code}, content_type="application/json")
    assert r.status_code == 200 and r.json()["linked"] >= 1
    assert link.student_id in {ch["id"] for ch in r.json()["children"]}


def test_expired_and_wrong_codes_are_refused_and_rate_limited(personas):
    sc = _college_class_with_guardians()
    codes = (
        _client(personas["director"]).post(f"/api/v1/me/activation-codes/classes/{sc.pk}").json()
    )
    GuardianActivation.objects.filter(code_hash=activation_code_hash(codes[0]["code"])).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    c = _client(personas["guardian"])
    r = c.post("/api/v1/me/activation", {"code": codes[0]["code"]}, content_type="application/json")
    assert r.status_code == 400 and r.json()["code"] == "expired_code"
    statuses = [
        c.post(
            "/api/v1/me/activation", {"code": "AAAA-BBBB-CC"}, content_type="application/json"
        ).status_code
        for _ in range(12)
    ]
    assert statuses[0] == 400 and statuses[-1] == 429
    # once limited, even a right code waits
    r = c.post("/api/v1/me/activation", {"code": codes[1]["code"]}, content_type="application/json")
    assert r.status_code == 429


def test_another_schools_director_cannot_print_codes_for_this_school(personas):
    sc = _college_class_with_guardians()
    other = _client(personas["other_director"])
    assert other.post(f"/space/activation-codes/{sc.pk}/").status_code == 404
    assert other.post(f"/api/v1/me/activation-codes/classes/{sc.pk}").status_code == 404
    assert not GuardianActivation.objects.filter(school_id=sc.school_id).exists()


def test_teacher_space_lists_classes_and_grade_entry_links(personas):
    page = _client(personas["teacher"]).get("/space/teacher/")
    assert page.status_code == 200
    assert b"/evaluation/grades/" in page.content
    data = _client(personas["teacher"]).get("/api/v1/me/teaching").json()
    assert data and data[0]["grade_entry"][0].startswith("/evaluation/grades/")


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_space_pages_run_a_constant_small_number_of_queries(
    personas, django_assert_max_num_queries
):
    student = personas["own_student"]
    c = _client(personas["student"])
    _results(student, subjects=1)
    c.get("/space/")  # the session's idle clock is written by the first request only
    few_home, few_marks = _count(c, "/space/"), _count(c, "/space/marks/")
    n = (
        CurriculumEntry.objects.filter(
            year__is_current=True,
            level_id=Enrollment.objects.get(student=student, year__is_current=True).level_id,
        )
        .values("subject")
        .distinct()
        .count()
    )
    _results(student, subjects=min(n, 8))
    from massar.core.models import Notification

    Notification.objects.bulk_create(
        [Notification(user=personas["student"], kind="t", title=f"n{i}") for i in range(30)]
    )
    assert _count(c, "/space/") == few_home
    assert _count(c, "/space/marks/") == few_marks
    with django_assert_max_num_queries(10):
        c.get("/space/")
    # the results page reads the cache the publication wrote: as few as the results-day page
    with django_assert_max_num_queries(7):
        c.get("/space/marks/")


def test_space_pages_render_in_arabic_rtl_and_french(personas):
    for lang in ("ar", "fr"):
        page = _client(personas["guardian"], lang).get("/space/", HTTP_ACCEPT_LANGUAGE=lang)
        assert page.status_code == 200
        assert b'data-testid="child-switcher"' in page.content
        assert (b'dir="rtl"' in page.content) == (lang == "ar")
