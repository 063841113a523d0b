"""Writes of the spaces: a user's recovery contacts, the guardians' activation codes (printed
by the director, redeemed by the guardian).

Activation, decided here: a guardian's code links the Guardian record the school holds
(registry.Guardian, one per guardian and school as the school typed it) to an account.
- A signed-in user enters the code: if they hold no Guardian record yet, the school's record
  becomes theirs; if they already hold one (children in another school), the code's children
  are linked to their record as well, so one account sees every child in every school.
- Someone without an account enters the code and chooses a password: a guardian account is
  created (identifier firstname.lastname.parent@taalim.ma, as the demo's guardian) and shown
  once, then linked as above.
A code is single use, expires (MASSAR_ACTIVATION_TTL, 30 days by default), is stored only as
a keyed hash, and a redeemed code makes the guardian's other outstanding codes of that school
unusable. Wrong codes are counted per client address and per account in the cache and refused
for a while after too many (like the public verification page)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from massar.core.audit import audit_record
from massar.core.models import Role, RoleAssignment, User
from massar.core.scopes import Scope
from massar.core.services import staff_username
from massar.core.validators import PHONE
from massar.enrollment.models import SchoolClass
from massar.portal.models import GuardianActivation
from massar.registry.models import Guardian, GuardianLink

# No 0/O, 1/I/L: a code is read off paper and typed on a phone.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 10


class SpaceError(Exception):
    def __init__(self, code: str, message: str, status: int = 400):
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


# --- recovery contacts ------------------------------------------------------------------------


def recovery_contacts_update(*, user: User, email: str, phone: str) -> User:
    """The user's personal e-mail and phone for account recovery (core's reset codes are sent
    there). Blank clears one; a phone must be a Moroccan number (06…, 07…, 05… or +212…)."""
    email, phone = (email or "").strip(), (phone or "").replace(" ", "").strip()
    if email:
        try:
            validate_email(email)
        except DjangoValidationError:
            raise SpaceError("invalid_email", _("Enter a valid e-mail address.")) from None
    if phone and not PHONE.match(phone):
        raise SpaceError(
            "invalid_phone",
            _("Enter a Moroccan phone number, for example 0612345678 or +212612345678."),
        )
    before = {"recovery_email": user.recovery_email, "recovery_phone": user.recovery_phone}
    with transaction.atomic():
        user.recovery_email, user.recovery_phone = email, phone
        user.save(update_fields=["recovery_email", "recovery_phone"])
        audit_record(
            actor=user,
            action="user.recovery_contacts",
            object_type="user",
            object_id=user.pk,
            # contacts are personal data: the log says what changed, not the values
            before={k: bool(v) for k, v in before.items()},
            after={"recovery_email": bool(email), "recovery_phone": bool(phone)},
        )
    return user


# --- activation codes -------------------------------------------------------------------------


def _normalise(code: str) -> str:
    return "".join(c for c in (code or "").upper() if c.isalnum())


def activation_code_hash(code: str) -> str:
    key = settings.SECRET_KEY.encode()
    return hmac.new(
        key, f"guardian-activation:{_normalise(code)}".encode(), hashlib.sha256
    ).hexdigest()


def _new_code() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def _ttl() -> timedelta:
    return getattr(settings, "MASSAR_ACTIVATION_TTL", timedelta(days=30))


@dataclass
class IssuedCode:
    guardian: Guardian
    children: list
    code: str
    expires_at: object


def activation_codes_issue(
    *, actor: User, scope: Scope, school_class: SchoolClass, guardians: list
) -> list[IssuedCode]:
    """One new code per guardian of the class (`guardians`: (Guardian, children) pairs from
    activation_guardians), for the director of the class's school only. The codes exist in
    clear only in the returned list (printed once); the database keeps their hashes."""
    if not scope.manages_school(school_class.school_id):
        raise PermissionDenied
    expires = timezone.now() + _ttl()
    issued, rows = [], []
    for guardian, children in guardians:
        code = _new_code()
        issued.append(IssuedCode(guardian, children, code, expires))
        rows.append(
            GuardianActivation(
                guardian=guardian,
                school_id=school_class.school_id,
                code_hash=activation_code_hash(code),
                created_by=actor,
                expires_at=expires,
            )
        )
    with transaction.atomic():
        GuardianActivation.objects.bulk_create(rows, batch_size=500)
        audit_record(
            actor=actor,
            action="guardian.activation_codes",
            object_type="school_class",
            object_id=school_class.pk,
            school_id=school_class.school_id,
            after={"codes": len(rows)},
        )
    return issued


# rate limit of wrong codes, per client address and per account
def _attempts() -> tuple[int, int]:
    attempts = getattr(settings, "MASSAR_ACTIVATION_ATTEMPTS", 10)
    return attempts, int(settings.MASSAR_LOCKOUT["window"].total_seconds())


def _keys(user: User | None, client_address: str | None) -> list[str]:
    keys = [f"massar:activation:ip:{client_address or 'unknown'}"]
    if user is not None:
        keys.append(f"massar:activation:user:{user.pk}")
    return keys


def _limited(user, client_address) -> bool:
    attempts, _window = _attempts()
    return any((cache.get(k) or 0) >= attempts for k in _keys(user, client_address))


def _fail(user, client_address) -> None:
    _attempts_max, window = _attempts()
    for key in _keys(user, client_address):
        if not cache.add(key, 1, timeout=window):
            try:
                cache.incr(key)
            except ValueError:
                cache.add(key, 1, timeout=window)


def _refuse(user, client_address, code: str, message: str):
    _fail(user, client_address)
    raise SpaceError(code, message)


@dataclass
class Activation:
    user: User
    guardian: Guardian
    linked: int  # children newly linked to the account
    created: bool  # a new account was created (its identifier is user.username)


def guardian_activate(
    *,
    code: str,
    user: User | None,
    client_address: str | None,
    new_password: str = "",
) -> Activation:
    """Redeem an activation code: for the signed-in `user`, or, when `user` is None, for a new
    guardian account with `new_password`. Wrong, expired or used codes are refused with a
    message saying which; too many wrong codes lock the address (and account) for a while."""
    if _limited(user, client_address):
        minutes = _attempts()[1] // 60
        raise SpaceError(
            "too_many",
            _("Too many wrong codes. Try again in %(minutes)s minutes.") % {"minutes": minutes},
            429,
        )
    if len(_normalise(code)) != CODE_LENGTH:
        _refuse(user, client_address, "wrong_code", _("This activation code is not valid."))
    if user is None:
        try:
            validate_password(new_password)
        except DjangoValidationError as err:
            raise SpaceError("weak_password", " ".join(err.messages)) from None
    with transaction.atomic():
        activation = (
            # the guardian row is locked too: two codes of one guardian never link twice
            GuardianActivation.objects.select_for_update(of=("self", "guardian"))
            .select_related("guardian")
            .filter(code_hash=activation_code_hash(code))
            .first()
        )
        now = timezone.now()
        if activation is None:
            _refuse(user, client_address, "wrong_code", _("This activation code is not valid."))
        if activation.used_at is not None:
            _refuse(
                user,
                client_address,
                "used_code",
                _("This activation code was already used. Ask the school for a new one."),
            )
        if activation.expires_at <= now:
            _refuse(
                user,
                client_address,
                "expired_code",
                _("This activation code has expired. Ask the school for a new one."),
            )
        guardian = activation.guardian
        if guardian.user_id is not None and (user is None or guardian.user_id != user.pk):
            raise SpaceError(
                "taken",
                _(
                    "This guardian is already linked to another account. "
                    "Ask the school to check the guardian's record."
                ),
                409,
            )
        created = False
        if user is None:
            user = User(
                username=staff_username(
                    first_name=guardian.first_name_fr, last_name=guardian.last_name_fr
                ).replace("@", ".parent@"),
                first_name=guardian.first_name_fr,
                last_name=guardian.last_name_fr,
                first_name_ar=guardian.first_name_ar,
                last_name_ar=guardian.last_name_ar,
                email=guardian.email,
                recovery_email=guardian.email,
                recovery_phone=guardian.phone if PHONE.match(guardian.phone or "") else "",
            )
            user.set_password(new_password)
            user.save()
            created = True
        if not RoleAssignment.objects.filter(user=user, role=Role.GUARDIAN).exists():
            RoleAssignment.objects.create(user=user, role=Role.GUARDIAN)
        own = Guardian.objects.filter(user=user).first()
        linked = 0
        if own is None:
            guardian.user = user
            guardian.save(update_fields=["user"])
            own = guardian
            linked = GuardianLink.objects.filter(guardian=guardian).count()
        elif own.pk != guardian.pk:
            # the code's children at its school join the account's own guardian record
            children = GuardianLink.objects.filter(
                guardian=guardian,
                student__enrollments__school_id=activation.school_id,
            ).distinct()
            have = set(
                GuardianLink.objects.filter(guardian=own).values_list("student_id", flat=True)
            )
            new = [
                GuardianLink(student_id=link.student_id, guardian=own, relation=link.relation)
                for link in children
                if link.student_id not in have
            ]
            GuardianLink.objects.bulk_create(new)
            linked = len(new)
        activation.used_at, activation.used_by = now, user
        activation.save(update_fields=["used_at", "used_by"])
        GuardianActivation.objects.filter(
            guardian=guardian, school_id=activation.school_id, used_at__isnull=True
        ).update(expires_at=now)
        audit_record(
            actor=user,
            action="guardian.activate",
            object_type="guardian",
            object_id=guardian.pk,
            school_id=activation.school_id,
            after={"user": user.pk, "linked": linked, "account_created": created},
        )
    return Activation(user=user, guardian=own, linked=linked, created=created)
