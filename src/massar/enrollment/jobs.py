"""Job handlers of the enrollment app: validating and loading student import files."""

from pathlib import Path

from django.utils import translation

from massar.core.jobs import JobFailed, job_handler
from massar.core.models import User
from massar.core.scopes import scope_for
from massar.enrollment.student_import import FileRejected, load_file, validate_file
from massar.registry.models import ImportBatch
from massar.schools.models import SchoolYear


def _batch(job) -> tuple[ImportBatch, Path, object, SchoolYear]:
    batch = ImportBatch.objects.select_related("uploaded_by").get(pk=job.params["batch"])
    scope = scope_for(batch.uploaded_by) if batch.uploaded_by else None
    return batch, Path(batch.file.path), scope, SchoolYear.objects.get(pk=job.params["year"])


@job_handler("students.validate")
def students_validate(job, progress):
    batch, path, scope, year = _batch(job)
    progress.total(max(1, path.stat().st_size // 120))  # about 120 bytes a row
    result = validate_file(
        path,
        name=batch.original_name,
        scope=scope,
        year=year,
        accept_new_identities=batch.accept_new_identities,
        progress=progress.advance,
    )
    progress.total(result.rows or 1)
    batch.row_count = result.rows
    batch.problems = [p.as_dict() for p in result.problems]
    batch.likely_duplicates = result.likely_duplicates
    batch.status = ImportBatch.Status.VALID if result.ok else ImportBatch.Status.REJECTED
    batch.save(update_fields=["row_count", "problems", "likely_duplicates", "status"])
    return {"link": f"/imports/{batch.pk}/"}


@job_handler("students.load")
def students_load(job, progress):
    batch, path, scope, year = _batch(job)
    actor = User.objects.filter(pk=job.created_by_id).first()
    progress.total(batch.row_count or 1)
    try:
        with translation.override(job.params.get("language") or "fr"):
            result = load_file(
                path,
                name=batch.original_name,
                scope=scope,
                year=year,
                actor=actor,
                accept_new_identities=batch.accept_new_identities,
                progress=lambda done, total: progress.advance(done),
            )
    except FileRejected as rejected:
        batch.status = ImportBatch.Status.REJECTED
        batch.problems = [rejected.problem.as_dict()]
        batch.save(update_fields=["status", "problems"])
        with translation.override(job.params.get("language") or "fr"):
            raise JobFailed([rejected.problem.message()]) from rejected
    batch.status = ImportBatch.Status.LOADED
    batch.save(update_fields=["status"])
    return {
        "link": f"/imports/{batch.pk}/",
        "students": result.students,
        "guardians": result.guardians,
    }
