import sys

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from massar.core.context import change_source
from massar.core.jobs import job_run
from massar.core.models import Job
from massar.enrollment import rentree  # noqa: F401  (registers the job kind)


class Command(BaseCommand):
    help = (
        "Open the next school year for every school (or one): copy the class structure, "
        "re-enroll students by their decisions, distribute them into classes, close the "
        "old year (whole-country runs only)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--to", required=True, help="target school year, e.g. 2026-2027")
        parser.add_argument("--school", help="one school's code (the year stays open)")
        parser.add_argument("--language", default="fr", choices=["fr", "ar", "en"])

    def handle(self, *args, **options):
        change_source.set("command")
        job = Job.objects.create(
            kind="enrollment.rollover",
            title=_("Rollover to %(year)s") % {"year": options["to"]},
            params={
                "to": options["to"],
                "school": options["school"],
                "language": options["language"],
            },
        )

        def show(done: int, total: int) -> None:
            if done == total or done % max(1, total // 20) == 0:
                self.stdout.write(f"{done}/{total} schools")

        job = job_run(job.pk, listener=show)
        if job.status != Job.Status.DONE:
            for error in job.errors:
                self.stderr.write(error)
            sys.exit(1)
        self.stdout.write(job.result.get("summary", ""))
