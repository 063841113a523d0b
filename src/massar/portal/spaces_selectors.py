"""Reads of the student, guardian and teacher spaces. Every selector takes the scope first and
returns only what the signed-in family or teacher may see; another family's child is a 404
whatever id is asked for. The published results are the results-day part's
(results_day_selectors), read from the cache the publication warms.

Each page runs a fixed number of queries whatever the number of marks, years or children."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from massar.core.models import Notification, Role
from massar.core.scopes import Scope
from massar.enrollment.models import Enrollment, SchoolClass, TeachingAssignment
from massar.registry.models import Guardian, GuardianLink, Student
from massar.schools.models import SchoolYear

FAMILY = (Role.STUDENT, Role.GUARDIAN)


# --- who the space is about -------------------------------------------------------------------


def space_children(scope: Scope) -> list[Student]:
    """The students whose space the user may open: themself (a student), or their children
    (a guardian), in any school. One query."""
    if scope.is_anonymous or not scope.has(*FAMILY):
        return []
    q = Q(pk__in=[])
    if scope.has(Role.STUDENT):
        q |= Q(user_id=scope.user_id)
    if scope.has(Role.GUARDIAN):
        q |= Q(guardian_links__guardian__user_id=scope.user_id)
    return list(Student.objects.filter(q).distinct().order_by("pk"))


def family_member(family: list, user_id: int | None, child_id: str | int | None):
    """The one of `family` (items with `pk` and `user_id`, ordered) a page or API call is
    about: `child_id` names one (a guardian's switch); none means the user's own record, else
    the first. An empty family, any other id, or a malformed one, is a 404."""
    if not family:
        raise Http404
    if child_id in (None, ""):
        own = [member for member in family if member.user_id == user_id]
        return (own or family)[0]
    try:
        wanted = int(child_id)
    except (TypeError, ValueError):
        raise Http404 from None
    for member in family:
        if member.pk == wanted:
            return member
    raise Http404


def space_student(scope: Scope, child_id: str | int | None) -> tuple[Student, list[Student]]:
    """The student the page is about, and every student the user may switch to (see
    family_member)."""
    children = space_children(scope)
    return family_member(children, scope.user_id, child_id), children


# --- the home page ----------------------------------------------------------------------------


def space_history(scope: Scope, student: Student) -> list[Enrollment]:
    """The student's schooling, most recent year first: school, level, class, annual average
    and decision as the enrollments hold them (one query)."""
    return list(
        Enrollment.objects.filter(student=student)
        .select_related("school", "year", "level", "track", "school_class")
        .order_by("-year__starts_on", "-pk")
    )


def space_notifications(scope: Scope, *, limit: int = 5) -> list[Notification]:
    """The user's latest notifications (one query)."""
    return list(Notification.objects.filter(user_id=scope.user_id).order_by("-pk")[:limit])


# --- the teacher's space ----------------------------------------------------------------------


def teacher_assignments(scope: Scope, year: SchoolYear | None) -> QuerySet[TeachingAssignment]:
    """The signed-in teacher's classes and subjects of `year` (one query)."""
    if year is None or not scope.has(Role.TEACHER):
        return TeachingAssignment.objects.none()
    return (
        TeachingAssignment.objects.filter(
            teacher__user_id=scope.user_id,
            school_id__in=scope.teacher_school_ids,
            school_class__year=year,
        )
        .select_related("school", "school_class__level", "subject")
        .order_by("school_class__level__order", "school_class__name", "subject__code")
    )


# --- activation codes (director) --------------------------------------------------------------


def activation_classes(scope: Scope, school_id: int, year: SchoolYear | None):
    """The classes of `year` of a school the user directs, with their number of students
    (one query); 404 for any other school."""
    if year is None or not scope.manages_school(school_id):
        raise Http404
    return (
        SchoolClass.objects.filter(school_id=school_id, year=year)
        .select_related("level")
        .annotate(
            students=Count("enrollments", filter=Q(enrollments__status=Enrollment.Status.ENROLLED))
        )
        .order_by("level__order", "name")
    )


def activation_class_get(scope: Scope, class_id: int) -> SchoolClass:
    """A class of a school the user directs; 404 otherwise (another school's class reveals
    nothing, not even that it exists)."""
    school_class = (
        SchoolClass.objects.filter(pk=class_id, school_id__in=scope.director_school_ids)
        .select_related("school", "level", "year")
        .first()
    )
    if school_class is None or not scope.has(Role.DIRECTOR):
        raise Http404
    return school_class


def activation_guardians(school_class: SchoolClass) -> list[tuple[Guardian, list[Student]]]:
    """The guardians of the class's enrolled students, each with their children of the class,
    by the guardian's name (one query)."""
    links = (
        GuardianLink.objects.filter(
            student__enrollments__school_class=school_class,
            student__enrollments__status=Enrollment.Status.ENROLLED,
        )
        .select_related("guardian", "student")
        .order_by("guardian__last_name_fr", "guardian__first_name_fr", "guardian_id", "student_id")
    )
    found: dict[int, tuple[Guardian, list[Student]]] = {}
    for link in links:
        found.setdefault(link.guardian_id, (link.guardian, []))[1].append(link.student)
    return list(found.values())
