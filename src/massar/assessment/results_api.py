"""API of the evaluation's results part (mounted under /api/v1/evaluation/): start the results
job, and read one class's results of a period."""

from decimal import Decimal

from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Router, Schema

from massar.assessment import results_services as services
from massar.assessment.models.results import Period
from massar.core.api import ErrorOut
from massar.core.scopes import scope_for
from massar.schools.models import School, SchoolYear
from massar.schools.selectors import current_year

router = Router(tags=["evaluation"])


class ComputeIn(Schema):
    year: str | None = None  # default: the current school year
    school: str | None = None  # a school code; default: every school the caller may compute
    semester: int | None = None  # 1: S1; 2: S2 and the year; default: all three periods


class JobOut(Schema):
    job_id: int
    status: str
    url: str  # the page with the progress bar
    status_url: str  # GET: the job's progress as JSON


class SubjectAverageOut(Schema):
    subject: str
    average: Decimal | None
    rank: int | None


class StudentResultOut(Schema):
    code_massar: str
    last_name_fr: str
    first_name_fr: str
    average: Decimal | None
    coefficient_sum: Decimal | None
    weighted_sum: Decimal | None
    rank_class: int | None
    rank_level: int | None
    proposed_decision: str
    subjects: list[SubjectAverageOut]


class StatOut(Schema):
    subject: str
    mean: Decimal | None
    minimum: Decimal | None
    maximum: Decimal | None
    count: int


class ClassResultsOut(Schema):
    school: str
    school_class: str
    level: str
    year: str
    period: str
    computed: bool
    students: list[StudentResultOut]
    statistics: list[StatOut]


@router.post("results/compute", response={200: JobOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut})
def results_compute(request, payload: ComputeIn):
    scope = scope_for(request.user)
    if not scope.has(*services.LAUNCH_ROLES):
        return 403, {"code": "forbidden", "message": _("You may not compute results.")}
    year = SchoolYear.objects.filter(code=payload.year).first() if payload.year else current_year()
    if year is None:
        return 404, {"code": "year", "message": _("There is no such school year.")}
    school = None
    if payload.school:
        school = School.objects.filter(code=payload.school.strip().upper()).first()
        if school is None:
            return 404, {"code": "school", "message": _("There is no such school.")}
    try:
        job = services.results_start(
            scope=scope, actor=request.user, year=year, school=school, semester=payload.semester
        )
    except services.ResultsError as err:
        return 400, {"code": err.code, "message": err.message}
    except Http404:
        return 404, {"code": "school", "message": _("There is no such school.")}
    return {
        "job_id": job.pk,
        "status": job.status,
        "url": reverse("core:job_detail", args=[job.pk]),
        "status_url": f"/api/v1/jobs/{job.pk}",
    }


@router.get("results/classes/{class_id}", response={200: ClassResultsOut, 404: ErrorOut})
def results_class(request, class_id: int, period: str = Period.S1):
    scope = scope_for(request.user)
    if period not in Period.values:
        return 404, {"code": "period", "message": _("The period is S1, S2 or ANNUAL.")}
    school_class = services.class_for_results(scope, request.user, class_id)
    results = services.class_results(school_class, period)
    codes = [code for _sid, code, _name in results.subjects]
    students = []
    for row in results.rows:
        g = row["general"]
        students.append(
            {
                "code_massar": row["student"].code_massar,
                "last_name_fr": row["student"].last_name_fr,
                "first_name_fr": row["student"].first_name_fr,
                "average": g.average if g else None,
                "coefficient_sum": g.coefficient_sum if g else None,
                "weighted_sum": g.weighted_sum if g else None,
                "rank_class": g.rank_class if g else None,
                "rank_level": g.rank_level if g else None,
                "proposed_decision": g.proposed_decision if g else "",
                "subjects": [
                    {"subject": code, "average": r.average, "rank": r.rank}
                    for code, r in zip(codes, row["subjects"], strict=True)
                    if r is not None
                ],
            }
        )
    return {
        "school": school_class.school.code,
        "school_class": school_class.name,
        "level": school_class.level.code,
        "year": school_class.year.code,
        "period": period,
        "computed": results.computed,
        "students": students,
        "statistics": [
            {
                "subject": code,
                "mean": s.mean,
                "minimum": s.minimum,
                "maximum": s.maximum,
                "count": s.count,
            }
            for code, s in zip(codes, results.stats, strict=True)
            if s is not None
        ],
    }
