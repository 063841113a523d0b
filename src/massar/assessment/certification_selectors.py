"""Reads of the certification exams, scoped: which sessions a user sees and may run, the
candidates of a session, the results of a level."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from massar.assessment.models import Candidate, CertificationResult, ExamSession
from massar.core.scopes import Scope
from massar.schools.models import School
from massar.territory.models import Directorate

# who organises each kind of exam (and so creates its session and enters its marks)
ORGANISER_ROLE = {
    "LOCAL": "DIRECTOR",
    "PROVINCIAL": "DIRECTORATE",
    "REGIONAL": "ACADEMY",
    "NATIONAL": "MINISTRY",
}
READ_ROLES = ("MINISTRY", "ACADEMY", "DIRECTORATE", "DIRECTOR", "STAFF")
ORGANISER_ROLES = ("MINISTRY", "ACADEMY", "DIRECTORATE", "DIRECTOR")
COMPUTE_ROLES = ("MINISTRY", "ACADEMY", "DIRECTORATE")


def _upward(scope: Scope) -> tuple[set[int], set[int]]:
    """Directorates and academies above the user's schools and directorates (two small
    queries), for the sessions organised above them."""
    directorates = set(scope.directorate_ids)
    if scope.school_ids:
        directorates |= set(
            School.objects.filter(pk__in=scope.school_ids).values_list("directorate_id", flat=True)
        )
    academies = set(scope.academy_ids)
    if directorates:
        academies |= set(
            Directorate.objects.filter(pk__in=directorates).values_list("academy_id", flat=True)
        )
    return directorates, academies


def session_list(scope: Scope) -> QuerySet[ExamSession]:
    """Sessions the user sees: those organised in their territory, and those organised above
    it that concern their schools (a school sees its directorate's, academy's and the national
    sessions)."""
    qs = ExamSession.objects.select_related(
        "year", "level", "school", "directorate", "academy"
    ).order_by("-year__starts_on", "level__order", "kind", "round", "pk")
    if scope.nation:
        return qs
    if not scope.has(*READ_ROLES):
        return qs.none()
    directorates, academies = _upward(scope)
    q = Q(kind="NATIONAL") | Q(academy_id__in=academies) | Q(directorate_id__in=directorates)
    q |= Q(school_id__in=scope.school_ids)
    if scope.academy_ids:
        q |= Q(directorate__academy_id__in=scope.academy_ids)
        q |= Q(school__directorate__academy_id__in=scope.academy_ids)
    if scope.directorate_ids:
        q |= Q(school__directorate_id__in=scope.directorate_ids)
    return qs.filter(q)


def session_get(scope: Scope, session_id: int) -> ExamSession:
    session = session_list(scope).filter(pk=session_id).first()
    if session is None:
        raise Http404
    return session


def session_manageable(scope: Scope, session: ExamSession) -> bool:
    """The organiser (and the ministry) registers candidates and enters marks; an academy
    also runs the sessions of its directorates and schools, a directorate its schools'."""
    if scope.nation:
        return True
    if session.kind == "NATIONAL":
        return False
    directorate = session.directorate or (session.school.directorate if session.school else None)
    academy_id = session.academy_id or (directorate.academy_id if directorate else None)
    if academy_id in scope.academy_ids:
        return True
    if directorate is not None and directorate.pk in scope.directorate_ids:
        return True
    return session.school_id is not None and session.school_id in scope.director_school_ids


def session_candidates(session: ExamSession) -> QuerySet[Candidate]:
    """Candidates who sit the session: its year and level, in its organiser's territory; for
    a rattrapage round, only those admitted to it."""
    qs = Candidate.objects.filter(year_id=session.year_id, level_id=session.level_id)
    if session.kind == "LOCAL":
        qs = qs.filter(school_id=session.school_id)
    elif session.kind == "PROVINCIAL":
        qs = qs.filter(school__directorate_id=session.directorate_id)
    elif session.kind == "REGIONAL":
        qs = qs.filter(school__directorate__academy_id=session.academy_id)
    if session.round == "RATTRAPAGE":
        qs = qs.filter(result__rattrapage=True)
    return qs


def session_schools(session: ExamSession) -> QuerySet[School]:
    """Schools (and exam centres of free candidates) that have candidates in the session."""
    ids = session_candidates(session).values("school_id")
    return School.objects.filter(pk__in=ids).order_by("code")


def candidate_list(scope: Scope) -> QuerySet[Candidate]:
    """Candidates of the schools (or exam centres) in the user's territory."""
    if not scope.has(*READ_ROLES):
        return Candidate.objects.none()
    return Candidate.objects.filter(scope.schools_q("school__")).select_related(
        "student", "school", "track", "level", "year"
    )


def result_list(scope: Scope, *, year, level) -> QuerySet[Candidate]:
    """The candidates of a level and year in the user's territory with their result (one
    query with the join), ordered by school then Code Massar."""
    return (
        candidate_list(scope)
        .filter(year=year, level=level)
        .select_related("result")
        .order_by("school__code", "student__code_massar")
    )


def candidate_get(scope: Scope, candidate_id: int) -> Candidate:
    candidate = candidate_list(scope).filter(pk=candidate_id).select_related("result").first()
    if candidate is None:
        raise Http404
    return candidate


def candidate_marks(candidate: Candidate) -> list[dict]:
    """The candidate's exam marks, session by session, with each subject's coefficient (two
    queries), plus the 1st-year regional exam of a baccalauréat candidate (same student)."""
    from massar.assessment.models import ExamMark, ExamSubject

    marks = list(
        ExamMark.objects.filter(candidate__student_id=candidate.student_id)
        .filter(
            Q(candidate=candidate)
            | Q(session__kind="REGIONAL", session__level__order=candidate.level.order - 1)
        )
        .select_related("session__level", "session__year", "subject")
        .order_by("session__year__starts_on", "session__kind", "session__round", "subject__code")
    )
    coefs = {
        (s.session_id, s.subject_id): s.coefficient
        for s in ExamSubject.objects.filter(session_id__in={m.session_id for m in marks})
    }
    return [{"mark": m, "coefficient": coefs.get((m.session_id, m.subject_id))} for m in marks]


def result_of(candidate: Candidate) -> CertificationResult | None:
    try:
        return candidate.result
    except CertificationResult.DoesNotExist:
        return None
