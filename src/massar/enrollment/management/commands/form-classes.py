"""`massar form-classes --year 2025-2026 --school CODE --level L [--track T]`: the automatic
class distribution of the students of a level not yet in a class (the operators' contract:
keep these names). Prints each class's balance, then writes; exits 1 without writing when the
classes lack room, 2 on a bad argument."""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from massar.core.context import change_source
from massar.enrollment.class_formation import (
    SIBLING_VALUES,
    FormationError,
    FormationOptions,
    Plan,
    form_classes,
    load_formation,
    no_room_message,
    plan_for,
)
from massar.enrollment.models import Enrollment
from massar.schools.models import Level, School, SchoolYear, Track


class Command(BaseCommand):
    help = (
        "Distribute the students of a level (and track) not yet in a class into its classes, "
        "balancing sizes, girls and boys, ages, repeaters and last year's averages."
    )

    def add_arguments(self, parser):
        parser.add_argument("--year", required=True, help="school year, e.g. 2025-2026")
        parser.add_argument("--school", required=True, help="school code, e.g. 04012B")
        parser.add_argument("--level", required=True, help="level code, e.g. 1AC or TC")
        parser.add_argument(
            "--track", help="track code (levels with tracks; every track when left out)"
        )
        parser.add_argument(
            "--siblings",
            default="none",
            choices=sorted(SIBLING_VALUES),
            help="keep siblings together, apart, or no rule (default)",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="print the plan and write nothing"
        )
        parser.add_argument("--language", default="fr", choices=["fr", "ar", "en"])

    def handle(self, *args, **options):
        change_source.set("command")
        with translation.override(options["language"]):
            year, school, level, tracks = self._arguments(options)
            failed = False
            for track in tracks:
                failed |= not self._form(year, school, level, track, options)
        if failed:
            self.stdout.flush()
            sys.exit(1)

    def _arguments(self, options):
        year = SchoolYear.objects.filter(code=options["year"]).first()
        if year is None:
            raise CommandError(f"No school year {options['year']}.", returncode=2)
        if year.is_closed:
            raise CommandError(f"School year {year.code} is closed.", returncode=2)
        school = School.objects.filter(code=options["school"].upper()).first()
        if school is None:
            raise CommandError(f"No school has the code {options['school']}.", returncode=2)
        level = Level.objects.filter(code=options["level"].upper()).first()
        if level is None:
            raise CommandError(f"No level {options['level']}.", returncode=2)
        if level.cycle not in school.cycles:
            raise CommandError(
                f"School {school.code} does not teach level {level.code}.", returncode=2
            )
        if options["track"]:
            track = Track.objects.filter(code=options["track"].upper(), levels=level).first()
            if track is None:
                raise CommandError(
                    f"{options['track']} is not a track of level {level.code}.", returncode=2
                )
            return year, school, level, [track]
        if not level.has_tracks:
            return year, school, level, [None]
        with_students = Enrollment.objects.filter(
            school=school, year=year, level=level, status=Enrollment.Status.ENROLLED
        ).values("track_id")
        tracks = list(Track.objects.filter(pk__in=with_students).order_by("code"))
        if not tracks:
            self.stdout.write(f"No student is enrolled in {level.code} at {school.code}.")
        return year, school, level, tracks

    def _form(self, year, school, level, track, options) -> bool:
        label = f"{level.code} {track.code}" if track else level.code
        formation = FormationOptions(siblings=options["siblings"], require_room=True)
        ids = {
            "school_id": school.pk,
            "year_id": year.pk,
            "level_id": level.pk,
            "track_id": track.pk if track else None,
        }
        if options["dry_run"]:
            data = load_formation(**ids, siblings=formation.siblings != "none")
            plan = plan_for(data, formation, True)
            self._table(label, plan)
            if plan.unplaced:
                self.stderr.write(f"{label}: {no_room_message(data, plan)}")
                return False
            self.stdout.write(f"{label}: {plan.placed} students would be placed (dry run).")
            return True
        try:
            plan = form_classes(**ids, options=formation)
        except FormationError as err:
            if err.code == "no_room":
                data = load_formation(**ids, siblings=formation.siblings != "none")
                self._table(label, plan_for(data, formation, True))
            self.stderr.write(f"{label}: {err.message} Nothing was written.")
            return False
        self._table(label, plan)
        if plan.placed:
            self.stdout.write(f"{label}: {plan.placed} students placed.")
        else:
            self.stdout.write(f"{label}: every student already has a class.")
        if plan.broken:
            self.stdout.write(f"{label}: {len(plan.broken)} pair requests could not be kept.")
        return True

    def _table(self, label: str, plan: Plan) -> None:
        header = ("class", "students", "capacity", "new", "girls %", "repeaters", "age", "average")
        lines = [
            header,
            *(
                (
                    b.name or label,
                    str(b.size),
                    str(b.capacity),
                    str(b.incoming) if b.class_id else "",
                    "" if b.girls_percent is None else f"{b.girls_percent:.0f}",
                    str(b.repeaters),
                    "" if b.mean_age is None else f"{b.mean_age:.1f}",
                    "" if b.mean_average is None else f"{b.mean_average:.2f}",
                )
                for b in [*plan.classes, plan.overall]
            ),
        ]
        widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
        for n, line in enumerate(lines):
            if n == len(lines) - 1:
                self.stdout.write("  ".join("-" * w for w in widths))
            self.stdout.write(
                "  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True))
            )
