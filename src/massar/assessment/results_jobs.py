"""The results job ("results.compute"): re-derives the schools from the starter's scope (a
command-line run, without a starter, may compute any school), then computes school by school
with a progress step per school. Also the results page's navigation entry."""

from django.core.exceptions import ObjectDoesNotExist
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from massar.assessment.results_services import (
    JOB_KIND,
    READ_ROLES,
    launch_schools,
    results_compute,
)
from massar.core.jobs import JobFailed, job_handler
from massar.core.models import User
from massar.core.navigation import nav_entry
from massar.core.scopes import scope_for
from massar.schools.models import School, SchoolYear


@job_handler(JOB_KIND)
def results_job(job, progress):
    params = job.params
    try:
        year = SchoolYear.objects.get(code=params["year"])
    except ObjectDoesNotExist as err:
        raise JobFailed(
            [_("There is no school year %(year)s.") % {"year": params["year"]}]
        ) from err
    actor = User.objects.filter(pk=job.created_by_id).first() if job.created_by_id else None
    schools = School.objects.all() if actor is None else launch_schools(scope_for(actor))
    if params.get("school"):
        schools = schools.filter(code=params["school"])
    school_ids = sorted(schools.values_list("pk", flat=True))
    if not school_ids:
        raise JobFailed([_("There is no school whose results you may compute.")])
    progress.total(len(school_ids))
    summary = results_compute(
        year=year,
        school_ids=school_ids,
        semester=params.get("semester"),
        progress=lambda done, total: progress.advance(done),
        actor=actor,
    )
    summary["summary"] = ngettext(
        "Results computed for %(schools)s school: %(subjects)s and %(general)s.",
        "Results computed for %(schools)s schools: %(subjects)s and %(general)s.",
        summary["schools"],
    ) % {
        "schools": summary["schools"],
        "subjects": ngettext(
            "%(count)s subject average", "%(count)s subject averages", summary["subject_results"]
        )
        % {"count": summary["subject_results"]},
        "general": ngettext(
            "%(count)s general average", "%(count)s general averages", summary["general_results"]
        )
        % {"count": summary["general_results"]},
    }
    return summary


nav_entry("assessment:results_home", gettext_lazy("Results"), list(READ_ROLES), 45)
