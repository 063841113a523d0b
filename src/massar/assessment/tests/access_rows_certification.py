"""Access-matrix rows of the certification part (pages under exams/ and policies/, API under
api/v1/evaluation/exams and api/v1/evaluation/policies).

Policy: territories and school administrations read it, only the ministry edits it. Exam
sessions: each kind is created by its organiser's role only (LOCAL director, PROVINCIAL
directorate, REGIONAL academy, NATIONAL ministry); the organiser and the territories above it
run a session (candidates, marks); school staff read; teachers, students and guardians get
403 everywhere. Two local sessions frame the rows: the demo collège's (04012B, directorate
0401), and the lycée's (04021C, directorate 0402), which the collège's people and directorate
0401 do not see (404)."""

from django.core.files.uploadedfile import SimpleUploadedFile

from massar.assessment.models import Candidate, ExamSession, ExamSubject
from massar.core.tests.access import Case, expect
from massar.enrollment.models import Enrollment
from massar.schools.models import CurriculumEntry, Level, School
from massar.schools.selectors import current_year

READERS = ("ministry", "academy", "directorate", "director", "staff")
COLLEGE, LYCEE = "04012B", "04021C"


def _r(status: int, roles=READERS) -> dict:
    return {r: status for r in roles}


ORGANISERS = ("ministry", "academy", "directorate", "director")


def make_session(school_code: str, level_code: str) -> ExamSession:
    year, level = current_year(), Level.objects.get(code=level_code)
    session = ExamSession.objects.create(
        year=year, level=level, kind="LOCAL", school=School.objects.get(code=school_code)
    )
    coefficients = dict(
        CurriculumEntry.objects.filter(year=year, level=level).values_list(
            "subject_id", "coefficient"
        )
    )
    ExamSubject.objects.bulk_create(
        [ExamSubject(session=session, subject_id=s, coefficient=c) for s, c in coefficients.items()]
    )
    return session


def make_candidate(school_code: str, level_code: str) -> Candidate:
    e = (
        Enrollment.objects.filter(
            school__code=school_code, level__code=level_code, status="ENROLLED", year=current_year()
        )
        .order_by("pk")
        .first()
    )
    candidate, _created = Candidate.objects.get_or_create(
        year=e.year, level=e.level, student=e.student, defaults={"school": e.school}
    )
    return candidate


def _mine():
    return make_session(COLLEGE, "3AC")


def _other():
    return make_session(LYCEE, "2BAC")


def _hidden(roles) -> dict:
    """On the lycée's session: 404 for the collège's people and directorate 0401 (staff
    only where its role may use the route at all)."""
    return {r: 404 for r in ("directorate", "director", "staff") if r in roles}


def _session_page(suffix: str, method="get", data=None, ok=200, roles=ORGANISERS):
    def cases(p):
        mine, other = _mine(), _other()
        return [
            Case(
                f"/exams/{mine.pk}/{suffix}",
                expect(403, anon=302, **_r(ok, roles)),
                method=method,
                data=data or {},
            ),
            Case(
                f"/exams/{other.pk}/{suffix}",
                expect(403, anon=302, **{**_r(ok, ("ministry", "academy")), **_hidden(roles)}),
                method=method,
                data=data or {},
            ),
        ]

    return cases


def _session_api(suffix: str, method="get", data=None, ok=200, roles=ORGANISERS, json=True):
    def cases(p):
        mine, other = _mine(), _other()
        subject = ExamSubject.objects.filter(session=mine).select_related("subject").first()
        url_data = data(subject) if callable(data) and json else data
        return [
            Case(
                f"/api/v1/evaluation/exams/{mine.pk}{suffix}",
                expect(403, anon=401, **_r(ok, roles)),
                method=method,
                data=url_data or {},
                json=json and method != "get",
            ),
            Case(
                f"/api/v1/evaluation/exams/{other.pk}{suffix}",
                expect(403, anon=401, **{**_r(ok, ("ministry", "academy")), **_hidden(roles)}),
                method=method,
                data=url_data or {},
                json=json and method != "get",
            ),
        ]

    return cases


def _marks_get(p):
    mine, other = _mine(), _other()
    s1 = ExamSubject.objects.filter(session=mine).select_related("subject").first().subject.code
    s2 = ExamSubject.objects.filter(session=other).select_related("subject").first().subject.code
    return [
        Case(
            f"/api/v1/evaluation/exams/{mine.pk}/marks?subject={s1}",
            expect(403, anon=401, **_r(200, ORGANISERS)),
        ),
        Case(
            f"/api/v1/evaluation/exams/{other.pk}/marks?subject={s2}",
            expect(403, anon=401, **{**_r(200, ("ministry", "academy")), **_hidden(ORGANISERS)}),
        ),
        Case(
            f"/api/v1/evaluation/exams/{mine.pk}/marks",
            expect(403, anon=401, **_r(200, ORGANISERS)),
            method="put",
            json=True,
            data={"subject": s1, "marks": []},
        ),
    ]


def _import_api(p):
    mine = _mine()

    def upload():
        return {"file": SimpleUploadedFile("m.csv", b"code_massar,subject_code,score,absent\n")}

    return [
        Case(
            f"/api/v1/evaluation/exams/{mine.pk}/marks/import",
            expect(403, anon=401, **_r(200, ORGANISERS)),
            method="post",
            data=upload,
        )
    ]


def _candidate(page: bool):
    def cases(p):
        mine, other = make_candidate(COLLEGE, "3AC"), make_candidate(LYCEE, "2BAC")
        base, anon = (
            ("/exams/candidates/{}/", 302)
            if page
            else (
                "/api/v1/evaluation/exams/candidates/{}",
                401,
            )
        )
        return [
            Case(base.format(mine.pk), expect(403, anon=anon, **_r(200))),
            Case(
                base.format(other.pk),
                expect(403, anon=anon, **{**_r(200, ("ministry", "academy")), **_hidden(READERS)}),
            ),
        ]

    return cases


def _new_session(p):
    year = current_year().code
    return [
        Case("/exams/new/", expect(403, anon=302, **_r(200, ORGANISERS))),
        # a regional session: only the academy creates it (a director cannot)
        Case(
            "/exams/new/",
            expect(403, anon=302, academy=302),
            method="post",
            data={"year": year, "level": "3AC", "kind": "REGIONAL", "round": "NORMAL"},
        ),
        Case(
            "/exams/new/",
            expect(403, anon=302, director=302),
            method="post",
            data={"year": year, "level": "3AC", "kind": "LOCAL", "round": "RATTRAPAGE"},
        ),
    ]


def _policy_edit(p):
    year = current_year().code
    return [
        Case("/policies/3AC/", expect(403, anon=302, ministry=200)),
        Case(
            "/policies/3AC/",
            expect(403, anon=302, ministry=302),
            method="post",
            data={
                "year": year,
                "tests_per_semester": 4,
                "has_activities": "on",
                "semester1_weight": "1",
                "semester2_weight": "1",
                "promotion_threshold": "10",
                "continuous_weight": "0.3",
                "local_weight": "0.3",
                "provincial_weight": "0",
                "regional_weight": "0.4",
                "national_weight": "0",
                "free_regional_weight": "0",
                "free_national_weight": "0",
                "pass_mark": "10",
                "rattrapage_floor": "9",
            },
        ),
    ]


def _policy_api(p):
    return [
        Case("/api/v1/evaluation/policies/3AC", expect(403, anon=401, **_r(200))),
        Case(
            "/api/v1/evaluation/policies/3AC",
            expect(403, anon=401, ministry=200),
            method="put",
            json=True,
            data={"pass_mark": "10"},
        ),
        Case("/api/v1/evaluation/policies/ZZZ", expect(403, anon=401, **_r(404))),
    ]


def _exams_api(p):
    return [
        Case("/api/v1/evaluation/exams", expect(403, anon=401, **_r(200))),
        Case(
            "/api/v1/evaluation/exams",
            expect(403, anon=401, academy=201),
            method="post",
            json=True,
            data={"level": "1BAC", "kind": "REGIONAL"},
        ),
    ]


ROWS = {
    "policies/": lambda p: [Case("/policies/", expect(403, anon=302, **_r(200)))],
    "policies/<str:level_code>/": _policy_edit,
    "api/v1/evaluation/policies": lambda p: [
        Case("/api/v1/evaluation/policies", expect(403, anon=401, **_r(200)))
    ],
    "api/v1/evaluation/policies/<level_code>": _policy_api,
    "exams/": lambda p: [Case("/exams/", expect(403, anon=302, **_r(200)))],
    "exams/new/": _new_session,
    "exams/results/": lambda p: [
        Case("/exams/results/?level=3AC", expect(403, anon=302, **_r(200)))
    ],
    "exams/results/compute/": lambda p: [
        Case(
            "/exams/results/compute/",
            expect(403, anon=302, **_r(302, ("ministry", "academy", "directorate"))),
            method="post",
            data={"level": "3AC"},
        )
    ],
    "exams/candidates/<int:candidate_id>/": _candidate(page=True),
    "exams/<int:session_id>/": _session_page("", roles=READERS),
    "exams/<int:session_id>/subjects/": _session_page("subjects/", method="post", ok=302),
    "exams/<int:session_id>/register/": _session_page("register/", method="post", ok=302),
    "exams/<int:session_id>/free/": _session_page(
        "free/", method="post", ok=302, data={"code_massar": "Z000000000", "centre": COLLEGE}
    ),
    "exams/<int:session_id>/marks/": _session_page("marks/"),
    "exams/<int:session_id>/import/": _session_page("import/"),
    "api/v1/evaluation/exams": _exams_api,
    "api/v1/evaluation/exams/<int:session_id>": _session_api("", roles=READERS),
    "api/v1/evaluation/exams/<int:session_id>/candidates": _session_api(
        "/candidates", method="post", data={}
    ),
    "api/v1/evaluation/exams/<int:session_id>/free-candidates": _session_api(
        "/free-candidates",
        method="post",
        ok=400,
        data={"code_massar": "Z000000000", "centre": COLLEGE},
    ),
    "api/v1/evaluation/exams/<int:session_id>/marks": _marks_get,
    "api/v1/evaluation/exams/<int:session_id>/marks/import": _import_api,
    "api/v1/evaluation/exams/results": lambda p: [
        Case("/api/v1/evaluation/exams/results?level=3AC", expect(403, anon=401, **_r(200)))
    ],
    "api/v1/evaluation/exams/results/compute": lambda p: [
        Case(
            "/api/v1/evaluation/exams/results/compute",
            expect(403, anon=401, **_r(200, ("ministry", "academy", "directorate"))),
            method="post",
            json=True,
            data={"level": "3AC"},
        )
    ],
    "api/v1/evaluation/exams/candidates/<int:candidate_id>": _candidate(page=False),
}
