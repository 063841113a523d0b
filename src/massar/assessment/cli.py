"""`massar results compute --year 2025-2026 [--school CODE] [--semester 1|2]`: the results job
run in the command's process, printing progress per school and a summary."""

from __future__ import annotations

from django.utils import translation

from massar.assessment.results_services import JOB_KIND
from massar.core.commands import register
from massar.core.context import change_source
from massar.core.jobs import job_run
from massar.core.models import Job
from massar.schools.models import School, SchoolYear

RESULTS: dict = {}  # subcommands of `massar results`


def _compute_args(parser):
    parser.add_argument("--year", required=True, help="school year, e.g. 2025-2026")
    parser.add_argument("--school", help="one school's code (default: every school)")
    parser.add_argument("--semester", type=int, choices=[1, 2], help="1: S1 only; 2: S2 and year")
    parser.add_argument("--language", default="fr", choices=["fr", "ar", "en"])


@register(RESULTS, "compute", "compute averages, ranks, statistics and decisions", _compute_args)
def results_compute_command(options, command) -> int:
    change_source.set("command")
    if not SchoolYear.objects.filter(code=options["year"]).exists():
        command.stderr.write(f"There is no school year {options['year']}.")
        return 2
    school = None
    if options["school"]:
        school = School.objects.filter(code=options["school"]).first()
        if school is None:
            command.stderr.write(f"There is no school {options['school']}.")
            return 2
    with translation.override(options["language"]):
        job = Job.objects.create(
            kind=JOB_KIND,
            title=f"Results {options['year']}",
            params={
                "year": options["year"],
                "school": options["school"],
                "semester": options["semester"],
                "language": options["language"],
            },
            school_id=school.pk if school else None,
        )

        def show(done: int, total: int) -> None:
            if done == total or done % max(1, total // 20) == 0:
                command.stdout.write(f"{done}/{total} schools")

        job = job_run(job.pk, listener=show)
    if job.status != Job.Status.DONE:
        for error in job.errors:
            command.stderr.write(error)
        return 1
    r = job.result
    command.stdout.write(
        f"{r['schools']} schools, periods {', '.join(r['periods'])}: "
        f"{r['subject_results']} subject results, {r['general_results']} general results "
        f"in {r['seconds']} s (job {job.pk})."
    )
    return 0
