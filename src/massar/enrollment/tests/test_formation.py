"""Class formation against the database: the structure of a year, students put into classes
by hand (all or none), the automatic distribution previewed then confirmed (audited, refused
when the level changed or lacks room), pair requests and siblings, the command, the API, who
may do what, and a constant number of queries for a 1,500-student lycée."""

import itertools
import threading
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import close_old_connections, connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from massar.core.models import AuditEntry
from massar.core.scopes import scope_for
from massar.demo.builder import DEMO_YEAR, PREVIOUS_YEAR
from massar.enrollment import formation_services as services
from massar.enrollment.class_formation import (
    FormationError,
    FormationOptions,
    form_classes,
    load_formation,
)
from massar.enrollment.models import ClassPairing, Enrollment, SchoolClass
from massar.registry.models import Guardian, GuardianLink, Student
from massar.schools.models import Level, School, SchoolYear, Track

YEAR = DEMO_YEAR.code

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english_commands():
    """Commands speak the default language (French); these tests read English."""
    from django.utils import translation

    with translation.override("en"):
        yield


_codes = itertools.count(1)


def _year() -> SchoolYear:
    return SchoolYear.objects.get(is_current=True)


def _students(school, level_code, n, *, track_code=None, year=None, school_class=None, seed=0):
    """`n` new students enrolled in a level (and track) of the school, without a class unless
    one is given: two bulk inserts whatever `n`."""
    year = year or _year()
    level = Level.objects.get(code=level_code)
    track = Track.objects.get(code=track_code) if track_code else None
    codes = [f"T{next(_codes):09d}" for _ in range(n)]
    Student.objects.bulk_create(
        [
            Student(
                code_massar=code,
                last_name_fr=f"Eleve{i:05d}",
                first_name_fr="Test",
                last_name_ar="تلميذ",
                first_name_ar="اختبار",
                sex="F" if (i + seed) % 2 else "M",
                birth_date=date(
                    DEMO_YEAR.start_year - 5 - level.order, 1 + (i * 7 + seed) % 12, 1 + i % 28
                ),
            )
            for i, code in enumerate(codes)
        ],
        batch_size=1000,
    )
    students = list(Student.objects.filter(code_massar__in=codes).order_by("code_massar"))
    Enrollment.objects.bulk_create(
        [
            Enrollment(
                student=s,
                school=school,
                year=year,
                level=level,
                track=track,
                school_class=school_class,
                enrolled_on=year.starts_on,
                is_repeater=i % 7 == 0,
            )
            for i, s in enumerate(students)
        ],
        batch_size=1000,
    )
    return list(
        Enrollment.objects.filter(student__in=students, year=year)
        .select_related("student")
        .order_by("student__code_massar")
    )


@pytest.fixture
def college(personas):
    return School.objects.get(code="04012B")


@pytest.fixture
def director(personas):
    return personas["director"]


def _ids(enrollments):
    return [e.pk for e in enrollments]


# --- structure -----------------------------------------------------------------------------------


def test_structure_page_lists_levels_classes_and_students_without_a_class(
    client, director, college
):
    _students(college, "1AC", 5)
    client.force_login(director)
    page = client.get("/classes/").content.decode()
    assert 'data-testid="level-1AC"' in page and "1AC-1" in page and "3AC-2" in page
    assert 'data-testid="declare"' in page
    assert "5 without a class" in page


def test_director_declares_classes_named_after_the_level(client, director, college):
    client.force_login(director)
    response = client.post(
        "/classes/declare/", {"school": college.pk, "level": "1AC", "count": "4", "capacity": "35"}
    )
    assert response.status_code == 302
    created = SchoolClass.objects.filter(school=college, year=_year(), name__in=["1AC-3", "1AC-6"])
    assert created.count() == 2 and {c.capacity for c in created} == {35}
    assert AuditEntry.objects.filter(action="class.create", school_id=college.pk).count() == 4


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"level": "1AC", "names": "1AC-1, 1AC-9"}, f"already used in {YEAR}: 1AC-1"),
        ({"level": "1AC", "names": "A, B, A"}, f"already used in {YEAR}: A"),
        ({"level": "TC", "track": "TCS", "count": "1"}, "does not teach level TC"),
        ({"level": "1AC", "count": "1", "capacity": "0"}, "A capacity is a whole number"),
        ({"level": "1AC", "count": "0"}, "Declare from 1 to 40 classes"),
    ],
)
def test_a_bad_declaration_is_refused_with_a_message_and_creates_nothing(
    client, director, college, payload, message
):
    client.force_login(director)
    before = SchoolClass.objects.count()
    response = client.post(
        "/classes/declare/", {"school": college.pk, "capacity": "30", **payload}, follow=True
    )
    assert message in response.content.decode()
    assert SchoolClass.objects.count() == before


def test_a_closed_year_refuses_every_change(director, college):
    year = _year()
    SchoolYear.objects.filter(pk=year.pk).update(is_closed=True)
    year.refresh_from_db()
    scope = scope_for(director)
    level = Level.objects.get(code="1AC")
    with pytest.raises(FormationError, match="is closed"):
        services.classes_declare(
            actor=director,
            scope=scope,
            school=college,
            year=year,
            level=level,
            track=None,
            names=["1AC-9"],
            capacity=30,
        )
    school_class = SchoolClass.objects.get(school=college, name="1AC-1")
    with pytest.raises(FormationError, match="is closed"):
        services.class_update(actor=director, scope=scope, school_class=school_class, capacity=45)
    with pytest.raises(FormationError, match="is closed"):
        form_classes(
            school_id=college.pk, year_id=year.pk, level_id=level.pk, track_id=None, actor=director
        )


def test_a_level_with_tracks_needs_one_of_its_tracks(director):
    lycee = School.objects.get(code="04021C")
    scope = scope_for(director)
    with pytest.raises(PermissionDenied):  # the director does not run the lycée
        services.classes_declare(
            actor=director,
            scope=scope,
            school=lycee,
            year=_year(),
            level=Level.objects.get(code="TC"),
            track=None,
            names=["TC-X"],
            capacity=30,
        )
    with pytest.raises(FormationError, match="not a track of level TC"):
        services._taught(lycee, Level.objects.get(code="TC"), Track.objects.get(code="PC"))
    with pytest.raises(FormationError, match="needs a track"):
        services._taught(lycee, Level.objects.get(code="TC"), None)


def test_capacity_below_the_class_size_is_refused(client, director):
    school_class = SchoolClass.objects.get(school__code="04012B", name="1AC-1")  # 20 students
    client.force_login(director)
    page = client.post(
        f"/classes/{school_class.pk}/edit/", {"name": "1AC-1", "capacity": "12"}, follow=True
    ).content.decode()
    assert "has 20 students: its capacity cannot be less" in page
    school_class.refresh_from_db()
    assert school_class.capacity == 40


def test_rename_to_a_name_in_use_is_refused_and_a_rename_is_audited(client, director):
    school_class = SchoolClass.objects.get(school__code="04012B", name="1AC-1")
    client.force_login(director)
    page = client.post(
        f"/classes/{school_class.pk}/edit/", {"name": "2AC-1", "capacity": "40"}, follow=True
    ).content.decode()
    assert f"A class named 2AC-1 already exists in {YEAR}" in page
    client.post(f"/classes/{school_class.pk}/edit/", {"name": "1AC-A", "capacity": "38"})
    school_class.refresh_from_db()
    assert (school_class.name, school_class.capacity) == ("1AC-A", 38)
    entry = AuditEntry.objects.get(action="class.update", object_id=str(school_class.pk))
    assert entry.before == {"name": "1AC-1", "capacity": 40} and entry.after["capacity"] == 38


def test_only_a_class_without_students_can_be_deleted(client, director, college):
    full = SchoolClass.objects.get(school=college, name="1AC-1")
    empty = SchoolClass.objects.create(
        school=college, year=_year(), level=full.level, name="1AC-9", capacity=30
    )
    client.force_login(director)
    page = client.post(f"/classes/{full.pk}/delete/", follow=True).content.decode()
    assert "has students: move them to other classes" in page
    assert SchoolClass.objects.filter(pk=full.pk).exists()
    client.post(f"/classes/{empty.pk}/delete/")
    assert not SchoolClass.objects.filter(pk=empty.pk).exists()
    assert AuditEntry.objects.filter(action="class.delete", object_id=str(empty.pk)).exists()


# --- by hand -------------------------------------------------------------------------------------


def test_the_formation_page_reads_right_to_left_in_arabic(director, college):
    _students(college, "1AC", 2)
    client = Client(headers={"accept-language": "ar"})
    client.force_login(director)
    page = client.get(f"/classes/1AC/?school={college.pk}").content.decode()
    assert 'dir="rtl"' in page and "تلميذ اختبار" in page
    assert client.get(f"/classes/TC/?school={college.pk}&track=TCS").status_code == 404


def test_director_moves_a_multi_selection_into_a_class(client, director, college):
    new = _students(college, "1AC", 3)
    target = SchoolClass.objects.get(school=college, name="1AC-2")
    client.force_login(director)
    page = client.get(f"/classes/1AC/?school={college.pk}").content.decode()
    assert all(f'value="{e.pk}"' in page for e in new)  # one checkbox each
    response = client.post(
        "/classes/1AC/assign/",
        {"school": college.pk, "target": target.pk, "enrollment": _ids(new)},
        follow=True,
    )
    assert "3 students put in class 1AC-2" in response.content.decode()
    assert set(
        Enrollment.objects.filter(pk__in=_ids(new)).values_list("school_class", flat=True)
    ) == {target.pk}
    entry = AuditEntry.objects.get(action="class.assign", object_id=str(target.pk))
    assert sorted(entry.after["added"]) == sorted(e.student.code_massar for e in new)


def test_over_capacity_selection_is_refused_and_nobody_moves(client, director, college):
    target = SchoolClass.objects.get(school=college, name="1AC-1")  # 20 of 40
    new = _students(college, "1AC", 21)
    client.force_login(director)
    page = client.post(
        "/classes/1AC/assign/",
        {"school": college.pk, "target": target.pk, "enrollment": _ids(new)},
        follow=True,
    ).content.decode()
    assert "Class 1AC-1 has 20 free places (capacity 40) and you selected 21 students" in page
    assert not Enrollment.objects.filter(pk__in=_ids(new), school_class__isnull=False).exists()
    assert not AuditEntry.objects.filter(action="class.assign").exists()


def test_students_of_another_level_cannot_be_put_in_the_class(director, college):
    target = SchoolClass.objects.get(school=college, name="1AC-1")
    other = _students(college, "2AC", 1)
    with pytest.raises(FormationError, match="not enrolled in this level"):
        services.class_assign(
            actor=director,
            scope=scope_for(director),
            school_class=target,
            enrollment_ids=_ids(other),
        )


def test_students_are_taken_out_of_their_class_from_the_class_page(client, director, college):
    school_class = SchoolClass.objects.get(school=college, name="1AC-1")
    two = list(school_class.enrollments.order_by("pk")[:2])
    client.force_login(director)
    assert "class-students" in client.get(f"/classes/{school_class.pk}/").content.decode()
    response = client.post(
        "/classes/1AC/assign/",
        {"school": college.pk, "target": "none", "enrollment": _ids(two), "back": school_class.pk},
    )
    assert response.url == f"/classes/{school_class.pk}/"
    assert Enrollment.objects.filter(pk__in=_ids(two), school_class__isnull=True).count() == 2


@pytest.mark.django_db(transaction=True)
def test_two_sessions_filling_the_last_places_never_overfill_the_class(personas):
    """Each assignment locks the class row: the second sees the first's students and is
    refused, whole, when the class would go over its capacity."""
    college = School.objects.get(code="04012B")
    target = SchoolClass.objects.get(school=college, name="1AC-1")  # 20 students
    SchoolClass.objects.filter(pk=target.pk).update(capacity=24)
    batches = [_ids(_students(college, "1AC", 3)), _ids(_students(college, "1AC", 3))]
    director = personas["director"]
    barrier = threading.Barrier(2)
    outcomes = []

    def assign(ids):
        try:
            barrier.wait()
            services.class_assign(
                actor=director,
                scope=scope_for(director),
                school_class=target,
                enrollment_ids=ids,
            )
            outcomes.append("moved")
        except FormationError as err:
            outcomes.append(err.code)
        except Exception as err:  # noqa: BLE001 (shown in the assertion, not lost in a thread)
            outcomes.append(repr(err))
        finally:
            close_old_connections()

    threads = [threading.Thread(target=assign, args=(ids,)) for ids in batches]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["moved", "over_capacity"], (connection.vendor, outcomes)
    assert target.enrollments.filter(status="ENROLLED").count() == 23


# --- automatic distribution ----------------------------------------------------------------------


def _fresh_level(college, n=50, capacity=30, classes=2):
    """1AC emptied of its demo classes' students, with `n` new students and fresh classes."""
    Enrollment.objects.filter(school=college, level__code="1AC").update(status="LEFT")
    SchoolClass.objects.filter(school=college, level__code="1AC").update(capacity=capacity)
    for k in range(classes - 2):
        SchoolClass.objects.create(
            school=college,
            year=_year(),
            level=Level.objects.get(code="1AC"),
            name=f"1AC-{k + 3}",
            capacity=capacity,
        )
    return _students(college, "1AC", n)


def test_preview_writes_nothing_and_shows_the_balance(client, director, college):
    new = _fresh_level(college, n=50)
    audits = AuditEntry.objects.count()
    client.force_login(director)
    page = client.get(f"/classes/1AC/?school={college.pk}&preview=1&siblings=none").content.decode()
    assert 'data-testid="balance-plan"' in page and 'data-testid="confirm"' in page
    assert "50 students would be placed" in page
    assert not Enrollment.objects.filter(pk__in=_ids(new), school_class__isnull=False).exists()
    assert AuditEntry.objects.count() == audits
    partial = client.get(
        f"/classes/1AC/?school={college.pk}&preview=1", headers={"HX-Request": "true"}
    ).content.decode()
    assert partial.startswith('<div data-testid="preview">') and "<html" not in partial


def test_confirm_applies_the_preview_and_audits_one_row_per_class(client, director, college):
    new = _fresh_level(college, n=50)
    client.force_login(director)
    preview = client.get(
        f"/api/v1/formation/schools/{college.pk}/levels/1AC/preview?siblings=none"
    ).json()
    assert preview["placed"] == 50 and not preview["applied"]
    sizes = sorted(c["size"] for c in preview["classes"])
    assert sizes == [25, 25]
    response = client.post(
        "/classes/1AC/confirm/",
        {"school": college.pk, "fingerprint": preview["fingerprint"], "siblings": "none"},
        follow=True,
    )
    assert "50 students placed in 2 classes" in response.content.decode()
    placed = dict(Enrollment.objects.filter(pk__in=_ids(new)).values_list("pk", "school_class"))
    assert all(placed.values())
    assert {m["enrollment_id"]: m["to_class_id"] for m in preview["moves"]} == placed
    entries = AuditEntry.objects.filter(action="class.formation", school_id=college.pk)
    assert entries.count() == 2
    assert sum(len(e.after["added"]) for e in entries) == 50
    assert all(e.actor == director and e.after["balance"]["size"] == 25 for e in entries)


def test_confirm_is_refused_when_the_level_changed_since_the_preview(client, director, college):
    _fresh_level(college, n=20)
    client.force_login(director)
    url = f"/api/v1/formation/schools/{college.pk}/levels/1AC"
    fingerprint = client.get(f"{url}/preview").json()["fingerprint"]
    late = _students(college, "1AC", 1)  # enrolled while the director looked at the preview
    response = client.post(
        f"{url}/confirm", {"fingerprint": fingerprint}, content_type="application/json"
    )
    assert response.status_code == 409 and response.json()["code"] == "stale_preview"
    assert not Enrollment.objects.filter(
        school=college, level__code="1AC", status="ENROLLED", school_class__isnull=False
    ).exists()
    assert late[0].school_class_id is None
    assert not AuditEntry.objects.filter(action="class.formation").exists()


def test_confirm_is_refused_when_the_classes_lack_room(client, director, college):
    _fresh_level(college, n=70, capacity=30)  # 60 places for 70
    client.force_login(director)
    page = client.get(f"/classes/1AC/?school={college.pk}&preview=1").content.decode()
    assert 'data-testid="no-room"' in page and 'data-testid="confirm"' not in page
    assert "10 students would be left without a class" in page
    url = f"/api/v1/formation/schools/{college.pk}/levels/1AC"
    fingerprint = client.get(f"{url}/preview").json()["fingerprint"]
    response = client.post(
        f"{url}/confirm", {"fingerprint": fingerprint}, content_type="application/json"
    )
    assert response.status_code == 409 and response.json()["code"] == "no_room"
    assert "Add a class or raise a capacity" in response.json()["message"]
    assert not Enrollment.objects.filter(
        school=college, level__code="1AC", status="ENROLLED", school_class__isnull=False
    ).exists()


def test_only_students_without_a_class_move_unless_everyone_is_redistributed(director, college):
    Enrollment.objects.filter(school=college, level__code="1AC").update(status="LEFT")
    first = SchoolClass.objects.get(school=college, name="1AC-1")
    kept = _students(college, "1AC", 10, school_class=first)
    new = _students(college, "1AC", 10)
    year, level = _year(), Level.objects.get(code="1AC")
    plan = form_classes(
        school_id=college.pk, year_id=year.pk, level_id=level.pk, track_id=None, actor=director
    )
    assert plan.placed == 10 and plan.unplaced == 0
    assert set(
        Enrollment.objects.filter(pk__in=_ids(kept)).values_list("school_class", flat=True)
    ) == {first.pk}
    # the ten newcomers fill the other class first: sizes 10 + 0 -> 10 + 10
    assert Enrollment.objects.filter(pk__in=_ids(new), school_class=first).count() == 0
    everyone = form_classes(
        school_id=college.pk,
        year_id=year.pk,
        level_id=level.pk,
        track_id=None,
        only_unassigned=False,
    )
    assert sorted(b.size for b in everyone.classes) == [10, 10]


def test_pair_requests_and_siblings_are_followed(client, director, college):
    new = _fresh_level(college, n=40, capacity=25)
    a, b, c, d = new[:4]
    client.force_login(director)
    for first, second, mode in ((a, b, "TOGETHER"), (c, d, "APART")):
        client.post(
            "/classes/1AC/pairs/",
            {
                "school": college.pk,
                "first": first.student.code_massar,
                "second": second.student.code_massar,
                "mode": mode,
            },
        )
    assert ClassPairing.objects.filter(school=college).count() == 2
    # siblings: e and f share their mother, and are kept together on request
    e, f = new[4], new[5]
    mother = Guardian.objects.create(last_name_fr="X", first_name_fr="Y")
    GuardianLink.objects.bulk_create(
        [GuardianLink(student=s.student, guardian=mother, relation="MOTHER") for s in (e, f)]
    )
    plan = form_classes(
        school_id=college.pk,
        year_id=_year().pk,
        level_id=Level.objects.get(code="1AC").pk,
        track_id=None,
        actor=director,
        options=FormationOptions(siblings="together"),
    )
    assert not plan.broken
    where = dict(Enrollment.objects.filter(pk__in=_ids(new)).values_list("pk", "school_class"))
    assert where[a.pk] == where[b.pk] and where[c.pk] != where[d.pk] and where[e.pk] == where[f.pk]
    page = client.get(f"/classes/1AC/?school={college.pk}").content.decode()
    assert page.count("respected") == 2


def test_siblings_apart_on_request(director, college):
    new = _fresh_level(college, n=20, capacity=20)
    mother = Guardian.objects.create(last_name_fr="X", first_name_fr="Y")
    GuardianLink.objects.bulk_create(
        [GuardianLink(student=s.student, guardian=mother, relation="MOTHER") for s in new[:2]]
    )
    form_classes(
        school_id=college.pk,
        year_id=_year().pk,
        level_id=Level.objects.get(code="1AC").pk,
        track_id=None,
        options=FormationOptions(siblings="apart"),
    )
    first, second = (Enrollment.objects.get(pk=e.pk).school_class_id for e in new[:2])
    assert first and second and first != second


def test_a_pair_request_names_two_students_of_the_school(director, college):
    other = School.objects.get(code="04021C").enrollments.first().student
    mine = college.enrollments.first().student
    with pytest.raises(FormationError, match="has the Code Massar"):
        services.pairing_create(
            actor=director,
            scope=scope_for(director),
            school=college,
            year=_year(),
            first_code=mine.code_massar,
            second_code=other.code_massar,
            mode="APART",
        )
    with pytest.raises(FormationError, match="two different students"):
        services.pairing_create(
            actor=director,
            scope=scope_for(director),
            school=college,
            year=_year(),
            first_code=mine.code_massar,
            second_code=mine.code_massar.lower(),
            mode="APART",
        )


def test_last_years_average_comes_from_the_previous_years_enrollment(college):
    previous = SchoolYear.objects.create(
        code=PREVIOUS_YEAR.code, starts_on=PREVIOUS_YEAR.starts_on, ends_on=PREVIOUS_YEAR.ends_on
    )
    new = _students(college, "1AC", 2)
    Enrollment.objects.bulk_create(
        [
            Enrollment(
                student=e.student,
                school=college,
                year=previous,
                level=Level.objects.get(code="6AP"),
                enrolled_on=previous.starts_on,
                annual_average=Decimal(avg),
                status="LEFT",
            )
            for e, avg in zip(new, ("14.25", "8.50"), strict=True)
        ]
    )
    data = load_formation(
        school_id=college.pk,
        year_id=_year().pk,
        level_id=Level.objects.get(code="1AC").pk,
        track_id=None,
    )
    averages = {s.enrollment_id: s.last_average for s in data.students}
    assert averages[new[0].pk] == 14.25 and averages[new[1].pk] == 8.5
    assert all(s.age and 11 < s.age < 15 for s in data.students)  # 1AC: about 12


# --- the command ---------------------------------------------------------------------------------


def test_form_classes_command_prints_the_balance_and_applies_it(college, capsys):
    new = _fresh_level(college, n=30, capacity=20)
    call_command("form-classes", "--year", YEAR, "--school", "04012B", "--level", "1AC")
    out = capsys.readouterr().out
    assert "1AC-1" in out and "1AC-2" in out and "30 students placed" in out
    assert not Enrollment.objects.filter(pk__in=_ids(new), school_class__isnull=True).exists()
    assert AuditEntry.objects.filter(action="class.formation", source="command").count() == 2


def test_form_classes_command_exits_non_zero_when_classes_lack_room(college, capsys):
    new = _fresh_level(college, n=50, capacity=20)
    with pytest.raises(SystemExit) as exit_:
        call_command(
            "form-classes",
            "--year",
            YEAR,
            "--school",
            "04012B",
            "--level",
            "1AC",
            "--language",
            "en",
        )
    assert exit_.value.code == 1
    err = capsys.readouterr().err
    assert "10 students would be left without a class" in err and "Nothing was written" in err
    assert not Enrollment.objects.filter(pk__in=_ids(new), school_class__isnull=False).exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--year", "1999-2000", "--school", "04012B", "--level", "1AC"], "No school year"),
        (["--year", YEAR, "--school", "99999Z", "--level", "1AC"], "No school has"),
        (["--year", YEAR, "--school", "04012B", "--level", "9XX"], "No level"),
        (["--year", YEAR, "--school", "04012B", "--level", "TC"], "does not teach"),
        (
            ["--year", YEAR, "--school", "04021C", "--level", "TC", "--track", "PC"],
            "not a track of level TC",
        ),
    ],
)
def test_form_classes_command_refuses_bad_arguments(personas, args, message):
    with pytest.raises(CommandError, match=message) as err:
        call_command("form-classes", *args)
    assert err.value.returncode == 2


def test_form_classes_command_runs_every_track_of_a_level_with_tracks(personas, capsys):
    lycee = School.objects.get(code="04021C")
    _students(lycee, "TC", 5, track_code="TCS")
    _students(lycee, "TC", 3, track_code="TCL")
    call_command("form-classes", "--year", YEAR, "--school", "04021C", "--level", "TC")
    out = capsys.readouterr().out
    assert "TC TCS: 5 students placed" in out and "TC TCL: 3 students placed" in out


# --- who may do what -----------------------------------------------------------------------------


def test_teacher_guardian_and_student_are_refused(client, personas, college):
    school_class = SchoolClass.objects.get(school=college, name="1AC-1")
    for role in ("teacher", "guardian", "student"):
        client.force_login(personas[role])
        assert client.get("/classes/").status_code == 403
        assert client.get(f"/classes/{school_class.pk}/").status_code == 403
        api = client.get(f"/api/v1/formation/schools/{college.pk}/structure")
        assert api.status_code == 403


def test_another_schools_director_sees_and_changes_nothing(client, personas, college):
    school_class = SchoolClass.objects.get(school=college, name="1AC-1")
    inside = school_class.enrollments.first()
    client.force_login(personas["other_director"])
    assert client.get(f"/classes/{school_class.pk}/").status_code == 404
    assert client.get(f"/classes/?school={college.pk}").status_code == 404
    response = client.post(
        "/classes/1AC/assign/",
        {"school": college.pk, "target": "none", "enrollment": [inside.pk]},
    )
    assert response.status_code == 404
    inside.refresh_from_db()
    assert inside.school_class_id == school_class.pk


def test_directorate_reads_the_structure_without_changing_it(client, personas, college):
    client.force_login(personas["directorate"])
    page = client.get(f"/classes/?school={college.pk}").content.decode()
    assert "1AC-1" in page and 'data-testid="declare"' not in page
    level = client.get(f"/classes/1AC/?school={college.pk}&preview=1").content.decode()
    assert 'data-testid="automatic"' not in level and 'data-testid="balance-now"' in level
    assert (
        client.post(
            "/classes/declare/",
            {"school": college.pk, "level": "1AC", "count": "1", "capacity": "30"},
        ).status_code
        == 403
    )


def test_staff_reads_but_does_not_write(client, personas, college):
    client.force_login(personas["staff"])
    assert client.get("/classes/").status_code == 200
    page = client.get(f"/classes/1AC/?school={college.pk}").content.decode()
    assert 'name="enrollment"' not in page
    preview = client.get(f"/api/v1/formation/schools/{college.pk}/levels/1AC/preview")
    assert preview.status_code == 403


def test_the_api_is_described_in_the_openapi_schema(client, director):
    client.force_login(director)
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    formation = [p for p in paths if p.startswith("/api/v1/formation/")]
    assert len(formation) == 11
    assert "delete" in paths["/api/v1/formation/classes/{class_id}"]


# --- constant queries ----------------------------------------------------------------------------


LYCEE_MIX = [("TC", "TCS", 0.4), ("TC", "TCL", 0.1), ("1BAC", "1SE", 0.25), ("2BAC", "PC", 0.25)]


def _fill_lycee(lycee, total: int, seed: int) -> None:
    left = total
    for n, (level, track, share) in enumerate(LYCEE_MIX, start=1):
        count = left if n == len(LYCEE_MIX) else round(total * share)
        _students(lycee, level, count, track_code=track, seed=seed)
        left -= count


def _count(client, url: str) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries), response.content.decode()


def test_formation_pages_of_a_lycee_run_the_same_few_queries_for_150_and_1500_students(
    client, personas
):
    lycee = School.objects.get(code="04021C")
    level = Level.objects.get(code="TC")
    SchoolClass.objects.bulk_create(
        [
            SchoolClass(
                school=lycee,
                year=_year(),
                level=level,
                track=Track.objects.get(code="TCS"),
                name=f"TCS-{n}",
                capacity=45,
            )
            for n in range(2, 16)
        ]
    )
    client.force_login(personas["other_director"])  # the lycée's director
    client.get("/")  # the session's first request records its activity (a write of its own)
    urls = [
        "/classes/",
        "/classes/TC/?track=TCS",
        "/classes/TC/?track=TCS&show=all",
        "/classes/TC/?track=TCS&preview=1&siblings=together",
        f"/api/v1/formation/schools/{lycee.pk}/structure",
        f"/api/v1/formation/schools/{lycee.pk}/levels/TC/preview?track=TCS",
    ]
    _fill_lycee(lycee, 150 - 80, seed=1)  # the demo lycée has 80 students already
    small = {url: _count(client, url) for url in urls}
    _fill_lycee(lycee, 1500 - 150, seed=2)
    assert Enrollment.objects.filter(school=lycee, status="ENROLLED").count() == 1500
    large = {url: _count(client, url) for url in urls}
    counts = {url: (small[url][0], large[url][0]) for url in urls}
    print(counts)  # the report quotes them
    for url in urls:
        assert small[url][0] == large[url][0], (url, counts[url])
        assert large[url][0] <= 16, (url, counts[url])
    assert "Page 1 of" in large["/classes/TC/?track=TCS&show=all"][1]


def test_form_classes_runs_a_fixed_number_of_queries_whatever_the_level_size(personas):
    """The rollover calls it for every level of thousands of schools: no query per student,
    one UPDATE per class that receives students."""
    lycee = School.objects.get(code="04021C")
    year, level = _year(), Level.objects.get(code="2BAC")
    track = Track.objects.get(code="SVT")
    ids = {"school_id": lycee.pk, "year_id": year.pk, "level_id": level.pk, "track_id": track.pk}
    SchoolClass.objects.bulk_create(
        [
            SchoolClass(
                school=lycee, year=year, level=level, track=track, name=f"SVT-{n}", capacity=60
            )
            for n in range(1, 11)
        ]
    )
    counts = []
    for n in (30, 400):  # both runs reach the ten classes
        _students(lycee, "2BAC", n, track_code="SVT")
        with CaptureQueriesContext(connection) as ctx:
            plan = form_classes(**ids, options=FormationOptions(siblings="together"))
        assert plan.placed == n and plan.unplaced == 0
        counts.append(len(ctx.captured_queries))
    print(counts)
    assert counts[0] == counts[1], counts
