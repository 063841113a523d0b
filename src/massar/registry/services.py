"""Writes to the registry: identities (Code Massar), guardians, desk passwords."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.utils.translation import gettext as _

from massar.core.audit import audit_record
from massar.core.scopes import Scope
from massar.core.services import AccountError, password_issue
from massar.registry.identity import (
    LIKELY_DUPLICATE,
    arabic_key,
    latin_key,
    latin_skeleton,
    match_score,
    search_key,
    search_key_ar,
)
from massar.registry.models import (
    CodeMassarSequence,
    Guardian,
    GuardianLink,
    Student,
    StudentStatusChange,
)
from massar.registry.selectors import student_account_school_ids

IDENTITY_FIELDS = ("last_name_fr", "first_name_fr", "last_name_ar", "first_name_ar", "sex")


class RegistryError(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


# --- Code Massar ----------------------------------------------------------------------------


def code_massar_letter(academy_code: str) -> str:
    """Our allocation scheme: the letter names the academy of first registration (A for 01 …
    L for 12); the nine digits come from that letter's sequence. Codes are never reused."""
    return "ABCDEFGHIJKL"[int(academy_code) - 1]


@transaction.atomic
def code_massar_allocate(*, letter: str, count: int = 1) -> list[str]:
    """Reserve `count` new codes under a row lock on the letter's sequence, so concurrent
    registrations (and bulk imports) never receive the same code."""
    block = CodeMassarBlock()
    codes = block.codes(letter=letter, count=count)
    block.save()
    return codes


class CodeMassarBlock:
    """Codes numbered in Python, for a bulk import: a letter's sequence row is locked at its
    first use and stays locked until the caller's transaction ends, so nobody else allocates
    under that letter meanwhile; `save` writes each letter's counter once, before the end."""

    def __init__(self):
        if not transaction.get_connection().in_atomic_block:
            raise RuntimeError("CodeMassarBlock needs a transaction: it holds row locks")
        self._next: dict[str, int] = {}

    def holds(self, letter: str) -> bool:
        return letter in self._next

    def codes(self, *, letter: str, count: int) -> list[str]:
        if letter not in self._next:
            CodeMassarSequence.objects.get_or_create(letter=letter)
            self._next[letter] = (
                CodeMassarSequence.objects.select_for_update()
                .values_list("next_number", flat=True)
                .get(letter=letter)
            )
        first = self._next[letter]
        if first + count > 999_999_999:
            raise RuntimeError(f"Code Massar sequence {letter} is exhausted")
        self._next[letter] = first + count
        return [f"{letter}{n:09d}" for n in range(first, first + count)]

    def save(self) -> None:
        for letter, number in self._next.items():
            CodeMassarSequence.objects.filter(letter=letter).update(next_number=number)


# --- identity keys --------------------------------------------------------------------------


def identity_keys(data: dict) -> dict:
    """The derived columns stored with the names (search and duplicate blocking)."""
    return {
        "search_fr": f"{search_key(data['last_name_fr'])} {search_key(data['first_name_fr'])}"[
            :201
        ],
        "search_ar": f"{search_key_ar(data['last_name_ar'])} "
        f"{search_key_ar(data['first_name_ar'])}"[:201],
        "dup_key_fr": latin_skeleton(data["first_name_fr"])[:60],
        "dup_key_ar": arabic_key(data["first_name_ar"])[:60],
    }


# --- duplicates -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    student: Student
    score: int


def student_duplicate_candidates(data: dict, *, limit: int = 5) -> list[Candidate]:
    """Students already in the registry born the same day whose names are close, best first.
    Scores every student of that birth date (a few hundred at national scale, on the
    birth_date index), so spelling variants of the first name are still found."""
    same_day = Student.objects.filter(birth_date=data["birth_date"]).only(
        "id", "code_massar", "birth_date", *IDENTITY_FIELDS
    )
    scored = [
        Candidate(s, match_score(data, {f: getattr(s, f) for f in IDENTITY_FIELDS}))
        for s in same_day
    ]
    scored = [c for c in scored if c.score >= LIKELY_DUPLICATE]
    return sorted(scored, key=lambda c: -c.score)[:limit]


def _lock_birth_date(birth_date: date) -> None:
    """Serialises registrations of children born the same day (PostgreSQL advisory lock held
    to the end of the transaction; SQLite serialises writers already), so two offices
    registering one child at once end with one record."""
    if connection.vendor == "postgresql":
        key = int(hashlib.sha1(f"birth:{birth_date}".encode()).hexdigest()[:15], 16)  # noqa: S324
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])


# --- registration ---------------------------------------------------------------------------


@transaction.atomic
def student_register(
    *,
    actor,
    data: dict,
    academy_code: str,
    guardians: list[dict] | None = None,
    confirmed_new: bool = False,
    seen_candidates: list[int] | None = None,
) -> Student:
    """Issue a new Code Massar for a child not yet in the registry.

    Refused while likely duplicates exist that the caller has not reviewed: `confirmed_new`
    with `seen_candidates` (the ids shown to the director) records that a person looked and
    decided this is a different child; a candidate that appeared since (a registration racing
    this one) is refused again.
    """
    _lock_birth_date(data["birth_date"])
    candidates = student_duplicate_candidates(data)
    unseen = [c for c in candidates if c.student.pk not in set(seen_candidates or [])]
    if unseen or (candidates and not confirmed_new):
        raise RegistryError(
            "likely_duplicate",
            _(
                "A student with the same birth date and a close name is already in the "
                "registry (%(code)s). Link to that record or confirm a new identity."
            )
            % {"code": (unseen or candidates)[0].student.code_massar},
        )
    letter = code_massar_letter(academy_code)
    (code,) = code_massar_allocate(letter=letter, count=1)
    student = Student.objects.create(code_massar=code, **data, **identity_keys(data))
    StudentStatusChange.objects.create(student=student, status="REGISTERED")
    for g in guardians or []:
        guardian_link(actor=actor, student=student, data=g)
    audit_record(
        actor=actor,
        action="student.register",
        object_type="student",
        object_id=student.pk,
        after={
            "code_massar": code,
            "candidates": [c.student.pk for c in candidates],
            "confirmed_new": bool(candidates),
        },
    )
    return student


def student_link_existing(*, actor, student: Student, data: dict, score: int) -> Student:
    """The director decided the child being registered is this existing student: the choice is
    audited, with what was typed, and no new code is issued."""
    audit_record(
        actor=actor,
        action="student.identity_linked",
        object_type="student",
        object_id=student.pk,
        after={"typed": _jsonable(data), "score": score},
    )
    return student


def _jsonable(data: dict) -> dict:
    return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in data.items()}


@transaction.atomic
def student_update_identity(*, actor, student: Student, data: dict) -> Student:
    before = {f: getattr(student, f) for f in data}
    for field, value in {**data, **identity_keys({**_identity(student), **data})}.items():
        setattr(student, field, value)
    student.save(update_fields=[*data, "search_fr", "search_ar", "dup_key_fr", "dup_key_ar"])
    audit_record(
        actor=actor,
        action="student.update",
        object_type="student",
        object_id=student.pk,
        before=_jsonable(before),
        after=_jsonable(data),
    )
    return student


def _identity(student: Student) -> dict:
    return {
        f: getattr(student, f)
        for f in ("last_name_fr", "first_name_fr", "last_name_ar", "first_name_ar")
    }


# --- guardians ------------------------------------------------------------------------------


def guardian_find_or_create(*, data: dict) -> Guardian:
    """The same parent registering a second child is one guardian: matched on phone and name
    keys, so a father with children in two schools sees both."""
    phone = (data.get("phone") or "").strip()
    if phone:
        for g in Guardian.objects.filter(phone=phone):
            if latin_key(g.last_name_fr) == latin_key(data["last_name_fr"]) and latin_key(
                g.first_name_fr
            ) == latin_key(data["first_name_fr"]):
                return g
    fields = (
        "last_name_fr",
        "first_name_fr",
        "last_name_ar",
        "first_name_ar",
        "phone",
        "phone_operator",
        "email",
        "national_id",
    )
    return Guardian.objects.create(**{f: data.get(f, "") or "" for f in fields})


def guardian_link(*, actor, student: Student, data: dict) -> GuardianLink:
    guardian = guardian_find_or_create(data=data)
    link, _created = GuardianLink.objects.get_or_create(
        student=student, guardian=guardian, defaults={"relation": data["relation"]}
    )
    audit_record(
        actor=actor,
        action="guardian.link",
        object_type="student",
        object_id=student.pk,
        after={"guardian": guardian.pk, "relation": data["relation"]},
    )
    return link


# --- accounts -------------------------------------------------------------------------------


@transaction.atomic
def student_password_issue(*, scope: Scope, actor, student: Student) -> str:
    """The school desk gives a student a new initial password (forgotten password without a
    recovery contact). Only the administration of the student's current school may."""
    if not (student_account_school_ids(student) & scope.school_ids):
        raise PermissionDenied
    if student.user is None:
        raise AccountError("no_account", _("This student has no account yet."))
    return password_issue(actor=actor, user=student.user)


def student_file_read(*, actor, student: Student) -> None:
    """Reads of a student's full record are logged (who read whose file, when, from where),
    except a student's or guardian's own reads."""
    if getattr(student, "user_id", None) == getattr(actor, "pk", None):
        return
    audit_record(
        actor=actor, action="student.file_read", object_type="student", object_id=student.pk
    )
