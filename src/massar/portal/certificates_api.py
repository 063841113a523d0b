"""API of the spaces' certificates part (mounted under /api/v1/me/): a family's requests and
downloads, the school's list, decisions, desk issue and setting of automatic approval."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from ninja import Router, Schema, Status

from massar.core.paging import CappedPaginator
from massar.core.scopes import scope_for
from massar.core.verification import code_format
from massar.portal import certificates
from massar.portal import certificates_selectors as sel
from massar.portal import certificates_services as services
from massar.portal.appointments_views import person_name
from massar.portal.models import CertificateRequest

router = Router(tags=["spaces"])
PAGE_SIZE = 50
READERS = ("STUDENT", "GUARDIAN", "DIRECTOR", "STAFF")


class ErrorOut(Schema):
    code: str
    message: str


class CertificateOut(Schema):
    id: int
    school: str
    year: str
    student_id: int
    student: str
    level: str
    class_name: str
    channel: str
    language: str
    status: str
    refusal_reason: str
    created_at: datetime
    decided_at: datetime | None
    verification_code: str | None
    pdf_url: str | None


class CertificatePageOut(Schema):
    count: int
    capped: bool
    page: int
    pages: int | None
    items: list[CertificateOut]


class RequestIn(Schema):
    student_id: int
    language: str


class DeskIn(Schema):
    code_massar: str
    language: str


class RefuseIn(Schema):
    reason: str


class SettingOut(Schema):
    school_id: int
    school: str
    auto_approve: bool


class SettingIn(Schema):
    school_id: int
    auto_approve: bool


def _scope(request, *roles):
    scope = scope_for(request.user)
    if not scope.has(*roles):
        raise PermissionDenied
    return scope


def _out(c: CertificateRequest) -> dict:
    issued = c.status == CertificateRequest.Status.APPROVED and c.document_id
    return {
        "id": c.pk,
        "school": c.school.code,
        "year": c.year.code,
        "student_id": c.student_id,
        "student": person_name(c.student),
        "level": c.enrollment.level.code,
        "class_name": c.enrollment.school_class.name if c.enrollment.school_class_id else "",
        "channel": c.channel,
        "language": c.language,
        "status": c.status,
        "refusal_reason": c.refusal_reason,
        "created_at": c.created_at,
        "decided_at": c.decided_at,
        "verification_code": code_format(c.document.code) if issued else None,
        "pdf_url": f"/api/v1/me/certificates/{c.pk}/pdf" if issued else None,
    }


ERRORS = {400: ErrorOut, 403: ErrorOut, 409: ErrorOut}


@router.get("/certificates", response=CertificatePageOut)
def certificate_list(request, page: int = 1, status: str = ""):
    scope = _scope(request, *READERS)
    status = status if status in CertificateRequest.Status.values else ""
    paginator = CappedPaginator(sel.certificates_for(scope, status=status), PAGE_SIZE)
    current = paginator.get_page(page)
    return {
        "count": paginator.count,
        "capped": paginator.is_capped,
        "page": current.number,
        "pages": None if paginator.is_capped else paginator.num_pages,
        "items": [_out(c) for c in current],
    }


@router.post("/certificates", response={200: CertificateOut, 201: CertificateOut, **ERRORS})
def certificate_request(request, payload: RequestIn):
    """201 with the new request (approved at once where the school approves automatically);
    200 with the existing one when the same request was already sent."""
    scope = _scope(request, *sel.FAMILY)
    certificate, created = services.certificate_request(
        actor=request.user,
        scope=scope,
        student_id=payload.student_id,
        language=payload.language,
    )
    return Status(201 if created else 200, _out(sel.certificate_get(scope, certificate.pk)))


@router.post("/certificates/desk", response={201: CertificateOut, **ERRORS})
def certificate_desk(request, payload: DeskIn):
    scope = _scope(request, *sel.SCHOOL)
    certificate = services.certificate_desk_issue(
        actor=request.user,
        scope=scope,
        code_massar=payload.code_massar,
        language=payload.language,
    )
    return Status(201, _out(sel.certificate_get(scope, certificate.pk)))


@router.get("/certificates/settings", response=list[SettingOut])
def certificate_settings(request):
    scope = _scope(request, "DIRECTOR")
    return [
        {"school_id": s.pk, "school": s.code, "auto_approve": s.auto_approve}
        for s in sel.settings_schools(scope)
    ]


@router.post("/certificates/settings", response=SettingOut)
def certificate_settings_update(request, payload: SettingIn):
    scope = _scope(request, "DIRECTOR")
    services.certificates_settings_update(
        actor=request.user,
        scope=scope,
        school_id=payload.school_id,
        auto_approve=payload.auto_approve,
    )
    school = next(s for s in sel.settings_schools(scope) if s.pk == payload.school_id)
    return {"school_id": school.pk, "school": school.code, "auto_approve": school.auto_approve}


@router.get("/certificates/{int:certificate_id}", response=CertificateOut)
def certificate_detail(request, certificate_id: int):
    scope = _scope(request, *READERS)
    return _out(sel.certificate_get(scope, certificate_id))


@router.post("/certificates/{int:certificate_id}/approve", response={200: CertificateOut, **ERRORS})
def certificate_approve(request, certificate_id: int):
    scope = _scope(request, "DIRECTOR", "STAFF")
    services.certificate_approve(actor=request.user, scope=scope, certificate_id=certificate_id)
    return _out(sel.certificate_get(scope, certificate_id))


@router.post("/certificates/{int:certificate_id}/refuse", response={200: CertificateOut, **ERRORS})
def certificate_refuse(request, certificate_id: int, payload: RefuseIn):
    scope = _scope(request, "DIRECTOR", "STAFF")
    services.certificate_refuse(
        actor=request.user, scope=scope, certificate_id=certificate_id, reason=payload.reason
    )
    return _out(sel.certificate_get(scope, certificate_id))


@router.get("/certificates/{int:certificate_id}/pdf")
def certificate_pdf(request, certificate_id: int):
    """The certificate's PDF (application/pdf); 404 until it is approved."""
    scope = _scope(request, *READERS)
    certificate = sel.certificate_print_get(scope, certificate_id)
    pdf = certificates.certificate_render(certificate, base_url=request.build_absolute_uri("/"))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="{certificates.certificate_filename(certificate)}"'
    )
    response["Cache-Control"] = "private, no-store"
    return response
