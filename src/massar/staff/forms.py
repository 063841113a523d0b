import re

from django import forms
from django.utils.translation import gettext_lazy as _

from massar.core.validators import PHONE, arabic, latin
from massar.schools.models import Subject
from massar.staff.models import StaffMember
from massar.staff.services import PPR


class StaffForm(forms.Form):
    ppr = forms.CharField(
        label=_("Staff number (PPR)"),
        max_length=14,
        help_text=_("6 to 10 digits, as on the payslip."),
    )
    last_name_fr = forms.CharField(label=_("Last name (Latin)"), max_length=100, validators=[latin])
    first_name_fr = forms.CharField(
        label=_("First name (Latin)"), max_length=100, validators=[latin]
    )
    last_name_ar = forms.CharField(
        label=_("Last name (Arabic)"), max_length=100, validators=[arabic]
    )
    first_name_ar = forms.CharField(
        label=_("First name (Arabic)"), max_length=100, validators=[arabic]
    )
    sex = forms.ChoiceField(label=_("Sex"), choices=[("M", _("Male")), ("F", _("Female"))])
    kind = forms.ChoiceField(
        label=_("Position"),
        choices=[
            (StaffMember.Kind.TEACHER, _("Teacher")),
            (StaffMember.Kind.ADMIN, _("Administrative staff")),
        ],
    )
    corps = forms.CharField(label=_("Corps and grade"), max_length=100, required=False)
    contract = forms.ChoiceField(label=_("Contract"), choices=StaffMember.Contract.choices)
    subjects = forms.ModelMultipleChoiceField(
        label=_("Subjects taught"),
        queryset=Subject.objects.order_by("code"),
        to_field_name="code",
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )
    required_weekly_hours = forms.IntegerField(
        label=_("Required weekly hours"), min_value=0, max_value=40, required=False, initial=0
    )
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False)

    def clean_ppr(self):
        ppr = re.sub(r"\s", "", self.cleaned_data["ppr"])
        if not PPR.match(ppr):
            raise forms.ValidationError(_("A staff number (PPR) is 6 to 10 digits."))
        return ppr

    def clean_phone(self):
        phone = self.cleaned_data["phone"].replace(" ", "")
        match = PHONE.match(phone) if phone else None
        if phone and not match:
            raise forms.ValidationError(_("Write a Moroccan phone number, e.g. 0612345678."))
        return f"0{match.group(1)}" if match else ""

    def clean(self):
        data = super().clean()
        if data.get("kind") == StaffMember.Kind.TEACHER and not data.get("subjects"):
            self.add_error("subjects", _("Choose at least one subject this teacher teaches."))
        if data.get("required_weekly_hours") is None:
            data["required_weekly_hours"] = 0
        return data

    def record(self) -> dict:
        """The staff record's fields (the subjects are given apart)."""
        return {k: v for k, v in self.cleaned_data.items() if k != "subjects"}
