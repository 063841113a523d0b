"""The registry-wide duplicate report.

Blocking, not all pairs: students are grouped by birth date and first-name key (one pass on the
Latin key, one on the Arabic key, each an indexed GROUP BY), and only students within a group
are compared. At national scale a birth date holds about a thousand students; a (birth date,
first-name key) block a handful.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from itertools import combinations

from django.db import connection

from massar.registry.identity import LIKELY_DUPLICATE, match_score

FIELDS = [
    "id",
    "code_massar",
    "birth_date",
    "last_name_fr",
    "first_name_fr",
    "last_name_ar",
    "first_name_ar",
    "sex",
]


@dataclass(frozen=True)
class DuplicatePair:
    a: dict
    b: dict
    score: int


def _blocks(key_column: str) -> Iterator[list[dict]]:
    sql = (
        f"SELECT {', '.join('s.' + f for f in FIELDS)}, s.{key_column} FROM registry_student s "
        f"JOIN (SELECT birth_date, {key_column} FROM registry_student WHERE {key_column} <> '' "
        f"GROUP BY birth_date, {key_column} HAVING COUNT(*) > 1) g "
        f"ON g.birth_date = s.birth_date AND g.{key_column} = s.{key_column} "
        f"ORDER BY s.birth_date, s.{key_column}, s.id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql)
        block, current = [], None
        while rows := cursor.fetchmany(5000):
            for row in rows:
                key = (row[2], row[-1])
                if key != current and block:
                    yield block
                    block = []
                current = key
                block.append(dict(zip(FIELDS, row[:-1], strict=True)))
        if block:
            yield block


def find_duplicates(threshold: int = LIKELY_DUPLICATE) -> Iterator[DuplicatePair]:
    seen: set[tuple[int, int]] = set()
    for key_column in ("dup_key_fr", "dup_key_ar"):
        for block in _blocks(key_column):
            for a, b in combinations(block, 2):
                pair = (a["id"], b["id"])
                if pair in seen:
                    continue
                score = match_score(a, b)
                if score >= threshold:
                    seen.add(pair)
                    yield DuplicatePair(a, b, score)
