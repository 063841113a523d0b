"""Pages of the certificates part: the lists of both sides, a family's request form, the
desk's issue form, one request with the director's decision forms, the PDF download and the
director's setting of automatic approval."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from massar.core.access import role_required
from massar.core.paging import CappedPaginator
from massar.portal import certificates
from massar.portal import certificates_selectors as sel
from massar.portal import certificates_services as services
from massar.portal.appointments_views import person_name
from massar.portal.models import CertificateRequest

PAGE_SIZE = 25
READERS = ("STUDENT", "GUARDIAN", "DIRECTOR", "STAFF")
LANGUAGE_CHOICES = [("fr", _("French")), ("ar", _("Arabic"))]


def base_url(request) -> str:
    return request.build_absolute_uri("/")


class RequestForm(forms.Form):
    student = forms.TypedChoiceField(label=_("Student"), coerce=int)
    language = forms.ChoiceField(label=_("Language of the certificate"), choices=LANGUAGE_CHOICES)

    def __init__(self, *args, students=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["student"].choices = [(s.pk, person_name(s)) for s in students]


class DeskForm(forms.Form):
    code_massar = forms.CharField(label=_("Code Massar"), max_length=20)
    language = forms.ChoiceField(label=_("Language of the certificate"), choices=LANGUAGE_CHOICES)


class RefuseForm(forms.Form):
    reason = forms.CharField(label=_("Reason for refusing"), max_length=300)


def _rows(page) -> None:
    for c in page:
        c.student_name = person_name(c.student)


@role_required(*READERS)
def certificate_list(request, scope):
    status = request.GET.get("status", "")
    if status not in CertificateRequest.Status.values:
        status = ""
    page = CappedPaginator(sel.certificates_for(scope, status=status), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    _rows(page)
    return render(
        request,
        "portal/certificates_list.html",
        {
            "page": page,
            "status": status,
            "statuses": CertificateRequest.Status.choices,
            "is_family": scope.has(*sel.FAMILY),
            "is_school": bool(scope.school_ids),
            "is_director": bool(scope.director_school_ids),
        },
    )


@role_required(*sel.FAMILY)
def certificate_new(request, scope):
    students = sel.family_students(scope)
    if request.method == "POST" and request.POST.get("student"):
        sel.family_student_get(scope, request.POST["student"])  # 404: another family's
    form = RequestForm(
        request.POST or None,
        students=students,
        initial={"language": "ar" if (request.LANGUAGE_CODE or "")[:2] == "ar" else "fr"},
    )
    if request.method == "POST" and form.is_valid():
        try:
            certificate, created = services.certificate_request(
                actor=request.user,
                scope=scope,
                student_id=form.cleaned_data["student"],
                language=form.cleaned_data["language"],
            )
        except services.CertificateError as exc:
            form.add_error(None, exc.message)
        else:
            if not created:
                messages.info(
                    request,
                    _("A request for this student was already sent; here it is."),
                )
            elif certificate.status == CertificateRequest.Status.APPROVED:
                messages.success(request, _("Your certificate is ready to download."))
            else:
                messages.success(request, _("Your request has been sent to the school's director."))
            return redirect("portal:certificate_detail", certificate.pk)
    return render(request, "portal/certificate_new.html", {"form": form, "students": students})


@role_required(*sel.SCHOOL)
def certificate_desk(request, scope):
    if not scope.school_ids:
        raise PermissionDenied
    form = DeskForm(request.POST or None, initial={"language": "fr"})
    if request.method == "POST" and form.is_valid():
        try:
            certificate = services.certificate_desk_issue(
                actor=request.user,
                scope=scope,
                code_massar=form.cleaned_data["code_massar"],
                language=form.cleaned_data["language"],
            )
        except services.CertificateError as exc:
            form.add_error("code_massar", exc.message)
        else:
            messages.success(request, _("The certificate has been issued."))
            return redirect("portal:certificate_detail", certificate.pk)
    return render(request, "portal/certificate_desk.html", {"form": form})


@role_required(*READERS)
def certificate_detail(request, certificate_id: int, scope):
    certificate = sel.certificate_get(scope, certificate_id)
    decide = certificate.status == CertificateRequest.Status.REQUESTED and sel.can_decide(
        scope, certificate
    )
    return render(
        request,
        "portal/certificate_detail.html",
        {
            "c": certificate,
            "student_name": person_name(certificate.student),
            "decide": decide,
            "refuse_form": RefuseForm() if decide else None,
        },
    )


def _decision(request, certificate_id, scope, action, success):
    try:
        action()
    except services.CertificateError as exc:
        if exc.status == 403:
            raise PermissionDenied(exc.message) from None
        messages.error(request, exc.message)
    else:
        messages.success(request, success)
    return redirect("portal:certificate_detail", certificate_id)


@require_POST
@role_required("DIRECTOR")
def certificate_approve(request, certificate_id: int, scope):
    return _decision(
        request,
        certificate_id,
        scope,
        lambda: services.certificate_approve(
            actor=request.user, scope=scope, certificate_id=certificate_id
        ),
        _("The certificate has been issued and the requester told."),
    )


@require_POST
@role_required("DIRECTOR")
def certificate_refuse(request, certificate_id: int, scope):
    form = RefuseForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    return _decision(
        request,
        certificate_id,
        scope,
        lambda: services.certificate_refuse(
            actor=request.user, scope=scope, certificate_id=certificate_id, reason=reason
        ),
        _("The request has been refused and the requester told."),
    )


@role_required(*READERS)
def certificate_pdf(request, certificate_id: int, scope):
    certificate = sel.certificate_print_get(scope, certificate_id)
    pdf = certificates.certificate_render(certificate, base_url=base_url(request))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="{certificates.certificate_filename(certificate)}"'
    )
    response["Cache-Control"] = "private, no-store"
    return response


@role_required("DIRECTOR")
def certificate_settings(request, scope):
    if request.method == "POST":
        try:
            school_id = int(request.POST.get("school", ""))
        except ValueError:
            school_id = 0
        services.certificates_settings_update(
            actor=request.user,
            scope=scope,
            school_id=school_id,
            auto_approve=request.POST.get("auto_approve") == "on",
        )
        messages.success(request, _("The setting has been saved."))
        return redirect("portal:certificate_settings")
    return render(
        request, "portal/certificate_settings.html", {"schools": sel.settings_schools(scope)}
    )
