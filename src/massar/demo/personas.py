"""The demo's accounts by role, plus outsiders, for tests and the access matrix."""

from massar.core.models import Role, RoleAssignment, User
from massar.enrollment.models import Enrollment, TeachingAssignment
from massar.registry.models import Student

COLLEGE = "04012B"


def demo_personas() -> dict:
    def first(role, **kw) -> User:
        return (
            RoleAssignment.objects.filter(role=role, **kw)
            .order_by("pk")
            .select_related("user")
            .first()
            .user
        )

    p = {
        "ministry": first(Role.MINISTRY),
        "academy": first(Role.ACADEMY),
        "directorate": first(Role.DIRECTORATE),
        "director": first(Role.DIRECTOR, school__code=COLLEGE),
        "staff": first(Role.STAFF),
        "teacher": first(Role.TEACHER),
        "student": first(Role.STUDENT),
        "guardian": first(Role.GUARDIAN),
        "other_director": first(Role.DIRECTOR, school__code="04021C"),
    }
    # Students seen from each side: one the teacher teaches, one of the guardian's children,
    # one in the same collège the teacher does not teach, one in another school.
    taught_classes = TeachingAssignment.objects.filter(teacher__user=p["teacher"]).values(
        "school_class"
    )
    p["taught_student"] = (
        Student.objects.filter(enrollments__school_class__in=taught_classes).order_by("pk").first()
    )
    p["untaught_student"] = (
        Student.objects.filter(enrollments__school__code=COLLEGE)
        .exclude(enrollments__school_class__in=taught_classes)
        .exclude(guardian_links__guardian__user=p["guardian"])
        .order_by("pk")
        .first()
    )
    p["own_student"] = Student.objects.get(user=p["student"])
    p["child"] = (
        Student.objects.filter(guardian_links__guardian__user=p["guardian"]).order_by("pk").first()
    )
    p["guardian_children"] = set(
        Student.objects.filter(guardian_links__guardian__user=p["guardian"]).values_list(
            "pk", flat=True
        )
    )
    p["other_school_student"] = (
        Student.objects.filter(enrollments__school__code="04021C").order_by("pk").first()
    )
    p["other_family_student"] = (
        Enrollment.objects.filter(school__code=COLLEGE)
        .exclude(student__guardian_links__guardian__user=p["guardian"])
        .exclude(student=p["own_student"])
        .order_by("pk")
        .first()
        .student
    )
    return p
