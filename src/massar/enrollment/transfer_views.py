"""Pages of transfers: the list (both sides of a school, or a territory's read-only view),
a transfer and its steps, the request forms, and the collective mobility form."""

from __future__ import annotations

from datetime import date

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from massar.core.access import role_required
from massar.core.exports import export_response
from massar.core.paging import CappedPaginator
from massar.core.selectors import job_get
from massar.enrollment import transfers
from massar.enrollment.models import Decision, Transfer
from massar.enrollment.selectors import desk_schools
from massar.schools.models import Level, School, SchoolYear, Track
from massar.schools.selectors import current_year

READ_ROLES = transfers.READ_ROLES
DESK_ROLES = transfers.DESK_ROLES
MOBILITY_ROLES = transfers.MOBILITY_ROLES


def _control(**attrs):
    return {"class": "form-control", **attrs}


class TransferRequestForm(forms.Form):
    """A request from either side: `side` is "in" (a student comes to our school: Code
    Massar and date of birth) or "out" (the family asks, through us, to go to another school:
    that school's code)."""

    code_massar = forms.CharField(
        label=gettext_lazy("Code Massar"),
        max_length=10,
        widget=forms.TextInput(_control(autocomplete="off", spellcheck="false")),
    )
    birth_date = forms.DateField(
        label=gettext_lazy("Date of birth"),
        required=False,
        widget=forms.DateInput(_control(type="date")),
    )
    receiving_school = forms.CharField(
        label=gettext_lazy("Code of the receiving school"),
        max_length=6,
        required=False,
        widget=forms.TextInput(_control(autocomplete="off")),
    )
    level = forms.ModelChoiceField(
        label=gettext_lazy("Level (empty: the current one)"),
        queryset=Level.objects.all(),
        to_field_name="code",
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    track = forms.ModelChoiceField(
        label=gettext_lazy("Track"),
        queryset=Track.objects.all(),
        to_field_name="code",
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=300,
        required=False,
        widget=forms.TextInput(_control()),
    )

    def __init__(self, *args, side: str, **kwargs):
        super().__init__(*args, prefix=side, **kwargs)
        self.side = side
        if side == "in":
            del self.fields["receiving_school"]
            self.fields["birth_date"].required = True
        else:
            del self.fields["birth_date"]
            self.fields["receiving_school"].required = True

    def clean_code_massar(self):
        return self.cleaned_data["code_massar"].strip().upper()

    def clean_receiving_school(self):
        code = self.cleaned_data["receiving_school"].strip().upper()
        school = School.objects.filter(code=code).first()
        if school is None:
            raise forms.ValidationError(_("No school has the code %(code)s.") % {"code": code})
        return school


class MobilityForm(forms.Form):
    origin_school = forms.CharField(
        label=gettext_lazy("Code of the origin school"),
        max_length=6,
        widget=forms.TextInput(_control(autocomplete="off")),
    )
    from_level = forms.ModelChoiceField(
        label=gettext_lazy("Level of the students who move"),
        queryset=Level.objects.all(),
        to_field_name="code",
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    from_year = forms.ModelChoiceField(
        label=gettext_lazy("School year of their decisions (empty: the current one)"),
        queryset=SchoolYear.objects.order_by("-starts_on"),
        to_field_name="code",
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    decisions = forms.MultipleChoiceField(
        label=gettext_lazy("Decisions of the students who move"),
        choices=[
            *[(v, label) for v, label in Decision.choices if v not in ("EXCLUDED",)],
            (transfers.NO_DECISION, gettext_lazy("No decision yet")),
        ],
        initial=list(transfers.DEFAULT_DECISIONS),
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )
    receiving_school = forms.CharField(
        label=gettext_lazy("Code of the receiving school"),
        max_length=6,
        widget=forms.TextInput(_control(autocomplete="off")),
    )
    to_level = forms.ModelChoiceField(
        label=gettext_lazy("Level at the receiving school"),
        queryset=Level.objects.all(),
        to_field_name="code",
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    to_track = forms.ModelChoiceField(
        label=gettext_lazy("Track (empty: each student's orientation track)"),
        queryset=Track.objects.all(),
        to_field_name="code",
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    to_year = forms.ModelChoiceField(
        label=gettext_lazy("School year of the new enrollments"),
        queryset=SchoolYear.objects.filter(is_closed=False).order_by("starts_on"),
        to_field_name="code",
        widget=forms.Select(attrs={"class": "form-select"}),
    )

    def _school(self, field: str) -> School:
        code = self.cleaned_data[field].strip().upper()
        school = School.objects.select_related("directorate").filter(code=code).first()
        if school is None:
            raise forms.ValidationError(_("No school has the code %(code)s.") % {"code": code})
        return school

    def clean_origin_school(self):
        return self._school("origin_school")

    def clean_receiving_school(self):
        return self._school("receiving_school")


def _parse_date(value: str) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _list_filters(request) -> dict:
    batch = request.GET.get("batch", "")
    return {
        "status": request.GET.get("status", ""),
        "kind": request.GET.get("kind", ""),
        "direction": request.GET.get("direction", ""),
        "since": _parse_date(request.GET.get("since", "")),
        "until": _parse_date(request.GET.get("until", "")),
        "text": request.GET.get("q", ""),
        "batch_id": int(batch) if batch.isdigit() else None,
    }


def _mobility_report(request, scope, batch_id: int | None) -> dict | None:
    """The report of a collective move, for those who may follow its job."""
    if batch_id is None:
        return None
    try:
        job = job_get(scope, request.user, batch_id)
    except Http404:
        return None
    if job.kind != transfers.MOBILITY_KIND:
        return None
    skipped = [
        {"code": s["code"], "reason": transfers.SKIP_REASONS.get(s["reason"], s["reason"])}
        for s in job.result.get("skipped_students", [])
    ]
    return {"job": job, "skipped": skipped}


@role_required(*READ_ROLES)
def transfer_list(request, scope):
    filters = _list_filters(request)
    page = CappedPaginator(transfers.transfer_list(scope, **filters), 50).get_page(
        request.GET.get("page")
    )
    rows = [(t, transfers.transfer_side(scope, t)) for t in page]
    return render(
        request,
        "enrollment/transfers/list.html",
        {
            "page": page,
            "rows": rows,
            "filters": request.GET,
            "statuses": Transfer.Status.choices,
            "kinds": Transfer.Kind.choices,
            "can_request": scope.has(*DESK_ROLES),
            "can_move": scope.has(*MOBILITY_ROLES),
            "report": _mobility_report(request, scope, filters["batch_id"]),
        },
    )


TRANSFER_COLUMNS = [
    "code_massar",
    "last_name_fr",
    "first_name_fr",
    "last_name_ar",
    "first_name_ar",
    "requested_at",
    "kind",
    "origin_school",
    "receiving_school",
    "origin_directorate",
    "receiving_directorate",
    "level",
    "track",
    "status",
]


@role_required(*READ_ROLES)
def transfer_export(request, fmt: str, scope):
    """The transfer list the user sees (same filters): code, names, date, type, origin and
    receiving schools, directorates, status; as CSV or XLSX."""
    qs = transfers.transfer_list(scope, **_list_filters(request))
    rows = (
        [
            t.student.code_massar,
            t.student.last_name_fr,
            t.student.first_name_fr,
            t.student.last_name_ar,
            t.student.first_name_ar,
            t.requested_at.date().isoformat(),
            t.kind,
            t.origin_school.code,
            t.receiving_school.code,
            t.origin_school.directorate.code,
            t.receiving_school.directorate.code,
            t.level.code,
            t.track.code if t.track else "",
            t.status,
        ]
        for t in qs.iterator(chunk_size=2000)
    )
    return export_response(fmt, TRANSFER_COLUMNS, rows, "transfers")


@role_required(*READ_ROLES)
def transfer_detail(request, transfer_id: int, scope):
    transfer = transfers.transfer_get(scope, transfer_id)
    side = transfers.transfer_side(scope, transfer)
    return render(
        request,
        "enrollment/transfers/detail.html",
        {
            "transfer": transfer,
            "side": side,
            "show_file": transfers.transfer_file_visible(scope, transfer),
            "actions": transfers.transfer_actions(scope, transfer),
            "history": transfers.transfer_history(transfer),
        },
    )


def _desk_school(scope, request) -> tuple[School, list[School]]:
    schools = list(desk_schools(scope))
    if not schools:
        raise PermissionDenied
    wanted = request.POST.get("school") or request.GET.get("school")
    return next((s for s in schools if str(s.pk) == wanted), schools[0]), schools


@role_required(*DESK_ROLES)
def transfer_new(request, scope):
    school, schools = _desk_school(scope, request)
    side = "out" if request.POST.get("side") == "out" else "in"
    posted = request.POST if request.method == "POST" else None
    incoming = TransferRequestForm(posted if side == "in" else None, side="in")
    outgoing = TransferRequestForm(posted if side == "out" else None, side="out")
    form = incoming if side == "in" else outgoing
    context = {"school": school, "schools": schools, "incoming": incoming, "outgoing": outgoing}
    if posted is None or not form.is_valid():
        return render(request, "enrollment/transfers/new.html", context)
    data = form.cleaned_data
    try:
        transfer = transfers.transfer_request(
            actor=request.user,
            scope=scope,
            code_massar=data["code_massar"],
            receiving_school=data.get("receiving_school") or school,
            birth_date=data.get("birth_date"),
            level=data["level"],
            track=data["track"],
            reason=data["reason"],
        )
    except transfers.TransferError as err:
        form.add_error(None, err.message)
        return render(request, "enrollment/transfers/new.html", context)
    messages.success(
        request,
        _("Transfer of %(code)s requested: the origin school's director must now release it.")
        % {"code": transfer.student.code_massar},
    )
    return redirect("transfer:transfer_detail", transfer_id=transfer.pk)


def _step(request, scope, transfer_id: int, service, done: str, **kwargs):
    transfer = transfers.transfer_get(scope, transfer_id)
    try:
        service(actor=request.user, scope=scope, transfer=transfer, **kwargs)
    except transfers.TransferError as err:
        messages.error(request, err.message)
    else:
        messages.success(request, done)
    return redirect("transfer:transfer_detail", transfer_id=transfer.pk)


@require_POST
@role_required("DIRECTOR")
def transfer_release(request, transfer_id: int, scope):
    return _step(
        request,
        scope,
        transfer_id,
        transfers.transfer_release,
        _("The student is released; the receiving school can now accept."),
    )


@require_POST
@role_required("DIRECTOR")
def transfer_accept(request, transfer_id: int, scope):
    return _step(
        request,
        scope,
        transfer_id,
        transfers.transfer_accept,
        _("The student is now enrolled in your school; place them in a class."),
    )


@require_POST
@role_required("DIRECTOR")
def transfer_refuse(request, transfer_id: int, scope):
    return _step(
        request,
        scope,
        transfer_id,
        transfers.transfer_refuse,
        _("The transfer is refused."),
        reason=request.POST.get("reason", ""),
    )


@require_POST
@role_required(*DESK_ROLES)
def transfer_cancel(request, transfer_id: int, scope):
    return _step(
        request,
        scope,
        transfer_id,
        transfers.transfer_cancel,
        _("The request is cancelled."),
        reason=request.POST.get("reason", ""),
    )


def _next_year() -> SchoolYear | None:
    year = current_year()
    if year is None:
        return None
    return (
        SchoolYear.objects.filter(starts_on__gt=year.starts_on, is_closed=False)
        .order_by("starts_on")
        .first()
    )


@role_required(*MOBILITY_ROLES)
def mobility(request, scope):
    initial = {}
    managed = [s for s in desk_schools(scope) if scope.manages_school(s.pk)]
    if len(managed) == 1:
        initial["origin_school"] = managed[0].code
    next_year = _next_year()
    target = next_year or current_year()
    if target is not None:
        initial["to_year"] = target.code
    form = MobilityForm(request.POST or None, initial=initial)
    context = {"form": form, "next_year": next_year}
    if request.method != "POST" or not form.is_valid():
        return render(request, "enrollment/transfers/mobility.html", context)
    data = form.cleaned_data
    try:
        job = transfers.mobility_start(
            actor=request.user,
            scope=scope,
            origin_school=data["origin_school"],
            from_level=data["from_level"],
            receiving_school=data["receiving_school"],
            to_level=data["to_level"],
            to_track=data["to_track"],
            to_year=data["to_year"],
            from_year=data["from_year"],
            decisions=data["decisions"],
        )
    except PermissionDenied:
        form.add_error("origin_school", _("This school is not one you may move students from."))
        return render(request, "enrollment/transfers/mobility.html", context)
    except transfers.TransferError as err:
        form.add_error(None, err.message)
        return render(request, "enrollment/transfers/mobility.html", context)
    return redirect("core:job_detail", job_id=job.pk)
