"""Pages of the class councils (list of a school's classes, one class's council with its
threshold, overrides, validation and reopening), of the publication of results per level and
period, and of the analysts' exports."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from massar.assessment import council_selectors as selectors
from massar.assessment import council_services as services
from massar.assessment import exports
from massar.assessment.models.results import Period
from massar.core.access import role_required
from massar.enrollment.models import Decision
from massar.schools.models import Level, SchoolYear
from massar.schools.selectors import current_year

READ_ROLES = selectors.READ_ROLES


def _school_year(request, scope):
    school, year = selectors.council_school_year_get(
        scope, request.GET.get("school") or request.POST.get("school"), request.GET.get("year")
    )
    return school, year


def _school_picker(request, scope):
    """Oversight roles first choose a school of their territory: 50 a page, by code or name."""
    schools = exports.export_schools(scope)
    text = request.GET.get("q", "").strip()
    if text:
        schools = schools.filter(Q(code__iexact=text) | Q(name_fr__icontains=text))
    return Paginator(schools, 50).get_page(request.GET.get("page"))


@role_required(*READ_ROLES)
def council_list(request, scope):
    school, year = _school_year(request, scope)
    return render(
        request,
        "assessment/council_list.html",
        {
            "school": school,
            "year": year,
            "picker": _school_picker(request, scope) if school is None else None,
            "q": request.GET.get("q", ""),
            "classes": selectors.council_classes(scope, school, year) if school else [],
        },
    )


@role_required(*READ_ROLES)
def council_detail(request, class_id: int, scope):
    school_class = selectors.council_class_get(scope, class_id)
    sheet = selectors.council_sheet(scope, school_class)
    return render(
        request,
        "assessment/council_detail.html",
        {
            "sheet": sheet,
            "school_class": school_class,
            "can_manage": scope.manages_school(school_class.school_id),
            "choices": [(d.value, d.label) for d in selectors.OVERRIDE_DECISIONS],
            "COUNCIL": Decision.COUNCIL,
        },
    )


def _council_step(request, scope, class_id: int, service, done: str, **kwargs):
    school_class = selectors.council_class_get(scope, class_id)
    try:
        result = service(actor=request.user, scope=scope, school_class=school_class, **kwargs)
    except services.CouncilError as err:
        messages.error(request, err.message)
    else:
        messages.success(request, done(result) if callable(done) else done)
    return redirect("assessment:council_detail", class_id=class_id)


def _student_id(request) -> int:
    value = request.POST.get("student", "")
    if not value.isdigit():
        raise Http404
    return int(value)


@require_POST
@role_required("DIRECTOR")
def council_threshold(request, class_id: int, scope):
    return _council_step(
        request,
        scope,
        class_id,
        services.council_threshold_set,
        lambda result: (
            _("Threshold saved; the proposed decisions of %(count)d students were recomputed.")
            % {"count": result[1]}
        ),
        threshold=request.POST.get("threshold", ""),
    )


@require_POST
@role_required("DIRECTOR")
def council_override(request, class_id: int, scope):
    return _council_step(
        request,
        scope,
        class_id,
        services.council_override_set,
        _("The council's decision is recorded."),
        student_id=_student_id(request),
        decision=request.POST.get("decision", ""),
        reason=request.POST.get("reason", ""),
    )


@require_POST
@role_required("DIRECTOR")
def council_override_clear(request, class_id: int, scope):
    return _council_step(
        request,
        scope,
        class_id,
        services.council_override_clear,
        _("The council's decision is withdrawn; the proposal applies again."),
        student_id=_student_id(request),
    )


@require_POST
@role_required("DIRECTOR")
def council_validate(request, class_id: int, scope):
    return _council_step(
        request,
        scope,
        class_id,
        services.council_validate,
        _("The council is validated: the decisions are written to the enrollments."),
    )


@require_POST
@role_required("DIRECTOR")
def council_reopen(request, class_id: int, scope):
    return _council_step(
        request,
        scope,
        class_id,
        services.council_reopen,
        _("The council is reopened; its decisions are withdrawn until it is validated again."),
    )


# --- publication ------------------------------------------------------------------------------


@role_required(*READ_ROLES)
def publication_list(request, scope):
    school, year = _school_year(request, scope)
    return render(
        request,
        "assessment/publication_list.html",
        {
            "school": school,
            "year": year,
            "picker": _school_picker(request, scope) if school is None else None,
            "q": request.GET.get("q", ""),
            "levels": selectors.publication_grid(scope, school, year) if school else [],
            "can_publish": school is not None and scope.manages_school(school.pk),
            "ANNUAL": Period.ANNUAL,
        },
    )


def _publication_step(request, scope, service, done: str):
    school, year = selectors.council_school_year_get(
        scope, request.POST.get("school"), request.POST.get("year")
    )
    if school is None:
        raise Http404
    level = get_object_or_404(Level, code=request.POST.get("level", ""))
    try:
        service(
            actor=request.user,
            scope=scope,
            school=school,
            year=year,
            level=level,
            period=request.POST.get("period", ""),
        )
    except services.CouncilError as err:
        messages.error(request, err.message)
    else:
        messages.success(request, done)
    return redirect(f"{reverse('assessment:publication_list')}?school={school.pk}&year={year.code}")


@require_POST
@role_required("DIRECTOR")
def publication_publish(request, scope):
    return _publication_step(
        request,
        scope,
        services.publication_publish,
        _("The results are published: the level's students and guardians can see them."),
    )


@require_POST
@role_required("DIRECTOR")
def publication_withdraw(request, scope):
    return _publication_step(
        request,
        scope,
        services.publication_withdraw,
        _("The results are no longer published."),
    )


# --- exports ----------------------------------------------------------------------------------


@role_required(*exports.EXPORT_ROLES)
def export_page(request, scope):
    years = SchoolYear.objects.order_by("-starts_on")
    return render(
        request,
        "assessment/council_exports.html",
        {
            "years": years,
            "current": current_year(),
            "territorial": scope.is_territorial,
            "own_schools": exports.export_schools(scope) if not scope.is_territorial else None,
        },
    )


@role_required(*exports.EXPORT_ROLES)
def export_download(request, kind: str, scope):
    school_id = request.GET.get("school", "")
    code = request.GET.get("school_code", "").strip().upper()
    if code and not school_id:
        school = exports.export_schools(scope).filter(code=code).first()
        if school is None:
            raise Http404
        school_id = str(school.pk)
    return exports.export_download(
        scope=scope,
        actor=request.user,
        kind=kind,
        year_code=request.GET.get("year", ""),
        school_id=school_id,
    )
