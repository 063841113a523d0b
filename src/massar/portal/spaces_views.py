"""Pages of the student, guardian and teacher spaces, and the director's activation codes."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from massar.assessment.calendar_selectors import upcoming_tests
from massar.core.access import role_required
from massar.core.middleware import request_address
from massar.portal import spaces_selectors as sel
from massar.portal.spaces_services import (
    SpaceError,
    activation_codes_issue,
    guardian_activate,
    recovery_contacts_update,
)
from massar.schools.selectors import current_year
from massar.staff.views import credentials_pdf

FAMILY = ("STUDENT", "GUARDIAN")


def _space(request, scope):
    student, children = sel.space_student(scope, request.GET.get("child"))
    return {
        "student": student,
        "children": children,
        "is_guardian": student.user_id != request.user.pk,
        "child_query": f"?child={student.pk}" if len(children) > 1 else "",
    }


@role_required(*FAMILY)
def space_home(request, scope):
    """The student's (or the chosen child's) home: personal data as the school holds it,
    schooling history, upcoming tests, the user's latest notifications, recovery contacts."""
    ctx = _space(request, scope)
    ctx.update(
        history=sel.space_history(scope, ctx["student"]),
        tests=list(upcoming_tests(scope, ctx["student"])[:8]),
        notifications=sel.space_notifications(scope),
    )
    return render(request, "portal/space_home.html", ctx)


@require_POST
@role_required(*FAMILY)
def space_recovery(request, scope):
    try:
        recovery_contacts_update(
            user=request.user,
            email=request.POST.get("recovery_email", ""),
            phone=request.POST.get("recovery_phone", ""),
        )
        messages.success(request, _("Your recovery contacts were saved."))
    except SpaceError as err:
        messages.error(request, err.message)
    return redirect("portal:space_home")


@role_required("TEACHER")
def teacher_space(request, scope):
    year = current_year()
    assignments = list(sel.teacher_assignments(scope, year))
    return render(
        request,
        "portal/space_teacher.html",
        {"year": year, "assignments": assignments},
    )


@require_http_methods(["GET", "POST"])
def guardian_activation(request):
    """Enter a code from the school: signed in, it links the code's children to the account;
    without an account, it creates a guardian account with the chosen password."""
    user = request.user if request.user.is_authenticated else None
    if request.method == "POST":
        password = request.POST.get("password", "")
        if user is None and password != request.POST.get("password_again", ""):
            messages.error(request, _("The two passwords are not the same."))
            return redirect("portal:guardian_activation")
        try:
            done = guardian_activate(
                code=request.POST.get("code", ""),
                user=user,
                client_address=request_address(request),
                new_password=password,
            )
        except SpaceError as err:
            messages.error(request, err.message)
            return render(request, "portal/space_activation.html", {}, status=err.status)
        if done.created:
            login(request, done.user)
            request.session["signed_in_at"] = request.session.get("last_seen")
            return render(request, "portal/space_activation_done.html", {"done": done})
        messages.success(
            request,
            ngettext(
                "The code was accepted: %(count)s child newly linked to your account.",
                "The code was accepted: %(count)s children newly linked to your account.",
                done.linked,
            )
            % {"count": done.linked},
        )
        return redirect("portal:space_home")
    return render(request, "portal/space_activation.html", {})


@role_required("DIRECTOR")
def activation_classes(request, scope):
    from massar.staff.selectors import director_school

    school = director_school(scope, request.GET.get("school"))
    year = current_year()
    return render(
        request,
        "portal/space_activation_classes.html",
        {"school": school, "classes": list(sel.activation_classes(scope, school.pk, year))},
    )


@require_http_methods(["GET", "POST"])
@role_required("DIRECTOR")
def activation_class(request, class_id: int, scope):
    school_class = sel.activation_class_get(scope, class_id)
    guardians = sel.activation_guardians(school_class)
    if request.method == "POST":
        issued = activation_codes_issue(
            actor=request.user, scope=scope, school_class=school_class, guardians=guardians
        )
        return credentials_pdf(
            request,
            template="portal/space_activation_sheet.html",
            context={
                "school_class": school_class,
                "school": school_class.school,
                "issued": issued,
                "activation_url": request.build_absolute_uri(reverse("portal:guardian_activation")),
            },
            filename=f"massar-guardians-{school_class.school.code}-{school_class.name}.pdf",
        )
    return render(
        request,
        "portal/space_activation_class.html",
        {
            "school_class": school_class,
            "guardians": guardians,
            "back": reverse("portal:activation_classes"),
        },
    )
