from django.http import Http404

from massar.core.models import AuditEntry, Job
from massar.core.scopes import Scope


def job_get(scope: Scope, user, job_id: int) -> Job:
    """A job its creator, the ministry, or its school's administration may follow; 404
    otherwise (an id from another school must not reveal that it exists)."""
    job = Job.objects.filter(pk=job_id).first()
    if job is None:
        raise Http404
    if job.created_by_id == user.pk or scope.nation:
        return job
    if job.school_id is not None and scope.administers_school(job.school_id):
        return job
    raise Http404


def audit_list(scope: Scope, *, school_id: int | None = None):
    qs = AuditEntry.objects.select_related("actor")
    if scope.nation:
        return qs.filter(school_id=school_id) if school_id else qs
    allowed = scope.school_ids
    if school_id is not None:
        allowed = allowed & {school_id}
    return qs.filter(school_id__in=allowed)
