"""Reads of the registry, always through the user's scope.

Teachers reach students through their classes, guardians through their links, students only
themselves; the relations named here belong to the enrollment app (below in the app order), read
by lookup path only.
"""

import re
from datetime import datetime

from django.db import connection
from django.db.models import F, Q, QuerySet
from django.db.models.functions import Collate
from django.http import Http404

from massar.core.scopes import Scope
from massar.registry.identity import search_key, search_key_ar
from massar.registry.models import Student
from massar.schools.selectors import current_year

CODE = re.compile(r"^[A-Z]\d{9}$")
ARABIC_TEXT = re.compile(r"[\u0600-\u06ff]")


def _student_scope_q(scope: Scope, year_id: int | None) -> Q:
    if scope.is_anonymous:
        return Q(pk__in=[])
    if scope.nation:
        return Q()
    q = Q(pk__in=[])
    if scope.is_territorial or scope.school_ids:
        q |= Q(pk__in=Student.objects.filter(scope.schools_q("enrollments__school__")).values("pk"))
    if scope.teacher_school_ids:
        q |= Q(
            pk__in=Student.objects.filter(
                enrollments__year_id=year_id,
                enrollments__status="ENROLLED",
                enrollments__school_class__teaching_assignments__teacher__user_id=scope.user_id,
            ).values("pk")
        )
    if "GUARDIAN" in scope.roles:
        q |= Q(
            pk__in=Student.objects.filter(guardian_links__guardian__user_id=scope.user_id).values(
                "pk"
            )
        )
    if "STUDENT" in scope.roles:
        q |= Q(user_id=scope.user_id)
    return q


def student_list(scope: Scope, *, year_id: int | None = None) -> QuerySet[Student]:
    if year_id is None and scope.teacher_school_ids:
        year = current_year()
        year_id = year.pk if year else None
    return Student.objects.filter(_student_scope_q(scope, year_id))


def student_search(scope: Scope, *, text: str = "", year_id: int | None = None):
    """By Code Massar (exact), birth date (YYYY-MM-DD or DD/MM/YYYY), or name prefix in either
    script ("bennani sa" finds Bennani Salma): the prefix runs on the normalised search
    columns and their pattern index."""
    qs = student_list(scope, year_id=year_id)
    text = text.strip()
    if not text:
        return qs
    if CODE.match(text.upper()):
        return qs.filter(code_massar=text.upper())
    birth = parse_birth_date(text)
    if birth is not None:
        return qs.filter(birth_date=birth)
    column, key = (
        ("search_ar", search_key_ar(text))
        if ARABIC_TEXT.search(text)
        else ("search_fr", search_key(text))
    )
    if not key:
        return qs.none()
    sorted_column = _bytewise(column)
    return qs.alias(sort_key=sorted_column).filter(sort_key__startswith=key)


def _bytewise(column: str):
    """The column in byte order on PostgreSQL, as its prefix index is built (migration
    registry 0003), so the filter and the page's order use that one index."""
    if connection.vendor == "postgresql":
        return Collate(column, "C")
    return F(column)


def student_search_ordered(scope: Scope, *, text: str = ""):
    """The search, in the order of the search index of the script typed (Arabic text orders
    by the Arabic name)."""
    column = "search_ar" if ARABIC_TEXT.search(text or "") else "search_fr"
    return (
        student_search(scope, text=text)
        .alias(order_key=_bytewise(column))
        .order_by("order_key", "pk")
    )


def parse_birth_date(text: str):
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text, fmt).date()  # noqa: DTZ007 (a calendar date)
        except ValueError:
            continue
    return None


def student_get(scope: Scope, student_id: int, *, year_id: int | None = None) -> Student:
    """The student if in scope; 404 otherwise, so an id from elsewhere reveals nothing."""
    student = student_list(scope, year_id=year_id).filter(pk=student_id).first()
    if student is None:
        raise Http404
    return student


def student_file(scope: Scope, student_id: int) -> dict:
    """Identity, guardians, schooling and status history of one student in scope (a fixed
    number of queries)."""
    student = student_get(scope, student_id)
    guardians = list(student.guardian_links.select_related("guardian"))
    history = list(
        student.enrollments.select_related(
            "school", "year", "level", "track", "school_class"
        ).order_by("-year__starts_on")
    )
    statuses = list(student.status_history.all()[:20])
    return {
        "student": student,
        "guardian_links": guardians,
        "history": history,
        "statuses": statuses,
    }


def student_account_school_ids(student: Student) -> set[int]:
    """Schools where the student is enrolled now: their administration may act on the account."""
    return set(student.enrollments.filter(status="ENROLLED").values_list("school_id", flat=True))
