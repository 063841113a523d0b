from django.db.models import Count, Q, QuerySet
from django.http import Http404

from massar.core.scopes import Scope
from massar.schools.models import CurriculumEntry, School, SchoolYear


def current_year() -> SchoolYear | None:
    return SchoolYear.objects.filter(is_current=True).first()


def school_list(scope: Scope) -> QuerySet[School]:
    """Schools the user oversees or administers, with their directorate and academy."""
    if not (scope.is_territorial or scope.school_ids):
        return School.objects.none()
    return School.objects.filter(scope.schools_q()).select_related("directorate__academy")


def school_list_with_counts(scope: Scope, year: SchoolYear | None) -> QuerySet[School]:
    """Schools in scope with their number of enrolled students this year (one query)."""
    return school_list(scope).annotate(
        students=Count(
            "enrollments",
            filter=Q(enrollments__year=year, enrollments__status="ENROLLED"),
        )
    )


def school_filter(
    qs: QuerySet[School],
    *,
    text: str = "",
    directorate: str = "",
    sector: str = "",
    cycle: str = "",
) -> QuerySet[School]:
    if text:
        qs = qs.filter(
            Q(code__iexact=text) | Q(name_fr__icontains=text) | Q(name_ar__contains=text)
        )
    if directorate:
        qs = qs.filter(directorate__code=directorate)
    if sector:
        qs = qs.filter(sector=sector)
    flag = {"PRIMARY": "has_primary", "MIDDLE": "has_middle", "HIGH": "has_high"}.get(cycle)
    if flag:
        qs = qs.filter(**{flag: True})
    return qs


def school_get(scope: Scope, school_id: int) -> School:
    school = school_list(scope).filter(pk=school_id).first()
    if school is None:
        raise Http404
    return school


def school_overview(scope: Scope, school_id: int) -> dict:
    """A school's identity and this year's figures per level (students, girls, classes); a
    fixed number of queries whatever the school's size."""
    school = school_get(scope, school_id)
    year = current_year()
    per_level = list(
        school.enrollments.filter(year=year, status="ENROLLED")
        .values("level__code", "level__name_fr", "level__name_ar", "level__order")
        .annotate(
            students=Count("id"),
            girls=Count("id", filter=Q(student__sex="F")),
            classes=Count("school_class", distinct=True),
        )
        .order_by("level__order")
    )
    return {
        "school": school,
        "year": year,
        "per_level": per_level,
        "total": sum(r["students"] for r in per_level),
        "staff_count": school.postings.count(),
    }


def curriculum_for(year: SchoolYear) -> QuerySet[CurriculumEntry]:
    return (
        CurriculumEntry.objects.filter(year=year)
        .select_related("level", "track", "subject")
        .order_by("level__order", "track__code", "subject__code")
    )
