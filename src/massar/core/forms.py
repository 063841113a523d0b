from django import forms
from django.utils.translation import gettext_lazy as _


class SignInForm(forms.Form):
    identifier = forms.CharField(
        label=_("Identifier"),
        max_length=150,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "username",
                "autofocus": True,
                "placeholder": _("name@taalim.ma"),
            }
        ),
    )
    password = forms.CharField(
        label=_("Password"), widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Six-digit code"),
        max_length=6,
        min_length=6,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(label=_("Current password"), widget=forms.PasswordInput)
    new_password = forms.CharField(
        label=_("New password"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    new_password_again = forms.CharField(label=_("New password again"), widget=forms.PasswordInput)

    def clean(self):
        data = super().clean()
        if data.get("new_password") != data.get("new_password_again"):
            raise forms.ValidationError(_("The two new passwords are not the same."))
        return data


class RecoveryRequestForm(forms.Form):
    identifier = forms.CharField(label=_("Identifier"), max_length=150)


class RecoveryRedeemForm(forms.Form):
    identifier = forms.CharField(label=_("Identifier"), max_length=150)
    code = forms.CharField(label=_("Code received"), max_length=8)
    new_password = forms.CharField(label=_("New password"), widget=forms.PasswordInput)
    new_password_again = forms.CharField(label=_("New password again"), widget=forms.PasswordInput)

    def clean(self):
        data = super().clean()
        if data.get("new_password") != data.get("new_password_again"):
            raise forms.ValidationError(_("The two new passwords are not the same."))
        return data
