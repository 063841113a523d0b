"""Writes of the schools app: the curriculum (edited by the ministry, versioned by school year)
and school years."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from massar.core.audit import audit_record
from massar.core.scopes import Scope
from massar.schools.models import (
    CurriculumEntry,
    Level,
    SchoolYear,
    Semester,
    Subject,
    Track,
)


class SchoolsError(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def _ministry(scope: Scope) -> None:
    if not scope.nation:
        raise PermissionDenied


def _open_year(year: SchoolYear) -> None:
    if year.is_closed:
        raise SchoolsError(
            "year_closed", _("School year %(year)s is closed to edits.") % {"year": year.code}
        )


def _check_values(coefficient: Decimal, weekly_hours: Decimal) -> None:
    if not Decimal("0") < coefficient <= Decimal("20"):
        raise SchoolsError("coefficient", _("A coefficient is between 0 and 20."))
    if not Decimal("0") <= weekly_hours <= Decimal("40"):
        raise SchoolsError("weekly_hours", _("Weekly hours are between 0 and 40."))


@transaction.atomic
def curriculum_entry_update(
    *, scope: Scope, actor, entry: CurriculumEntry, coefficient: Decimal, weekly_hours: Decimal
) -> CurriculumEntry:
    _ministry(scope)
    _open_year(entry.year)
    _check_values(coefficient, weekly_hours)
    before = {"coefficient": str(entry.coefficient), "weekly_hours": str(entry.weekly_hours)}
    entry.coefficient, entry.weekly_hours = coefficient, weekly_hours
    entry.save(update_fields=["coefficient", "weekly_hours"])
    audit_record(
        actor=actor,
        action="curriculum.update",
        object_type="curriculum_entry",
        object_id=entry.pk,
        before=before,
        after={"coefficient": str(coefficient), "weekly_hours": str(weekly_hours)},
    )
    return entry


@transaction.atomic
def curriculum_entry_add(
    *,
    scope: Scope,
    actor,
    year: SchoolYear,
    level: Level,
    track: Track | None,
    subject: Subject,
    coefficient: Decimal,
    weekly_hours: Decimal,
) -> CurriculumEntry:
    _ministry(scope)
    _open_year(year)
    _check_values(coefficient, weekly_hours)
    if level.has_tracks != (track is not None):
        raise SchoolsError(
            "track",
            _("Level %(level)s needs a track.") % {"level": level.code}
            if level.has_tracks
            else _("Level %(level)s has no track.") % {"level": level.code},
        )
    if CurriculumEntry.objects.filter(
        year=year, level=level, track=track, subject=subject
    ).exists():
        raise SchoolsError("exists", _("This subject is already in the curriculum of this level."))
    entry = CurriculumEntry.objects.create(
        year=year,
        level=level,
        track=track,
        subject=subject,
        coefficient=coefficient,
        weekly_hours=weekly_hours,
    )
    audit_record(
        actor=actor,
        action="curriculum.add",
        object_type="curriculum_entry",
        object_id=entry.pk,
        after={
            "level": level.code,
            "subject": subject.code,
            "track": track.code if track else None,
        },
    )
    return entry


@transaction.atomic
def curriculum_entry_remove(*, scope: Scope, actor, entry: CurriculumEntry) -> None:
    _ministry(scope)
    _open_year(entry.year)
    audit_record(
        actor=actor,
        action="curriculum.remove",
        object_type="curriculum_entry",
        object_id=entry.pk,
        before={"level": entry.level.code, "subject": entry.subject.code},
    )
    entry.delete()


@transaction.atomic
def school_year_open(
    *, scope: Scope, actor, code: str, starts_on: date, ends_on: date, s2_starts_on: date
) -> SchoolYear:
    """A new school year with its two semesters; its curriculum starts as a copy of the
    latest year's (one INSERT … SELECT), which the ministry then edits."""
    _ministry(scope)
    if not (starts_on < s2_starts_on < ends_on):
        raise SchoolsError("dates", _("The second semester must start inside the year."))
    expected = f"{starts_on.year}-{starts_on.year + 1}"
    if code != expected:
        raise SchoolsError(
            "code",
            _("A year starting in %(start)d is called %(code)s.")
            % {"start": starts_on.year, "code": expected},
        )
    if SchoolYear.objects.filter(code=code).exists():
        raise SchoolsError("exists", _("School year %(year)s already exists.") % {"year": code})
    previous = SchoolYear.objects.order_by("-starts_on").first()
    year = SchoolYear.objects.create(code=code, starts_on=starts_on, ends_on=ends_on)
    Semester.objects.create(
        year=year,
        number=1,
        starts_on=starts_on,
        ends_on=s2_starts_on.fromordinal(s2_starts_on.toordinal() - 1),
    )
    Semester.objects.create(year=year, number=2, starts_on=s2_starts_on, ends_on=ends_on)
    if previous is not None:
        CurriculumEntry.objects.bulk_create(
            [
                CurriculumEntry(
                    year=year,
                    level_id=e.level_id,
                    track_id=e.track_id,
                    subject_id=e.subject_id,
                    coefficient=e.coefficient,
                    weekly_hours=e.weekly_hours,
                )
                for e in CurriculumEntry.objects.filter(year=previous)
            ],
            batch_size=1000,
        )
    audit_record(
        actor=actor,
        action="school_year.open",
        object_type="school_year",
        object_id=year.pk,
        after={"code": code, "curriculum_from": previous.code if previous else None},
    )
    return year
