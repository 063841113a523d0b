"""Exports of lists the user may see, as CSV or XLSX, streamed (a national list does not sit
in memory)."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import OuterRef, Subquery

from massar.core.scopes import Scope
from massar.enrollment.models import Enrollment
from massar.registry.selectors import student_list
from massar.schools.selectors import current_year

STUDENT_COLUMNS = [
    "code_massar",
    "school_code",
    "level",
    "track",
    "last_name_fr",
    "first_name_fr",
    "last_name_ar",
    "first_name_ar",
    "sex",
    "birth_date",
]


def student_export_rows(
    scope: Scope | None, *, school_code: str | None = None, students=None
) -> Iterator[list]:
    """One row per student in scope with their enrollment of the current year (school, level
    and track empty when not enrolled this year). One query, read in chunks."""
    year = current_year()
    current = Enrollment.objects.filter(student=OuterRef("pk"), year=year, status="ENROLLED")
    qs = (
        students
        if students is not None
        else (student_list(scope) if scope is not None else student_list_all())
    )
    qs = qs.annotate(
        school_code=Subquery(current.values("school__code")[:1]),
        level_code=Subquery(current.values("level__code")[:1]),
        track_code=Subquery(current.values("track__code")[:1]),
    )
    if school_code:
        qs = qs.filter(school_code=school_code)
    for row in (
        qs.order_by("code_massar")
        .values_list(
            "code_massar",
            "school_code",
            "level_code",
            "track_code",
            "last_name_fr",
            "first_name_fr",
            "last_name_ar",
            "first_name_ar",
            "sex",
            "birth_date",
        )
        .iterator(chunk_size=5000)
    ):
        yield [*row[:3], row[3] or "", *row[4:9], row[9].isoformat()]


def student_list_all():
    from massar.registry.models import Student

    return Student.objects.all()
