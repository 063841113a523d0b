"""Student accounts, class by class: the director creates the accounts of a class's students
(identifier <Code Massar>@taalim.ma, a random initial password to change at the first
sign-in) and receives them once, as a printable PDF sheet. Accounts that exist are not
touched again unless the director asks for new passwords (audited).

Selectors, the service, the pages and the API live together here because they need the
classes and enrollments of this app; the account machinery itself is staff's
(`massar.staff.services.accounts_create` / `accounts_reissue`).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from ninja import Router, Schema
from ninja.responses import Status

from massar.core.access import role_required
from massar.core.audit import audit_record
from massar.core.models import Role, User
from massar.core.scopes import Scope, scope_for
from massar.core.services import student_username
from massar.enrollment.models import Enrollment, SchoolClass
from massar.registry.models import Student
from massar.staff.selectors import director_school, director_schools
from massar.staff.services import (
    AccountRequest,
    IssuedCredential,
    StaffError,
    accounts_create,
    accounts_reissue,
    reissuable_user_ids,
)
from massar.staff.views import credentials_pdf

DIRECTOR = ("DIRECTOR",)
ENROLLED = Enrollment.Status.ENROLLED

# --- selectors ---------------------------------------------------------------------------------


def account_classes(scope: Scope, *, school_id: int | None = None) -> QuerySet[SchoolClass]:
    """This year's classes of the schools the user directs, with their number of enrolled
    students and how many of them have an account (one query)."""
    qs = SchoolClass.objects.filter(school_id__in=scope.director_school_ids, year__is_current=True)
    if school_id is not None:
        qs = qs.filter(school_id=school_id)
    return (
        qs.select_related("level", "track", "school")
        .annotate(
            students=Count("enrollments", filter=Q(enrollments__status=ENROLLED)),
            with_account=Count(
                "enrollments",
                filter=Q(enrollments__status=ENROLLED, enrollments__student__user__isnull=False),
            ),
        )
        .order_by("level__order", "name")
    )


def account_class_get(scope: Scope, class_id: int) -> SchoolClass:
    """A class of this year in a school the user directs; 404 otherwise (another school's
    class id reveals nothing)."""
    school_class = (
        SchoolClass.objects.filter(
            pk=class_id, school_id__in=scope.director_school_ids, year__is_current=True
        )
        .select_related("school__directorate__academy", "level", "track", "year")
        .first()
    )
    if school_class is None:
        raise Http404
    return school_class


def class_students(scope: Scope, school_class: SchoolClass) -> QuerySet[Student]:
    """The students enrolled in the class, with their account (bounded by the class size)."""
    if not scope.manages_school(school_class.school_id):
        raise PermissionDenied
    return (
        Student.objects.filter(enrollments__school_class=school_class, enrollments__status=ENROLLED)
        .select_related("user")
        .order_by("last_name_fr", "first_name_fr", "pk")
    )


# --- service -----------------------------------------------------------------------------------


@transaction.atomic
def class_accounts_provision(
    *, actor, scope: Scope, school_class: SchoolClass, reissue: Iterable[int] = ()
) -> list[IssuedCredential]:
    """Accounts for the class's students who have none; students listed in `reissue` (ids)
    who have one get a new initial password. Returns the credentials to print, by name."""
    if not scope.manages_school(school_class.school_id):
        raise PermissionDenied
    # Row locks on the students: two clicks (or two desks) never create an account twice.
    students = list(
        Student.objects.select_for_update()
        .filter(
            pk__in=Enrollment.objects.filter(school_class=school_class, status=ENROLLED).values(
                "student_id"
            )
        )
        .order_by("pk")
    )
    without = [s for s in students if s.user_id is None]
    created = accounts_create(
        actor=actor,
        requests=[
            AccountRequest(
                owner_id=s.pk,
                username=student_username(s.code_massar),
                first_name=s.first_name_fr,
                last_name=s.last_name_fr,
                first_name_ar=s.first_name_ar,
                last_name_ar=s.last_name_ar,
                role=Role.STUDENT,
            )
            for s in without
        ],
        school_id=school_class.school_id,
        source="student",
    )
    for s in without:
        s.user = created[s.pk][0]
    Student.objects.bulk_update(without, ["user"], batch_size=500)

    wanted = {int(i) for i in reissue}
    allowed = reissuable_user_ids(
        [s.user_id for s in students if s.pk in wanted and s.pk not in created],
        allowed_roles=[Role.STUDENT],
    )
    again = [s for s in students if s.user_id in allowed and s.pk not in created]
    users = {u.pk: u for u in User.objects.filter(pk__in=allowed)}
    passwords = accounts_reissue(
        actor=actor,
        users=list(users.values()),
        school_id=school_class.school_id,
        source="student",
    )
    audit_record(
        actor=actor,
        action="class.accounts_provision",
        object_type="school_class",
        object_id=school_class.pk,
        school_id=school_class.school_id,
        after={"created": len(created), "reissued": len(passwords)},
    )
    issued = [_credential(s, *created[s.pk], school_class, new=True) for s in without]
    issued += [
        _credential(s, users[s.user_id], passwords[s.user_id], school_class, new=False)
        for s in again
    ]
    return sorted(issued, key=lambda c: (c.last_name_fr, c.first_name_fr, c.reference))


def _credential(student: Student, user: User, password: str, school_class, *, new: bool):
    return IssuedCredential(
        owner_id=student.pk,
        reference=student.code_massar,
        identifier=user.username,
        password=password,
        last_name_fr=student.last_name_fr,
        first_name_fr=student.first_name_fr,
        last_name_ar=student.last_name_ar,
        first_name_ar=student.first_name_ar,
        new=new,
        detail=school_class.name,
    )


def _sheet(request, school_class: SchoolClass, issued: list[IssuedCredential]):
    return credentials_pdf(
        request,
        template="enrollment/credentials_sheet.html",
        context={"school": school_class.school, "school_class": school_class, "issued": issued},
        filename=f"massar-accounts-{school_class.school.code}-{school_class.name}.pdf",
    )


# --- pages -------------------------------------------------------------------------------------


@role_required(*DIRECTOR)
def class_list(request, scope):
    school = director_school(scope, request.GET.get("school"))
    several = len(scope.director_school_ids) > 1
    return render(
        request,
        "enrollment/credentials_classes.html",
        {
            "school": school,
            "classes": list(account_classes(scope, school_id=school.pk)),
            "schools": list(director_schools(scope)) if several else [],
        },
    )


@require_http_methods(["GET", "POST"])
@role_required(*DIRECTOR)
def class_accounts(request, class_id: int, scope):
    school_class = account_class_get(scope, class_id)
    if request.method == "POST":
        reissue = [int(i) for i in request.POST.getlist("reissue") if i.isdigit()]
        try:
            issued = class_accounts_provision(
                actor=request.user, scope=scope, school_class=school_class, reissue=reissue
            )
        except StaffError as err:
            messages.error(request, err.message)
            return redirect("class_accounts:class_accounts", class_id=school_class.pk)
        if not issued:
            messages.info(
                request,
                _("Every student of %(class)s already has an account; nothing was issued.")
                % {"class": school_class.name},
            )
            return redirect("class_accounts:class_accounts", class_id=school_class.pk)
        return _sheet(request, school_class, issued)
    students = Paginator(class_students(scope, school_class), 60).get_page(request.GET.get("page"))
    return render(
        request,
        "enrollment/credentials_class.html",
        {
            "school_class": school_class,
            "page": students,
            "without_account": sum(1 for s in students if s.user_id is None),
            "back": reverse("class_accounts:class_list"),
        },
    )


# --- API (mounted at /api/v1/student-accounts/) ------------------------------------------------

router = Router(tags=["enrollment"])

PDF_RESPONSE = {
    "responses": {
        200: {
            "description": "The class's credential sheet (shown once).",
            "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
        }
    }
}


class ErrorOut(Schema):
    code: str
    message: str


class AccountClassOut(Schema):
    id: int
    school_code: str
    name: str
    level: str
    track: str | None
    students: int
    with_account: int

    @staticmethod
    def resolve_school_code(obj) -> str:
        return obj.school.code

    @staticmethod
    def resolve_level(obj) -> str:
        return obj.level.code

    @staticmethod
    def resolve_track(obj) -> str | None:
        return obj.track.code if obj.track_id else None


class StudentAccountOut(Schema):
    id: int
    code_massar: str
    last_name_fr: str
    first_name_fr: str
    identifier: str | None
    must_change_password: bool | None

    @staticmethod
    def resolve_identifier(obj) -> str | None:
        return obj.user.username if obj.user_id else None

    @staticmethod
    def resolve_must_change_password(obj) -> bool | None:
        return obj.user.must_change_password if obj.user_id else None


class ProvisionIn(Schema):
    reissue: list[int] = []  # student ids whose existing account gets a new password


def _director_scope(request) -> Scope:
    scope = scope_for(request.user)
    if not scope.has(*DIRECTOR):
        raise PermissionDenied
    return scope


@router.get("/", response=list[AccountClassOut])
def account_class_list(request, school: int | None = None):
    """This year's classes of your school with how many students have an account (a school
    has a few dozen classes: not paginated)."""
    scope = _director_scope(request)
    return account_classes(scope, school_id=director_school(scope, school).pk)


@router.get("/{int:class_id}", response=list[StudentAccountOut])
def class_account_list(request, class_id: int):
    """The class's students and their account (bounded by the class's size)."""
    scope = _director_scope(request)
    return class_students(scope, account_class_get(scope, class_id))


@router.post("/{int:class_id}", response={409: ErrorOut}, openapi_extra=PDF_RESPONSE)
def class_accounts_issue(request, class_id: int, payload: ProvisionIn):
    """Create the accounts the class's students lack (and new passwords for the students
    listed in `reissue`); answers with the PDF sheet, or 409 `nothing_to_issue`."""
    scope = _director_scope(request)
    school_class = account_class_get(scope, class_id)
    try:
        issued = class_accounts_provision(
            actor=request.user, scope=scope, school_class=school_class, reissue=payload.reissue
        )
    except StaffError as err:
        return Status(err.status, {"code": err.code, "message": err.message})
    if not issued:
        return Status(
            409,
            {
                "code": "nothing_to_issue",
                "message": _(
                    "Every student of %(class)s already has an account; nothing was issued."
                )
                % {"class": school_class.name},
            },
        )
    return _sheet(request, school_class, issued)
