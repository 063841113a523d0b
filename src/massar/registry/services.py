"""Writes to the registry."""

from django.core.exceptions import PermissionDenied
from django.db import transaction

from massar.core.scopes import Scope
from massar.core.services import AccountError, password_issue
from massar.registry.models import Student
from massar.registry.selectors import student_account_school_ids


@transaction.atomic
def student_password_issue(*, scope: Scope, actor, student: Student) -> str:
    """The school desk gives a student a new initial password (forgotten password without a
    recovery contact). Only the administration of the student's current school may."""
    if not (student_account_school_ids(student) & scope.school_ids):
        raise PermissionDenied
    if student.user is None:
        raise AccountError("no_account", "This student has no account yet.")
    return password_issue(actor=actor, user=student.user)


def code_massar_letter(academy_code: str) -> str:
    """Our allocation scheme: the letter names the academy of first registration (A for 01 …
    L for 12); the nine digits come from that letter's sequence. Codes are never reused."""
    return "ABCDEFGHIJKL"[int(academy_code) - 1]


@transaction.atomic
def code_massar_allocate(*, letter: str, count: int = 1) -> list[str]:
    """Reserve `count` new codes under a row lock on the letter's sequence, so concurrent
    registrations (and bulk imports) never receive the same code."""
    from massar.registry.models import CodeMassarSequence

    CodeMassarSequence.objects.get_or_create(letter=letter)
    seq = CodeMassarSequence.objects.select_for_update().get(letter=letter)
    first = seq.next_number
    if first + count > 999_999_999:
        raise RuntimeError(f"Code Massar sequence {letter} is exhausted")
    seq.next_number = first + count
    seq.save(update_fields=["next_number"])
    return [f"{letter}{n:09d}" for n in range(first, first + count)]
