"""Results day: the publication builds each published student's snapshot (figures from
hand-made results rows) and warms the cache; the withdrawal removes the period; the results
page and API read the cache (a constant, small number of queries; one more on a miss) and show
a publication at once; a re-run of the results job swaps the snapshots atomically."""

import json
from decimal import Decimal
from unittest import mock

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.utils import timezone

from massar.assessment import council_services
from massar.assessment.models import (
    ClassCouncil,
    ClassSubjectStat,
    CouncilDecision,
    GeneralResult,
    MarkLine,
    Publication,
    SubjectResult,
)
from massar.assessment.results_services import results_compute_batch
from massar.core.models import AuditEntry
from massar.core.scopes import scope_for
from massar.enrollment.models import Enrollment, SchoolClass
from massar.portal.models import ResultSnapshot
from massar.portal.results_day_selectors import results_cache_key
from massar.portal.results_day_services import results_snapshot_refresh
from massar.schools.models import CurriculumEntry, Semester

pytestmark = pytest.mark.django_db

# session, the user with their roles (one statement), the family (with the current year), and
# the idle-timeout middleware's session save (savepoint, update, release); a cache miss adds
# the snapshot row
HIT_QUERIES = 6


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


def _client(user) -> Client:
    client = Client(headers={"accept-language": "en"})
    client.force_login(user)
    return client


@pytest.fixture
def day(personas):
    """The student persona's class with hand-made S1 and ANNUAL results: the student and one
    classmate, two subjects of the curriculum, the student's test marks in the first."""
    student = personas["own_student"]
    enrollment = Enrollment.objects.select_related("school_class", "year").get(
        student=student, year__is_current=True, status="ENROLLED"
    )
    sc, year = enrollment.school_class, enrollment.year
    school_id = enrollment.school_id
    for model in (SubjectResult, GeneralResult, ClassSubjectStat, Publication):
        model.objects.filter(school_id=school_id, year=year).delete()
    ResultSnapshot.objects.filter(year=year).delete()
    mate = (
        Enrollment.objects.filter(school_class=sc, status="ENROLLED")
        .exclude(student=student)
        .order_by("pk")
        .first()
        .student
    )
    cur = list(
        CurriculumEntry.objects.filter(year=year, level_id=sc.level_id, track_id=sc.track_id)
        .select_related("subject")
        .order_by("subject__code")[:2]
    )
    (a, b) = cur
    common = {"school_id": school_id, "year": year, "school_class": sc}

    def subject(who, entry, period, average, rank):
        SubjectResult.objects.create(
            **common, period=period, student=who, subject=entry.subject, average=average, rank=rank
        )

    for period in ("S1", "ANNUAL"):
        subject(student, a, period, Decimal("12.50"), 2)
        subject(student, b, period, Decimal("15.00"), 1)
        subject(mate, a, period, Decimal("14.00"), 1)
        subject(mate, b, period, Decimal("11.00"), 2)
    ClassSubjectStat.objects.create(
        **common,
        period="S1",
        subject=a.subject,
        mean=Decimal("13.25"),
        minimum=Decimal("12.50"),
        maximum=Decimal("14.00"),
        count=2,
    )
    semester = Semester.objects.get(year=year, number=1)
    MarkLine.objects.update_or_create(
        school_id=school_id,
        school_class=sc,
        subject=a.subject,
        semester=semester,
        student=student,
        defaults={"score1": Decimal("11.00"), "score2": Decimal("14.00"), "absent3": True},
    )
    coef_sum = a.coefficient + b.coefficient
    weighted = a.coefficient * Decimal("12.50") + b.coefficient * Decimal("15.00")
    average = (weighted / coef_sum).quantize(Decimal("0.01"))
    for period, proposed in (("S1", ""), ("ANNUAL", "PROMOTED")):
        GeneralResult.objects.create(
            **common,
            period=period,
            level_id=sc.level_id,
            student=student,
            average=average,
            coefficient_sum=coef_sum,
            weighted_sum=weighted,
            rank_class=1,
            rank_level=3,
            proposed_decision=proposed,
        )
        GeneralResult.objects.create(
            **common,
            period=period,
            level_id=sc.level_id,
            student=mate,
            average=Decimal("10.00"),
            rank_class=2,
            rank_level=9,
            proposed_decision=proposed,
        )
    director = personas["director"]
    return {
        "student": student,
        "mate": mate,
        "sc": sc,
        "year": year,
        "school": enrollment.school,
        "level": sc.level,
        "a": a,
        "b": b,
        "average": average,
        "coef_sum": coef_sum,
        "weighted": weighted,
        "director": director,
        "scope": scope_for(director),
    }


def _publish(d, period, service=council_services.publication_publish):
    return service(
        scope=d["scope"],
        actor=d["director"],
        school=d["school"],
        year=d["year"],
        level=d["level"],
        period=period,
    )


def _validate_councils(d):
    for sc in SchoolClass.objects.filter(school=d["school"], year=d["year"], level=d["level"]):
        ClassCouncil.objects.update_or_create(
            school_id=sc.school_id,
            school_class=sc,
            defaults={"year": d["year"], "validated_at": timezone.now()},
        )


def _snapshot(d, who="student"):
    return ResultSnapshot.objects.get(student=d[who], year=d["year"])


def test_publication_builds_the_snapshot_with_the_results_figures(
    day, django_capture_on_commit_callbacks
):
    d = day
    assert not ResultSnapshot.objects.filter(year=d["year"]).exists()
    with django_capture_on_commit_callbacks(execute=True):
        _publish(d, "S1")

    snap = _snapshot(d)
    assert snap.school_id == d["school"].pk and snap.version == 1
    p = snap.payload
    assert p["year"] == d["year"].code and p["class"] == d["sc"].name
    assert p["level"]["code"] == d["level"].code and p["school"]["code"] == d["school"].code
    assert [x["period"] for x in p["periods"]] == ["S1"]  # ANNUAL rows exist, unpublished
    s1 = p["periods"][0]
    assert Decimal(s1["average"]) == d["average"]
    assert s1["rank"] == 1 and s1["rank_level"] == 3 and s1["class_size"] == 2
    assert Decimal(s1["coefficient_sum"]) == d["coef_sum"]
    assert Decimal(s1["weighted_sum"]) == d["weighted"]
    assert s1["decision"] is None
    first, second = s1["subjects"]
    assert first["code"] == d["a"].subject.code and second["code"] == d["b"].subject.code
    assert Decimal(first["coefficient"]) == d["a"].coefficient
    assert Decimal(first["average"]) == Decimal("12.50") and first["rank"] == 2
    assert Decimal(first["class_mean"]) == Decimal("13.25")
    assert [None if m is None else Decimal(m) for m in first["marks"]] == [
        Decimal("11"),
        Decimal("14"),
        None,
        None,
    ]
    assert first["absent"] == [False, False, True, False]
    assert second["marks"] is None and Decimal(second["average"]) == Decimal("15")
    # the explanation an API client shows: each product and the division to four places
    assert Decimal(first["product"]) == Decimal("12.50") * d["a"].coefficient
    assert Decimal(second["product"]) == Decimal("15.00") * d["b"].coefficient
    assert Decimal(s1["quotient"]) == (d["weighted"] / d["coef_sum"]).quantize(Decimal("0.0001"))
    assert _snapshot(d, "mate").payload["periods"][0]["quotient"] is None  # no sums stored
    # the classmate too, and nobody of another level
    assert _snapshot(d, "mate").payload["periods"][0]["average"] in ("10.00", "10.0", "10")
    assert ResultSnapshot.objects.filter(year=d["year"]).count() == 2
    # warmed: the cache holds the same version
    version, text = cache.get(results_cache_key(d["student"].pk, d["year"].pk))
    assert version == 1 and d["a"].subject.code in text
    entry = AuditEntry.objects.filter(action="results.snapshot").latest("pk")
    assert entry.after["built"] == 2 and entry.school_id == d["school"].pk


def _expected_payload(d) -> dict:
    """The student's whole snapshot after S1 and the year are published, written out from
    the fixture's rows: figures as the database's decimal text, names in both languages."""
    a, b, sc, school, level = d["a"], d["b"], d["sc"], d["school"], d["level"]
    mark = MarkLine.objects.get(student=d["student"], subject=a.subject, semester__number=1)

    def subject(entry, average, rank, period, stats=None, marks=None):
        average = Decimal(average)
        return {
            "code": entry.subject.code,
            "fr": entry.subject.name_fr,
            "ar": entry.subject.name_ar,
            "coefficient": str(entry.coefficient),
            "average": str(average),
            "rank": rank,
            "product": str(average * entry.coefficient),
            "class_mean": stats and "13.25",
            "class_min": stats and "12.50",
            "class_max": stats and "14.00",
            "marks": marks and [None if m is None else str(m) for m in marks],
            "absent": marks and [False, False, True, False],
            "activities": None,
            "activities_absent": False,
        }

    def period(name, subjects, decision=None):
        return {
            "period": name,
            "average": str(d["average"]),
            "rank": 1,
            "rank_level": 3,
            "class_size": 2,
            "coefficient_sum": str(d["coef_sum"]),
            "weighted_sum": str(d["weighted"].quantize(Decimal("0.01"))),
            "quotient": str((d["weighted"] / d["coef_sum"]).quantize(Decimal("0.0001"))),
            "subjects": subjects,
            "decision": decision,
        }

    scores = [mark.score1, mark.score2, mark.score3, mark.score4]
    return {
        "year": d["year"].code,
        "school": {"code": school.code, "fr": school.name_fr, "ar": school.name_ar},
        "level": {"id": level.pk, "code": level.code, "fr": level.name_fr, "ar": level.name_ar},
        "class": sc.name,
        "periods": [
            period(
                "S1",
                [
                    subject(a, "12.50", 2, "S1", stats=True, marks=scores),
                    subject(b, "15.00", 1, "S1"),
                ],
            ),
            period(
                "ANNUAL",
                [subject(a, "12.50", 2, "ANNUAL"), subject(b, "15.00", 1, "ANNUAL")],
                {"proposed": "PROMOTED", "final": "PROMOTED", "council": False},
            ),
        ],
    }


def test_every_builder_writes_the_whole_payload_as_expected(day):
    """The snapshot, field by field, from the builder the engine uses; on PostgreSQL the
    portable builder (the SQLite path) is run on the same rows too and must agree with the
    one-statement builder to the last character of every figure."""
    from massar.portal import results_day_services as svc

    d = day
    _publish(d, "S1")
    _validate_councils(d)
    _publish(d, "ANNUAL")
    expected = _expected_payload(d)
    assert _snapshot(d).payload == expected
    school, year = d["school"].pk, d["year"].pk
    builders = [svc._build_portable]
    if connection.vendor == "postgresql":
        builders.append(svc._build_postgresql)
    for build in builders:
        built, _removed = build(school, year, None)
        payloads = {sid: json.loads(text) for sid, _version, text in built}
        assert payloads[d["student"].pk] == expected, build.__name__


def test_the_year_shows_the_councils_decision_over_the_proposal(day):
    d = day
    _validate_councils(d)
    CouncilDecision.objects.create(
        school_id=d["school"].pk,
        year=d["year"],
        student=d["mate"],
        decision="REPEATS",
        reason="Absences",
    )
    _publish(d, "S1")
    _publish(d, "ANNUAL")

    periods = _snapshot(d).payload["periods"]
    assert [x["period"] for x in periods] == ["S1", "ANNUAL"]
    assert periods[1]["decision"] == {"proposed": "PROMOTED", "final": "PROMOTED", "council": False}
    mate = _snapshot(d, "mate").payload["periods"][1]["decision"]
    assert mate == {"proposed": "PROMOTED", "final": "REPEATS", "council": True}
    assert _snapshot(d).version == 2  # rebuilt whole by the second publication


def test_withdrawal_removes_the_period_then_the_snapshot(day, django_capture_on_commit_callbacks):
    d = day
    _validate_councils(d)
    _publish(d, "S1")
    _publish(d, "ANNUAL")
    with django_capture_on_commit_callbacks(execute=True):
        _publish(d, "ANNUAL", council_services.publication_withdraw)
    assert [x["period"] for x in _snapshot(d).payload["periods"]] == ["S1"]
    version, text = cache.get(results_cache_key(d["student"].pk, d["year"].pk))
    assert version == 3 and "ANNUAL" not in text

    with django_capture_on_commit_callbacks(execute=True):
        _publish(d, "S1", council_services.publication_withdraw)
    assert not ResultSnapshot.objects.filter(year=d["year"]).exists()
    assert cache.get(results_cache_key(d["student"].pk, d["year"].pk)) is None


def test_the_page_reads_the_cache_with_few_queries(
    day, personas, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    d = day
    with django_capture_on_commit_callbacks(execute=True):
        _publish(d, "S1")
    client = _client(personas["student"])
    with django_assert_max_num_queries(HIT_QUERIES):
        page = client.get("/space/marks/")
    assert page.status_code == 200
    html = page.content.decode()
    assert str(d["average"]) in html and 'data-period="S1"' in html
    assert "1 of 2" in html and d["a"].subject.name_fr in html

    # the page never reads the table on a hit: the row gone, the cached results still show
    ResultSnapshot.objects.filter(year=d["year"]).delete()
    assert str(d["average"]) in client.get("/space/marks/").content.decode()

    # a miss reads the row once and puts it back in the cache
    cache.clear()
    results_snapshot_refresh(school=d["school"], year=d["year"], level=d["level"])
    cache.clear()
    with django_assert_max_num_queries(HIT_QUERIES + 1):
        assert str(d["average"]) in client.get("/space/marks/").content.decode()
    assert cache.get(results_cache_key(d["student"].pk, d["year"].pk)) is not None


def test_the_api_sends_the_cached_results(
    day, personas, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    d = day
    client = _client(personas["student"])
    before = client.get("/api/v1/me/results").json()
    assert before["published"] is False and before["results"] is None
    assert before["message"] == "The results of this year are not published yet."

    with django_capture_on_commit_callbacks(execute=True):
        _publish(d, "S1")
    with django_assert_max_num_queries(HIT_QUERIES):
        body = client.get("/api/v1/me/results").json()
    assert body["published"] is True and body["student_id"] == d["student"].pk
    assert body["version"] == 1
    assert Decimal(body["results"]["periods"][0]["average"]) == d["average"]
    same = client.get(f"/api/v1/me/results?child={d['student'].pk}").json()
    assert same == body
    cache.clear()
    with django_assert_max_num_queries(HIT_QUERIES + 1):
        assert client.get("/api/v1/me/results").json() == body


def test_the_page_in_arabic_names_the_subjects_in_arabic_and_stays_light(
    day, personas, django_capture_on_commit_callbacks
):
    d = day
    with django_capture_on_commit_callbacks(execute=True):
        _publish(d, "S1")
    client = Client(headers={"accept-language": "ar"})
    client.force_login(personas["student"])
    page = client.get("/space/marks/")
    html = page.content.decode()
    assert page.status_code == 200 and 'dir="rtl"' in html
    assert d["a"].subject.name_ar in html
    assert len(page.content) < 200_000


def test_a_publication_shows_at_once_where_nothing_was_published(
    day, personas, django_capture_on_commit_callbacks
):
    d = day
    client = _client(personas["student"])
    page = client.get("/space/marks/").content.decode()
    assert "are not published yet" in page
    # the "nothing yet" answer is cached, and the publication replaces it at once
    assert cache.get(results_cache_key(d["student"].pk, d["year"].pk)) == (0, "")
    with django_capture_on_commit_callbacks(execute=True):
        _publish(d, "S1")
    page = client.get("/space/marks/").content.decode()
    assert "are not published yet" not in page and str(d["average"]) in page
    assert client.get("/api/v1/me/results").json()["published"] is True


def test_a_guardian_reads_their_child_and_never_another_family(personas):
    guardian = _client(personas["guardian"])
    child = personas["child"]
    other = personas["other_family_student"]
    page = guardian.get(f"/space/marks/?child={child.pk}")
    assert page.status_code == 200 and child.code_massar in page.content.decode()
    assert guardian.get(f"/space/marks/?child={other.pk}").status_code == 404
    assert guardian.get("/space/marks/?child=abc").status_code == 404
    assert guardian.get(f"/api/v1/me/results?child={other.pk}").status_code == 404
    body = guardian.get(f"/api/v1/me/results?child={child.pk}").json()
    assert body["student_id"] == child.pk
    student = _client(personas["student"])
    assert student.get(f"/space/marks/?child={other.pk}").status_code == 404
    assert Client().get("/space/marks/").status_code == 302
    assert _client(personas["director"]).get("/space/marks/").status_code == 403


def test_the_former_results_address_redirects_for_good_keeping_the_child(personas):
    child = personas["child"]
    guardian = _client(personas["guardian"])
    gone = guardian.get(f"/space/results/?child={child.pk}")
    assert gone.status_code == 301 and gone["Location"] == f"/space/marks/?child={child.pk}"
    assert Client().get("/space/results/")["Location"] == "/space/marks/"
    page = guardian.get(f"/space/results/?child={child.pk}", follow=True)
    assert page.status_code == 200 and child.code_massar in page.content.decode()


def test_the_cached_page_explains_the_general_average_and_links_the_report_cards(
    day, personas, django_capture_on_commit_callbacks
):
    d = day
    _validate_councils(d)
    with django_capture_on_commit_callbacks(execute=True):
        _publish(d, "S1")
        _publish(d, "ANNUAL")
    # the page reads only the cache: the tables' rows gone, the explanation still shows
    ResultSnapshot.objects.filter(year=d["year"]).delete()
    html = _client(personas["student"]).get("/space/marks/").content.decode()
    plain = "{:f}".format
    assert 'data-testid="explanation-S1"' in html
    quotient = (d["weighted"] / d["coef_sum"]).quantize(Decimal("0.0001"))
    division = f"{plain(d['weighted'].normalize())} ÷ {plain(d['coef_sum'].normalize())}"
    assert f"{division} = {quotient}" in html
    product = plain((Decimal("12.50") * d["a"].coefficient).normalize())
    assert f'data-testid="product">{product}<' in html
    assert "Absent" in html and "13.25" in html  # the third test, the class average
    pk = d["student"].pk
    for period in ("S1", "ANNUAL"):
        assert f"/report-cards/students/{pk}/{period}/?language=fr" in html
    assert 'data-testid="results-decision">Promoted' in html


def test_the_class_size_counts_the_students_with_an_average(day):
    d = day
    third = (
        Enrollment.objects.filter(school_class=d["sc"], status="ENROLLED")
        .exclude(student__in=[d["student"], d["mate"]])
        .first()
        .student
    )
    GeneralResult.objects.create(  # no marks at all: no average, no rank
        school_id=d["school"].pk,
        year=d["year"],
        school_class=d["sc"],
        period="S1",
        level_id=d["level"].pk,
        student=third,
    )
    _publish(d, "S1")
    assert _snapshot(d).payload["periods"][0]["class_size"] == 2


def test_a_rerun_of_the_results_job_swaps_the_snapshot_in_its_transaction(
    day, django_capture_on_commit_callbacks
):
    d = day
    with django_capture_on_commit_callbacks(execute=True):
        _publish(d, "S1")
    before = _snapshot(d)
    cached = cache.get(results_cache_key(d["student"].pk, d["year"].pk))
    statements = [
        (
            "general averages",
            "UPDATE assessment_generalresult SET average = 17.25 "
            "WHERE school_id IN (SCHOOL_IDS) AND year_id = %(year)s AND period = 'S1'",
        )
    ]

    # a run that fails after rewriting the results leaves results, snapshot and cache as they were
    with (
        mock.patch(
            "massar.assessment.results_services.results_changed",
            side_effect=RuntimeError("worker killed"),
        ),
        pytest.raises(RuntimeError),
    ):
        results_compute_batch(
            school_ids=[d["school"].pk], year=d["year"], statements=statements, periods=("S1",)
        )
    assert GeneralResult.objects.get(student=d["student"], period="S1").average == d["average"]
    assert _snapshot(d).payload == before.payload and _snapshot(d).version == 1
    assert cache.get(results_cache_key(d["student"].pk, d["year"].pk)) == cached

    # a run that completes shows its figures at the same commit
    with django_capture_on_commit_callbacks(execute=True):
        results_compute_batch(
            school_ids=[d["school"].pk], year=d["year"], statements=statements, periods=("S1",)
        )
    after = _snapshot(d)
    assert after.version == 2
    assert Decimal(after.payload["periods"][0]["average"]) == Decimal("17.25")
    version, text = cache.get(results_cache_key(d["student"].pk, d["year"].pk))
    assert version == 2 and "17.25" in text


def test_unpublished_levels_get_no_snapshot_from_a_rerun(day):
    d = day
    results_snapshot_refresh(school=d["school"], year=d["year"])
    assert not ResultSnapshot.objects.filter(year=d["year"]).exists()
