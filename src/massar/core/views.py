"""Accounts (sign-in, second factor, passwords), home pages and job pages."""

import time

import segno
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from massar.core import services
from massar.core.forms import (
    CodeForm,
    PasswordChangeForm,
    RecoveryRedeemForm,
    RecoveryRequestForm,
    SignInForm,
)
from massar.core.home import home_context
from massar.core.middleware import request_address
from massar.core.models import User
from massar.core.scopes import scope_for
from massar.core.selectors import job_get

PENDING_KEY = "pending_sign_in"
PENDING_SECONDS = 300


def _safe_next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return reverse("core:home")


def _complete_sign_in(request, user: User, *, second_factor: bool):
    login(request, user)  # new session key
    now = int(time.time())
    request.session["signed_in_at"] = now
    request.session["last_seen"] = now
    request.session["totp_setup_required"] = services.totp_required(user) and not user.totp_enabled
    request.session["second_factor"] = second_factor


@require_http_methods(["GET", "POST"])
def sign_in(request):
    form = SignInForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.sign_in_check(
                identifier=form.cleaned_data["identifier"],
                password=form.cleaned_data["password"],
                client_address=request_address(request),
            )
        except services.AccountError as err:
            form.add_error(None, err.message)
        else:
            if user.totp_enabled:
                request.session.cycle_key()
                request.session[PENDING_KEY] = {
                    "user": user.pk,
                    "at": int(time.time()),
                    "next": _safe_next(request),
                }
                return redirect("core:sign_in_code")
            _complete_sign_in(request, user, second_factor=False)
            return redirect(_safe_next(request))
    return render(request, "core/sign_in.html", {"form": form, "next": _safe_next(request)})


@require_http_methods(["GET", "POST"])
def sign_in_code(request):
    pending = request.session.get(PENDING_KEY)
    if not pending or time.time() - pending["at"] > PENDING_SECONDS:
        request.session.pop(PENDING_KEY, None)
        messages.error(request, _("Sign in again: the code was not entered in time."))
        return redirect("core:login")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = User.objects.get(pk=pending["user"])
        if services.totp_check(user=user, code=form.cleaned_data["code"]):
            request.session.pop(PENDING_KEY, None)
            _complete_sign_in(request, user, second_factor=True)
            return redirect(pending["next"])
        services.SignInFailure.objects.create(
            identifier=user.username, client_address=request_address(request)
        )
        form.add_error("code", _("This code is not correct. Check your phone's clock."))
    return render(request, "core/sign_in_code.html", {"form": form})


@require_POST
def sign_out(request):
    logout(request)  # flushes the session on the server
    messages.success(request, _("You are signed out."))
    return redirect("core:login")


@login_required
def home(request):
    scope = scope_for(request.user)
    return render(request, "core/home.html", home_context(request.user, scope))


@login_required
@require_http_methods(["GET", "POST"])
def password_change(request):
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.password_change(
                user=request.user,
                old_password=form.cleaned_data["old_password"],
                new_password=form.cleaned_data["new_password"],
            )
        except services.AccountError as err:
            form.add_error(None, err.message)
        else:
            # a new session: the old one (maybe stolen with the old password) is gone
            _complete_sign_in(
                request, request.user, second_factor=request.session.get("second_factor", False)
            )
            messages.success(request, _("Your password has been changed."))
            return redirect("core:home")
    return render(
        request,
        "core/password_change.html",
        {
            "form": form,
            "forced": request.user.must_change_password,
        },
    )


@require_http_methods(["GET", "POST"])
def password_forgotten(request):
    form = RecoveryRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.recovery_code_send(identifier=form.cleaned_data["identifier"])
        messages.info(
            request,
            _(
                "If this account has a recovery e-mail or phone on file, a code has been sent "
                "to it. Otherwise, ask your school's office for a new password."
            ),
        )
        return redirect(
            f"{reverse('core:password_reset')}?"
            + urlencode({"identifier": form.cleaned_data["identifier"]})
        )
    return render(request, "core/password_forgotten.html", {"form": form})


@require_http_methods(["GET", "POST"])
def password_reset(request):
    form = RecoveryRedeemForm(
        request.POST or None, initial={"identifier": request.GET.get("identifier", "")}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.recovery_code_redeem(
                identifier=form.cleaned_data["identifier"],
                code=form.cleaned_data["code"],
                new_password=form.cleaned_data["new_password"],
            )
        except services.AccountError as err:
            form.add_error(None, err.message)
        else:
            messages.success(request, _("Your password has been changed. You can sign in."))
            return redirect("core:login")
    return render(request, "core/password_reset.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def totp_setup(request):
    user = request.user
    if not services.totp_allowed(user):
        raise Http404
    if request.method == "POST" and "disable" in request.POST:
        try:
            services.totp_disable(user=user)
        except services.AccountError as err:
            messages.error(request, err.message)
        else:
            messages.success(request, _("Two-step sign-in is off."))
        return redirect("core:totp_setup")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.totp_confirm(user=user, code=form.cleaned_data["code"])
        except services.AccountError as err:
            form.add_error("code", err.message)
        else:
            request.session["totp_setup_required"] = False
            request.session["second_factor"] = True
            messages.success(request, _("Two-step sign-in is on."))
            return redirect("core:home")
    if not user.totp_enabled and (request.method == "GET" or not user.totp_secret):
        services.totp_begin(user=user)
    qr = None
    if not user.totp_enabled:
        qr = segno.make(services.totp_uri(user), error="m").svg_data_uri(scale=4)
    return render(
        request,
        "core/totp_setup.html",
        {
            "form": form,
            "qr": qr,
            "secret": user.totp_secret,
            "required": services.totp_required(user),
        },
    )


@login_required
def job_detail(request, job_id: int):
    job = job_get(scope_for(request.user), request.user, job_id)
    template = (
        "core/_job_progress.html" if request.headers.get("HX-Request") else "core/job_detail.html"
    )
    return render(request, template, {"job": job})
