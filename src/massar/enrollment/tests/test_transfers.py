"""Transfers (mobilité): individual transfers across two directorates (the demo collège
04012B is in directorate 0401, the lycée 04021C and the private school 04022D in 0402), the
refusals (wrong cycle, twice, two directors at once), what each side sees, and collective
mobility as one job with a report."""

import threading
from datetime import date

import pytest
from django.db import close_old_connections, connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

import massar.enrollment.transfer_jobs  # noqa: F401  (registers the job until apps.ready does)
from massar.core.models import AuditEntry, Job, Role, RoleAssignment, User
from massar.core.scopes import scope_for
from massar.demo.builder import NEXT_YEAR
from massar.enrollment import transfers
from massar.enrollment.models import Enrollment, Transfer
from massar.enrollment.tests import access_rows_transfers
from massar.registry.models import StudentStatusChange
from massar.schools.models import Level, School, SchoolYear, Track
from massar.schools.selectors import current_year

pytestmark = pytest.mark.django_db

COLLEGE, LYCEE, PRIVATE, PRIMARY = "04012B", "04021C", "04022D", "04011A"


def director_of(code: str) -> User:
    return (
        RoleAssignment.objects.filter(role=Role.DIRECTOR, school__code=code)
        .select_related("user")
        .order_by("pk")
        .first()
        .user
    )


def enrolled(code: str, level: str, n: int = 0) -> Enrollment:
    return (
        Enrollment.objects.filter(
            school__code=code, level__code=level, status="ENROLLED", year=current_year()
        )
        .select_related("student", "school_class")
        .order_by("pk")[n]
    )


def as_user(user) -> Client:
    client = Client(headers={"accept-language": "en"})
    client.force_login(user)
    return client


def request_in(client, enrollment, **extra):
    """The receiving school asks for a student by Code Massar and date of birth."""
    return client.post(
        "/transfers/new/",
        {
            "side": "in",
            "in-code_massar": enrollment.student.code_massar,
            "in-birth_date": enrollment.student.birth_date.isoformat(),
            **extra,
        },
    )


def api_post(client, url, body=None):
    return client.post(url, body or {}, content_type="application/json")


# --- an individual transfer across two directorates -------------------------------------------


def test_transfer_from_the_college_to_a_school_of_another_directorate(personas):
    origin = enrolled(COLLEGE, "1AC")
    receiving = as_user(director_of(PRIVATE))
    assert receiving.get(f"/students/{origin.student_id}/").status_code == 404

    response = request_in(receiving, origin, **{"in-reason": "Déménagement"})
    transfer = Transfer.objects.get(student=origin.student)
    assert response.url == f"/transfers/{transfer.pk}/"
    assert transfer.status == "REQUESTED" and not transfer.requested_by_family
    assert transfer.origin_school.directorate.code != transfer.receiving_school.directorate.code
    assert (transfer.level.code, transfer.track) == ("1AC", None)

    # The collège sees it leaving and releases it; its staff may not.
    college = as_user(personas["director"])
    listing = college.get("/transfers/?direction=out").content.decode()
    assert origin.student.code_massar in listing
    assert as_user(personas["staff"]).post(f"/transfers/{transfer.pk}/release/").status_code == 403
    college.post(f"/transfers/{transfer.pk}/release/")
    transfer.refresh_from_db()
    assert transfer.status == "RELEASED" and transfer.released_at

    # Still not the receiving school's student: no file yet.
    assert receiving.get(f"/students/{origin.student_id}/").status_code == 404
    response = receiving.post(f"/transfers/{transfer.pk}/accept/")
    assert response.url == f"/transfers/{transfer.pk}/"
    transfer.refresh_from_db()
    origin.refresh_from_db()
    assert transfer.status == "ACCEPTED" and transfer.decided_at
    assert origin.status == "TRANSFERRED_OUT" and origin.left_on == timezone.localdate()
    new = transfer.new_enrollment
    assert (new.school.code, new.level.code, new.status, new.school_class) == (
        PRIVATE,
        "1AC",
        "ENROLLED",
        None,
    )
    assert new.year == current_year()
    status = StudentStatusChange.objects.filter(student=origin.student).first()
    assert status.status == "TRANSFERRED" and status.note == f"{COLLEGE} → {PRIVATE}"
    actions = list(
        AuditEntry.objects.filter(object_type="transfer", object_id=str(transfer.pk))
        .order_by("at", "id")
        .values_list("action", flat=True)
    )
    assert actions == ["transfer.request", "transfer.release", "transfer.accept"]
    # The file follows the student: the receiving school reads it through its enrollment.
    page = receiving.get(f"/students/{origin.student_id}/")
    assert page.status_code == 200 and origin.student.code_massar in page.content.decode()
    detail = receiving.get(f"/transfers/{transfer.pk}/").content.decode()
    assert 'data-testid="student-file"' in detail


def test_family_asks_through_the_origin_school_with_the_api(personas):
    origin = enrolled(COLLEGE, "2AC")
    staff = as_user(personas["staff"])
    response = api_post(
        staff,
        "/api/v1/transfers/",
        {
            "code_massar": origin.student.code_massar,
            "receiving_school": PRIVATE,
            "level": "1AC",
            "reason": "La famille déménage à Salé",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["requested_by_family"] and body["side"] == "origin"
    assert (body["origin_school"], body["receiving_school"], body["level"]) == (
        COLLEGE,
        PRIVATE,
        "1AC",
    )
    assert body["actions"] == ["cancel"]  # the staff asked; only the director releases
    tid = body["id"]
    assert api_post(staff, f"/api/v1/transfers/{tid}/release").status_code == 403
    released = api_post(as_user(personas["director"]), f"/api/v1/transfers/{tid}/release")
    assert released.status_code == 200 and released.json()["status"] == "RELEASED"
    receiving = as_user(director_of(PRIVATE))
    seen = receiving.get(f"/api/v1/transfers/{tid}").json()
    assert seen["side"] == "receiving" and seen["student_id"] is None
    assert seen["actions"] == ["accept", "refuse"]
    accepted = api_post(receiving, f"/api/v1/transfers/{tid}/accept")
    assert accepted.status_code == 200 and accepted.json()["status"] == "ACCEPTED"
    assert accepted.json()["student_id"] == origin.student_id
    assert Enrollment.objects.get(student=origin.student, status="ENROLLED").level.code == "1AC"


# --- bad input and safety ---------------------------------------------------------------------


def test_transfer_to_a_school_of_the_wrong_cycle_is_refused(personas):
    third_year = enrolled(COLLEGE, "3AC")
    lycee = as_user(personas["other_director"])
    page = request_in(lycee, third_year).content.decode()
    assert "does not teach level 3AC" in page
    response = api_post(
        lycee,
        "/api/v1/transfers/",
        {
            "code_massar": third_year.student.code_massar,
            "birth_date": third_year.student.birth_date.isoformat(),
        },
    )
    assert response.status_code == 400 and response.json()["code"] == "wrong_cycle"
    # the family's way, towards a primary school
    response = api_post(
        as_user(personas["director"]),
        "/api/v1/transfers/",
        {"code_massar": third_year.student.code_massar, "receiving_school": PRIMARY},
    )
    assert response.status_code == 400 and response.json()["code"] == "wrong_cycle"
    assert not Transfer.objects.filter(student=third_year.student).exists()


def test_a_level_with_tracks_needs_a_fitting_track(personas):
    third_year = enrolled(COLLEGE, "3AC")
    lycee = as_user(personas["other_director"])
    body = {
        "code_massar": third_year.student.code_massar,
        "birth_date": third_year.student.birth_date.isoformat(),
        "level": "TC",
    }
    assert api_post(lycee, "/api/v1/transfers/", body).json()["code"] == "track"
    wrong = api_post(lycee, "/api/v1/transfers/", {**body, "track": "PC"})
    assert wrong.status_code == 400 and "does not belong to level TC" in wrong.json()["message"]
    right = api_post(lycee, "/api/v1/transfers/", {**body, "track": "TCS"})
    assert right.status_code == 201 and right.json()["track"] == "TCS"


def test_unknown_code_and_wrong_birth_date_get_the_same_answer(personas):
    origin = enrolled(COLLEGE, "1AC")
    receiving = as_user(director_of(PRIVATE))
    wrong_date = api_post(
        receiving,
        "/api/v1/transfers/",
        {"code_massar": origin.student.code_massar, "birth_date": "2001-01-01"},
    )
    unknown = api_post(
        receiving,
        "/api/v1/transfers/",
        {"code_massar": "Z999999999", "birth_date": "2001-01-01"},
    )
    # someone else's student, named by a school that is neither end
    elsewhere = api_post(
        receiving,
        "/api/v1/transfers/",
        {"code_massar": origin.student.code_massar, "receiving_school": LYCEE, "level": "TC"},
    )
    no_date = api_post(receiving, "/api/v1/transfers/", {"code_massar": origin.student.code_massar})
    assert no_date.status_code == 400 and no_date.json()["code"] == "birth_date"
    assert wrong_date.status_code == unknown.status_code == 400
    assert wrong_date.json() == unknown.json()
    assert elsewhere.json()["code"] == "student_not_found"
    assert not Transfer.objects.exists()


def test_accepting_twice_is_refused(personas):
    origin = enrolled(COLLEGE, "1AC")
    receiving = as_user(director_of(PRIVATE))
    request_in(receiving, origin)
    transfer = Transfer.objects.get(student=origin.student)
    early = api_post(receiving, f"/api/v1/transfers/{transfer.pk}/accept")
    assert early.status_code == 409 and early.json()["code"] == "not_released"
    as_user(personas["director"]).post(f"/transfers/{transfer.pk}/release/")
    assert receiving.post(f"/transfers/{transfer.pk}/accept/").status_code == 302
    again = receiving.post(f"/transfers/{transfer.pk}/accept/", follow=True).content.decode()
    assert "This transfer is already accepted." in again
    api_again = api_post(receiving, f"/api/v1/transfers/{transfer.pk}/accept")
    assert api_again.status_code == 409 and api_again.json()["code"] == "already_accepted"
    assert Enrollment.objects.filter(student=origin.student, status="ENROLLED").count() == 1
    assert Enrollment.objects.filter(student=origin.student).count() == 2


def test_one_open_transfer_per_student(personas):
    origin = enrolled(COLLEGE, "1AC")
    request_in(as_user(director_of(PRIVATE)), origin)
    response = api_post(
        as_user(personas["director"]),
        "/api/v1/transfers/",
        {"code_massar": origin.student.code_massar, "receiving_school": PRIVATE},
    )
    assert response.status_code == 409 and response.json()["code"] == "already_open"
    assert Transfer.objects.filter(student=origin.student).count() == 1


def test_refusals_need_a_reason_and_cancel_belongs_to_the_requester(personas):
    origin = enrolled(COLLEGE, "1AC")
    receiving_director = director_of(PRIVATE)
    request_in(as_user(receiving_director), origin)
    transfer = Transfer.objects.get(student=origin.student)
    college = as_user(personas["director"])
    no_reason = api_post(college, f"/api/v1/transfers/{transfer.pk}/refuse", {"reason": " "})
    assert no_reason.status_code == 400 and no_reason.json()["code"] == "reason"
    # the origin did not ask, so it may refuse but not cancel
    assert api_post(college, f"/api/v1/transfers/{transfer.pk}/cancel").status_code == 403
    college.post(f"/transfers/{transfer.pk}/refuse/", {"reason": "Dossier disciplinaire en cours"})
    transfer.refresh_from_db()
    assert transfer.status == "REFUSED" and transfer.reason == "Dossier disciplinaire en cours"
    origin.refresh_from_db()
    assert origin.status == "ENROLLED"
    late = api_post(as_user(receiving_director), f"/api/v1/transfers/{transfer.pk}/cancel")
    assert late.status_code == 409 and late.json()["code"] == "already_refused"
    history = as_user(receiving_director).get(f"/transfers/{transfer.pk}/").content.decode()
    assert "Dossier disciplinaire en cours" in history

    # a new request may follow; its requester cancels it before release
    request_in(as_user(receiving_director), origin)
    second = Transfer.objects.get(student=origin.student, status="REQUESTED")
    api_post(as_user(receiving_director), f"/api/v1/transfers/{second.pk}/cancel")
    second.refresh_from_db()
    assert second.status == "CANCELLED"


# --- what each side sees ----------------------------------------------------------------------


def test_the_receiving_school_sees_only_code_names_birth_date_and_origin(personas):
    origin = enrolled(COLLEGE, "1AC")
    receiving = as_user(director_of(PRIVATE))
    request_in(receiving, origin)
    transfer = Transfer.objects.get(student=origin.student)
    page = receiving.get(f"/transfers/{transfer.pk}/").content.decode()
    student = origin.student
    for shown in (student.code_massar, student.last_name_fr, student.last_name_ar, "Al Massira"):
        assert shown in page
    assert student.birth_date.strftime("%d/%m/%Y") in page
    assert 'data-testid="student-file"' not in page
    assert student.address not in page and origin.school_class.name not in page
    guardian = student.guardian_links.select_related("guardian").first().guardian
    assert guardian.phone not in page
    api = receiving.get(f"/api/v1/transfers/{transfer.pk}").json()
    assert api["student_id"] is None and "address" not in api
    # the origin side reaches the file
    mine = as_user(personas["director"]).get(f"/transfers/{transfer.pk}/").content.decode()
    assert 'data-testid="student-file"' in mine


def test_each_side_and_territory_sees_only_its_part(personas):
    college_out = transfers_make(COLLEGE, PRIVATE, "1AC")  # 0401 → 0402
    elsewhere = transfers_make(LYCEE, PRIVATE, "TC")  # 0402 → 0402
    seen = {
        "director": {college_out},
        "staff": {college_out},
        "directorate": {college_out},  # 0401
        "academy": {college_out, elsewhere},
        "ministry": {college_out, elsewhere},
    }
    for role, expected in seen.items():
        client = as_user(personas[role])
        ids = {t["id"] for t in client.get("/api/v1/transfers/").json()["items"]}
        assert ids == expected, role
        hidden = {college_out, elsewhere} - expected
        for tid in hidden:
            assert client.get(f"/transfers/{tid}/").status_code == 404, role
    lycee = as_user(personas["other_director"])
    lycee_ids = {t["id"] for t in lycee.get("/api/v1/transfers/").json()["items"]}
    assert lycee_ids == {elsewhere}
    assert lycee.get(f"/transfers/{college_out}/").status_code == 404
    for role in ("teacher", "guardian", "student"):
        client = as_user(personas[role])
        assert client.get("/transfers/").status_code == 403, role
        assert client.get(f"/transfers/{college_out}/").status_code == 403, role
        assert client.get(f"/api/v1/transfers/{college_out}").status_code == 403, role
    # direction is relative to the user: the lycée's transfer arrives in 0402
    private = as_user(director_of(PRIVATE))
    arriving = private.get("/api/v1/transfers/?direction=in").json()["items"]
    assert {t["id"] for t in arriving} == {college_out, elsewhere}
    assert private.get("/api/v1/transfers/?direction=out").json()["items"] == []


def transfers_make(origin: str, receiving: str, level: str) -> int:
    return access_rows_transfers.make_transfer(origin, receiving, level=level).pk


def test_the_list_shows_the_required_columns_in_constant_queries(
    personas, django_assert_max_num_queries
):
    for n in range(3):
        access_rows_transfers.make_transfer(COLLEGE, PRIVATE, level="1AC")
        access_rows_transfers.make_transfer(PRIVATE, COLLEGE, level="1AC")
        del n
    client = as_user(personas["ministry"])
    with django_assert_max_num_queries(8):
        page = client.get("/transfers/").content.decode()
    for header in (
        "Code Massar",
        "Name",
        "Date",
        "Type",
        "Origin school",
        "Receiving school",
        "Directorate",
        "Status",
    ):
        assert f'<th scope="col">{header}</th>' in page
    t = Transfer.objects.select_related("student").first()
    assert t.student.code_massar in page and t.student.last_name_fr in page
    assert "Individual" in page and "Requested" in page
    assert timezone.localdate().strftime("%d/%m/%Y") in page
    assert "Collège Al Massira" in page and "Groupe scolaire privé Les Orangers" in page
    assert page.count('data-testid="transfer-row"') == 6
    with django_assert_max_num_queries(8):
        body = client.get("/api/v1/transfers/").json()
    assert body["count"] == 6
    row = body["items"][0]
    assert {"origin_directorate", "receiving_directorate", "kind", "status", "requested_at"} <= set(
        row
    )
    # filters
    assert client.get("/api/v1/transfers/?status=ACCEPTED").json()["count"] == 0
    assert client.get("/api/v1/transfers/?kind=COLLECTIVE").json()["count"] == 0
    today = timezone.localdate().isoformat()
    assert client.get(f"/api/v1/transfers/?since={today}&until={today}").json()["count"] == 6
    assert client.get("/api/v1/transfers/?until=2020-01-01").json()["count"] == 0
    assert (
        client.get(f"/transfers/?q={t.student.code_massar}")
        .content.decode()
        .count('data-testid="transfer-row"')
        == 1
    )


# --- two directors at once --------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("second", ["accept", "refuse"])
def test_two_directors_acting_at_once_end_with_one_outcome(personas, second):
    """Two directors of the receiving school act on one released transfer at the same time;
    the row lock makes the second wait, then see the first's outcome and refuse."""
    origin = enrolled(COLLEGE, "1AC")
    private = School.objects.get(code=PRIVATE)
    first_director = director_of(PRIVATE)
    deputy = User.objects.create_user(username="deputy.private@taalim.ma", password="x")
    RoleAssignment.objects.create(user=deputy, role=Role.DIRECTOR, school=private)
    transfer = transfers.transfer_request(
        actor=first_director,
        scope=scope_for(first_director),
        code_massar=origin.student.code_massar,
        birth_date=origin.student.birth_date,
        receiving_school=private,
    )
    transfers.transfer_release(
        actor=personas["director"], scope=scope_for(personas["director"]), transfer=transfer
    )
    steps = {
        "accept": lambda user, t: transfers.transfer_accept(
            actor=user, scope=scope_for(user), transfer=t
        ),
        "refuse": lambda user, t: transfers.transfer_refuse(
            actor=user, scope=scope_for(user), transfer=t, reason="Classe complète"
        ),
    }
    barrier = threading.Barrier(2)
    outcomes, messages = [], []

    def act(user, step):
        from django.utils import translation

        translation.activate("en")  # a thread starts in the default language
        try:
            barrier.wait()
            steps[step](user, Transfer.objects.get(pk=transfer.pk))
            outcomes.append(step)
        except transfers.TransferError as err:
            outcomes.append("refused")
            messages.append(err.message)
        finally:
            close_old_connections()

    threads = [
        threading.Thread(target=act, args=(first_director, "accept")),
        threading.Thread(target=act, args=(deputy, second)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(outcomes) == 2 and outcomes.count("refused") == 1, (connection.vendor, outcomes)
    transfer.refresh_from_db()
    origin.refresh_from_db()
    enrollments = Enrollment.objects.filter(student=origin.student, status="ENROLLED")
    if transfer.status == "ACCEPTED":
        assert messages == ["This transfer is already accepted."]
        assert origin.status == "TRANSFERRED_OUT"
        assert [e.school.code for e in enrollments] == [PRIVATE]
    else:
        assert transfer.status == "REFUSED" and second == "refuse"
        assert messages == ["This transfer has already been refused."]
        assert origin.status == "ENROLLED" and [e.school.code for e in enrollments] == [COLLEGE]
    assert StudentStatusChange.objects.filter(
        student=origin.student, status="TRANSFERRED"
    ).count() == (1 if transfer.status == "ACCEPTED" else 0)


# --- collective mobility ----------------------------------------------------------------------


@pytest.fixture
def next_year(db):
    year, _ = SchoolYear.objects.get_or_create(
        code=NEXT_YEAR.code,
        defaults={"starts_on": NEXT_YEAR.starts_on, "ends_on": NEXT_YEAR.ends_on},
    )
    return year


def test_collective_mobility_moves_the_6ap_cohort_to_the_college_next_year(personas, next_year):
    cohort = list(
        Enrollment.objects.filter(
            school__code=PRIMARY, level__code="6AP", status="ENROLLED", year=current_year()
        ).order_by("pk")
    )
    assert len(cohort) >= 10
    Enrollment.objects.filter(pk__in=[e.pk for e in cohort]).update(decision="PASSED")
    Enrollment.objects.filter(pk__in=[cohort[0].pk, cohort[1].pk]).update(decision="REPEATS")
    Enrollment.objects.filter(pk=cohort[2].pk).update(decision="")
    Enrollment.objects.filter(pk=cohort[3].pk).update(decision="PROMOTED")
    # one is already enrolled next year (a private collège, say)
    Enrollment.objects.create(
        student_id=cohort[4].student_id,
        school=School.objects.get(code=PRIVATE),
        year=next_year,
        level=Level.objects.get(code="1AC"),
        enrolled_on=next_year.starts_on,
    )
    primary = as_user(director_of(PRIMARY))
    form = primary.get("/transfers/mobility/").content.decode()
    assert 'value="04011A"' in form and NEXT_YEAR.code in form
    with CaptureQueriesContext(connection) as queries:
        response = primary.post(
            "/transfers/mobility/",
            {
                "origin_school": PRIMARY,
                "from_level": "6AP",
                "decisions": ["PROMOTED", "PASSED"],
                "receiving_school": COLLEGE,
                "to_level": "1AC",
                "to_year": NEXT_YEAR.code,
            },
        )
    # set-based: one INSERT per table for the whole cohort, a fixed number of statements
    statements = [q["sql"] for q in queries.captured_queries]
    for table in ("enrollment_enrollment", "enrollment_transfer", "registry_studentstatuschange"):
        assert sum(sql.startswith(f'INSERT INTO "{table}"') for sql in statements) == 1, table
    assert len(statements) < 50
    job = Job.objects.get(kind="transfer.mobility")
    assert response.url == f"/jobs/{job.pk}/"
    assert job.status == "DONE", job.errors
    moved = len(cohort) - 4
    assert job.result["moved"] == moved
    assert job.result["skipped"] == {
        "decision_not_included": 2,
        "no_decision": 1,
        "already_enrolled": 1,
    }
    assert {s["code"] for s in job.result["skipped_students"]} == {
        cohort[n].student.code_massar for n in (0, 1, 2, 4)
    }
    collective = Transfer.objects.filter(batch=job)
    assert collective.count() == moved
    assert set(collective.values_list("kind", "status", "year")) == {
        ("COLLECTIVE", "ACCEPTED", next_year.pk)
    }
    new = Enrollment.objects.filter(year=next_year, school__code=COLLEGE, status="ENROLLED")
    assert new.count() == moved and set(new.values_list("level__code", flat=True)) == {"1AC"}
    # this year's enrollments stay as the students' history
    assert Enrollment.objects.filter(pk__in=[e.pk for e in cohort], status="ENROLLED").count() == (
        len(cohort)
    )
    assert StudentStatusChange.objects.filter(status="TRANSFERRED").count() == moved
    assert AuditEntry.objects.filter(action="transfer.collective").count() == moved

    page = primary.get(f"/jobs/{job.pk}/").content.decode()
    assert f"{moved} students moved from 6AP at {PRIMARY} to 1AC at {COLLEGE}" in page
    assert job.result["link"] == f"/transfers/?batch={job.pk}"
    report = primary.get(job.result["link"]).content.decode()
    assert 'data-testid="mobility-report"' in report
    assert report.count('data-testid="transfer-row"') == moved
    assert cohort[2].student.code_massar in report  # listed with its reason
    # the collège sees them arriving, without the primary school's report
    college = as_user(personas["director"]).get(job.result["link"]).content.decode()
    assert college.count('data-testid="transfer-row"') == moved
    assert 'data-testid="mobility-report"' not in college

    # run again: nothing moves twice
    again = transfers.mobility_start(
        actor=director_of(PRIMARY),
        scope=scope_for(director_of(PRIMARY)),
        origin_school=School.objects.get(code=PRIMARY),
        from_level=cohort[0].level,
        receiving_school=School.objects.get(code=COLLEGE),
        to_level=Level.objects.get(code="1AC"),
        to_year=next_year,
    )
    assert again.result["moved"] == 0 and again.result["skipped"]["already_enrolled"] == moved + 1


def test_directorate_moves_a_3ac_cohort_into_the_lycee_this_year_with_their_tracks(personas):
    """Directorate 0401 moves the collège's 3AC who passed into the lycée of directorate 0402
    this year: their collège enrollments end as transferred out, each student takes the track
    of their orientation, and one without a track is left out."""
    cohort = list(
        Enrollment.objects.filter(
            school__code=COLLEGE, level__code="3AC", status="ENROLLED", year=current_year()
        ).order_by("pk")[:6]
    )
    tcs, tcl = Track.objects.get(code="TCS"), Track.objects.get(code="TCL")
    for e, track in zip(cohort, [None, None, tcs, tcs, tcl, tcl], strict=True):
        Enrollment.objects.filter(pk=e.pk).update(decision="PASSED", decision_track=track)
    with_track = cohort[2:]
    others = Enrollment.objects.filter(
        school__code=COLLEGE, level__code="3AC", status="ENROLLED", year=current_year()
    ).exclude(pk__in=[e.pk for e in cohort])
    others.update(decision="REPEATS")
    directorate = as_user(personas["directorate"])
    response = api_post(
        directorate,
        "/api/v1/transfers/mobility",
        {
            "origin_school": COLLEGE,
            "from_level": "3AC",
            "receiving_school": LYCEE,
            "to_level": "TC",
            "to_year": current_year().code,
        },
    )
    assert response.status_code == 202, response.content
    job = directorate.get(response.json()["progress"]).json()
    assert job["status"] == "DONE"
    assert job["result"]["moved"] == len(with_track)
    assert job["result"]["skipped"]["no_track"] == 2
    for e in cohort:
        e.refresh_from_db()
        new = Enrollment.objects.filter(student=e.student, school__code=LYCEE).first()
        if e.decision_track_id:
            assert e.status == "TRANSFERRED_OUT" and e.left_on == timezone.localdate()
            assert new.status == "ENROLLED" and new.level.code == "TC"
            assert new.track_id == e.decision_track_id and new.year == current_year()
        else:
            assert e.status == "ENROLLED" and new is None
    lycee = as_user(personas["other_director"])
    arriving = lycee.get("/api/v1/transfers/?kind=COLLECTIVE&direction=in").json()
    assert arriving["count"] == len(with_track)


def test_collective_mobility_refusals(personas, next_year):
    primary = as_user(director_of(PRIMARY))
    base = {
        "origin_school": PRIMARY,
        "from_level": "6AP",
        "decisions": ["PASSED"],
        "receiving_school": LYCEE,
        "to_level": "1AC",
        "to_year": NEXT_YEAR.code,
    }
    page = primary.post("/transfers/mobility/", base).content.decode()
    assert "does not teach level 1AC" in page
    # a school that is not the director's
    page = primary.post(
        "/transfers/mobility/", {**base, "origin_school": COLLEGE, "receiving_school": LYCEE}
    ).content.decode()
    assert "not one you may move students from" in page
    # a past year
    SchoolYear.objects.create(
        code="2020-2021", starts_on=date(2020, 9, 7), ends_on=date(2021, 7, 2), is_closed=False
    )
    page = primary.post(
        "/transfers/mobility/", {**base, "receiving_school": COLLEGE, "to_year": "2020-2021"}
    ).content.decode()
    assert "or a later school year" in page
    # directorate 0401 over a school of 0402
    response = api_post(
        as_user(personas["directorate"]),
        "/api/v1/transfers/mobility",
        {**base, "origin_school": LYCEE, "from_level": "TC", "to_level": "1BAC"},
    )
    assert response.status_code == 403
    assert as_user(personas["staff"]).get("/transfers/mobility/").status_code == 403
    assert as_user(personas["teacher"]).get("/transfers/mobility/").status_code == 403
    assert not Job.objects.filter(kind="transfer.mobility").exists()


# --- the access-matrix rows of these routes, until they are merged ----------------------------


def test_every_transfer_route_has_a_row():
    from massar.core.tests.access import all_routes

    routes = [r for r in all_routes() if r.startswith(("transfers/", "api/v1/transfers/"))]
    assert routes and set(routes) == set(access_rows_transfers.ROWS)


def test_transfer_list_export_has_the_list_columns(client, personas):
    client.force_login(personas["directorate"])
    body = b"".join(client.get("/transfers/export.csv").streaming_content).decode("utf-8-sig")
    assert body.splitlines()[0] == (
        "code_massar,last_name_fr,first_name_fr,last_name_ar,first_name_ar,requested_at,kind,"
        "origin_school,receiving_school,origin_directorate,receiving_directorate,level,track,"
        "status"
    )
    client.force_login(personas["teacher"])
    assert client.get("/transfers/export.csv").status_code == 403
