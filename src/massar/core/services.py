"""Account services: sign-in with lockout, passwords, recovery codes, second factor, tokens."""

from __future__ import annotations

import hashlib
import re
import secrets
import string
import unicodedata
from datetime import timedelta

import pyotp
from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone, translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from massar.core.audit import audit_record
from massar.core.models import (
    TOTP_REQUIRED_ROLES,
    ApiToken,
    RecoveryCode,
    Role,
    RoleAssignment,
    SignInFailure,
    User,
)


class AccountError(Exception):
    """A refusal a user can read: `code` is stable for the API, `message` is translated."""

    def __init__(self, code: str, message: str, status: int = 400):
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


# --- identifiers -------------------------------------------------------------------------------


def _ascii_slug(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "", text)


def staff_username(*, first_name: str, last_name: str) -> str:
    """firstname.lastname@taalim.ma, with a number when the name is already taken."""
    base = f"{_ascii_slug(first_name)}.{_ascii_slug(last_name)}"
    domain = settings.MASSAR_LOGIN_DOMAIN
    taken = set(User.objects.filter(username__startswith=base).values_list("username", flat=True))
    candidate, n = f"{base}@{domain}", 1
    while candidate in taken:
        n += 1
        candidate = f"{base}{n}@{domain}"
    return candidate


def student_username(code_massar: str) -> str:
    return f"{code_massar}@{settings.MASSAR_LOGIN_DOMAIN}"


def random_password(length: int = 12) -> str:
    """An initial password: random, never derived from anything about the person."""
    # no look-alikes (l/1/I, O/0): the password is read off a printed sheet
    alphabet = "".join(c for c in string.ascii_letters + string.digits if c not in "lI1O0o")
    while True:
        pwd = "".join(secrets.choice(alphabet) for _ in range(length))
        if any(c.isdigit() for c in pwd) and any(c.isalpha() for c in pwd):
            return pwd


# --- sign-in and lockout -----------------------------------------------------------------------


def _failures_since(**filters) -> int:
    since = timezone.now() - settings.MASSAR_LOCKOUT["window"]
    return SignInFailure.objects.filter(at__gte=since, **filters).count()


def sign_in_check(*, identifier: str, password: str, client_address: str | None) -> User:
    """The user for these credentials, or AccountError. Locks out an identifier after repeated
    failures, and a client address after many failures across identifiers."""
    identifier = identifier.strip()
    lock = settings.MASSAR_LOCKOUT
    minutes = int(lock["window"].total_seconds() // 60)
    if _failures_since(identifier__iexact=identifier) >= lock["account_failures"]:
        raise AccountError(
            "locked",
            _(
                "Too many failed attempts for this account. Try again in %(minutes)d minutes or "
                "ask your school for a new password."
            )
            % {"minutes": minutes},
            status=429,
        )
    if (
        client_address
        and _failures_since(client_address=client_address) >= lock["address_failures"]
    ):
        raise AccountError(
            "locked",
            _("Too many failed attempts from this connection. Try again in %(minutes)d minutes.")
            % {"minutes": minutes},
            status=429,
        )
    user = User.objects.filter(username__iexact=identifier).first()
    if user is None or not user.is_active or not user.check_password(password):
        if user is None:
            User().set_password(password)  # same work as a real check: no timing oracle
        SignInFailure.objects.create(identifier=identifier, client_address=client_address)
        raise AccountError(
            "bad_credentials", _("The identifier or the password is not correct."), status=401
        )
    SignInFailure.objects.filter(identifier__iexact=identifier).delete()
    return user


def totp_required(user: User) -> bool:
    return RoleAssignment.objects.filter(user=user, role__in=TOTP_REQUIRED_ROLES).exists()


def totp_allowed(user: User) -> bool:
    return RoleAssignment.objects.filter(
        user=user, role__in=[r for r in Role.values if r not in {Role.STUDENT, Role.GUARDIAN}]
    ).exists()


# --- passwords ---------------------------------------------------------------------------------


@transaction.atomic
def password_change(*, user: User, old_password: str, new_password: str) -> User:
    if not user.check_password(old_password):
        raise AccountError("bad_password", _("Your current password is not correct."))
    return _password_set(user=user, new_password=new_password, action="password.change")


def _password_set(*, user: User, new_password: str, action: str, actor=None) -> User:
    try:
        password_validation.validate_password(new_password, user)
    except ValidationError as exc:
        raise AccountError("weak_password", " ".join(exc.messages)) from exc
    user.set_password(new_password)
    user.must_change_password = False
    user.save(update_fields=["password", "must_change_password"])
    audit_record(actor=actor or user, action=action, object_type="user", object_id=user.pk)
    return user


@transaction.atomic
def password_issue(*, actor, user: User) -> str:
    """The school desk issues a new initial password (shown once, to be changed at sign-in).
    The caller has checked that `actor` may act for this account."""
    password = random_password()
    user.set_password(password)
    user.must_change_password = True
    user.save(update_fields=["password", "must_change_password"])
    RecoveryCode.objects.filter(user=user, used_at__isnull=True).update(used_at=timezone.now())
    audit_record(actor=actor, action="password.issue", object_type="user", object_id=user.pk)
    return password


# --- recovery by one-time code -----------------------------------------------------------------


def _hash_code(user_id: int, code: str) -> str:
    return hashlib.sha256(f"{user_id}:{code}:{settings.SECRET_KEY}".encode()).hexdigest()


def recovery_contacts(user: User) -> list[tuple[str, str]]:
    """Where a reset code may be sent: the account's recovery e-mail or phone, or for a student
    the guardians' on file. Never shown in full to the requester."""
    contacts: list[tuple[str, str]] = []
    if user.recovery_email:
        contacts.append(("email", user.recovery_email))
    if user.recovery_phone:
        contacts.append(("sms", user.recovery_phone))
    student = getattr(user, "student", None)
    if student is not None and not contacts:
        for link in student.guardian_links.select_related("guardian"):
            if link.guardian.email:
                contacts.append(("email", link.guardian.email))
            if link.guardian.phone:
                contacts.append(("sms", link.guardian.phone))
    return contacts


def recovery_code_send(*, identifier: str) -> None:
    """Send a one-time code to the recovery contacts on file. Says nothing about whether the
    account exists: the page shows the same message either way."""
    user = User.objects.filter(username__iexact=identifier.strip(), is_active=True).first()
    if user is None:
        return
    contacts = recovery_contacts(user)
    if not contacts:
        return
    code = f"{secrets.randbelow(10**8):08d}"
    RecoveryCode.objects.filter(user=user, used_at__isnull=True).update(used_at=timezone.now())
    RecoveryCode.objects.create(
        user=user,
        code_hash=_hash_code(user.pk, code),
        channel=contacts[0][0],
        expires_at=timezone.now() + settings.MASSAR_RESET_CODE_TTL,
    )
    minutes = int(settings.MASSAR_RESET_CODE_TTL.total_seconds() // 60)
    with translation.override(user.language or "fr"):
        text = _(
            "Your Massar password reset code for %(identifier)s is %(code)s. It expires in "
            "%(minutes)d minutes. If you did not ask for it, ignore this message."
        ) % {"identifier": user.username, "code": code, "minutes": minutes}
        subject = _("Massar password reset")
    for channel, address in contacts:
        if channel == "email":
            send_mail(subject, text, None, [address])
        else:
            import_string(settings.MASSAR_SMS_BACKEND)().send(address, text)
    audit_record(actor=None, action="password.recovery_sent", object_type="user", object_id=user.pk)


@transaction.atomic
def recovery_code_redeem(*, identifier: str, code: str, new_password: str) -> User:
    invalid = AccountError(
        "bad_code", _("This code is not valid or has expired. Ask for a new one.")
    )
    user = User.objects.filter(username__iexact=identifier.strip(), is_active=True).first()
    if user is None:
        raise invalid
    if (
        _failures_since(identifier__iexact=user.username)
        >= settings.MASSAR_LOCKOUT["account_failures"]
    ):
        raise AccountError("locked", _("Too many failed attempts. Ask for a new code later."), 429)
    rc = (
        RecoveryCode.objects.select_for_update()
        .filter(user=user, code_hash=_hash_code(user.pk, code.strip()), used_at__isnull=True)
        .first()
    )
    if rc is None or rc.expires_at < timezone.now():
        SignInFailure.objects.create(identifier=user.username, client_address=None)
        raise invalid
    _password_set(user=user, new_password=new_password, action="password.recovered")
    rc.used_at = timezone.now()
    rc.save(update_fields=["used_at"])
    return user


# --- second factor -----------------------------------------------------------------------------


def totp_begin(*, user: User) -> str:
    """A fresh secret for the user to scan; active only once confirmed with a code."""
    user.totp_secret = pyotp.random_base32()
    user.totp_enabled = False
    user.save(update_fields=["totp_secret", "totp_enabled"])
    return user.totp_secret


def totp_uri(user: User) -> str:
    return pyotp.TOTP(user.totp_secret).provisioning_uri(name=user.username, issuer_name="Massar")


def totp_check(*, user: User, code: str) -> bool:
    """True for a current code not used before (a code cannot be replayed)."""
    if not user.totp_secret:
        return False
    totp = pyotp.TOTP(user.totp_secret)
    now = timezone.now()
    for offset in (0, -1, 1):
        at = now + timedelta(seconds=30 * offset)
        counter = totp.timecode(at)
        if counter > user.totp_last_counter and secrets.compare_digest(totp.at(at), code.strip()):
            updated = User.objects.filter(pk=user.pk, totp_last_counter__lt=counter).update(
                totp_last_counter=counter
            )
            user.totp_last_counter = counter
            return bool(updated)
    return False


@transaction.atomic
def totp_confirm(*, user: User, code: str) -> User:
    if not totp_check(user=user, code=code):
        raise AccountError("bad_totp", _("This code is not correct. Check your phone's clock."))
    user.totp_enabled = True
    user.save(update_fields=["totp_enabled"])
    audit_record(actor=user, action="totp.enable", object_type="user", object_id=user.pk)
    return user


@transaction.atomic
def totp_disable(*, user: User) -> User:
    if totp_required(user):
        raise AccountError("totp_required", _("Your role requires a second factor."), 403)
    user.totp_enabled = False
    user.totp_secret = ""
    user.save(update_fields=["totp_enabled", "totp_secret"])
    audit_record(actor=user, action="totp.disable", object_type="user", object_id=user.pk)
    return user


# --- API tokens --------------------------------------------------------------------------------


def token_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def api_token_create(*, user: User, name: str) -> str:
    key = secrets.token_urlsafe(32)
    ApiToken.objects.create(user=user, name=name[:100], key_hash=token_hash(key))
    audit_record(actor=user, action="token.create", object_type="user", object_id=user.pk)
    return key


def api_token_user(key: str) -> User | None:
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=token_hash(key), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return token.user
