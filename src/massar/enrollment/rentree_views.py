"""Pages of the rentrée: re-enrollment review and confirmation, a student's enrollment
(decision, leaving), teaching assignments, and the rollover's oversight per school."""

from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from massar.core.access import role_required
from massar.enrollment import assignments, services
from massar.enrollment.models import Decision, Enrollment, LeftReason, SchoolClass
from massar.enrollment.rentree import RentreeError
from massar.enrollment.selectors import desk_schools
from massar.schools.models import School, SchoolYear, Track
from massar.schools.selectors import current_year, school_list
from massar.staff.models import StaffMember

OVERSIGHT = ("MINISTRY", "ACADEMY", "DIRECTORATE")


def _school_for(scope, request) -> School:
    """The director's or staff's school, or for oversight roles a school in their scope."""
    wanted = request.GET.get("school") or request.POST.get("school")
    if scope.school_ids:
        schools = list(desk_schools(scope))
        return next((s for s in schools if str(s.pk) == wanted), schools[0])
    if wanted and wanted.isdigit():
        school = school_list(scope).filter(pk=wanted).first()
        if school is not None:
            return school
    raise Http404


def _target_year(request) -> SchoolYear:
    code = request.GET.get("to") or request.POST.get("to")
    if code:
        return get_object_or_404(SchoolYear, code=code)
    year = (
        SchoolYear.objects.filter(
            is_current=False, is_closed=False, starts_on__gt=current_year().starts_on
        )
        .order_by("starts_on")
        .first()
    )
    return year or current_year()


@role_required("DIRECTOR", "STAFF", *OVERSIGHT)
def rentree(request, scope):
    to_year = _target_year(request)
    if not scope.school_ids:
        return _rentree_oversight(request, scope, to_year)
    school = _school_for(scope, request)
    try:
        report = services.reenrollment_review(scope=scope, school=school, to_year=to_year)
    except RentreeError:  # no earlier year: nothing to re-enroll from
        report = None
    listed = (
        Enrollment.objects.filter(pk__in=(report.leaving_cycle + report.awaiting) if report else [])
        .select_related("student", "level", "track")
        .order_by("level__order", "student__search_fr")
    )
    return render(
        request,
        "enrollment/rentree.html",
        {
            "school": school,
            "to_year": to_year,
            "report": report,
            "listed": listed,
            "years": SchoolYear.objects.all(),
            "can_confirm": scope.manages_school(school.pk),
        },
    )


def _rentree_oversight(request, scope, to_year):
    schools = (
        school_list(scope)
        .annotate(
            next_year=Count(
                "enrollments", filter=Q(enrollments__year=to_year, enrollments__status="ENROLLED")
            ),
            unplaced=Count(
                "enrollments",
                filter=Q(
                    enrollments__year=to_year,
                    enrollments__status="ENROLLED",
                    enrollments__school_class__isnull=True,
                ),
            ),
        )
        .order_by("directorate__code", "code")[:200]
    )
    return render(
        request,
        "enrollment/rentree_oversight.html",
        {"schools": schools, "to_year": to_year, "years": SchoolYear.objects.all()},
    )


@require_POST
@role_required("DIRECTOR")
def rentree_confirm(request, scope):
    school, to_year = _school_for(scope, request), _target_year(request)
    try:
        report = services.reenrollment_confirm(
            actor=request.user, scope=scope, school=school, to_year=to_year
        )
    except (services.EnrollmentError, RentreeError) as err:
        messages.error(request, err.message)
    else:
        messages.success(
            request,
            _("%(n)d students are enrolled in %(year)s and placed in classes for your review.")
            % {"n": report.enrolled, "year": to_year.code},
        )
    return redirect(f"/rentree/?to={to_year.code}")


def _enrollment(scope, enrollment_id) -> Enrollment:
    enrollment = (
        Enrollment.objects.select_related(
            "student", "school", "year", "level", "track", "school_class", "decision_track"
        )
        .filter(pk=enrollment_id, school_id__in=scope.school_ids)
        .first()
    )
    if enrollment is None:
        raise Http404
    return enrollment


@role_required("DIRECTOR", "STAFF")
def enrollment_detail(request, enrollment_id: int, scope):
    enrollment = _enrollment(scope, enrollment_id)
    return render(
        request,
        "enrollment/enrollment_detail.html",
        {
            "enrollment": enrollment,
            "decisions": Decision.choices,
            "reasons": LeftReason.choices,
            "tracks": Track.objects.all(),
            "can_edit": scope.manages_school(enrollment.school_id),
        },
    )


@require_POST
@role_required("DIRECTOR")
def enrollment_decision(request, enrollment_id: int, scope):
    enrollment = _enrollment(scope, enrollment_id)
    track = Track.objects.filter(code=request.POST.get("track", "")).first()
    try:
        average = Decimal(request.POST["average"]) if request.POST.get("average") else None
        if average is not None and not Decimal(0) <= average <= Decimal(20):
            raise InvalidOperation
    except InvalidOperation:
        messages.error(request, _("An average is a mark between 0 and 20."))
        return redirect("enrollment:enrollment_detail", enrollment_id=enrollment.pk)
    try:
        services.enrollment_set_decision(
            actor=request.user,
            scope=scope,
            enrollment=enrollment,
            decision=request.POST.get("decision", ""),
            decision_track=track,
            annual_average=average,
            reason=request.POST.get("reason", ""),
        )
        messages.success(request, _("Decision saved."))
    except services.EnrollmentError as err:
        messages.error(request, err.message)
    return redirect("enrollment:enrollment_detail", enrollment_id=enrollment.pk)


@require_POST
@role_required("DIRECTOR")
def enrollment_end(request, enrollment_id: int, scope):
    enrollment = _enrollment(scope, enrollment_id)
    try:
        services.enrollment_end(
            actor=request.user,
            scope=scope,
            enrollment=enrollment,
            status=request.POST.get("status", ""),
            reason=request.POST.get("reason", ""),
        )
        messages.success(request, _("The enrollment is closed."))
    except services.EnrollmentError as err:
        messages.error(request, err.message)
    return redirect("enrollment:enrollment_detail", enrollment_id=enrollment.pk)


@role_required("DIRECTOR", "STAFF", *OVERSIGHT)
def assignment_page(request, scope):
    school = _school_for(scope, request)
    year = current_year()
    context = assignments.assignment_overview(scope, school, year)
    context["can_edit"] = scope.manages_school(school.pk) and not year.is_closed
    return render(request, "enrollment/assignments.html", context)


@require_POST
@role_required("DIRECTOR")
def assignment_save(request, scope):
    school = _school_for(scope, request)
    school_class = get_object_or_404(
        SchoolClass, pk=request.POST.get("school_class") or 0, school=school
    )
    teacher = get_object_or_404(StaffMember, pk=request.POST.get("teacher") or 0)
    try:
        hours = Decimal(request.POST.get("weekly_hours", ""))
        assignments.teaching_assign(
            actor=request.user,
            scope=scope,
            school_class=school_class,
            subject_id=int(request.POST.get("subject", 0)),
            teacher=teacher,
            weekly_hours=hours,
        )
        messages.success(request, _("Assignment saved."))
    except (InvalidOperation, ValueError):
        messages.error(request, _("Weekly hours are between 0 and 40."))
    except services.EnrollmentError as err:
        messages.error(request, err.message)
    return redirect("enrollment:assignments")


@require_POST
@role_required("DIRECTOR")
def assignment_remove(request, assignment_id: int, scope):
    from massar.enrollment.models import TeachingAssignment

    assignment = TeachingAssignment.objects.filter(
        pk=assignment_id, school_id__in=scope.school_ids
    ).first()
    if assignment is None:
        raise Http404
    if not scope.manages_school(assignment.school_id):
        raise PermissionDenied
    assignments.teaching_unassign(actor=request.user, scope=scope, assignment=assignment)
    messages.success(request, _("Assignment removed."))
    return redirect("enrollment:assignments")
