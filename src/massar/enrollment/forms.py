from django import forms
from django.utils.translation import gettext_lazy as _

from massar.core.validators import PHONE, arabic, latin
from massar.enrollment.student_import import RELATIONS
from massar.schools.models import Level, Track


class UploadForm(forms.Form):
    file = forms.FileField(label=_("File (CSV UTF-8 or Excel .xlsx)"))

    def clean_file(self):
        f = self.cleaned_data["file"]
        if not f.name.lower().endswith((".csv", ".xlsx")):
            raise forms.ValidationError(_("Send a .csv or .xlsx file."))
        return f


class RegistrationForm(forms.Form):
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
    birth_date = forms.DateField(
        label=_("Date of birth"), widget=forms.DateInput(attrs={"type": "date"})
    )
    birth_place = forms.CharField(label=_("Place of birth"), max_length=100, required=False)
    level = forms.ModelChoiceField(
        label=_("Level"), queryset=Level.objects.all(), to_field_name="code"
    )
    track = forms.ModelChoiceField(
        label=_("Track"), queryset=Track.objects.all(), to_field_name="code", required=False
    )
    guardian_last_name = forms.CharField(
        label=_("Guardian's last name"), max_length=100, validators=[latin]
    )
    guardian_first_name = forms.CharField(
        label=_("Guardian's first name"), max_length=100, validators=[latin]
    )
    guardian_phone = forms.CharField(label=_("Guardian's phone"), max_length=20, required=False)
    guardian_relation = forms.ChoiceField(
        label=_("Relation"),
        choices=[("FATHER", _("Father")), ("MOTHER", _("Mother")), ("TUTOR", _("Legal tutor"))],
    )

    def clean_guardian_phone(self):
        phone = self.cleaned_data["guardian_phone"].replace(" ", "")
        match = PHONE.match(phone) if phone else None
        if phone and not match:
            raise forms.ValidationError(_("Write a Moroccan phone number, e.g. 0612345678."))
        return f"0{match.group(1)}" if match else ""

    def clean(self):
        data = super().clean()
        level, track = data.get("level"), data.get("track")
        if level and level.has_tracks and not track:
            self.add_error("track", _("This level needs a track."))
        if level and track and not level.tracks.filter(pk=track.pk).exists():
            self.add_error("track", _("This track does not belong to the level."))
        if level and not level.has_tracks:
            data["track"] = None
        return data

    def identity(self) -> dict:
        d = self.cleaned_data
        return {
            k: d[k]
            for k in (
                "last_name_fr",
                "first_name_fr",
                "last_name_ar",
                "first_name_ar",
                "sex",
                "birth_date",
                "birth_place",
            )
        }

    def guardian(self) -> dict:
        d = self.cleaned_data
        return {
            "last_name_fr": d["guardian_last_name"],
            "first_name_fr": d["guardian_first_name"],
            "phone": d["guardian_phone"],
            "relation": d["guardian_relation"],
        }


__all__ = ["RegistrationForm", "UploadForm", "RELATIONS"]
