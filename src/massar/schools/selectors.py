from django.db.models import Count, Q, QuerySet

from massar.core.scopes import Scope
from massar.schools.models import School, SchoolYear


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
