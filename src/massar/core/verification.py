"""Verifiable documents: a school issues a document (report card, school certificate) with an
unguessable code; anyone holding the paper checks it on the public page /verify/<code>/, which
shows only the key facts stored with the code.

Generic over the kind of document: the issuing feature passes `kind`, a `subject_key` naming
what the document is about (one student's report card of one period, one certificate…) and the
`facts` the page may show. Issuing again for the same subject reuses the code while the facts
are unchanged and revokes the old code when they changed (a recomputed average must never
leave a valid code that shows the old one).
"""

from __future__ import annotations

import re
import secrets

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from massar.core.audit import audit_record
from massar.core.models import VerifiableDocument

# Crockford's base32 (no I, L, O, U): read aloud or typed from paper without confusion.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 16  # 80 random bits: guessing a valid code is hopeless even without the limit
_TYPO = str.maketrans({"I": "1", "L": "1", "O": "0", "U": "V"})

# Labels of the facts the verification page may show, in display order; a feature that issues
# documents with other facts adds its labels with `fact_labels_register`.
FACT_LABELS: dict[str, object] = {
    "student": _("Student"),
    "code_massar": _("Code Massar"),
    "school": _("School"),
    "year": _("School year"),
    "period": _("Period"),
    "level": _("Level"),
    "average": _("General average"),
    "decision": _("Decision"),
}


# Facts stored as codes (a period, a decision) and shown by their translated label.
FACT_VALUES: dict[str, dict[str, object]] = {}


def fact_labels_register(
    labels: dict[str, object] | None = None, values: dict[str, dict[str, object]] | None = None
) -> None:
    FACT_LABELS.update(labels or {})
    for key, choices in (values or {}).items():
        FACT_VALUES.setdefault(key, {}).update(choices)


def code_format(code: str) -> str:
    """The code as printed: groups of four (XXXX-XXXX-XXXX-XXXX)."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def code_normalize(text: str) -> str:
    """A typed code in stored form: capitals, no separators, common misreadings fixed."""
    return re.sub(r"[^0-9A-Z]", "", (text or "").upper()).translate(_TYPO)[:40]


def _new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


@transaction.atomic
def document_issue(
    *,
    kind: str,
    subject_key: str,
    facts: dict,
    school_id: int | None,
    student_id: int | None = None,
    actor=None,
) -> VerifiableDocument:
    """The valid document for `subject_key` carrying exactly `facts`: the current one when its
    facts (and kind) are the same, else a new one, after revoking those it supersedes."""
    current = list(
        VerifiableDocument.objects.select_for_update()
        .filter(subject_key=subject_key, revoked_at__isnull=True)
        .order_by("-pk")
    )
    for document in current:
        if document.kind == kind and document.facts == facts:
            return document
    now = timezone.now()
    for document in current:
        document.revoked_at = now
        document.save(update_fields=["revoked_at"])
        audit_record(
            actor=actor,
            action="document.revoke",
            object_type="VerifiableDocument",
            object_id=document.pk,
            before={"code": document.code, "facts": document.facts},
            school_id=document.school_id,
        )
    document = VerifiableDocument.objects.create(
        code=_new_code(),
        kind=kind,
        school_id=school_id,
        student_id=student_id,
        subject_key=subject_key,
        facts=facts,
    )
    audit_record(
        actor=actor,
        action="document.issue",
        object_type="VerifiableDocument",
        object_id=document.pk,
        after={"kind": kind, "subject": subject_key},
        school_id=school_id,
    )
    return document


@transaction.atomic
def document_revoke(*, subject_key: str, actor=None) -> int:
    """Revoke every valid document about `subject_key` (e.g. its result was deleted)."""
    now = timezone.now()
    ids = list(
        VerifiableDocument.objects.filter(
            subject_key=subject_key, revoked_at__isnull=True
        ).values_list("pk", flat=True)
    )
    VerifiableDocument.objects.filter(pk__in=ids).update(revoked_at=now)
    for pk in ids:
        audit_record(
            actor=actor, action="document.revoke", object_type="VerifiableDocument", object_id=pk
        )
    return len(ids)


def document_verify(code: str) -> VerifiableDocument | None:
    """The document with this code (valid or revoked), or None. Public: takes no scope, and
    callers show nothing but `facts` (and whether the document was revoked)."""
    normalized = code_normalize(code)
    if len(normalized) != CODE_LENGTH:
        return None
    return VerifiableDocument.objects.filter(code=normalized).first()


def document_facts(document: VerifiableDocument, language: str) -> list[tuple[object, str]]:
    """(label, value) pairs of a document's facts in display order. A value stored in both
    languages ({"ar": …, "fr": …}) shows the one of `language`."""
    rows = []
    facts = document.facts or {}
    ordered = [k for k in FACT_LABELS if k in facts] + [k for k in facts if k not in FACT_LABELS]
    for key in ordered:
        value = facts[key]
        if isinstance(value, dict):
            value = value.get(language[:2]) or value.get("fr") or value.get("ar") or ""
        elif key in FACT_VALUES:
            value = FACT_VALUES[key].get(value, value)
        if value in (None, ""):
            continue
        rows.append((FACT_LABELS.get(key, key), str(value)))
    return rows


# --- rate limit of the public page ---------------------------------------------------------
# Counted per client address in the cache (shared by every server through Redis in
# production), like the sign-in lockout: MASSAR_LOCKOUT's window, and at most
# MASSAR_VERIFY_ATTEMPTS look-ups of unknown codes per window.


def _limit() -> tuple[int, int]:
    attempts = getattr(settings, "MASSAR_VERIFY_ATTEMPTS", 20)
    window = int(settings.MASSAR_LOCKOUT["window"].total_seconds())
    return attempts, window


def _key(client_address: str | None) -> str:
    return f"massar:verify:{client_address or 'unknown'}"


def verify_allowed(client_address: str | None) -> bool:
    attempts, _window = _limit()
    return (cache.get(_key(client_address)) or 0) < attempts


def verify_failure_record(client_address: str | None) -> None:
    _attempts, window = _limit()
    key = _key(client_address)
    if cache.add(key, 1, timeout=window):
        return
    try:
        cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=window)


def verify_window_minutes() -> int:
    return _limit()[1] // 60
