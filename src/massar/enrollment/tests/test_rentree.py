"""The rentrée: decisions by hand, leaving, re-enrollment by decision, teaching assignments,
the enrollments export."""

import io
from decimal import Decimal

import pytest
from django.core.management import call_command

from massar.core.models import AuditEntry
from massar.demo.builder import DEMO_YEAR, NEXT_YEAR
from massar.enrollment.models import Enrollment, SchoolClass, TeachingAssignment
from massar.enrollment.rentree import LevelMap, reenroll_school, year_ensure
from massar.schools.models import CurriculumEntry, School, SchoolYear, Track

pytestmark = pytest.mark.django_db

YEAR, NEXT = DEMO_YEAR.code, NEXT_YEAR.code


@pytest.fixture
def college():
    return School.objects.get(code="04012B")


def decide(school_code, **by_level):
    """Set decisions by level code: {"1AC": "PROMOTED", ...}."""
    year = SchoolYear.objects.get(code=YEAR)
    for level, decision in by_level.items():
        Enrollment.objects.filter(school__code=school_code, year=year, level__code=level).update(
            decision=decision
        )


def test_director_sets_a_decision_and_it_is_audited(client, personas):
    enrollment = Enrollment.objects.filter(school__code="04012B").first()
    client.force_login(personas["director"])
    client.post(
        f"/enrollments/{enrollment.pk}/decision/", {"decision": "REPEATS", "average": "8.75"}
    )
    enrollment.refresh_from_db()
    assert enrollment.decision == "REPEATS" and enrollment.annual_average == Decimal("8.75")
    assert AuditEntry.objects.filter(
        action="enrollment.decision", object_id=str(enrollment.pk)
    ).exists()


def test_staff_reads_but_cannot_decide(client, personas):
    enrollment = Enrollment.objects.filter(school__code="04012B").first()
    client.force_login(personas["staff"])
    assert client.get(f"/enrollments/{enrollment.pk}/").status_code == 200
    assert (
        client.post(f"/enrollments/{enrollment.pk}/decision/", {"decision": "REPEATS"}).status_code
        == 403
    )


def test_other_school_enrollment_is_not_found(client, personas):
    enrollment = Enrollment.objects.filter(school__code="04021C").first()
    client.force_login(personas["director"])
    assert client.get(f"/enrollments/{enrollment.pk}/").status_code == 404
    assert client.get(f"/api/v1/enrollments/{enrollment.pk}").status_code == 404


def test_leaving_with_a_reason(client, personas):
    enrollment = Enrollment.objects.filter(school__code="04012B").last()
    client.force_login(personas["director"])
    response = client.post(
        f"/api/v1/enrollments/{enrollment.pk}/end",
        {"status": "LEFT", "reason": "ABROAD"},
        content_type="application/json",
    )
    assert response.status_code == 200 and response.json()["status"] == "LEFT"
    again = client.post(
        f"/api/v1/enrollments/{enrollment.pk}/end",
        {"status": "LEFT", "reason": "ABROAD"},
        content_type="application/json",
    )
    assert again.status_code == 409 and again.json()["code"] == "not_enrolled"
    assert enrollment.student.status_history.filter(status="LEFT").exists()


def test_leaving_without_a_reason_is_refused(client, personas):
    enrollment = Enrollment.objects.filter(school__code="04012B").last()
    client.force_login(personas["director"])
    response = client.post(
        f"/api/v1/enrollments/{enrollment.pk}/end",
        {"status": "LEFT", "reason": ""},
        content_type="application/json",
    )
    assert response.status_code == 409 and "reason" in response.json()["message"]


def test_closed_year_decision_needs_a_reason_and_is_a_correction(client, personas):
    enrollment = Enrollment.objects.filter(school__code="04012B").first()
    SchoolYear.objects.filter(code=YEAR).update(is_closed=True)
    client.force_login(personas["director"])
    refused = client.put(
        f"/api/v1/enrollments/{enrollment.pk}/decision",
        {"decision": "PROMOTED"},
        content_type="application/json",
    )
    assert refused.status_code == 409 and refused.json()["code"] == "closed_year"
    fixed = client.put(
        f"/api/v1/enrollments/{enrollment.pk}/decision",
        {"decision": "PROMOTED", "reason": "council minutes of 3 July"},
        content_type="application/json",
    )
    assert fixed.status_code == 200
    entry = AuditEntry.objects.get(
        action="enrollment.correct_decision", object_id=str(enrollment.pk)
    )
    assert entry.after["reason"] == "council minutes of 3 July"


def test_reenrollment_follows_decisions(college):
    decide("04012B", **{"1AC": "PROMOTED", "2AC": "REPEATS", "3AC": "PROMOTED"})
    old = SchoolYear.objects.get(code=YEAR)
    new = year_ensure(NEXT)
    review = reenroll_school(
        school_id=college.pk, from_year=old, to_year=new, levels=LevelMap.load(), apply=False
    )
    assert (review.promoted, review.repeating, len(review.leaving_cycle)) == (40, 40, 40)
    assert not Enrollment.objects.filter(year=new).exists()  # the review wrote nothing
    reenroll_school(
        school_id=college.pk, from_year=old, to_year=new, levels=LevelMap.load(), apply=True
    )
    moved = Enrollment.objects.filter(year=new, school=college)
    assert moved.filter(level__code="2AC", is_repeater=False).count() == 40
    assert moved.filter(level__code="2AC", is_repeater=True).count() == 40
    assert not moved.filter(level__code="3AC").exists()  # 3AC leaves the cycle
    assert SchoolClass.objects.filter(year=new, school=college).count() == 6
    # running it again changes nothing
    again = reenroll_school(
        school_id=college.pk, from_year=old, to_year=new, levels=LevelMap.load(), apply=True
    )
    assert again.already == 80 and moved.count() == 80


def test_lycee_promotion_needs_the_orientation_track():
    lycee = School.objects.get(code="04021C")
    old = SchoolYear.objects.get(code=YEAR)
    decide("04021C", TC="PROMOTED")
    tc = Enrollment.objects.filter(year=old, school=lycee, level__code="TC")
    oriented = list(tc.values_list("pk", flat=True)[:5])
    Enrollment.objects.filter(pk__in=oriented).update(
        decision="ORIENTED", decision_track=Track.objects.get(code="1SE")
    )
    new = year_ensure(NEXT)
    report = reenroll_school(
        school_id=lycee.pk, from_year=old, to_year=new, levels=LevelMap.load(), apply=True
    )
    assert report.oriented == 5 and len(report.awaiting) >= tc.count() - 5
    assert Enrollment.objects.filter(year=new, level__code="1BAC", track__code="1SE").count() == 5


def test_year_ensure_opens_the_year_with_semesters_and_curriculum():
    year = year_ensure(NEXT)
    # year_ensure's own rule: the first Monday of September
    starts = year.starts_on
    assert (starts.year, starts.month, starts.weekday()) == (NEXT_YEAR.start_year, 9, 0)
    assert starts.day <= 7
    assert year.semesters.count() == 2
    assert (
        CurriculumEntry.objects.filter(year=year).count()
        == CurriculumEntry.objects.filter(year__code=YEAR).count()
    )


def test_rentree_page_shows_the_review(client, personas):
    decide("04012B", **{"1AC": "PROMOTED", "2AC": "PROMOTED", "3AC": "PROMOTED"})
    year_ensure(NEXT)
    client.force_login(personas["director"])
    page = client.get("/rentree/", {"to": NEXT}).content.decode()
    assert "80 students promoted to the next level" in page and 'data-testid="confirm"' in page
    client.force_login(personas["directorate"])
    page = client.get("/rentree/", {"to": NEXT}).content.decode()
    assert "04012B" in page and "04021C" not in page


def test_assignment_page_shows_loads_and_uncovered_subjects(
    client, personas, college, django_assert_max_num_queries
):
    assignment = TeachingAssignment.objects.filter(school=college).first()
    assignment.delete()
    client.force_login(personas["director"])
    with django_assert_max_num_queries(14):
        page = client.get("/assignments/").content.decode()
    assert "1 subject of a class has no teacher." in page
    data = client.get(f"/api/v1/assignments/{college.pk}").json()
    assert data["uncovered"] == 1


def test_director_assigns_a_teacher(client, personas, college):
    assignment = TeachingAssignment.objects.filter(school=college).first()
    teacher = personas["teacher"].staff_member
    client.force_login(personas["director"])
    response = client.post(
        "/api/v1/assignments",
        {
            "school_class_id": assignment.school_class_id,
            "subject_id": assignment.subject_id,
            "teacher_id": teacher.pk,
            "weekly_hours": "3",
        },
        content_type="application/json",
    )
    assert response.status_code == 201
    assignment.refresh_from_db()
    assert assignment.teacher == teacher and assignment.weekly_hours == Decimal("3")


def test_a_teacher_of_another_school_cannot_be_assigned(client, personas, college):
    assignment = TeachingAssignment.objects.filter(school=college).first()
    outsider = TeachingAssignment.objects.filter(school__code="04021C").first().teacher
    client.force_login(personas["director"])
    response = client.post(
        "/api/v1/assignments",
        {
            "school_class_id": assignment.school_class_id,
            "subject_id": assignment.subject_id,
            "teacher_id": outsider.pk,
            "weekly_hours": "3",
        },
        content_type="application/json",
    )
    assert response.status_code == 409 and response.json()["code"] == "not_posted"


def test_export_enrollments_contract(tmp_path):
    out = tmp_path / "enrollments.csv"
    call_command(
        "export",
        "enrollments",
        "--year",
        YEAR,
        "--school",
        "04012B",
        "--out",
        str(out),
        stdout=io.StringIO(),
    )
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "code_massar,school_code,level,track,class,status"
    assert len(lines) == 121 and all(",04012B," in line for line in lines[1:])
    assert lines[1].endswith(",ENROLLED")


def test_rollover_command_moves_the_year(personas):
    """`massar rollover --to <next year>`: structure copied, students re-enrolled by decision
    and placed in classes, old year closed and readable, new year current."""
    for code in ("04011A", "04012B", "04022D"):
        decide(
            code,
            **{
                lv: "PROMOTED"
                for lv in ("1AP", "2AP", "3AP", "4AP", "5AP", "6AP", "1AC", "2AC", "3AC")
            },
        )
    Enrollment.objects.filter(school__code="04012B", level__code="1AC").filter(
        pk__in=Enrollment.objects.filter(school__code="04012B", level__code="1AC").values("pk")[:5]
    ).update(decision="REPEATS")
    out = io.StringIO()
    call_command("rollover", "--to", NEXT, "--language", "en", stdout=out)
    old, new = SchoolYear.objects.get(code=YEAR), SchoolYear.objects.get(code=NEXT)
    assert old.is_closed and not old.is_current and new.is_current
    assert f"re-enrolled in {NEXT}" in out.getvalue()
    college_2ac = Enrollment.objects.filter(year=new, school__code="04012B", level__code="2AC")
    assert college_2ac.count() == 35  # 40 promoted from 1AC, minus the 5 repeating
    assert (
        Enrollment.objects.filter(
            year=new, school__code="04012B", level__code="1AC", is_repeater=True
        ).count()
        == 5
    )
    assert not college_2ac.filter(school_class__isnull=True).exists()
    assert Enrollment.objects.filter(year=old).count() > 0  # last year stays readable
    # a closed year refuses ordinary edits
    enrollment = Enrollment.objects.filter(year=old, school__code="04012B").first()
    from massar.core.scopes import scope_for
    from massar.enrollment.services import EnrollmentError, enrollment_set_decision

    with pytest.raises(EnrollmentError):
        enrollment_set_decision(
            actor=None,
            scope=scope_for(personas["director"]),
            enrollment=enrollment,
            decision="REPEATS",
        )


def test_rollover_of_an_unknown_school_fails_cleanly():
    with pytest.raises(SystemExit) as exit_:
        call_command(
            "rollover",
            "--to",
            NEXT,
            "--school",
            "99999Z",
            stdout=io.StringIO(),
            stderr=io.StringIO(),
        )
    assert exit_.value.code == 1
    assert not SchoolYear.objects.get(code=YEAR).is_closed
