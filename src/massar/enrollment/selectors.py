from django.http import Http404

from massar.core.scopes import Scope
from massar.registry.models import ImportBatch
from massar.schools.models import School


def import_batch_list(scope: Scope, user):
    """Batches the user uploaded, or that were uploaded for a school they administer."""
    qs = ImportBatch.objects.select_related("uploaded_by", "school", "job")
    if scope.nation:
        return qs
    return qs.filter(uploaded_by=user) | qs.filter(school_id__in=scope.school_ids)


def import_batch_get(scope: Scope, user, batch_id: int) -> ImportBatch:
    batch = import_batch_list(scope, user).filter(pk=batch_id).first()
    if batch is None:
        raise Http404
    return batch


def desk_schools(scope: Scope):
    """Schools whose desk the user works at (director or office staff)."""
    return School.objects.filter(pk__in=scope.school_ids).select_related("directorate__academy")
