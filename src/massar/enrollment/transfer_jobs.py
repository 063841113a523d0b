"""Job handler of collective mobility: loads the plan from the job's parameters, checks it
again with its starter's scope, and runs the set-based move in the starter's language."""

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.utils import translation
from django.utils.translation import gettext as _

from massar.core.jobs import JobFailed, job_handler
from massar.core.models import User
from massar.core.scopes import scope_for
from massar.enrollment import transfers


@job_handler(transfers.MOBILITY_KIND)
def mobility_job(job, progress):
    actor = User.objects.filter(pk=job.created_by_id).first()
    with translation.override(job.params.get("language") or (actor.language if actor else "fr")):
        try:
            plan = transfers.mobility_plan_from_params(scope_for(actor), job.params)
        except transfers.TransferError as err:
            raise JobFailed([err.message]) from err
        except (PermissionDenied, ObjectDoesNotExist) as err:
            raise JobFailed([_("This collective move can no longer be made.")]) from err
        return transfers.mobility_move(
            job=job, actor=actor, plan=plan, total=progress.total, advance=progress.advance
        )
