"""Reads of the results-day part: whose results the signed-in family may see, and the
student's published results of the current year from the cache (a ResultSnapshot row on a
miss, one query, which repopulates the cache).

A page or API call costs the session, the user, the scope, one query for the family's
students (with the current year), and one more only on a cache miss."""

from __future__ import annotations

import json
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db.models import Q, Subquery
from django.http import Http404

from massar.core.models import Role
from massar.core.scopes import Scope
from massar.portal.models import ResultSnapshot
from massar.registry.models import Student
from massar.schools.models import SchoolYear

FAMILY = (Role.STUDENT, Role.GUARDIAN)
PERIOD_ORDER = {"S1": 1, "S2": 2, "ANNUAL": 3}
# Bumped when the payload's shape changes, so that a deploy never reads an older shape.
PAYLOAD_FORMAT = 1
# Snapshots are written to the cache at publication; the TTL only bounds memory.
CACHE_SECONDS = getattr(settings, "MASSAR_RESULTS_CACHE_SECONDS", 6 * 3600)
# "Nothing published yet" is remembered briefly: a publication overwrites it at once anyway.
NOTHING_SECONDS = 60
NOTHING = (0, "")


def results_cache_key(student_id: int, year_id: int) -> str:
    return f"massar:results:{PAYLOAD_FORMAT}:{int(student_id)}:{int(year_id)}"


@dataclass(frozen=True)
class Child:
    pk: int
    user_id: int | None
    code_massar: str
    last_name_fr: str
    first_name_fr: str
    last_name_ar: str
    first_name_ar: str
    year_id: int | None


def results_family(scope: Scope) -> list[Child]:
    """The students whose results the user may read: themself (a student) or their children
    (a guardian), each with the current year's id. One query."""
    if scope.is_anonymous or not scope.has(*FAMILY):
        return []
    q = Q(pk__in=[])
    if scope.has(Role.STUDENT):
        q |= Q(user_id=scope.user_id)
    if scope.has(Role.GUARDIAN):
        q |= Q(guardian_links__guardian__user_id=scope.user_id)
    current = SchoolYear.objects.filter(is_current=True).values("pk")[:1]
    rows = (
        Student.objects.filter(q)
        .annotate(year_id=Subquery(current))
        .order_by("pk")
        .values_list(
            "pk",
            "user_id",
            "code_massar",
            "last_name_fr",
            "first_name_fr",
            "last_name_ar",
            "first_name_ar",
            "year_id",
        )
        .distinct()
    )
    return [Child(*row) for row in rows]


def results_student(scope: Scope, child_id) -> tuple[Child, list[Child]]:
    """The student asked for (a guardian's `child`; none: the student themself, else the
    first child) and the whole family. Another family's child or a malformed id: 404."""
    family = results_family(scope)
    if not family:
        raise Http404
    if child_id in (None, ""):
        own = [c for c in family if c.user_id == scope.user_id]
        return (own or family)[0], family
    try:
        wanted = int(child_id)
    except (TypeError, ValueError):
        raise Http404 from None
    for child in family:
        if child.pk == wanted:
            return child, family
    raise Http404


def results_cached(student_id: int, year_id: int | None) -> tuple[int, str] | None:
    """(version, payload as JSON text) of the student's published results of the year, or
    None before any publication. Cache first; on a miss one query, then `add` (never `set`):
    a publication that wrote a newer entry meanwhile is never overwritten by an older read."""
    if year_id is None:
        return None
    key = results_cache_key(student_id, year_id)
    hit = cache.get(key)
    if hit is not None:
        return hit if hit[0] else None
    row = (
        ResultSnapshot.objects.filter(student_id=student_id, year_id=year_id)
        .values_list("version", "payload")
        .first()
    )
    if row is None:
        cache.add(key, NOTHING, NOTHING_SECONDS)
        return None
    entry = (row[0], json.dumps(row[1], ensure_ascii=False))
    cache.add(key, entry, CACHE_SECONDS)
    return entry


def results_payload(student_id: int, year_id: int | None) -> dict | None:
    """The published results as a dict (for the page)."""
    entry = results_cached(student_id, year_id)
    return None if entry is None else json.loads(entry[1])
