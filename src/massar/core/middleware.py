"""Security middleware: CSP header, session timeouts, and the account gate (forced password
change, mandatory second factor)."""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from massar.core.context import client_address


def request_address(request) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = client_address.set(request_address(request))
        try:
            response = self.get_response(request)
        finally:
            client_address.reset(token)
        response.headers.setdefault("Content-Security-Policy", settings.MASSAR_CSP)
        response.headers.setdefault(
            "Permissions-Policy", "camera=(), microphone=(), geolocation=()"
        )
        return response


LAST_SEEN_EVERY = 60  # seconds


class SessionTimeoutMiddleware:
    """Ends a session idle for longer than MASSAR_SESSION_IDLE_SECONDS; the absolute limit is
    SESSION_COOKIE_AGE, counted from sign-in (the expiry is set once, at sign-in)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = int(time.time())
            last = request.session.get("last_seen", now)
            started = request.session.get("signed_in_at", now)
            idle = now - last > settings.MASSAR_SESSION_IDLE_SECONDS
            too_old = now - started > settings.SESSION_COOKIE_AGE
            if idle or too_old:
                logout(request)
                messages.info(request, _("Your session has ended. Please sign in again."))
                if request.path.startswith("/api/"):
                    return JsonResponse(
                        {"code": "session_expired", "message": _("Your session has ended.")},
                        status=401,
                    )
                return redirect(f"{reverse('core:login')}?next={request.path}")
            # a minute's precision is plenty for a 30-minute idle limit, and sparing the
            # session write on most requests spares a query and a commit (results day)
            if now - last >= LAST_SEEN_EVERY or "last_seen" not in request.session:
                request.session["last_seen"] = now
        return self.get_response(request)


# Pages a user may reach while the gate holds them (password or second factor to set).
GATE_OPEN_PREFIXES = ("/static/", "/i18n/", "/accounts/sign-out/", "/verify/")


class AccountGateMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and not request.path.startswith(GATE_OPEN_PREFIXES):
            target = self._gate(request, user)
            if target and request.path != target:
                if request.path.startswith("/api/"):
                    return JsonResponse(
                        {
                            "code": "account_setup_required",
                            "message": _("Finish setting up your account in the web pages."),
                        },
                        status=403,
                    )
                return redirect(target)
        return self.get_response(request)

    @staticmethod
    def _gate(request, user) -> str | None:
        if user.must_change_password:
            return reverse("core:password_change")
        if request.session.get("totp_setup_required") and not user.totp_enabled:
            return reverse("core:totp_setup")
        return None
