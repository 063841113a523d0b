"""Audit log, jobs and their progress page, the admin's gate, pages and assets."""

import pytest
from django.db import DatabaseError, connection, transaction
from django.test import override_settings

from massar.core.audit import audit_record
from massar.core.jobs import JobFailed, job_handler, job_start
from massar.core.models import AuditEntry, Job
from massar.demo.builder import DEMO_YEAR

pytestmark = pytest.mark.django_db


@job_handler("test.count")
def _count(job, progress):
    progress.total(job.params["n"])
    for i in range(1, job.params["n"] + 1):
        progress.advance(i)
    return {"summary": f"counted {job.params['n']}"}


@job_handler("test.refuse")
def _refuse(job, progress):
    raise JobFailed(["row 3, birth_date: invalid date"])


def test_audit_log_is_append_only_even_in_sql(personas):
    entry = audit_record(
        actor=personas["director"],
        action="test.write",
        object_type="x",
        object_id=1,
        before={"a": 1},
        after={"a": 2},
        school_id=5,
    )
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        AuditEntry.objects.filter(pk=entry.pk).update(action="forged")
    with pytest.raises(DatabaseError), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("UPDATE core_auditentry SET action = 'forged' WHERE id = %s", [entry.pk])
    if connection.vendor == "postgresql":
        with pytest.raises(DatabaseError), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("DELETE FROM core_auditentry WHERE id = %s", [entry.pk])
    with pytest.raises(PermissionError):
        AuditEntry.objects.filter(pk=entry.pk).delete()
    entry.refresh_from_db()
    assert entry.action == "test.write" and entry.after == {"a": 2}


def test_audit_records_the_actor_and_client_address(client, personas):
    client.force_login(personas["director"])
    student = personas["own_student"]  # has an account, in the director's collège
    response = client.post(f"/students/{student.pk}/password/", REMOTE_ADDR="192.0.2.7")
    assert response.status_code == 200
    entry = AuditEntry.objects.get(action="password.issue", object_id=str(student.user_id))
    assert entry.client_address == "192.0.2.7" and entry.actor == personas["director"]


def test_job_runs_with_progress_and_its_page_shows_it(client, personas):
    user = personas["director"]
    job = job_start(kind="test.count", title="Count", params={"n": 250}, actor=user)
    job.refresh_from_db()
    assert (job.status, job.done, job.total, job.percent) == ("DONE", 250, 250, 100)
    client.force_login(user)
    page = client.get(f"/jobs/{job.pk}/")
    assert b'value="100"' in page.content and b"counted 250" in page.content
    partial = client.get(f"/jobs/{job.pk}/", headers={"HX-Request": "true"})
    assert b"<html" not in partial.content and b"job-progress" in partial.content
    api = client.get(f"/api/v1/jobs/{job.pk}")
    assert api.json()["percent"] == 100


def test_unfinished_job_page_polls_for_progress(client, personas):
    user = personas["director"]
    job = Job.objects.create(
        kind="test.count", title="Waiting", total=10, done=4, status="RUNNING", created_by=user
    )
    client.force_login(user)
    page = client.get(f"/jobs/{job.pk}/").content.decode()
    assert 'hx-trigger="every 1s"' in page and 'value="40"' in page


def test_failed_job_keeps_its_errors(personas):
    job = job_start(kind="test.refuse", title="Refuse", params={}, actor=personas["director"])
    job.refresh_from_db()
    assert job.status == "FAILED" and job.errors == ["row 3, birth_date: invalid date"]


def test_another_users_job_is_not_found(client, personas):
    job = job_start(kind="test.count", title="Count", params={"n": 1}, actor=personas["teacher"])
    client.force_login(personas["guardian"])
    assert client.get(f"/jobs/{job.pk}/").status_code == 404
    assert client.get(f"/api/v1/jobs/{job.pk}").status_code == 404


@override_settings(MASSAR_JOB_RUNNER="thread")
def test_thread_runner_finishes_the_job(personas, transactional_db):
    import time

    job = job_start(kind="test.count", title="Count", params={"n": 5}, actor=None)
    for _ in range(100):
        job.refresh_from_db()
        if job.is_finished:
            break
        time.sleep(0.05)
    assert job.status == "DONE"


def test_admin_is_for_ministry_administrators_with_second_factor(client, personas):
    client.force_login(personas["director"])
    assert client.get("/admin/").status_code == 302
    client.force_login(personas["ministry"])
    assert client.get("/admin/").status_code == 302  # no second factor in this session
    session = client.session
    session["second_factor"] = True
    session.save()
    assert client.get("/admin/").status_code == 200


def test_assets_are_served_locally_and_pages_name_no_cdn(client, personas):
    client.force_login(personas["teacher"])
    page = client.get("/").content.decode()
    assert "http://" not in page.replace("http://www.w3.org", "") and "https://" not in page
    assert client.get("/static/vendor/htmx.min.js").status_code == 200
    docs = client.get("/api/docs").content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in docs and "cdn" not in docs.lower()


def test_pages_send_a_content_security_policy(client):
    response = client.get("/accounts/sign-in/")
    assert "default-src 'self'" in response["Content-Security-Policy"]


@pytest.mark.parametrize(
    "lang,direction,word", [("ar", "rtl", "تسجيل الدخول"), ("fr", "ltr", "Se connecter")]
)
def test_sign_in_page_in_arabic_and_french(client, lang, direction, word):
    client.cookies["django_language"] = lang
    page = client.get("/accounts/sign-in/").content.decode()
    assert f'dir="{direction}"' in page and f'lang="{lang}"' in page and word in page
    if lang == "ar":
        assert "bootstrap.rtl.min.css" in page


@pytest.mark.parametrize(
    "role,marker",
    [
        ("ministry", "Schools under your oversight"),
        ("academy", "Schools under your oversight"),
        ("directorate", "Schools under your oversight"),
        ("director", "students enrolled in"),
        ("staff", "students enrolled in"),
        ("teacher", "My classes in"),
        ("guardian", "My children"),
        ("student", "My schooling"),
    ],
)
def test_home_page_per_role(client, personas, role, marker, django_assert_max_num_queries):
    client.force_login(personas[role])
    with django_assert_max_num_queries(12):
        page = client.get("/")
    assert marker in page.content.decode()


def test_guardian_home_lists_each_child_once(client, personas):
    client.force_login(personas["guardian"])
    page = client.get("/").content.decode()
    assert page.count('data-testid="child"') >= 2
    assert personas["other_family_student"].code_massar not in page


def test_director_home_counts_each_student_once(client, personas):
    client.force_login(personas["director"])
    page = client.get("/").content.decode()
    assert f"120 students enrolled in {DEMO_YEAR.code}" in page and "6 classes" in page


def test_director_menu_reaches_every_rentree_page(client, personas):
    client.force_login(personas["director"])
    page = client.get("/").content.decode()
    for url in (
        "/rentree/",
        "/classes/",
        "/assignments/",
        "/transfers/",
        "/staff/",
        "/students/register/",
        "/imports/students/",
    ):
        assert f'href="{url}"' in page, url
