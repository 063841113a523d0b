from django import forms
from django.utils.translation import gettext_lazy as _

from massar.schools.models import Level, Subject, Track


class CurriculumValuesForm(forms.Form):
    coefficient = forms.DecimalField(
        label=_("Coefficient"), max_digits=4, decimal_places=2, min_value=0
    )
    weekly_hours = forms.DecimalField(
        label=_("Weekly hours"), max_digits=4, decimal_places=1, min_value=0
    )


class CurriculumAddForm(CurriculumValuesForm):
    level = forms.ModelChoiceField(
        label=_("Level"), queryset=Level.objects.all(), to_field_name="code"
    )
    track = forms.ModelChoiceField(
        label=_("Track"), queryset=Track.objects.all(), to_field_name="code", required=False
    )
    subject = forms.ModelChoiceField(
        label=_("Subject"), queryset=Subject.objects.all(), to_field_name="code"
    )


class SchoolYearForm(forms.Form):
    code = forms.RegexField(
        label=_("School year"), regex=r"^\d{4}-\d{4}$", help_text=_("For example 2026-2027")
    )
    starts_on = forms.DateField(
        label=_("Starts on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    s2_starts_on = forms.DateField(
        label=_("Second semester starts on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    ends_on = forms.DateField(label=_("Ends on"), widget=forms.DateInput(attrs={"type": "date"}))
