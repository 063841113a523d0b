"""The results computation (assessment/sql.py through results_compute), with figures checked
by hand. Four students of a 1AC class of the demo collège; 1AC coefficients: MATH 4, EN 2,
PC 2 (curriculum.json).

S1  A: MATH 12.00 12.38 12.50 ABS + activities 12.50 → 49.38 / 4 = 12.345 → 12.35
       EN 10.00 10.00 → 10.00;  PC every test absent → no average, coefficient left out
       general (4 × 12.35 + 2 × 10.00) / 6 = 69.40 / 6 = 11.5666… → 11.57
       (from the unrounded 12.345 it would be 11.56: the stored value is what counts)
    B: MATH 10.00 10.00 10.25 10.25 → 10.125 → 10.13; general 10.13
    C: MATH 12.35 → 12.35; general 12.35
    D: MATH 15.00 → 15.00; general 15.00
    MATH ranks: D 1, A 2, C 2, B 4.
S2  B: MATH 9.00, EN 8.00 → general (36 + 16) / 6 = 8.666… → 8.67
Year A: S1 only → 11.57; B: (10.13 + 8.67) / 2 = 9.40, MATH (10.13 + 9.00) / 2 = 9.565 → 9.57;
     C 12.35; D 15.00.
"""

from decimal import Decimal

import pytest

from massar.assessment.models import (
    ClassCouncil,
    ClassSubjectStat,
    GeneralResult,
    MarkLine,
    SubjectResult,
)
from massar.assessment.results_services import results_compute
from massar.enrollment.models import Enrollment, SchoolClass
from massar.schools.models import School, Semester, Subject

D = Decimal


@pytest.fixture
def setting(db):
    college = School.objects.get(code="04012B")
    klass = (
        SchoolClass.objects.filter(school=college, level__code="1AC", year__is_current=True)
        .order_by("pk")
        .first()
    )
    students = list(
        Enrollment.objects.filter(school_class=klass, status="ENROLLED")
        .order_by("student_id")
        .values_list("student_id", flat=True)[:4]
    )
    s1 = Semester.objects.get(year=klass.year, number=1)
    s2 = Semester.objects.get(year=klass.year, number=2)
    subj = {s.code: s for s in Subject.objects.filter(code__in=["MATH", "EN", "PC"])}

    def line(student, subject, semester, scores=(), absent=(), activities=None, act_abs=False):
        values = {f"score{i}": D(v) if v is not None else None for i, v in enumerate(scores, 1)}
        values.update({f"absent{i}": True for i in absent})
        MarkLine.objects.create(
            school=college,
            school_class=klass,
            subject=subj[subject],
            semester=semester,
            student_id=student,
            activities=D(activities) if activities else None,
            activities_absent=act_abs,
            **values,
        )

    a, b, c, d = students
    line(a, "MATH", s1, ["12.00", "12.38", "12.50", None], absent=[4], activities="12.50")
    line(a, "EN", s1, ["10.00", "10.00"])
    line(a, "PC", s1, [None, None], absent=[1, 2], act_abs=True)
    line(b, "MATH", s1, ["10.00", "10.00", "10.25", "10.25"])
    line(c, "MATH", s1, ["12.35"])
    line(d, "MATH", s1, ["15.00"])
    line(b, "MATH", s2, ["9.00"])
    line(b, "EN", s2, ["8.00"])
    Enrollment.objects.filter(school_class=klass, student_id=b).update(is_repeater=True)
    return {
        "school": college,
        "klass": klass,
        "year": klass.year,
        "a": a,
        "b": b,
        "c": c,
        "d": d,
        "subj": subj,
    }


def compute(s, **kw):
    return results_compute(year=s["year"], school_ids=[s["school"].pk], **kw)


def subject(s, student, code, period="S1"):
    return SubjectResult.objects.get(
        student_id=s[student], subject=s["subj"][code], period=period, year=s["year"]
    )


def general(s, student, period="S1"):
    return GeneralResult.objects.get(student_id=s[student], period=period, year=s["year"])


def test_absent_tests_are_left_out_and_means_round_half_up(setting):
    compute(setting)
    assert subject(setting, "a", "MATH").average == D("12.35")  # 12.345, absent test 4 out
    assert subject(setting, "b", "MATH").average == D("10.13")  # 10.125
    assert subject(setting, "a", "EN").average == D("10.00")
    pc = subject(setting, "a", "PC")
    assert pc.average is None and pc.rank is None


def test_general_average_uses_stored_subject_averages_and_skips_subjects_without_marks(
    setting,
):
    compute(setting)
    g = general(setting, "a")
    # from stored 12.35 (not 12.345): 69.40 / 6 = 11.566… → 11.57; PC's coefficient left out
    assert (g.average, g.coefficient_sum, g.weighted_sum) == (D("11.57"), D("6"), D("69.40"))
    assert general(setting, "b").average == D("10.13")
    # a student of the class without any mark has a row but no average and no rank
    other = GeneralResult.objects.filter(
        school_class=setting["klass"], period="S1", average__isnull=True
    ).first()
    assert other is not None and other.rank_class is None


def test_ties_share_a_rank(setting):
    compute(setting)
    ranks = {k: subject(setting, k, "MATH").rank for k in "abcd"}
    assert ranks == {"d": 1, "a": 2, "c": 2, "b": 4}
    classes = {k: general(setting, k).rank_class for k in "abcd"}
    assert classes == {"d": 1, "c": 2, "a": 3, "b": 4}  # 15.00, 12.35, 11.57, 10.13
    assert {k: general(setting, k).rank_level for k in "abcd"} == classes


def test_class_statistics(setting):
    compute(setting)
    stat = ClassSubjectStat.objects.get(
        school_class=setting["klass"], subject=setting["subj"]["MATH"], period="S1"
    )
    # (12.35 + 10.13 + 12.35 + 15.00) / 4 = 12.4575 → 12.46
    assert (stat.mean, stat.minimum, stat.maximum, stat.count) == (
        D("12.46"),
        D("10.13"),
        D("15.00"),
        4,
    )
    pc = ClassSubjectStat.objects.get(
        school_class=setting["klass"], subject=setting["subj"]["PC"], period="S1"
    )
    assert (pc.mean, pc.count) == (None, 0)


def test_annual_averages_with_a_missing_semester(setting):
    compute(setting)
    assert general(setting, "b", "S2").average == D("8.67")
    assert general(setting, "a", "S2").average is None
    assert general(setting, "a", "ANNUAL").average == D("11.57")  # S1 only
    annual_b = general(setting, "b", "ANNUAL")
    assert (annual_b.average, annual_b.coefficient_sum, annual_b.weighted_sum) == (
        D("9.40"),
        D("2"),
        D("18.80"),
    )
    assert subject(setting, "b", "MATH", "ANNUAL").average == D("9.57")  # 9.565
    assert subject(setting, "a", "MATH", "ANNUAL").average == D("12.35")
    assert {k: general(setting, k, "ANNUAL").rank_class for k in "abcd"} == {
        "d": 1,
        "c": 2,
        "a": 3,
        "b": 4,
    }


def test_proposed_decisions_follow_the_threshold_and_the_collège_repeater_rule(setting):
    compute(setting)
    decisions = {k: general(setting, k, "ANNUAL").proposed_decision for k in "abcd"}
    # B (9.40) already repeats 1AC: to the class council
    assert decisions == {"a": "PROMOTED", "b": "COUNCIL", "c": "PROMOTED", "d": "PROMOTED"}
    assert general(setting, "a", "S1").proposed_decision == ""
    ClassCouncil.objects.create(
        school=setting["school"],
        year=setting["year"],
        school_class=setting["klass"],
        threshold=D("12.35"),
    )
    Enrollment.objects.filter(student_id=setting["b"], year=setting["year"]).update(
        is_repeater=False
    )
    compute(setting)
    decisions = {k: general(setting, k, "ANNUAL").proposed_decision for k in "abcd"}
    # at the threshold is promoted; B no longer a repeater: repeats
    assert decisions == {"a": "REPEATS", "b": "REPEATS", "c": "PROMOTED", "d": "PROMOTED"}


def _snapshot(school):
    return (
        sorted(
            SubjectResult.objects.filter(school=school).values_list(
                "period", "school_class_id", "student_id", "subject_id", "average", "rank"
            )
        ),
        sorted(
            GeneralResult.objects.filter(school=school).values_list(
                "period",
                "school_class_id",
                "level_id",
                "student_id",
                "average",
                "coefficient_sum",
                "weighted_sum",
                "rank_class",
                "rank_level",
                "proposed_decision",
            ),
            key=str,
        ),
        sorted(
            ClassSubjectStat.objects.filter(school=school).values_list(
                "period", "school_class_id", "subject_id", "mean", "minimum", "maximum", "count"
            ),
            key=str,
        ),
    )


def test_running_twice_gives_the_same_rows(setting):
    first_summary = compute(setting)
    first = _snapshot(setting["school"])
    second_summary = compute(setting)
    assert _snapshot(setting["school"]) == first
    assert first_summary["general_results"] == second_summary["general_results"] > 0


def test_semester_one_alone_leaves_the_other_periods(setting):
    compute(setting)
    MarkLine.objects.filter(student_id=setting["d"], subject=setting["subj"]["MATH"]).update(
        score1=D("5.00")
    )
    compute(setting, semester=1)
    assert subject(setting, "d", "MATH").average == D("5.00")
    # the year is computed with semester 2 (or without a semester): still the old figure
    assert general(setting, "d", "ANNUAL").average == D("15.00")
    compute(setting, semester=2)
    assert general(setting, "d", "ANNUAL").average == D("5.00")


def test_only_enrolled_students_of_the_school_count(setting):
    Enrollment.objects.filter(student_id=setting["d"], year=setting["year"]).update(status="LEFT")
    compute(setting)
    assert not SubjectResult.objects.filter(student_id=setting["d"]).exists()
    assert subject(setting, "b", "MATH").rank == 3  # A and C share 1


def _rows(year, school_ids):
    subjects = SubjectResult.objects.filter(year=year, school_id__in=school_ids)
    generals = GeneralResult.objects.filter(year=year, school_id__in=school_ids)
    stats = ClassSubjectStat.objects.filter(year=year, school_id__in=school_ids)
    return (
        sorted(
            subjects.values_list(
                "school_id", "student_id", "subject_id", "period", "average", "rank"
            )
        ),
        sorted(
            generals.values_list(
                "school_id",
                "student_id",
                "period",
                "average",
                "rank_class",
                "rank_level",
                "proposed_decision",
            )
        ),  # fmt: skip
        sorted(stats.values_list("school_class_id", "subject_id", "period", "mean", "count")),
    )


def test_schools_computed_in_one_batch_give_the_same_rows_as_one_by_one(setting):
    s = setting
    other = SchoolClass.objects.filter(year=s["year"]).exclude(school=s["school"]).first()
    student = (
        Enrollment.objects.filter(school_class=other, status="ENROLLED")
        .values_list("student_id", flat=True)
        .first()
    )
    MarkLine.objects.create(
        school=other.school,
        school_class=other,
        subject=s["subj"]["MATH"],
        semester=Semester.objects.get(year=s["year"], number=1),
        student_id=student,
        score1=D("16.00"),
    )
    ids = [s["school"].pk, other.school_id]
    results_compute(year=s["year"], school_ids=ids, batch=1)
    one_by_one = _rows(s["year"], ids)
    summary = results_compute(year=s["year"], school_ids=ids, batch=2)
    assert _rows(s["year"], ids) == one_by_one
    assert summary["schools"] == 2
    # ranks in level stay within each school: both schools' best student is first
    assert general(s, "d").rank_level == 1
    theirs = GeneralResult.objects.get(student_id=student, period="S1", year=s["year"])
    assert theirs.average == D("16.00") and theirs.rank_level == 1
