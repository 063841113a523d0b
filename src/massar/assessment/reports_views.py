"""Pages of the report cards: the classes a user may print, a class's students and its bulk
print (a job), one student's card as PDF, the bulk PDF's download, and the public
verification page (no sign-in, rate-limited per client address)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.views.decorators.http import require_GET, require_POST

from massar.assessment import report_cards
from massar.assessment import reports_selectors as sel
from massar.assessment.models import Period
from massar.assessment.reports_services import (
    ReportCardError,
    report_card_print,
    report_cards_bulk_start,
)
from massar.core.access import role_required
from massar.core.middleware import request_address
from massar.core.models import VerifiableDocument
from massar.core.scopes import scope_for
from massar.core.verification import (
    code_format,
    code_normalize,
    document_facts,
    document_verify,
    verify_allowed,
    verify_failure_record,
    verify_window_minutes,
)
from massar.schools.models import School
from massar.schools.selectors import current_year

CLASS_LIMIT = 300  # classes listed at once (a school has a few dozen)


def _language(value: str | None) -> str:
    if value in report_cards.LANGUAGES:
        return value
    return "ar" if (get_language() or "")[:2] == "ar" else "fr"


def base_url(request) -> str:
    return request.build_absolute_uri("/")


def _pdf(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@role_required(*sel.STAFF_READERS)
def report_card_classes(request, scope):
    """The classes whose cards the user may print; territorial roles first pick a school."""
    year = current_year()
    school = None
    school_code = (request.GET.get("school") or "").strip().upper()
    classes = sel.report_card_classes(scope, request.user, year=year) if year else None
    if scope.is_territorial:
        if school_code:
            school = School.objects.filter(scope.schools_q(), code=school_code).first()
        classes = classes.filter(school=school) if (school and classes is not None) else None
    return render(
        request,
        "assessment/report_card_classes.html",
        {
            "year": year,
            "classes": list(classes[:CLASS_LIMIT]) if classes is not None else [],
            "territorial": scope.is_territorial,
            "school_code": school_code,
            "school": school,
        },
    )


@role_required(*sel.STAFF_READERS)
def report_card_class(request, class_id: int, scope):
    school_class = sel.report_card_class_get(scope, request.user, class_id=class_id)
    return render(
        request,
        "assessment/report_card_class.html",
        {
            "school_class": school_class,
            "students": sel.class_students(school_class),
            "periods": Period.choices,
            "language": _language(request.GET.get("language")),
        },
    )


@login_required
@require_GET
def report_card_pdf(request, student_id: int, period: str):
    """One student's card: staff in scope, or the student / a guardian once published."""
    scope = scope_for(request.user)
    target = sel.report_card_target(scope, request.user, student_id=student_id, period=period)
    try:
        pdf, name = report_card_print(
            target=target,
            language=_language(request.GET.get("language")),
            actor=request.user,
            base_url=base_url(request),
        )
    except ReportCardError as err:
        return HttpResponse(err.message, status=err.status, content_type="text/plain")
    return _pdf(pdf, name)


@role_required(*sel.STAFF_READERS)
@require_POST
def report_card_bulk(request, class_id: int, scope):
    school_class = sel.report_card_class_get(scope, request.user, class_id=class_id)
    try:
        job = report_cards_bulk_start(
            school_class=school_class,
            period=request.POST.get("period", ""),
            language=_language(request.POST.get("language")),
            actor=request.user,
            base_url=base_url(request),
        )
    except ReportCardError as err:
        messages.error(request, err.message)
        return redirect("assessment:report_card_class", class_id=school_class.pk)
    return redirect("core:job_detail", job_id=job.pk)


@role_required(*sel.STAFF_READERS)
def report_card_bulk_download(request, job_id: int, scope):
    job, path = sel.bulk_file_get(scope, request.user, job_id=job_id)
    response = FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=f"bulletins-{job.params.get('class_id')}-{job.params.get('period')}.pdf",
        content_type="application/pdf",
    )
    response["Cache-Control"] = "private, no-store"
    return response


# --- public verification -----------------------------------------------------------------


@require_GET
def verify_form(request):
    code = request.GET.get("code")
    if code is not None:
        normalized = code_normalize(code)
        if normalized:
            return redirect("assessment:verify_code", code=code_format(normalized))
    return render(request, "assessment/verify.html", {"state": "form"})


@require_GET
def verify_code(request, code: str):
    """The key facts of the document with this code. Unknown codes count against the client
    address; past the limit every look-up is refused for the window (429)."""
    address = request_address(request)
    context = {"code": code_format(code_normalize(code))}
    if not verify_allowed(address):
        context.update(state="limited", minutes=verify_window_minutes())
        return render(request, "assessment/verify.html", context, status=429)
    document = document_verify(code)
    if document is None:
        verify_failure_record(address)
        context["state"] = "unknown"
        return render(request, "assessment/verify.html", context, status=404)
    if document.revoked_at is not None:
        context["state"] = "revoked"
        return render(request, "assessment/verify.html", context)
    context.update(
        state="valid",
        kind=VerifiableDocument.Kind(document.kind).label
        if document.kind in VerifiableDocument.Kind.values
        else document.kind,
        facts=document_facts(document, get_language() or "fr"),
        issued_at=document.issued_at,
    )
    return render(request, "assessment/verify.html", context)
