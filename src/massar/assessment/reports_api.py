"""API of the report cards (mounted under /api/v1/evaluation/): one student's card as PDF
(staff in scope; the student or a guardian once the period is published; 404 for anyone
else), the caller's own or children's published cards, a class's bulk print as a job and its
file."""

from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpResponse
from ninja import Router, Schema, Status

from massar.assessment import reports_selectors as sel
from massar.assessment.reports_services import (
    ReportCardError,
    report_card_print,
    report_cards_bulk_start,
)
from massar.assessment.reports_views import _language, base_url
from massar.core.api import ErrorOut
from massar.core.scopes import Scope, scope_for
from massar.schools.selectors import current_year

router = Router(tags=["evaluation"])


def _scope(request, roles) -> Scope:
    scope = scope_for(request.user)
    if not scope.has(*roles):
        raise PermissionDenied
    return scope


class FamilyCardOut(Schema):
    student_id: int
    code_massar: str
    name_fr: str
    name_ar: str
    period: str
    pdf: str


class BulkIn(Schema):
    period: str
    language: str = "fr"


class BulkStartedOut(Schema):
    job_id: int
    status: str
    progress: str
    download: str


@router.get("/report-cards/mine", response=list[FamilyCardOut])
def report_cards_mine(request):
    """The published report cards of the signed-in student, or of a guardian's children."""
    scope = _scope(request, sel.FAMILY)
    year = current_year()
    rows = sel.family_cards(scope, request.user, year=year) if year else []
    return [
        {
            "student_id": r["student"].pk,
            "code_massar": r["student"].code_massar,
            "name_fr": r["student"].full_name_fr,
            "name_ar": r["student"].full_name_ar,
            "period": r["period"],
            "pdf": f"/api/v1/evaluation/report-cards/students/{r['student'].pk}/{r['period']}",
        }
        for r in rows
    ]


@router.get(
    "/report-cards/students/{student_id}/{period}",
    response={200: None, 400: ErrorOut},
    openapi_extra={"responses": {200: {"content": {"application/pdf": {}}}}},
)
def report_card_pdf(request, student_id: int, period: str, language: str = ""):
    """One student's report card of S1, S2 or ANNUAL (current year) as PDF, in `language`
    (ar or fr)."""
    scope = scope_for(request.user)
    target = sel.report_card_target(scope, request.user, student_id=student_id, period=period)
    try:
        pdf, name = report_card_print(
            target=target,
            language=_language(language),
            actor=request.user,
            base_url=base_url(request),
        )
    except ReportCardError as err:
        return Status(err.status, {"code": err.code, "message": err.message})
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@router.post("/report-cards/classes/{class_id}/bulk", response={202: BulkStartedOut, 400: ErrorOut})
def report_cards_bulk(request, class_id: int, payload: BulkIn):
    """Print a class's report cards into one PDF, as a job: follow it at `progress`, fetch
    the file at `download` once it is done."""
    scope = _scope(request, sel.STAFF_READERS)
    school_class = sel.report_card_class_get(scope, request.user, class_id=class_id)
    try:
        job = report_cards_bulk_start(
            school_class=school_class,
            period=payload.period,
            language=payload.language,
            actor=request.user,
            base_url=base_url(request),
        )
    except ReportCardError as err:
        return Status(err.status, {"code": err.code, "message": err.message})
    return Status(
        202,
        {
            "job_id": job.pk,
            "status": job.status,
            "progress": f"/api/v1/jobs/{job.pk}",
            "download": f"/api/v1/evaluation/report-cards/jobs/{job.pk}/file",
        },
    )


@router.get(
    "/report-cards/jobs/{job_id}/file",
    response={200: None},
    openapi_extra={"responses": {200: {"content": {"application/pdf": {}}}}},
)
def report_cards_bulk_file(request, job_id: int):
    """The PDF of a finished bulk print (404 while it runs, or for another school's job)."""
    scope = _scope(request, sel.STAFF_READERS)
    job, path = sel.bulk_file_get(scope, request.user, job_id=job_id)
    return FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=f"bulletins-{job.params.get('class_id')}-{job.params.get('period')}.pdf",
        content_type="application/pdf",
    )
