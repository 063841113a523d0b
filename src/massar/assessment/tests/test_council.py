"""The class council: threshold and recomputed proposals, overrides with a reason, validation
(blocked by proposals still for the council; writes the enrollments), reopening; its page and
API, with constant query counts and the access rows of the part."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from massar.assessment import council_selectors as selectors
from massar.assessment import council_services as services
from massar.assessment.models import ClassCouncil, CouncilDecision, GeneralResult
from massar.assessment.tests import access_rows_council as rows
from massar.assessment.tests.access_rows_council import (
    COLLEGE,
    LYCEE,
    enrolled,
    results_for,
    school_class,
)
from massar.core.models import AuditEntry
from massar.core.scopes import scope_for
from massar.core.tests.access import ROLES
from massar.enrollment.models import Enrollment

pytestmark = pytest.mark.django_db


@pytest.fixture
def college(personas):
    sc = school_class(COLLEGE)
    students = enrolled(sc)
    return sc, students


def _director(personas):
    return personas["director"], scope_for(personas["director"])


def _proposals(sc) -> dict:
    return dict(
        GeneralResult.objects.filter(school_class=sc, period="ANNUAL").values_list(
            "student_id", "proposed_decision"
        )
    )


def test_threshold_change_recomputes_the_class_proposals(personas, college):
    sc, students = college
    a, b, c, d = (e.student_id for e in students[:4])
    Enrollment.objects.filter(student_id=c, year=sc.year).update(is_repeater=True)
    results_for(sc, {a: 12, b: "10.50", c: 9, d: None})
    actor, scope = _director(personas)

    council, changed = services.council_threshold_set(
        scope=scope, actor=actor, school_class=sc, threshold="11"
    )

    assert council.threshold == Decimal("11.00")
    assert changed == 4
    proposals = _proposals(sc)
    # at or above the threshold promoted; below repeats; a collège repeater below goes to the
    # council; no average, no proposal
    assert proposals == {a: "PROMOTED", b: "REPEATS", c: "COUNCIL", d: ""}
    entry = AuditEntry.objects.filter(action="council.threshold").first()
    assert entry.after["threshold"] == "11.00" and entry.actor == actor

    services.council_threshold_set(scope=scope, actor=actor, school_class=sc, threshold="")
    assert ClassCouncil.objects.get(school_class=sc).threshold is None
    assert _proposals(sc)[b] == "PROMOTED"  # back to the policy's 10


def test_lycee_repeater_below_the_threshold_repeats(personas):
    sc = school_class(LYCEE)
    student = enrolled(sc)[0].student_id
    Enrollment.objects.filter(student_id=student, year=sc.year).update(is_repeater=True)
    results_for(sc, {student: 8})
    other = personas["other_director"]
    services.council_threshold_set(
        scope=scope_for(other), actor=other, school_class=sc, threshold="10"
    )
    assert _proposals(sc)[student] == "REPEATS"


@pytest.mark.parametrize("value", ["21", "-1", "10.555", "ten"])
def test_threshold_must_be_a_mark(personas, college, value):
    sc, _ = college
    actor, scope = _director(personas)
    with pytest.raises(services.CouncilError) as err:
        services.council_threshold_set(scope=scope, actor=actor, school_class=sc, threshold=value)
    assert err.value.code == "invalid_threshold"


def test_override_needs_a_reason_and_is_audited_and_cleared(personas, college):
    sc, students = college
    student = students[0].student_id
    results_for(sc, {student: 8})
    actor, scope = _director(personas)
    with pytest.raises(services.CouncilError) as err:
        services.council_override_set(
            scope=scope,
            actor=actor,
            school_class=sc,
            student_id=student,
            decision="PROMOTED",
            reason="  ",
        )
    assert err.value.code == "reason_required"
    with pytest.raises(services.CouncilError) as err:
        services.council_override_set(
            scope=scope,
            actor=actor,
            school_class=sc,
            student_id=student,
            decision="COUNCIL",
            reason="x",
        )
    assert err.value.code == "invalid_decision"
    assert not CouncilDecision.objects.filter(student_id=student).exists()

    services.council_override_set(
        scope=scope,
        actor=actor,
        school_class=sc,
        student_id=student,
        decision="PROMOTED",
        reason="Progrès constants au second semestre",
    )
    row = next(r for r in selectors.council_rows(sc) if r.student_id == student)
    assert (row.proposed, row.override, row.final) == ("REPEATS", "PROMOTED", "PROMOTED")
    entry = AuditEntry.objects.filter(action="council.override").first()
    assert entry.after["reason"] == "Progrès constants au second semestre"

    services.council_override_clear(scope=scope, actor=actor, school_class=sc, student_id=student)
    row = next(r for r in selectors.council_rows(sc) if r.student_id == student)
    assert row.final == "REPEATS"
    assert AuditEntry.objects.filter(action="council.override_clear").exists()


def test_student_of_another_class_cannot_be_overridden(personas, college):
    sc, _ = college
    outsider = enrolled(school_class(COLLEGE, 1))[0].student_id
    actor, scope = _director(personas)
    with pytest.raises(services.CouncilError) as err:
        services.council_override_set(
            scope=scope,
            actor=actor,
            school_class=sc,
            student_id=outsider,
            decision="PROMOTED",
            reason="x",
        )
    assert err.value.status == 404


def test_staff_and_other_directors_may_not_change_the_council(personas, college):
    sc, students = college
    for who in ("staff", "other_director"):
        with pytest.raises(services.CouncilError) as err:
            services.council_threshold_set(
                scope=scope_for(personas[who]), actor=personas[who], school_class=sc, threshold=9
            )
        assert err.value.status == 403


def test_validation_blocked_by_students_for_the_council(personas, college):
    sc, students = college
    ids = [e.student_id for e in students]
    waiting = students[1]
    results_for(sc, dict.fromkeys(ids, 13), proposed={waiting.student_id: "COUNCIL"})
    actor, scope = _director(personas)

    with pytest.raises(services.CouncilError) as err:
        services.council_validate(scope=scope, actor=actor, school_class=sc)
    assert err.value.code == "council_pending"
    assert waiting.student.code_massar in err.value.message
    assert err.value.names == [
        f"{waiting.student.code_massar} {waiting.student.last_name_fr} "
        f"{waiting.student.first_name_fr}"
    ]
    assert not ClassCouncil.objects.filter(school_class=sc, validated_at__isnull=False).exists()
    assert not Enrollment.objects.filter(school_class=sc).exclude(decision="").exists()


def test_validation_writes_enrollments_and_locks_until_reopened(personas, college):
    sc, students = college
    ids = [e.student_id for e in students]
    low, waiting = ids[0], ids[1]
    averages = {i: 12 for i in ids} | {low: "8.25", waiting: 9}
    results_for(sc, averages, proposed={waiting: "COUNCIL"})
    actor, scope = _director(personas)
    services.council_override_set(
        scope=scope,
        actor=actor,
        school_class=sc,
        student_id=waiting,
        decision="PROMOTED",
        reason="Avis favorable du conseil",
    )

    council = services.council_validate(scope=scope, actor=actor, school_class=sc)

    assert council.validated_at is not None and council.validated_by == actor
    assert council.threshold == Decimal("10.00")  # the policy's, kept on record
    got = {
        e.student_id: (e.decision, e.annual_average)
        for e in Enrollment.objects.filter(school_class=sc, status="ENROLLED")
    }
    assert got[low] == ("REPEATS", Decimal("8.25"))
    assert got[waiting] == ("PROMOTED", Decimal("9.00"))
    assert got[ids[2]] == ("PROMOTED", Decimal("12.00"))
    assert len(got) == len(ids)
    audit = AuditEntry.objects.get(action="council.validate")
    assert audit.after["decisions"] == {"PROMOTED": len(ids) - 1, "REPEATS": 1}

    for call, kwargs in (
        (services.council_threshold_set, {"threshold": "9"}),
        (
            services.council_override_set,
            {"student_id": low, "decision": "PROMOTED", "reason": "x"},
        ),
        (services.council_override_clear, {"student_id": waiting}),
        (services.council_validate, {}),
    ):
        with pytest.raises(services.CouncilError) as err:
            call(scope=scope, actor=actor, school_class=sc, **kwargs)
        assert err.value.code == "council_validated"

    services.council_reopen(scope=scope, actor=actor, school_class=sc)
    assert ClassCouncil.objects.get(school_class=sc).validated_at is None
    assert AuditEntry.objects.filter(action="council.reopen").exists()
    assert not Enrollment.objects.filter(school_class=sc).exclude(decision="").exists()
    services.council_threshold_set(scope=scope, actor=actor, school_class=sc, threshold="8")
    assert _proposals(sc)[low] == "PROMOTED"


def test_validation_names_students_without_results(personas, college):
    sc, students = college
    results_for(sc, {e.student_id: 12 for e in students[1:]})
    actor, scope = _director(personas)
    with pytest.raises(services.CouncilError) as err:
        services.council_validate(scope=scope, actor=actor, school_class=sc)
    assert err.value.code == "no_decision"
    assert students[0].student.code_massar in err.value.message


# --- page and API -----------------------------------------------------------------------------


def _client(user) -> Client:
    client = Client(headers={"accept-language": "en"})
    client.force_login(user)
    return client


def test_council_page_shows_proposals_and_runs_constant_queries(
    personas, django_assert_max_num_queries
):
    small, big = school_class(COLLEGE, 0), school_class(COLLEGE, 1)
    for sc in (small, big):
        results_for(sc, {e.student_id: 11 for e in enrolled(sc)})
    # the small class keeps three students; an override on one of them
    Enrollment.objects.filter(pk__in=[e.pk for e in enrolled(small)[3:]]).update(status="LEFT")
    CouncilDecision.objects.create(
        school=small.school,
        year=small.year,
        student_id=enrolled(small)[0].student_id,
        decision="REPEATS",
        reason="Absences",
    )
    assert len(enrolled(big)) > 10
    client = _client(personas["director"])
    client.get("/")  # the session's first request records its activity (a write of its own)
    counts = []
    for sc in (small, big):
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(f"/councils/{sc.pk}/")
        assert response.status_code == 200
        counts.append(len(ctx))
    assert counts[0] == counts[1]
    with django_assert_max_num_queries(counts[0]):
        client.get(f"/councils/{big.pk}/")
    html = response.content.decode()
    assert html.count('data-testid="council-row"') == len(enrolled(big))
    api_counts = []
    for sc in (small, big):
        with CaptureQueriesContext(connection) as ctx:
            got = client.get(f"/api/v1/evaluation/councils/{sc.pk}")
        assert got.status_code == 200
        api_counts.append(len(ctx))
    assert api_counts[0] == api_counts[1]
    assert len(got.json()["students"]) == len(enrolled(big))
    assert "Promoted" in html and "council-validate" in html


def test_council_page_flow_through_forms(personas):
    sc = school_class(COLLEGE, 1)
    students = enrolled(sc)
    results_for(sc, {e.student_id: 9 for e in students})
    client = _client(personas["director"])
    response = client.post(f"/councils/{sc.pk}/threshold/", {"threshold": "8,5"}, follow=True)
    assert "were recomputed" in response.content.decode()
    assert set(_proposals(sc).values()) == {"PROMOTED"}
    response = client.post(
        f"/councils/{sc.pk}/override/",
        {"student": students[0].student_id, "decision": "REPEATS", "reason": ""},
        follow=True,
    )
    assert "Give the reason" in response.content.decode()
    response = client.post(f"/councils/{sc.pk}/validate/", follow=True)
    assert 'data-testid="council-validated"' in response.content.decode()
    assert Enrollment.objects.filter(school_class=sc, decision="PROMOTED").count() == len(students)


def test_staff_reads_the_council_page_without_actions(personas):
    sc = school_class(COLLEGE)
    response = _client(personas["staff"]).get(f"/councils/{sc.pk}/")
    assert response.status_code == 200
    assert "council-validate" not in response.content.decode()


def test_council_list_counts_students_waiting(personas):
    sc = school_class(COLLEGE)
    first = enrolled(sc)[0].student_id
    results_for(sc, {first: 8}, proposed={first: "COUNCIL"})
    actor, scope = _director(personas)
    listed = selectors.council_classes(scope, sc.school, sc.year)
    row = next(c for c in listed if c["school_class"].pk == sc.pk)
    assert row["waiting"] == 1 and row["students"] == len(enrolled(sc))
    response = _client(actor).get("/councils/")
    assert response.status_code == 200 and sc.name in response.content.decode()


def test_api_council_flow(personas):
    sc = school_class(COLLEGE, 2)
    students = enrolled(sc)
    waiting = students[0].student_id
    results_for(sc, {e.student_id: 15 for e in students}, proposed={waiting: "COUNCIL"})
    client = _client(personas["director"])
    base = f"/api/v1/evaluation/councils/{sc.pk}"

    got = client.get(base).json()
    assert got["unresolved"] == [students[0].student.code_massar]
    assert got["threshold"] == "10.00" or Decimal(got["threshold"]) == 10

    refused = client.post(f"{base}/validate", {}, content_type="application/json")
    assert refused.status_code == 409 and refused.json()["code"] == "council_pending"
    bad = client.post(
        f"{base}/overrides",
        {"student_id": waiting, "decision": "PROMOTED", "reason": ""},
        content_type="application/json",
    )
    assert bad.status_code == 400 and bad.json()["code"] == "reason_required"
    ok = client.post(
        f"{base}/overrides",
        {"student_id": waiting, "decision": "PROMOTED", "reason": "Bon comportement"},
        content_type="application/json",
    )
    assert ok.status_code == 200
    assert ok.json()["unresolved"] == []
    done = client.post(f"{base}/validate", {}, content_type="application/json")
    assert done.status_code == 200 and done.json()["validated_at"]
    late = client.post(f"{base}/threshold", {"threshold": "9"}, content_type="application/json")
    assert late.status_code == 409 and late.json()["code"] == "council_validated"
    assert client.post(f"{base}/reopen", {}, content_type="application/json").status_code == 200


def test_access_rows_of_the_council_part(personas):
    """The part's rows, run as the access matrix runs them (the whole matrix runs them too)."""
    failures = []
    for builder in rows.ROWS.values():
        for case in builder(personas):
            for role in ROLES:
                client = Client(headers={"accept-language": "en"})
                if role != "anon":
                    client.force_login(personas[role])
                kwargs = {"content_type": "application/json"} if case.json else {}
                data = case.data() if callable(case.data) else case.data
                response = getattr(client, case.method)(case.url, data, **kwargs)
                if response.status_code != case.status_for(role):
                    failures.append(
                        f"{case.method.upper()} {case.url} as {role}: "
                        f"{response.status_code}, expected {case.status_for(role)}"
                    )
    assert not failures, "\n".join(failures)
