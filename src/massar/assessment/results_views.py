"""Pages of the results part: the results home (start the computation, pick a class) and one
class's results of a period."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from massar.assessment import results_services as services
from massar.assessment.models.results import Period
from massar.core.access import role_required
from massar.enrollment.models import SchoolClass, TeachingAssignment
from massar.schools.models import School
from massar.schools.selectors import current_year


def _classes(scope, user, year, school: School | None):
    """Classes of the year the user may open: a school's (administration, or the oversight
    once it picked a school), else the classes a teacher teaches."""
    qs = SchoolClass.objects.filter(year=year).select_related("level", "track", "school")
    if school is not None:
        return qs.filter(school=school).order_by("level__order", "name")
    if scope.school_ids:
        return qs.filter(school_id__in=scope.school_ids).order_by(
            "school__code", "level__order", "name"
        )
    if scope.has("TEACHER"):
        taught = TeachingAssignment.objects.filter(teacher__user_id=user.pk).values(
            "school_class_id"
        )
        return qs.filter(pk__in=taught).order_by("school__code", "level__order", "name")
    return qs.none()


@role_required(*services.READ_ROLES)
def results_home(request, scope):
    year = current_year()
    school = None
    code = (request.GET.get("school") or "").strip().upper()
    if code and scope.is_territorial:
        school = School.objects.filter(scope.schools_q(), code=code).first()
        if school is None:
            raise Http404
    launch = scope.has(*services.LAUNCH_ROLES)
    return render(
        request,
        "assessment/results_home.html",
        {
            "year": year,
            "school": school,
            "can_launch": launch,
            "own_schools": list(services.launch_schools(scope)[:50])
            if launch and not scope.is_territorial
            else [],
            "classes": _classes(scope, request.user, year, school) if year else [],
            "territorial": scope.is_territorial,
        },
    )


@require_POST
@role_required(*services.LAUNCH_ROLES)
def results_start(request, scope):
    year = current_year()
    if year is None:
        raise Http404
    code = (request.POST.get("school") or "").strip().upper()
    school = School.objects.filter(code=code).first() if code else None
    if code and school is None:
        raise Http404
    semester = request.POST.get("semester") or None
    try:
        job = services.results_start(
            scope=scope,
            actor=request.user,
            year=year,
            school=school,
            semester=int(semester) if semester in ("1", "2") else None,
        )
    except services.ResultsError as err:
        messages.error(request, err.message)
        return redirect("assessment:results_home")
    return redirect("core:job_detail", job_id=job.pk)


@role_required(*services.READ_ROLES)
def results_class(request, class_id: int, scope):
    school_class = services.class_for_results(scope, request.user, class_id)
    period = request.GET.get("period") or Period.S1
    if period not in Period.values:
        raise Http404
    results = services.class_results(school_class, period)
    if not results.computed:
        messages.info(request, _("The results of this period have not been computed yet."))
    return render(
        request,
        "assessment/results_class.html",
        {
            "results": results,
            "school_class": school_class,
            "periods": Period.choices,
            "period": period,
            "annual": period == Period.ANNUAL,
        },
    )
