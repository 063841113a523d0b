"""Reads of the certificates part, each scoped: a student reaches the certificates about
themself, a guardian those about their own children (whoever asked), a school's director and
staff their school's. Anyone else, or any other id, gets a 404."""

from __future__ import annotations

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.http import Http404

from massar.core.models import Role
from massar.core.scopes import Scope
from massar.enrollment.models import Enrollment
from massar.portal.models import CertificateRequest, SchoolServices
from massar.portal.spaces_selectors import space_children
from massar.registry.models import Student
from massar.schools.models import School

FAMILY = (Role.STUDENT, Role.GUARDIAN)
SCHOOL = (Role.DIRECTOR, Role.STAFF)
# a certificate is about the student's enrollment of the current year: the one they attend,
# or the one they left (the certificate then shows the leaving date)
CERTIFIABLE = (
    Enrollment.Status.ENROLLED,
    Enrollment.Status.LEFT,
    Enrollment.Status.TRANSFERRED_OUT,
)


def family_students(scope: Scope) -> list[Student]:
    """The students a family account may ask a certificate for: the student themself, or the
    guardian's children (GuardianLink). One query."""
    return space_children(scope)


def family_student_get(scope: Scope, student_id) -> Student:
    """One of the family's students, or 404 (another family's child is never disclosed)."""
    try:
        wanted = int(student_id)
    except (TypeError, ValueError):
        raise Http404 from None
    for student in family_students(scope):
        if student.pk == wanted:
            return student
    raise Http404


def _reach(scope: Scope) -> Q:
    q = Q(pk__in=[])
    if scope.user_id is None:
        return q
    if scope.has(Role.STUDENT):
        q |= Q(student__user_id=scope.user_id)
    if scope.has(Role.GUARDIAN):
        q |= Q(
            student_id__in=Student.objects.filter(
                guardian_links__guardian__user_id=scope.user_id
            ).values("pk")
        )
    if scope.school_ids:
        q |= Q(school_id__in=scope.school_ids)
    return q


def certificates_for(scope: Scope, *, status: str = "") -> QuerySet[CertificateRequest]:
    """The certificate requests the user may see, newest first, joined for a list page (one
    query for the rows, whatever their number)."""
    qs = CertificateRequest.objects.filter(_reach(scope))
    if status:
        qs = qs.filter(status=status)
    return qs.select_related(
        "student", "school", "year", "enrollment__level", "enrollment__school_class", "document"
    ).order_by("-created_at", "-pk")


def certificate_get(scope: Scope, certificate_id) -> CertificateRequest:
    try:
        certificate_id = int(certificate_id)
    except (TypeError, ValueError):
        raise Http404 from None
    certificate = certificates_for(scope).filter(pk=certificate_id).first()
    if certificate is None:
        raise Http404
    return certificate


def certificate_print_get(scope: Scope, certificate_id) -> CertificateRequest:
    """An issued certificate the user may download, joined for the PDF; 404 otherwise (not
    reachable, or not approved)."""
    certificate = (
        certificates_for(scope)
        .filter(pk=certificate_id, status=CertificateRequest.Status.APPROVED)
        .exclude(document=None)
        .select_related(
            "school__directorate__academy", "enrollment__track", "enrollment__school_class"
        )
        .first()
    )
    if certificate is None:
        raise Http404
    return certificate


def can_decide(scope: Scope, certificate: CertificateRequest) -> bool:
    """Only the school's director approves or refuses a request made from a space."""
    return scope.manages_school(certificate.school_id)


def certificate_enrollment(student_id: int, school_ids=None) -> Enrollment | None:
    """The enrollment a certificate of the current year is about: the one the student
    attends, else the most recent one they left. `school_ids` keeps one school's (the desk)."""
    qs = Enrollment.objects.filter(
        student_id=student_id, status__in=CERTIFIABLE, year__is_current=True
    )
    if school_ids is not None:
        qs = qs.filter(school_id__in=school_ids)
    return (
        qs.select_related("school", "year", "student")
        .annotate(
            attending=Case(
                When(status=Enrollment.Status.ENROLLED, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("attending", "-pk")
        .first()
    )


def desk_enrollment(scope: Scope, code_massar: str) -> Enrollment | None:
    """The current-year enrollment, at one of the user's schools, of the student with this
    Code Massar (None when there is none: another school's student is not disclosed)."""
    student_id = (
        Student.objects.filter(code_massar=(code_massar or "").strip().upper())
        .values_list("pk", flat=True)
        .first()
    )
    if student_id is None or not scope.school_ids:
        return None
    return certificate_enrollment(student_id, school_ids=scope.school_ids)


def auto_approve(school_id: int) -> bool:
    return bool(
        SchoolServices.objects.filter(school_id=school_id)
        .values_list("certificates_auto_approve", flat=True)
        .first()
    )


def settings_schools(scope: Scope) -> list[School]:
    """The schools the user directs, each with `auto_approve` set (two queries)."""
    if not scope.director_school_ids:
        return []
    schools = list(School.objects.filter(pk__in=scope.director_school_ids).order_by("code"))
    flags = dict(
        SchoolServices.objects.filter(school_id__in=scope.director_school_ids).values_list(
            "school_id", "certificates_auto_approve"
        )
    )
    for school in schools:
        school.auto_approve = bool(flags.get(school.pk))
    return schools
