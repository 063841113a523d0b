"""Certification results against hand-computed figures: 3AC, baccalauréat (school and free
candidates), mentions at their boundaries, absence counting 0, rattrapage, a policy edit
changing an outcome, the CSV import and the CLI, and the constant query count of compute."""

import io
from decimal import Decimal as D

import pytest
from django.core.management import call_command

from massar.assessment import certification_services as svc
from massar.assessment.models import (
    Candidate,
    CertificationResult,
    ExamMark,
    ExamSession,
    ExamSubject,
    GeneralResult,
)
from massar.assessment.policy import policy_save
from massar.core.scopes import scope_for
from massar.demo.builder import PREVIOUS_YEAR
from massar.enrollment.models import Enrollment, SchoolClass
from massar.registry.models import Student
from massar.schools.models import Level, School, SchoolYear, Subject
from massar.schools.selectors import current_year

pytestmark = pytest.mark.django_db

COLLEGE, LYCEE = "04012B", "04021C"


def _subjects(n=2):
    return list(Subject.objects.order_by("code")[:n])


def _session(kind, level, *, year=None, round="NORMAL", coefs=(1, 1), **organiser):
    session = ExamSession.objects.create(
        year=year or current_year(), level=level, kind=kind, round=round, **organiser
    )
    for subject, coef in zip(_subjects(len(coefs)), coefs, strict=True):
        ExamSubject.objects.create(session=session, subject=subject, coefficient=D(coef))
    return session


def _marks(session, candidate, *scores):
    """One mark per subject of the session, in subject-code order; "abs" marks absent."""
    subjects = [e.subject for e in session.subjects.order_by("subject__code")]
    for subject, score in zip(subjects, scores, strict=True):
        ExamMark.objects.update_or_create(
            session=session,
            candidate=candidate,
            subject=subject,
            defaults={
                "score": None if score == "abs" else D(str(score)),
                "absent": score == "abs",
            },
        )


def _cc(candidate, average):
    e = Enrollment.objects.filter(
        student=candidate.student, year=candidate.year, status="ENROLLED"
    ).first()
    school_class = e.school_class or SchoolClass.objects.filter(school=e.school).first()
    GeneralResult.objects.update_or_create(
        school=e.school,
        year=candidate.year,
        period="ANNUAL",
        student=candidate.student,
        defaults={"school_class": school_class, "level": candidate.level, "average": D(average)},
    )


def _students(school, level, n):
    return [
        e.student
        for e in Enrollment.objects.filter(
            school__code=school, level__code=level, year=current_year(), status="ENROLLED"
        ).order_by("pk")[:n]
    ]


def _compute(personas, level, role="ministry"):
    user = personas[role]
    return svc.certification_compute(
        scope=scope_for(user), actor=user, year=current_year(), level=level
    )


@pytest.fixture
def ac3(personas):
    """3AC at the collège: a local session (the director's) and a regional one (the
    academy's), both with two subjects of coefficients 1 and 3, and the 3AC candidates."""
    level = Level.objects.get(code="3AC")
    college = School.objects.get(code=COLLEGE)
    local = _session("LOCAL", level, school=college, coefs=(1, 3))
    regional = _session("REGIONAL", level, academy=college.directorate.academy, coefs=(1, 3))
    director = personas["director"]
    svc.candidates_register(scope=scope_for(director), actor=director, session=local)
    candidates = list(
        Candidate.objects.filter(level=level, year=current_year()).order_by("student_id")
    )
    return {"level": level, "local": local, "regional": regional, "candidates": candidates}


def _result(candidate) -> CertificationResult:
    return CertificationResult.objects.get(candidate=candidate)


def test_registration_takes_the_enrolled_students_of_the_school_once(personas, ac3):
    enrolled = Enrollment.objects.filter(
        school__code=COLLEGE, level__code="3AC", year=current_year(), status="ENROLLED"
    ).count()
    assert len(ac3["candidates"]) == enrolled > 0
    director = personas["director"]
    again = svc.candidates_register(scope=scope_for(director), actor=director, session=ac3["local"])
    assert again == 0


def test_3ac_general_mark_outcome_and_mention(personas, ac3):
    c = ac3["candidates"][0]
    _cc(c, "12")
    _marks(ac3["local"], c, 10, 10)  # local exam 10
    _marks(ac3["regional"], c, 8, 16)  # (1×8 + 3×16) / 4 = 14
    counts = _compute(personas, ac3["level"])
    r = _result(c)
    # 0.3 × 12 + 0.3 × 10 + 0.4 × 14 = 3.6 + 3 + 5.6 = 12.20
    assert (r.continuous, r.local, r.regional, r.general) == (D("12"), D("10"), D("14"), D("12.20"))
    assert (r.outcome, r.mention) == ("PASSED", "ASSEZ_BIEN")
    # the others have no mark yet: counted as incomplete, no outcome
    assert counts["PASSED"] == 1 and counts["incomplete"] == len(ac3["candidates"]) - 1
    assert _result(ac3["candidates"][1]).outcome == ""


def test_absence_counts_zero_and_rounding_is_half_up(personas, ac3):
    c = ac3["candidates"][0]
    _cc(c, "11.35")
    _marks(ac3["local"], c, "abs", 12)  # (0 + 36) / 4 = 9.00
    _marks(ac3["regional"], c, 9.5, 9.5)  # 9.50
    _compute(personas, ac3["level"])
    r = _result(c)
    # 0.3 × 11.35 + 0.3 × 9 + 0.4 × 9.5 = 3.405 + 2.7 + 3.8 = 9.905 → 9.91 (half-up)
    assert (r.local, r.regional, r.general) == (D("9.00"), D("9.50"), D("9.91"))
    assert (r.outcome, r.mention) == ("FAILED", "")


@pytest.mark.parametrize(
    "regional, general, mention",
    [
        ("9.99", "9.99", None),  # all three components equal → general = that mark
        ("10", "10.00", "PASSABLE"),
        ("11.99", "11.99", "PASSABLE"),
        ("12", "12.00", "ASSEZ_BIEN"),
        ("13.99", "13.99", "ASSEZ_BIEN"),
        ("14", "14.00", "BIEN"),
        ("15.99", "15.99", "BIEN"),
        ("16", "16.00", "TRES_BIEN"),
        ("20", "20.00", "TRES_BIEN"),
    ],
)
def test_mention_boundaries(personas, ac3, regional, general, mention):
    c = ac3["candidates"][0]
    _cc(c, regional)
    _marks(ac3["local"], c, regional, regional)
    _marks(ac3["regional"], c, regional, regional)
    _compute(personas, ac3["level"])
    r = _result(c)
    assert r.general == D(general)
    assert r.outcome == ("PASSED" if mention else "FAILED")
    assert r.mention == (mention or "")
    assert svc.mention_for(D("11.99")) == "PASSABLE" and svc.mention_for(D("12.00")) == "ASSEZ_BIEN"


def test_policy_edit_by_the_ministry_changes_the_outcome(personas, ac3):
    c = ac3["candidates"][0]
    _cc(c, "12")
    _marks(ac3["local"], c, 10, 10)
    _marks(ac3["regional"], c, 8, 16)
    _compute(personas, ac3["level"])
    assert _result(c).outcome == "PASSED"  # 12.20 ≥ 10
    policy_save(
        year=current_year(),
        level=ac3["level"],
        values={"pass_mark": D("12.50"), "regional_weight": D("0.4")},
        actor=personas["ministry"],
    )
    _compute(personas, ac3["level"])
    assert (_result(c).general, _result(c).outcome) == (D("12.20"), "FAILED")
    # weights: local now weighs 0.5 and regional 0.2 (relative): (3.6 + 5 + 2.8) / 1 = 11.40
    policy_save(
        year=current_year(),
        level=ac3["level"],
        values={"local_weight": D("0.5"), "regional_weight": D("0.2"), "pass_mark": D("10")},
        actor=personas["ministry"],
    )
    _compute(personas, ac3["level"])
    assert (_result(c).general, _result(c).outcome) == (D("11.40"), "PASSED")


def test_policy_api_put_is_the_ministrys_and_changes_the_outcome(client, personas, ac3):
    c = ac3["candidates"][0]
    _cc(c, "12")
    _marks(ac3["local"], c, 10, 10)
    _marks(ac3["regional"], c, 8, 16)
    client.force_login(personas["academy"])
    assert (
        client.put(
            "/api/v1/evaluation/policies/3AC", {"pass_mark": "13"}, content_type="application/json"
        ).status_code
        == 403
    )
    client.force_login(personas["ministry"])
    response = client.put(
        "/api/v1/evaluation/policies/3AC", {"pass_mark": "13"}, content_type="application/json"
    )
    assert response.status_code == 200 and response.json()["origin"] == "stored"
    bad = client.put(
        "/api/v1/evaluation/policies/3AC",
        {"rattrapage_floor": "15", "pass_mark": "10"},
        content_type="application/json",
    )
    assert bad.status_code == 400
    computed = client.post(
        "/api/v1/evaluation/exams/results/compute",
        {"level": "3AC"},
        content_type="application/json",
    )
    assert computed.status_code == 200
    assert _result(c).outcome == "FAILED"  # 12.20 < 13


def test_policy_page_shows_default_and_stored_and_saves(client, personas):
    client.force_login(personas["director"])
    page = client.get("/policies/")
    assert page.status_code == 200 and b'data-origin="default"' in page.content
    client.force_login(personas["ministry"])
    form = client.get("/policies/3AC/")
    data = {k: v for k, v in form.context["form"].initial.items()}
    data.update({"year": current_year().code, "pass_mark": "11", "has_activities": "on"})
    data = {k: ("on" if v is True else v) for k, v in data.items() if v is not False}
    assert client.post("/policies/3AC/", data).status_code == 302
    page = client.get("/policies/")
    row = [r for r in page.context["rows"] if r["level"].code == "3AC"][0]
    assert row["origin"] == "stored" and row["policy"].pass_mark == D("11")
    data["rattrapage_floor"] = "12"  # above the pass mark: refused
    assert client.post("/policies/3AC/", data).status_code == 200


def test_rattrapage_admission_then_best_mark_per_subject(personas):
    """2BAC, rattrapage enabled by default (floor 9): CC 9, regional (1BAC, last year) 9,
    national 9.20 → 0.25×9 + 0.25×9 + 0.5×9.2 = 9.10 → RATTRAPAGE; after the rattrapage
    session the better mark per subject counts."""
    year = current_year()
    last = SchoolYear.objects.create(
        code=PREVIOUS_YEAR.code, starts_on=PREVIOUS_YEAR.starts_on, ends_on=PREVIOUS_YEAR.ends_on
    )
    bac, first = Level.objects.get(code="2BAC"), Level.objects.get(code="1BAC")
    lycee = School.objects.get(code=LYCEE)
    student = _students(LYCEE, "2BAC", 1)[0]
    c = Candidate.objects.create(year=year, level=bac, student=student, school=lycee)
    c1 = Candidate.objects.create(year=last, level=first, student=student, school=lycee)
    regional = _session("REGIONAL", first, year=last, academy=lycee.directorate.academy)
    national = _session("NATIONAL", bac, coefs=(2, 2))
    _marks(regional, c1, 9, 9)
    _marks(national, c, 10.4, 8)  # (20.8 + 16) / 4 = 9.20
    _cc(c, "9")
    _compute(personas, bac)
    r = _result(c)
    assert (r.regional, r.national, r.general) == (D("9.00"), D("9.20"), D("9.10"))
    assert (r.outcome, r.rattrapage) == ("RATTRAPAGE", True)
    ratt = _session("NATIONAL", bac, round="RATTRAPAGE", coefs=(2, 2))
    _marks(ratt, c, 7, 12)  # best per subject: 10.4 (normal) and 12 → (20.8 + 24) / 4 = 11.20
    _compute(personas, bac)
    r = _result(c)
    # 0.25×9 + 0.25×9 + 0.5×11.2 = 2.25 + 2.25 + 5.6 = 10.10
    assert (r.national, r.general, r.normal_general) == (D("11.20"), D("10.10"), D("9.10"))
    assert (r.outcome, r.mention) == ("PASSED", "PASSABLE")
    # a worse rattrapage never lowers the mark: 7 and 9 → keeps 10.4 and 9 → 9.70 → 9.10+…
    _marks(ratt, c, 7, 9)
    _compute(personas, bac)
    r = _result(c)
    # national (20.8 + 18) / 4 = 9.70; general 2.25 + 2.25 + 4.85 = 9.35 → FAILED
    assert (r.national, r.general, r.outcome) == (D("9.70"), D("9.35"), "FAILED")


def test_bac_free_candidate_uses_half_regional_half_national(personas):
    year = current_year()
    bac, first = Level.objects.get(code="2BAC"), Level.objects.get(code="1BAC")
    lycee = School.objects.get(code=LYCEE)
    national = _session("NATIONAL", bac, coefs=(1, 1))
    regional = _session("REGIONAL", first, academy=lycee.directorate.academy)
    student = Student.objects.exclude(enrollments__level__code="2BAC").order_by("pk").first()
    academy = personas["academy"]
    ministry = personas["ministry"]
    c = svc.free_candidate_add(
        scope=scope_for(ministry),
        actor=ministry,
        session=national,
        code_massar=student.code_massar,
        centre=lycee,
    )
    assert c.is_free and c.school == lycee
    c1 = Candidate.objects.create(
        year=year, level=first, student=student, school=lycee, is_free=True
    )
    svc.exam_marks_save(
        scope=scope_for(academy),
        actor=academy,
        session=regional,
        subject=_subjects(1)[0],
        rows=[{"candidate_id": c1.pk, "score": "13", "absent": False}],
    )
    _marks(regional, c1, 13, 15)  # 14.00 (the same year: free candidates sit both)
    _marks(national, c, 11, 12.5)  # 11.75
    _compute(personas, bac)
    r = _result(c)
    # 0.5 × 14 + 0.5 × 11.75 = 12.875 → 12.88; no continuous assessment
    assert (r.continuous, r.regional, r.national, r.general) == (
        None,
        D("14.00"),
        D("11.75"),
        D("12.88"),
    )
    assert (r.outcome, r.mention) == ("PASSED", "ASSEZ_BIEN")
    # a second registration of the same student for the level is refused
    with pytest.raises(svc.CertificationError):
        svc.free_candidate_add(
            scope=scope_for(ministry),
            actor=ministry,
            session=national,
            code_massar=student.code_massar,
            centre=lycee,
        )


def test_a_director_cannot_create_a_regional_session_nor_run_anothers(personas, ac3):
    director = personas["director"]
    with pytest.raises(svc.CertificationError) as err:
        svc.exam_session_create(
            scope=scope_for(director),
            actor=director,
            year=current_year(),
            level=ac3["level"],
            kind="REGIONAL",
        )
    assert err.value.status == 403
    with pytest.raises(svc.CertificationError):
        svc.exam_marks_save(
            scope=scope_for(director),
            actor=director,
            session=ac3["regional"],
            subject=_subjects(1)[0],
            rows=[],
        )


def test_marks_grid_validates_then_saves_and_audits(client, personas, ac3):
    from massar.core.models import AuditEntry

    c1, c2 = ac3["candidates"][:2]
    code = _subjects(1)[0].code
    client.force_login(personas["director"])
    url = f"/exams/{ac3['local'].pk}/marks/"
    bad = client.post(
        url,
        {
            "subject": code,
            "school": COLLEGE,
            "candidate": [c1.pk, c2.pk],
            f"score_{c1.pk}": "21",
            f"score_{c2.pk}": "12,5",
        },
    )
    assert bad.status_code == 200 and bad.context["problems"]
    assert not ExamMark.objects.filter(session=ac3["local"]).exists()
    ok = client.post(
        url,
        {
            "subject": code,
            "school": COLLEGE,
            "candidate": [c1.pk, c2.pk],
            f"absent_{c1.pk}": "1",
            f"score_{c2.pk}": "12,5",
        },
    )
    assert ok.status_code == 302
    marks = {m.candidate_id: m for m in ExamMark.objects.filter(session=ac3["local"])}
    assert marks[c1.pk].absent and marks[c1.pk].score is None
    assert marks[c2.pk].score == D("12.50")
    assert AuditEntry.objects.filter(action="exam_mark.save").count() == 2
    # the teacher may not enter exam marks
    client.force_login(personas["teacher"])
    assert client.post(url, {"subject": code}).status_code == 403


def test_csv_import_reports_every_bad_line_then_writes_all(client, personas, ac3):
    c1, c2 = ac3["candidates"][:2]
    s1, s2 = (s.code for s in _subjects(2))
    m1, m2 = c1.student.code_massar, c2.student.code_massar
    bad = (
        "code_massar,subject_code,score,absent\n"
        f"{m1},{s1},21,0\n"
        f"Z999999999,{s1},10,0\n"
        f"{m2},NOPE,10,0\n"
        f"{m2},{s2},10,2\n"
    ).encode()
    director = personas["director"]
    with pytest.raises(svc.CertificationError) as err:
        svc.exam_marks_import(
            scope=scope_for(director), actor=director, session=ac3["local"], data=bad
        )
    wheres = [p["where"] for p in err.value.problems]
    assert wheres == [
        "line 2, score",
        "line 3, code_massar",
        "line 4, subject_code",
        "line 5, absent",
    ]
    assert not ExamMark.objects.filter(session=ac3["local"]).exists()
    good = f"code_massar,subject_code,score,absent\n{m1},{s1},15.5,0\n{m2},{s1},,1\n"
    client.force_login(director)
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(
        f"/exams/{ac3['local'].pk}/import/",
        {"file": SimpleUploadedFile("m.csv", good.encode())},
    )
    assert response.status_code == 200 and not response.context["problems"]
    assert ExamMark.objects.get(candidate=c1, session=ac3["local"]).score == D("15.50")
    assert ExamMark.objects.get(candidate=c2, session=ac3["local"]).absent


def test_cli_import_exam_marks(tmp_path, ac3):
    c1 = ac3["candidates"][0]
    s1 = _subjects(1)[0].code
    path = tmp_path / "marks.csv"
    path.write_text(f"code_massar,subject_code,score,absent\n{c1.student.code_massar},{s1},9,0\n")
    out = io.StringIO()
    call_command(
        "import", "exam-marks", str(path), "--session", str(ac3["regional"].pk), stdout=out
    )
    assert "1 lines" in out.getvalue()
    assert ExamMark.objects.get(candidate=c1, session=ac3["regional"]).score == D("9")


def test_compute_runs_a_constant_number_of_queries(personas, ac3, django_assert_max_num_queries):
    for c in ac3["candidates"]:
        _cc(c, "11")
        _marks(ac3["local"], c, 10, 12)
        _marks(ac3["regional"], c, 14, "abs")
    with django_assert_max_num_queries(20):
        counts = _compute(personas, ac3["level"], role="academy")
    assert counts["candidates"] == len(ac3["candidates"])
    # 0.3×11 + 0.3×11.5 + 0.4×3.5 = 3.3 + 3.45 + 1.4 = 8.15
    assert {r.general for r in CertificationResult.objects.all()} == {D("8.15")}


def test_results_page_and_candidate_detail_are_scoped(
    client, personas, ac3, django_assert_max_num_queries
):
    c = ac3["candidates"][0]
    _cc(c, "12")
    _marks(ac3["local"], c, 10, 10)
    _marks(ac3["regional"], c, 8, 16)
    _compute(personas, ac3["level"])
    client.force_login(personas["director"])
    with django_assert_max_num_queries(25):
        page = client.get("/exams/results/?level=3AC")
    assert page.status_code == 200 and b"12.20" in page.content
    detail = client.get(f"/exams/candidates/{c.pk}/")
    assert detail.status_code == 200 and b"12.20" in detail.content
    client.force_login(personas["other_director"])
    assert client.get(f"/exams/candidates/{c.pk}/").status_code == 404
    api = client.get("/api/v1/evaluation/exams/results?level=3AC").json()
    assert api["count"] == 0
