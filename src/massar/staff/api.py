"""API of the staff app: the staff list and records, recording and attaching staff, and the
director's bulk provisioning of staff accounts (answered with the PDF sheet)."""

from datetime import date

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.pagination import PageNumberPagination, paginate
from ninja.responses import Status

from massar.core.scopes import scope_for
from massar.staff import selectors, services
from massar.staff.forms import StaffForm
from massar.staff.views import DIRECTOR, LIST_ROLES, credentials_pdf

router = Router(tags=["staff"])

PDF_RESPONSE = {
    "responses": {
        200: {
            "description": "The credential sheet (shown once: the passwords exist nowhere else).",
            "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
        }
    }
}


class ErrorOut(Schema):
    code: str
    message: str


class InvalidOut(Schema):
    code: str
    message: str
    errors: dict[str, list[str]]


class StaffOut(Schema):
    id: int
    ppr: str
    last_name_fr: str
    first_name_fr: str
    last_name_ar: str
    first_name_ar: str
    sex: str
    kind: str
    corps: str
    contract: str
    required_weekly_hours: int
    subjects: list[str]
    schools: list[str]
    account: str | None

    @staticmethod
    def resolve_subjects(obj) -> list[str]:
        return [s.code for s in obj.subjects.all()]

    @staticmethod
    def resolve_schools(obj) -> list[str]:
        return [p.school.code for p in obj.postings.all()]

    @staticmethod
    def resolve_account(obj) -> str | None:
        return obj.user.username if obj.user_id else None


class PostingOut(Schema):
    school_id: int
    school_code: str
    school_name_fr: str
    school_name_ar: str
    since: date | None


class StaffDetailOut(StaffOut):
    postings: list[PostingOut]

    @staticmethod
    def resolve_postings(obj) -> list[dict]:
        return [
            {
                "school_id": p.school_id,
                "school_code": p.school.code,
                "school_name_fr": p.school.name_fr,
                "school_name_ar": p.school.name_ar,
                "since": p.since,
            }
            for p in obj.postings.all()
        ]


class StaffBriefOut(Schema):
    id: int
    ppr: str
    last_name_fr: str
    first_name_fr: str
    last_name_ar: str
    first_name_ar: str
    kind: str
    corps: str


class ExistingOut(Schema):
    code: str
    message: str
    existing: StaffBriefOut


class StaffIn(Schema):
    school_id: int | None = None  # one of the director's schools; their first by default
    ppr: str
    last_name_fr: str
    first_name_fr: str
    last_name_ar: str
    first_name_ar: str
    sex: str
    kind: str
    corps: str = ""
    contract: str
    subjects: list[str] = []  # subject codes
    required_weekly_hours: int = 0
    phone: str = ""
    email: str = ""


class AttachIn(Schema):
    ppr: str  # the person's staff number: the id alone does not attach anyone
    school_id: int | None = None


class SchoolIn(Schema):
    school_id: int | None = None


class AttachedOut(Schema):
    id: int
    school_id: int
    created: bool


class AccountOut(Schema):
    id: int
    ppr: str
    last_name_fr: str
    first_name_fr: str
    kind: str
    identifier: str | None
    must_change_password: bool | None

    @staticmethod
    def resolve_identifier(obj) -> str | None:
        return obj.user.username if obj.user_id else None

    @staticmethod
    def resolve_must_change_password(obj) -> bool | None:
        return obj.user.must_change_password if obj.user_id else None


class ProvisionIn(Schema):
    school_id: int | None = None
    reissue: list[int] = []  # staff ids whose existing account gets a new password


def _scope(request, roles):
    scope = scope_for(request.user)
    if not scope.has(*roles):
        raise PermissionDenied
    return scope


def _error(err: services.StaffError) -> Status:
    return Status(err.status, {"code": err.code, "message": err.message})


@router.get("/", response=list[StaffOut])
@paginate(PageNumberPagination, page_size=50)
def staff_list(request, school: int | None = None, q: str = ""):
    """Staff posted in the schools in your scope (or in one of them: `school`)."""
    scope = _scope(request, LIST_ROLES)
    if school is not None:
        school = selectors.staff_school(scope, school).pk
    return selectors.staff_list(scope, school_id=school, text=q).order_by(
        "last_name_fr", "first_name_fr", "pk"
    )


@router.post("/", response={201: StaffDetailOut, 400: ErrorOut, 409: ExistingOut, 422: InvalidOut})
def staff_create(request, payload: StaffIn):
    """Record a teacher or administrative staff member at your school. When the PPR is
    already recorded, answers 409 with that person: attach them instead."""
    scope = _scope(request, DIRECTOR)
    school = selectors.director_school(scope, payload.school_id)
    form = StaffForm(data={**payload.dict(exclude={"school_id"}), "subjects": payload.subjects})
    if not form.is_valid():
        return Status(
            422,
            {
                "code": "invalid",
                "message": _("Some fields are not valid."),
                "errors": {k: [str(m) for m in v] for k, v in form.errors.items()},
            },
        )
    try:
        member = services.staff_create(
            actor=request.user,
            scope=scope,
            school=school,
            data=form.record(),
            subjects=form.cleaned_data["subjects"],
        )
    except services.StaffError as err:
        if err.existing is not None:
            return Status(409, {"code": err.code, "message": err.message, "existing": err.existing})
        return _error(err)
    return Status(201, selectors.staff_get(scope, member.pk))


@router.get("/accounts", response=list[AccountOut])
@paginate(PageNumberPagination, page_size=100)
def staff_accounts(request, school: int | None = None):
    """Your school's teachers and administrative staff, with their account if they have one."""
    scope = _scope(request, DIRECTOR)
    return selectors.staff_accounts(scope, selectors.director_school(scope, school))


@router.post("/accounts", response={409: ErrorOut}, openapi_extra=PDF_RESPONSE)
def staff_accounts_provision(request, payload: ProvisionIn):
    """Create the accounts your school's staff lack (and new passwords for those listed in
    `reissue`); answers with the PDF sheet of identifiers and initial passwords, or 409
    `nothing_to_issue`."""
    scope = _scope(request, DIRECTOR)
    school = selectors.director_school(scope, payload.school_id)
    try:
        issued = services.staff_accounts_provision(
            actor=request.user, scope=scope, school=school, reissue=payload.reissue
        )
    except services.StaffError as err:
        return _error(err)
    if not issued:
        return Status(
            409,
            {
                "code": "nothing_to_issue",
                "message": _("Every staff member already has an account; nothing was issued."),
            },
        )
    return credentials_pdf(
        request,
        template="staff/credentials.html",
        context={"school": school, "issued": issued},
        filename=f"massar-staff-accounts-{school.code}.pdf",
    )


@router.get("/{int:staff_id}", response=StaffDetailOut)
def staff_detail(request, staff_id: int):
    return selectors.staff_get(_scope(request, LIST_ROLES), staff_id)


@router.post("/{int:staff_id}/attach", response={200: AttachedOut, 400: ErrorOut})
def staff_attach(request, staff_id: int, payload: AttachIn):
    """Post a recorded person to your school (their PPR must match the id)."""
    scope = _scope(request, DIRECTOR)
    member = selectors.staff_for_attach(scope, staff_id=staff_id, ppr=payload.ppr)
    school = selectors.director_school(scope, payload.school_id)
    created = services.staff_attach(actor=request.user, scope=scope, member=member, school=school)
    return {"id": member.pk, "school_id": school.pk, "created": created}


@router.post(
    "/{int:staff_id}/detach",
    response={200: AttachedOut, 400: ErrorOut, 404: ErrorOut, 409: ErrorOut},
)
def staff_detach(request, staff_id: int, payload: SchoolIn):
    """End a person's posting at your school (refused while they still teach classes there)."""
    scope = _scope(request, DIRECTOR)
    member = selectors.staff_get(scope, staff_id)
    school = selectors.director_school(scope, payload.school_id)
    try:
        services.staff_detach(actor=request.user, scope=scope, member=member, school=school)
    except services.StaffError as err:
        return _error(err)
    return {"id": member.pk, "school_id": school.pk, "created": False}
