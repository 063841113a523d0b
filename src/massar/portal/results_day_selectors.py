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
from django.db import connection

from massar.core.models import Role
from massar.core.scopes import Scope
from massar.portal.models import ResultSnapshot
from massar.portal.spaces_selectors import family_member
from massar.registry.models import Guardian, GuardianLink, Student
from massar.schools.models import SchoolYear

FAMILY = (Role.STUDENT, Role.GUARDIAN)
PERIOD_ORDER = {"S1": 1, "S2": 2, "ANNUAL": 3}
# Bumped when the payload's shape changes, so that a deploy never reads an older shape.
PAYLOAD_FORMAT = 2  # 2: each subject's product and each period's quotient
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


def _family_sql(student: bool, guardian: bool) -> str:
    """The family's students with the current year's id, ordered by pk: the user's own
    student record and/or the children linked to the user as a guardian. Index: the unique
    registry_student.user_id, registry_guardian.user_id, the guardian link's guardian index."""
    t = connection.ops.quote_name
    where = []
    if student:
        where.append("s.user_id = %(user)s")
    if guardian:
        where.append(
            f"s.id IN (SELECT l.student_id FROM {t(GuardianLink._meta.db_table)} l "
            f"JOIN {t(Guardian._meta.db_table)} g ON g.id = l.guardian_id "
            f"WHERE g.user_id = %(user)s)"
        )
    return (
        "SELECT s.id, s.user_id, s.code_massar, s.last_name_fr, s.first_name_fr, "
        "s.last_name_ar, s.first_name_ar, "
        f"(SELECT y.id FROM {t(SchoolYear._meta.db_table)} y WHERE y.is_current "
        "ORDER BY y.id LIMIT 1) "
        f"FROM {t(Student._meta.db_table)} s WHERE {' OR '.join(where)} ORDER BY s.id"
    )


def results_family(scope: Scope) -> list[Child]:
    """The students whose results the user may read: themself (a student) or their children
    (a guardian), each with the current year's id. One query, its text built without the ORM:
    results day runs it on every request, and compiling the queryset cost more than running it
    (profile of the results API, bench/README.md)."""
    if scope.is_anonymous or not scope.has(*FAMILY):
        return []
    statement = _family_sql(scope.has(Role.STUDENT), scope.has(Role.GUARDIAN))
    with connection.cursor() as cursor:
        cursor.execute(statement, {"user": scope.user_id})
        return [Child(*row) for row in cursor.fetchall()]


def results_student(scope: Scope, child_id) -> tuple[Child, list[Child]]:
    """The student asked for (a guardian's `child`; none: the student themself, else the
    first child) and the whole family. Another family's child or a malformed id: 404."""
    family = results_family(scope)
    return family_member(family, scope.user_id, child_id), family


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
