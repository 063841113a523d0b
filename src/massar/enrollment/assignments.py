"""Teaching assignments: who teaches which subject to which class, for how many hours, with
each teacher's total against their required load and each class's uncovered subjects."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from massar.core.audit import audit_record
from massar.core.scopes import Scope
from massar.enrollment.models import SchoolClass, TeachingAssignment
from massar.enrollment.services import EnrollmentError
from massar.schools.models import CurriculumEntry, School, SchoolYear
from massar.staff.models import Posting, StaffMember


@dataclass
class ClassLine:
    school_class: SchoolClass
    subjects: list[dict] = field(default_factory=list)  # subject, hours, assignment

    @property
    def uncovered(self) -> list[dict]:
        return [s for s in self.subjects if s["assignment"] is None]


def assignment_overview(scope: Scope, school: School, year: SchoolYear) -> dict:
    """Five queries whatever the school's size."""
    if not (
        scope.administers_school(school.pk)
        or School.objects.filter(scope.schools_q(), pk=school.pk).exists()
    ):
        raise PermissionDenied
    classes = list(
        SchoolClass.objects.filter(school=school, year=year)
        .select_related("level", "track")
        .order_by("level__order", "name")
    )
    curriculum: dict[tuple, list[CurriculumEntry]] = {}
    for entry in CurriculumEntry.objects.filter(year=year).select_related("subject"):
        curriculum.setdefault((entry.level_id, entry.track_id), []).append(entry)
    assignments = {
        (a.school_class_id, a.subject_id): a
        for a in TeachingAssignment.objects.filter(
            school=school, school_class__year=year
        ).select_related("teacher")
    }
    lines = []
    for c in classes:
        line = ClassLine(c)
        for entry in curriculum.get((c.level_id, c.track_id), []):
            line.subjects.append(
                {
                    "subject": entry.subject,
                    "hours": entry.weekly_hours,
                    "assignment": assignments.get((c.pk, entry.subject_id)),
                }
            )
        lines.append(line)
    teachers = list(
        StaffMember.objects.filter(postings__school=school, kind="TEACHER")
        .prefetch_related("subjects")
        .order_by("last_name_fr", "first_name_fr")
    )
    totals = dict(
        TeachingAssignment.objects.filter(teacher__in=teachers, school_class__year=year)
        .values("teacher")
        .annotate(h=Sum("weekly_hours"))
        .values_list("teacher", "h")
    )
    teacher_rows = [
        {
            "teacher": t,
            "hours": totals.get(t.pk) or Decimal(0),
            "required": t.required_weekly_hours,
            "gap": (totals.get(t.pk) or Decimal(0)) - t.required_weekly_hours,
        }
        for t in teachers
    ]
    subjects = {s["subject"].pk: s["subject"] for line in lines for s in line.subjects}
    return {
        "school": school,
        "year": year,
        "lines": lines,
        "teachers": teacher_rows,
        "uncovered": sum(len(line.uncovered) for line in lines),
        "subject_choices": sorted(subjects.values(), key=lambda s: s.code),
    }


@transaction.atomic
def teaching_assign(
    *,
    actor,
    scope: Scope,
    school_class: SchoolClass,
    subject_id: int,
    teacher: StaffMember,
    weekly_hours: Decimal,
) -> TeachingAssignment:
    if not scope.manages_school(school_class.school_id):
        raise PermissionDenied
    year = SchoolYear.objects.get(pk=school_class.year_id)
    if year.is_closed:
        raise EnrollmentError(
            "closed_year", _("School year %(year)s is closed.") % {"year": year.code}
        )
    if not Posting.objects.filter(staff=teacher, school_id=school_class.school_id).exists():
        raise EnrollmentError(
            "not_posted", _("%(teacher)s does not work at this school.") % {"teacher": teacher}
        )
    if not CurriculumEntry.objects.filter(
        year_id=school_class.year_id,
        level_id=school_class.level_id,
        track_id=school_class.track_id,
        subject_id=subject_id,
    ).exists():
        raise EnrollmentError(
            "not_in_curriculum",
            _("This subject is not taught in %(class)s.") % {"class": school_class.name},
        )
    if not Decimal("0") < weekly_hours <= Decimal("40"):
        raise EnrollmentError("hours", _("Weekly hours are between 0 and 40."))
    existing = (
        TeachingAssignment.objects.select_for_update()
        .filter(school_class=school_class, subject_id=subject_id)
        .first()
    )
    before = (
        {"teacher": existing.teacher_id, "hours": str(existing.weekly_hours)} if existing else None
    )
    if existing:
        existing.teacher, existing.weekly_hours = teacher, weekly_hours
        existing.save(update_fields=["teacher", "weekly_hours"])
        assignment = existing
    else:
        assignment = TeachingAssignment.objects.create(
            school_id=school_class.school_id,
            school_class=school_class,
            subject_id=subject_id,
            teacher=teacher,
            weekly_hours=weekly_hours,
        )
    audit_record(
        actor=actor,
        action="teaching.assign",
        object_type="teaching_assignment",
        object_id=assignment.pk,
        school_id=school_class.school_id,
        before=before,
        after={
            "teacher": teacher.pk,
            "hours": str(weekly_hours),
            "class": school_class.name,
            "subject": subject_id,
        },
    )
    return assignment


@transaction.atomic
def teaching_unassign(*, actor, scope: Scope, assignment: TeachingAssignment) -> None:
    if not scope.manages_school(assignment.school_id):
        raise PermissionDenied
    audit_record(
        actor=actor,
        action="teaching.unassign",
        object_type="teaching_assignment",
        object_id=assignment.pk,
        school_id=assignment.school_id,
        before={
            "teacher": assignment.teacher_id,
            "class": assignment.school_class_id,
            "subject": assignment.subject_id,
        },
    )
    assignment.delete()
