"""Jobs: long tasks with a progress bar.

A job kind is a function registered with @job_handler; `job_start` records a Job row and runs
the handler with Celery (REDIS_URL set), in a background thread of the server (embedded
default, so the progress bar moves in the demo) or inline (tests).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from django.conf import settings
from django.db import close_old_connections, transaction
from django.utils import timezone, translation
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from massar.core.models import Job

log = logging.getLogger("massar.jobs")
HANDLERS: dict[str, Callable[[Job, Progress], dict | None]] = {}


class JobFailed(Exception):
    """Raised by a handler to end the job with a list of user-facing errors."""

    def __init__(self, errors: list[str]):
        super().__init__("; ".join(errors))
        self.errors = errors


def job_handler(kind: str):
    def register(fn):
        HANDLERS[kind] = fn
        return fn

    return register


class Progress:
    """Writes done/total to the job row, at most every `every` steps to spare the database."""

    def __init__(
        self, job: Job, every: int = 1, listener: Callable[[int, int], None] | None = None
    ):
        self.job = job
        self.every = every
        self.listener = listener  # e.g. a command printing progress as it goes

    def total(self, total: int) -> None:
        self.job.total = total
        Job.objects.filter(pk=self.job.pk).update(total=total)

    def advance(self, done: int) -> None:
        last = self.job.done
        self.job.done = done
        if done - last >= self.every or done >= self.job.total:
            Job.objects.filter(pk=self.job.pk).update(done=done)
            if self.listener:
                self.listener(done, self.job.total)


def job_start(
    *, kind: str, title: str, params: dict, actor=None, school_id: int | None = None
) -> Job:
    if kind not in HANDLERS:
        raise ValueError(f"unknown job kind {kind}")
    # the job speaks the language of the page it was started from (errors, summaries)
    params = {**params, "language": params.get("language") or get_language() or "fr"}
    job = Job.objects.create(
        kind=kind, title=title, params=params, created_by=actor, school_id=school_id
    )
    runner = settings.MASSAR_JOB_RUNNER
    if runner == "eager":
        job_run(job.pk)  # tests: inside the caller, so its outcome can be asserted at once
        job.refresh_from_db()
    elif runner == "celery":
        from massar.core.tasks import job_run_task

        transaction.on_commit(lambda: job_run_task.delay(job.pk))
    else:
        transaction.on_commit(lambda: _run_in_thread(job.pk))
    return job


def _run_in_thread(job_id: int) -> None:
    def target():
        try:
            job_run(job_id)
        finally:
            close_old_connections()

    threading.Thread(target=target, name=f"massar-job-{job_id}", daemon=True).start()


def job_run(job_id: int, listener: Callable[[int, int], None] | None = None) -> Job:
    job = Job.objects.get(pk=job_id)
    Job.objects.filter(pk=job.pk).update(status=Job.Status.RUNNING, started_at=timezone.now())
    job.status = Job.Status.RUNNING
    try:
        with translation.override(job.params.get("language") or "fr"):
            result = HANDLERS[job.kind](job, Progress(job, every=1, listener=listener))
    except JobFailed as failure:
        _finish(job, Job.Status.FAILED, errors=failure.errors)
    except Exception:
        log.exception("job %s (%s) failed", job.pk, job.kind)
        _finish(job, Job.Status.FAILED, errors=[_("The job stopped on an unexpected error.")])
    else:
        _finish(job, Job.Status.DONE, result=result or {})
    job.refresh_from_db()
    return job


def _finish(job: Job, status: str, *, errors=None, result=None) -> None:
    fields = {"status": status, "finished_at": timezone.now()}
    if errors is not None:
        fields["errors"] = errors
    if result is not None:
        fields["result"] = result
    if status == Job.Status.DONE:
        job.refresh_from_db(fields=["total"])
        fields["done"] = job.total
    Job.objects.filter(pk=job.pk).update(**fields)
