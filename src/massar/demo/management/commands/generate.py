from django.core.management.base import BaseCommand, CommandError

from massar.demo.synth import MAX_STUDENTS, MIN_STUDENTS, GenerationError, generate, plan_nation


class Command(BaseCommand):
    help = (
        "Build a synthetic nation for benchmarks and load tests: schools per directorate in "
        "realistic proportions, classes of 25-45, students with Code Massar, guardians, teachers "
        "and their assignments, for the school year in progress. Deterministic: the same "
        "--students and --seed on a fresh database give the same schools, codes and names. On a "
        "database that already holds a generated nation it ADDS a new, distinct set (new schools, "
        "codes and people; the seed is combined with the number of earlier runs). Everything is "
        "written in one transaction (COPY on PostgreSQL, bulk inserts on SQLite)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--students",
            type=int,
            required=True,
            help=f"number of students, {MIN_STUDENTS:,} to {MAX_STUDENTS:,} "
            "(SQLite is for the small end)",
        )
        parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
        parser.add_argument(
            "--with-grades",
            action="store_true",
            help="also generate a year of marks (both semesters, 3-4 tests and the activities "
            "mark per subject, some absences) for the generated students",
        )
        parser.add_argument(
            "--plan-only",
            action="store_true",
            help="print the planned schools and shares without writing anything",
        )

    def handle(self, *args, students, seed, with_grades, plan_only, **options):
        try:
            if plan_only:
                summary = plan_nation(students, seed).summary()
                for key, value in summary.items():
                    self.stdout.write(f"{key}: {value}")
                return
            result = generate(
                students=students, seed=seed, log=self.stdout.write, with_grades=with_grades
            )
        except GenerationError as err:
            raise CommandError(str(err)) from err
        self.stdout.write("")
        self.stdout.write(f"{'table':<22}{'rows':>12}{'seconds':>10}")
        for label, count in result.rows.items():
            secs = result.table_seconds.get(label, 0.0)
            self.stdout.write(f"{label:<22}{count:>12,}{secs:>10.1f}")
        for label in ("plan", "generate people", "generate staff", "analyze"):
            if label in result.table_seconds:
                self.stdout.write(f"{label:<22}{'':>12}{result.table_seconds[label]:>10.1f}")
        s = result.summary
        self.stdout.write(
            self.style.SUCCESS(
                f"Generated {result.students:,} students in {s['schools']:,} schools "
                f"({s['classes']:,} classes, {result.rows.get('guardian', 0):,} guardians, "
                f"{result.rows.get('staff member', 0):,} staff) in {result.seconds:.1f} s "
                f"(seed {result.seed}, run {result.run}; private {s['private_share']} %, "
                f"urban {s['urban_share']} %)."
            )
        )
