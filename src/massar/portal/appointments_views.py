"""Pages of the appointments part: the lists of both sides, a guardian's request form, one
request with the school's answer forms."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from massar.core.access import role_required
from massar.core.i18n import pick
from massar.core.paging import CappedPaginator
from massar.portal import appointments_selectors as sel
from massar.portal import appointments_services as services
from massar.portal.models import Appointment

PAGE_SIZE = 25
SIDES = ("GUARDIAN", "DIRECTOR", "STAFF", "TEACHER")


def person_name(obj) -> str:
    """A student's or a staff member's name in the page's script."""
    if obj is None:
        return ""
    return f"{pick(obj, 'last_name')} {pick(obj, 'first_name')}".strip()


class RequestForm(forms.Form):
    teacher = forms.TypedChoiceField(label=_("With"), coerce=int, empty_value=0, required=False)
    reason = forms.CharField(
        label=_("Reason for the meeting"), max_length=500, widget=forms.Textarea(attrs={"rows": 3})
    )
    preferred_slots = forms.CharField(
        label=_("Preferred days and times"),
        max_length=300,
        required=False,
        help_text=_("For example: Monday or Thursday after 4 pm."),
    )

    def __init__(self, *args, teachers=(), subjects=None, **kwargs):
        super().__init__(*args, **kwargs)
        subjects = subjects or {}
        choices = [(0, _("The school's director"))]
        for t in teachers:
            codes = ", ".join(subjects.get(t.pk, []))
            choices.append((t.pk, f"{person_name(t)} ({codes})" if codes else person_name(t)))
        self.fields["teacher"].choices = choices


class AcceptForm(forms.Form):
    scheduled_at = forms.DateTimeField(
        label=_("Date and time of the meeting"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )


class DeclineForm(forms.Form):
    reason = forms.CharField(label=_("Reason for declining"), max_length=300)


@role_required(*SIDES)
def appointment_list(request, scope):
    status = request.GET.get("status", "")
    if status not in Appointment.Status.values:
        status = ""
    page = CappedPaginator(sel.appointments_for(scope, status=status), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    for a in page:
        a.student_name, a.teacher_name = person_name(a.student), person_name(a.teacher)
    return render(
        request,
        "portal/appointments_list.html",
        {
            "page": page,
            "status": status,
            "statuses": Appointment.Status.choices,
            "is_guardian": scope.has("GUARDIAN"),
        },
    )


@role_required("GUARDIAN")
def appointment_new(request, scope):
    children = list(sel.guardian_children(scope))
    child = None
    child_id = request.POST.get("child") or request.GET.get("child")
    if child_id:
        child = sel.guardian_child_get(scope, child_id)  # 404 for another family's child
    elif len(children) == 1:
        child = children[0]
    form = None
    if child is not None:
        enrollment = sel.current_enrollment(child.pk)
        form = RequestForm(
            request.POST or None,
            teachers=sel.child_teachers(enrollment),
            subjects=sel.child_teacher_subjects(enrollment),
        )
        if request.method == "POST" and form.is_valid():
            try:
                appointment, created = services.appointment_request(
                    actor=request.user,
                    scope=scope,
                    student_id=child.pk,
                    teacher_id=form.cleaned_data["teacher"] or None,
                    reason=form.cleaned_data["reason"],
                    preferred_slots=form.cleaned_data["preferred_slots"],
                )
            except services.AppointmentError as exc:
                form.add_error(None, exc.message)
            else:
                if created:
                    messages.success(request, _("Your request has been sent to the school."))
                else:
                    messages.info(request, _("This request had already been sent; here it is."))
                return redirect("portal:appointment_detail", appointment.pk)
    for c in children:
        c.display_name = person_name(c)
    return render(
        request,
        "portal/appointments_new.html",
        {"children": children, "child": child, "child_name": person_name(child), "form": form},
    )


@role_required(*SIDES)
def appointment_detail(request, appointment_id: int, scope):
    appointment = sel.appointment_get(scope, appointment_id)
    decide = appointment.status == Appointment.Status.REQUESTED and sel.can_decide(
        scope, appointment
    )
    return render(
        request,
        "portal/appointments_detail.html",
        {
            "a": appointment,
            "student_name": person_name(appointment.student),
            "teacher_name": person_name(appointment.teacher),
            "decide": decide,
            "cancel": appointment.requested_by_id == request.user.pk
            and appointment.status in (Appointment.Status.REQUESTED, Appointment.Status.ACCEPTED),
            "accept_form": AcceptForm() if decide else None,
            "decline_form": DeclineForm() if decide else None,
        },
    )


def _decision(request, appointment_id, scope, form_class, action):
    form = form_class(request.POST)
    if not form.is_valid():
        sel.appointment_get(scope, appointment_id)  # 404 first outside the reach
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("portal:appointment_detail", appointment_id)
    try:
        action(form.cleaned_data)
    except services.AppointmentError as exc:
        if exc.status == 403:
            raise PermissionDenied(exc.message) from None
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Your answer has been sent to the guardian."))
    return redirect("portal:appointment_detail", appointment_id)


@require_POST
@role_required("DIRECTOR", "STAFF", "TEACHER")
def appointment_accept(request, appointment_id: int, scope):
    return _decision(
        request,
        appointment_id,
        scope,
        AcceptForm,
        lambda data: services.appointment_accept(
            actor=request.user,
            scope=scope,
            appointment_id=appointment_id,
            scheduled_at=data["scheduled_at"],
        ),
    )


@require_POST
@role_required("DIRECTOR", "STAFF", "TEACHER")
def appointment_decline(request, appointment_id: int, scope):
    return _decision(
        request,
        appointment_id,
        scope,
        DeclineForm,
        lambda data: services.appointment_decline(
            actor=request.user, scope=scope, appointment_id=appointment_id, reason=data["reason"]
        ),
    )


@require_POST
@role_required("GUARDIAN")
def appointment_cancel(request, appointment_id: int, scope):
    try:
        services.appointment_cancel(actor=request.user, scope=scope, appointment_id=appointment_id)
    except services.AppointmentError as exc:
        if exc.status == 403:
            raise PermissionDenied(exc.message) from None
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Your request has been cancelled."))
    return redirect("portal:appointment_detail", appointment_id)
