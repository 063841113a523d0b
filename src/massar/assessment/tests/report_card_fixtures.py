"""Results rows for report-card tests, written directly (the results job is another part's):
marks, subject and general averages, ranks, class statistics, for one class and period."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from massar.assessment.models import (
    ClassSubjectStat,
    GeneralResult,
    MarkLine,
    Period,
    Publication,
    SubjectResult,
)
from massar.assessment.reports_selectors import class_students
from massar.enrollment.models import SchoolClass, TeachingAssignment
from massar.schools.models import CurriculumEntry, Semester

Q2 = Decimal("0.01")


def _r(x) -> Decimal:
    return Decimal(x).quantize(Q2, rounding=ROUND_HALF_UP)


def class_subjects(school_class: SchoolClass) -> list[tuple[int, Decimal]]:
    """(subject id, coefficient) of the class's curriculum, else of its teaching assignments
    with coefficient 1."""
    entries = list(
        CurriculumEntry.objects.filter(year=school_class.year, level=school_class.level)
        .order_by("pk")
        .values_list("subject_id", "coefficient")
    )
    seen, out = set(), []
    for sid, coef in entries:
        if sid not in seen:
            seen.add(sid)
            out.append((sid, coef))
    if out:
        return out
    return [
        (sid, Decimal(1))
        for sid in TeachingAssignment.objects.filter(school_class=school_class)
        .order_by("pk")
        .values_list("subject_id", flat=True)
    ]


def results_fill(
    school_class: SchoolClass, period: str = Period.S1, *, shift: int = 0, students=None
) -> dict:
    """Fill marks (semester periods) and results of `period` for the class; returns the
    figures by student id: {"average", "weighted", "coefficients", "subjects": {sid: avg}}."""
    students = students or class_students(school_class)
    subjects = class_subjects(school_class)
    school, year = school_class.school_id, school_class.year_id
    figures: dict[int, dict] = {}
    lines, subject_rows, general_rows = [], [], []
    semester = None
    if period != Period.ANNUAL:
        semester = Semester.objects.get(year_id=year, number=int(period[1]))
    for i, student in enumerate(students):
        per_subject = {}
        for j, (sid, _coef) in enumerate(subjects):
            base = Decimal((7 + 3 * i + 5 * j + shift) % 13 + 6)  # 6..18
            scores = [base, base + Decimal("1.5"), base - 1, base + Decimal("0.25")]
            absent = [False, i == 0 and j == 0, False, False]
            kept = [s for s, a in zip(scores, absent, strict=True) if not a]
            activities = min(base + 2, Decimal(20))
            avg = _r(sum(kept + [activities]) / (len(kept) + 1))
            per_subject[sid] = avg
            if semester is not None:
                lines.append(
                    MarkLine(
                        school_id=school,
                        school_class=school_class,
                        subject_id=sid,
                        semester=semester,
                        student=student,
                        score1=scores[0],
                        score2=None if absent[1] else scores[1],
                        absent2=absent[1],
                        score3=scores[2],
                        score4=scores[3],
                        activities=activities,
                        remark="Bon travail" if j == 0 else "",
                    )
                )
            subject_rows.append(
                SubjectResult(
                    school_id=school,
                    year_id=year,
                    period=period,
                    school_class=school_class,
                    student=student,
                    subject_id=sid,
                    average=avg,
                )
            )
        weighted = sum((per_subject[sid] * coef for sid, coef in subjects), Decimal(0)).quantize(Q2)
        coefficients = sum((coef for _sid, coef in subjects), Decimal(0))
        average = _r(weighted / coefficients)
        figures[student.pk] = {
            "average": average,
            "weighted": weighted,
            "coefficients": coefficients,
            "subjects": per_subject,
        }
        general_rows.append(
            GeneralResult(
                school_id=school,
                year_id=year,
                period=period,
                school_class=school_class,
                level_id=school_class.level_id,
                student=student,
                average=average,
                weighted_sum=weighted,
                coefficient_sum=coefficients,
                proposed_decision=(
                    ("PROMOTED" if average >= 10 else "REPEATS") if period == Period.ANNUAL else ""
                ),
            )
        )
    ordered = sorted(general_rows, key=lambda g: -g.average)
    for g in general_rows:
        g.rank_class = 1 + sum(1 for o in ordered if o.average > g.average)
    MarkLine.objects.bulk_create(lines)
    SubjectResult.objects.bulk_create(subject_rows)
    GeneralResult.objects.bulk_create(general_rows)
    stats = []
    for sid, _coef in subjects:
        values = [f["subjects"][sid] for f in figures.values()]
        stats.append(
            ClassSubjectStat(
                school_id=school,
                year_id=year,
                period=period,
                school_class=school_class,
                subject_id=sid,
                mean=_r(sum(values) / len(values)),
                minimum=min(values),
                maximum=max(values),
                count=len(values),
            )
        )
    ClassSubjectStat.objects.bulk_create(stats)
    return figures


def publish(school_class: SchoolClass, period: str) -> Publication:
    return Publication.objects.get_or_create(
        school_id=school_class.school_id,
        year_id=school_class.year_id,
        level_id=school_class.level_id,
        period=period,
    )[0]
