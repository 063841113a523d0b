"""The synthetic nation generator (`massar generate`): a small nation beside the demo."""

import re
from collections import Counter
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import Count, Q

from massar.demo.builder import SCHOOLS as DEMO_SCHOOLS
from massar.demo.synth import (
    BIRTH_YEAR_1AP,
    CLASS_MAX,
    CLASS_MIN,
    FAMILY,
    FEMALE_FIRST,
    LEVEL_INDEX,
    MALE_FIRST,
    YEAR_CODE,
    generate,
    plan_nation,
)
from massar.enrollment.models import Enrollment, SchoolClass, TeachingAssignment
from massar.registry.models import Guardian, GuardianLink, Student
from massar.registry.services import identity_keys
from massar.schools.models import CurriculumEntry, School
from massar.staff.models import Posting, StaffMember

DEMO_CODES = {row[0] for row in DEMO_SCHOOLS}
N = 1000


def _generated_schools():
    return School.objects.exclude(code__in=DEMO_CODES)


def _generated_students():
    return Student.objects.filter(enrollments__school__in=_generated_schools()).distinct()


def _snapshot() -> dict:
    students = list(
        _generated_students()
        .order_by("code_massar")
        .values_list("code_massar", "last_name_fr", "first_name_ar", "sex", "birth_date")[:25]
    )
    schools = list(_generated_schools().order_by("code").values_list("code", "name_fr", "area"))
    return {"students": students, "schools": schools}


# --- the plan (no database) -----------------------------------------------------------------


def test_name_lists_are_large_and_weighted():
    assert len(MALE_FIRST) >= 100 and len(FEMALE_FIRST) >= 100 and len(FAMILY) >= 300
    for fr, ar, weight in [*MALE_FIRST, *FEMALE_FIRST, *FAMILY]:
        assert fr and weight > 0
        assert re.search(r"[\u0621-\u064a]", ar), (fr, ar)
    assert len({fr for fr, _ar, _w in FAMILY}) == len(FAMILY)


def test_plan_is_exact_deterministic_and_avoids_taken_codes():
    a = plan_nation(N, 7, taken_codes=DEMO_CODES)
    b = plan_nation(N, 7, taken_codes=DEMO_CODES)
    assert sum(s.students for s in a.schools) == N
    assert [(s.code, s.name_fr, [(c.name, c.size) for c in s.classes]) for s in a.schools] == [
        (s.code, s.name_fr, [(c.name, c.size) for c in s.classes]) for s in b.schools
    ]
    codes = [s.code for s in a.schools]
    assert len(set(codes)) == len(codes) and not set(codes) & DEMO_CODES
    assert all(re.fullmatch(r"\d{5}[A-Z]", c) for c in codes)
    # The plan is built class by class, so every class is within 25–45, the last one too.
    assert all(CLASS_MIN <= c.size <= CLASS_MAX for s in a.schools for c in s.classes)
    other = plan_nation(N, 8, taken_codes=DEMO_CODES)
    assert [s.code for s in other.schools] != codes


def test_plan_shares_follow_morocco_at_scale():
    summary = plan_nation(200_000, 1).summary()
    assert 53 <= summary["cycle_share"]["PRIMARY"] <= 57
    assert 26 <= summary["cycle_share"]["MIDDLE"] <= 30
    assert 15 <= summary["cycle_share"]["HIGH"] <= 19
    assert 13 <= summary["private_share"] <= 17
    assert 18 <= summary["academy_share"]["06"] <= 22  # Casablanca-Settat
    assert summary["academy_share"].get("12", 0) <= 1.5  # Dakhla-Oued Ed-Dahab
    # about 11,000 schools for 8 million students, scaled down
    assert 200 <= summary["schools"] <= 360


# --- a generated nation in the test database (beside the demo) ------------------------------


@pytest.mark.django_db
def test_generated_nation_is_consistent():
    before = Student.objects.count()
    out = StringIO()
    call_command("generate", students=N, seed=5, stdout=out)
    assert "Generated 1,000 students" in out.getvalue()
    assert Student.objects.count() == before + N

    students = _generated_students()
    assert students.count() == N
    # exactly one ENROLLED enrollment with a class, for every student
    per_student = students.annotate(
        active=Count("enrollments", filter=Q(enrollments__status="ENROLLED")),
        with_class=Count("enrollments", filter=Q(enrollments__school_class__isnull=False)),
    ).values_list("active", "with_class")
    assert set(per_student) == {(1, 1)}

    classes = SchoolClass.objects.filter(school__in=_generated_schools()).annotate(
        n=Count("enrollments")
    )
    assert all(CLASS_MIN <= c.n <= CLASS_MAX for c in classes), [c.n for c in classes]
    assert sum(c.n for c in classes) == N

    codes = list(students.values_list("code_massar", flat=True))
    assert len(set(codes)) == N
    assert all(re.fullmatch(r"[A-Z]\d{9}", c) for c in codes)

    # derived identity columns as the registry's services write them
    for s in students.order_by("?")[:50]:
        keys = identity_keys(
            {
                "last_name_fr": s.last_name_fr,
                "first_name_fr": s.first_name_fr,
                "last_name_ar": s.last_name_ar,
                "first_name_ar": s.first_name_ar,
            }
        )
        assert keys == {k: getattr(s, k) for k in keys}

    # ages follow the level: on time or one year late (repeaters)
    years = Counter()
    for birth, level in Enrollment.objects.filter(student__in=students).values_list(
        "student__birth_date", "level__code"
    ):
        late = BIRTH_YEAR_1AP - LEVEL_INDEX[level] - birth.year
        assert late in (0, 1), (level, birth)
        years[late] += 1
    assert 0.05 < years[1] / N < 0.2

    # guardians: every student linked, phones of Moroccan mobile operators, families of 1–3
    assert not students.filter(guardian_links__isnull=True).exists()
    guardians = Guardian.objects.filter(links__student__in=students).distinct()
    assert all(re.fullmatch(r"0[67]\d{8}", g.phone) for g in guardians)
    assert {g.phone_operator for g in guardians} <= {"IAM", "Orange", "inwi"}
    sizes = Counter(
        GuardianLink.objects.filter(student__in=students)
        .values("guardian")
        .annotate(n=Count("id"))
        .values_list("n", flat=True)
    )
    assert set(sizes) <= {1, 2, 3} and sizes[2] > 0

    # staff: a director per school, teachers for every class × curriculum subject
    schools = list(_generated_schools())
    for school in schools:
        assert StaffMember.objects.filter(kind="DIRECTOR", postings__school=school).count() == 1, (
            school.code
        )
    curriculum = {}
    for entry in CurriculumEntry.objects.filter(year__code=YEAR_CODE):
        curriculum.setdefault((entry.level_id, entry.track_id), set()).add(entry.subject_id)
    assigned = {}
    for class_id, subject_id in TeachingAssignment.objects.filter(school__in=schools).values_list(
        "school_class_id", "subject_id"
    ):
        assigned.setdefault(class_id, set()).add(subject_id)
    for c in classes:
        assert assigned.get(c.pk) == curriculum[(c.level_id, c.track_id)], c.name
    # each assigned teacher is posted to the class's school
    postings = set(Posting.objects.filter(school__in=schools).values_list("staff_id", "school_id"))
    taught = set(
        TeachingAssignment.objects.filter(school__in=schools).values_list("teacher_id", "school_id")
    )
    assert taught <= postings
    teachers = StaffMember.objects.filter(kind="TEACHER", postings__school__in=schools)
    pprs = list(
        StaffMember.objects.filter(postings__school__in=schools).values_list("ppr", flat=True)
    )
    assert len(set(pprs)) == len(pprs) and all(p.isdigit() for p in pprs)
    assert 15 <= N / teachers.count() <= 35  # about one teacher per 25 students
    assert Posting.objects.filter(school__in=schools).count() == len(pprs)


@pytest.mark.django_db
def test_same_seed_gives_the_same_nation():
    snapshots = []
    for _ in range(2):
        with transaction.atomic():
            generate(students=N, seed=11)
            snapshots.append(_snapshot())
            transaction.set_rollback(True)
    assert snapshots[0]["students"] and snapshots[0] == snapshots[1]
    with transaction.atomic():
        generate(students=N, seed=12)
        other = _snapshot()
        transaction.set_rollback(True)
    assert other["schools"] != snapshots[0]["schools"]


@pytest.mark.django_db
def test_a_second_run_adds_a_distinct_set():
    first = generate(students=N, seed=3)
    schools_after_first = set(_generated_schools().values_list("code", flat=True))
    second = generate(students=N, seed=3)
    assert (first.run, second.run) == (0, 1)
    assert _generated_students().count() == 2 * N
    new_schools = set(_generated_schools().values_list("code", flat=True)) - schools_after_first
    assert len(new_schools) == second.summary["schools"]
    assert not set(first.first_codes) & set(second.first_codes)


@pytest.mark.django_db
def test_with_grades_fills_a_year_of_marks_for_the_generated_students():
    from decimal import Decimal

    from django.db.models import Count, Max, Min, Q

    from massar.assessment.models import GeneralResult, MarkLine
    from massar.assessment.results_services import results_compute
    from massar.schools.models import SchoolYear

    call_command("generate", students=N, with_grades=True)
    lines = MarkLine.objects.filter(school__in=_generated_schools())
    figures = lines.aggregate(
        n=Count("pk"),
        students=Count("student", distinct=True),
        low=Min("score1"),
        high=Max("score1"),
        absent=Count("pk", filter=Q(absent1=True)),
        four=Count("pk", filter=Q(score4__isnull=False)),
    )
    assert figures["students"] == N
    assert figures["n"] >= N * 2 * 5  # both semesters, at least five subjects each
    assert Decimal(0) <= figures["low"] < figures["high"] <= Decimal(20)
    assert 0 < figures["absent"] < figures["n"] * 0.1  # about 4 % absences
    assert 0 < figures["four"] < figures["n"]  # 3 or 4 tests
    assert all((v * 4) % 1 == 0 for v in lines.values_list("score2", flat=True)[:500] if v)
    school = _generated_schools().order_by("pk").first()
    results_compute(year=SchoolYear.objects.get(code=YEAR_CODE), school_ids=[school.pk])
    averages = GeneralResult.objects.filter(school=school, period="ANNUAL").exclude(
        average__isnull=True
    )
    assert averages.exists()
    assert Decimal(6) < averages.aggregate(m=Max("average"))["m"] <= Decimal(20)


@pytest.mark.django_db
def test_student_count_outside_the_range_is_refused():
    with pytest.raises(CommandError, match="--students must be between"):
        call_command("generate", students=10)
