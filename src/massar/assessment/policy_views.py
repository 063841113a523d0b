"""Pages of the grading policy: every level (and track) of a school year with the policy in
force — the ministry's stored row or the shipped defaults, marked as such — and the
ministry's edit form. Territories and school administrations may read; only the ministry
edits."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from massar.assessment.models import GradingPolicy
from massar.assessment.policy import EDITABLE, policies_for_year, policy_for, policy_save
from massar.core.access import role_required
from massar.schools.models import Level, SchoolYear, Track
from massar.schools.selectors import current_year

READ_ROLES = ("MINISTRY", "ACADEMY", "DIRECTORATE", "DIRECTOR", "STAFF")
WEIGHTS = [
    "semester1_weight",
    "semester2_weight",
    "continuous_weight",
    "local_weight",
    "provincial_weight",
    "regional_weight",
    "national_weight",
    "free_regional_weight",
    "free_national_weight",
]
THRESHOLDS = ["promotion_threshold", "pass_mark", "rattrapage_floor"]


class PolicyForm(forms.ModelForm):
    class Meta:
        model = GradingPolicy
        fields = EDITABLE

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            css = "form-check-input" if isinstance(field, forms.BooleanField) else "form-control"
            field.widget.attrs["class"] = css

    def clean_tests_per_semester(self):
        value = self.cleaned_data["tests_per_semester"]
        if not 1 <= value <= 4:
            raise ValidationError(_("A semester has from 1 to 4 tests."))
        return value

    def clean(self):
        data = super().clean()
        for name in WEIGHTS:
            value = data.get(name)
            if value is not None and not Decimal(0) <= value <= Decimal(1):
                self.add_error(name, _("A weight is between 0 and 1."))
        for name in THRESHOLDS:
            value = data.get(name)
            if value is not None and not Decimal(0) <= value <= Decimal(20):
                self.add_error(name, _("A mark is between 0 and 20."))
        floor, pass_mark = data.get("rattrapage_floor"), data.get("pass_mark")
        if floor is not None and pass_mark is not None and floor > pass_mark:
            self.add_error(
                "rattrapage_floor", _("The rattrapage floor cannot be above the pass mark.")
            )
        return data


def policy_rows(year: SchoolYear) -> list[dict]:
    """Every level, and each track of the levels that have tracks, with the policy in force
    and where it comes from (3 queries)."""
    stored = policies_for_year(year)
    rows = []
    for level in Level.objects.prefetch_related("tracks").order_by("order"):
        for track in [None, *(level.tracks.all() if level.has_tracks else [])]:
            policy = policy_for(year=year, level=level, track=track, stored=stored)
            if policy.pk is None:
                origin = "default"
            elif policy.track_id == (track.pk if track else None):
                origin = "stored"
            else:
                origin = "level"
            rows.append({"level": level, "track": track, "policy": policy, "origin": origin})
    return rows


def _year(request) -> SchoolYear:
    code = request.GET.get("year") or request.POST.get("year")
    if code:
        return get_object_or_404(SchoolYear, code=code)
    year = current_year()
    if year is None:
        raise PermissionDenied
    return year


@role_required(*READ_ROLES)
def policy_list(request, scope):
    year = _year(request)
    return render(
        request,
        "assessment/policy_list.html",
        {
            "year": year,
            "years": SchoolYear.objects.order_by("-starts_on"),
            "rows": policy_rows(year),
            "can_edit": scope.nation,
        },
    )


ORIGIN_LABELS = {
    "default": gettext_lazy("Default"),
    "stored": gettext_lazy("Set by the ministry"),
    "level": gettext_lazy("The level's policy"),
}


@role_required("MINISTRY")
def policy_edit(request, level_code: str, scope):
    year = _year(request)
    level = get_object_or_404(Level, code=level_code)
    track = None
    if request.GET.get("track") or request.POST.get("track"):
        track = get_object_or_404(
            Track, code=request.GET.get("track") or request.POST.get("track"), levels=level
        )
    current = policy_for(year=year, level=level, track=track)
    if request.method == "POST":
        form = PolicyForm(request.POST)
        if form.is_valid():
            policy_save(
                year=year,
                level=level,
                track=track,
                values={k: form.cleaned_data[k] for k in EDITABLE},
                actor=request.user,
            )
            messages.success(
                request,
                _("The policy of %(level)s for %(year)s is saved.")
                % {"level": level.code + (f" {track.code}" if track else ""), "year": year.code},
            )
            return redirect(f"{reverse('assessment:policy_list')}?year={year.code}")
    else:
        form = PolicyForm(initial={k: getattr(current, k) for k in EDITABLE})
    return render(
        request,
        "assessment/policy_edit.html",
        {"year": year, "level": level, "track": track, "form": form, "stored": current.pk},
    )
