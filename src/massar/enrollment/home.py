"""Home panels: what each role sees first."""

from django.db.models import Count, Q

from massar.core.home import home_panel
from massar.enrollment.models import Enrollment, TeachingAssignment
from massar.schools.selectors import current_year, school_list, school_list_with_counts


@home_panel("enrollment/panels/territory.html", ["MINISTRY", "ACADEMY", "DIRECTORATE"], 10)
def territory_panel(user, scope):
    year = current_year()
    schools = list(school_list_with_counts(scope, year).order_by("directorate__code", "code")[:50])
    return {"schools": schools, "year": year, "total_students": sum(s.students for s in schools)}


@home_panel("enrollment/panels/school.html", ["DIRECTOR", "STAFF"], 20)
def school_panel(user, scope):
    year = current_year()
    schools = list(
        school_list(scope)
        .filter(pk__in=scope.school_ids)
        .annotate(
            class_count=Count("classes", filter=Q(classes__year=year), distinct=True),
            teacher_count=Count("postings", distinct=True),
            # the joins above multiply rows: count each enrollment once
            students=Count(
                "enrollments",
                distinct=True,
                filter=Q(enrollments__year=year, enrollments__status="ENROLLED"),
            ),
        )
    )
    return {"schools": schools, "year": year, "is_director": bool(scope.director_school_ids)}


@home_panel("enrollment/panels/teacher.html", ["TEACHER"], 30)
def teacher_panel(user, scope):
    year = current_year()
    assignments = (
        TeachingAssignment.objects.filter(teacher__user=user, school_class__year=year)
        .select_related("school_class__level", "subject", "school")
        .annotate(
            students=Count(
                "school_class__enrollments", filter=Q(school_class__enrollments__status="ENROLLED")
            )
        )
        .order_by("school_class__level__order", "school_class__name")
    )
    return {"assignments": list(assignments), "year": year}


def _enrollments_of(year, **student_filter):
    return list(
        Enrollment.objects.filter(year=year, status="ENROLLED", **student_filter)
        .select_related("student", "school", "level", "track", "school_class")
        .order_by("student__birth_date")
    )


@home_panel("enrollment/panels/children.html", ["GUARDIAN"], 40)
def guardian_panel(user, scope):
    year = current_year()
    return {
        "enrollments": _enrollments_of(year, student__guardian_links__guardian__user=user),
        "year": year,
    }


@home_panel("enrollment/panels/self.html", ["STUDENT"], 50)
def student_panel(user, scope):
    year = current_year()
    return {"enrollments": _enrollments_of(year, student__user=user), "year": year}
