"""Sign-in, lockout, sign-out, passwords, recovery codes, the second factor and API tokens."""

import re
from datetime import timedelta

import pyotp
import pytest
from django.contrib.sessions.models import Session
from django.core import mail
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from massar.core import services
from massar.core.models import AuditEntry, RecoveryCode, User

pytestmark = pytest.mark.django_db
PASSWORD = "Orange-Tree-2025!"
LOGIN = "/accounts/sign-in/"


@pytest.fixture
def teacher(personas):
    user = personas["teacher"]
    user.set_password(PASSWORD)
    user.save()
    return user


@pytest.fixture
def director(personas):
    user = personas["director"]
    user.set_password(PASSWORD)
    user.save()
    return user


def sign_in(client, identifier, password, **extra):
    return client.post(LOGIN, {"identifier": identifier, "password": password}, **extra)


def test_teacher_signs_in_with_identifier_and_password(client, teacher):
    response = sign_in(client, teacher.username, PASSWORD)
    assert response.status_code == 302 and response.url == "/"
    assert client.get("/").status_code == 200


def test_identifiers_follow_massar_formats(personas):
    assert re.fullmatch(r"[a-z]+\.[a-z]+\d*@taalim\.ma", personas["teacher"].username)
    code = personas["own_student"].code_massar
    assert personas["student"].username == f"{code}@taalim.ma"


def test_staff_username_is_deduplicated_with_a_number(db):
    first = services.staff_username(first_name="Fatima Zahra", last_name="El Idrissi")
    assert first == "fatimazahra.elidrissi@taalim.ma"
    User.objects.create(username=first)
    assert (
        services.staff_username(first_name="Fatima Zahra", last_name="El Idrissi")
        == "fatimazahra.elidrissi2@taalim.ma"
    )


def test_wrong_password_and_unknown_identifier_get_the_same_clear_message(client, teacher):
    wrong = sign_in(client, teacher.username, "not-it")
    unknown = sign_in(client, "nobody.here@taalim.ma", "not-it")
    for response in (wrong, unknown):
        assert response.status_code == 200
        assert "The identifier or the password is not correct." in response.content.decode()


def test_account_locks_after_repeated_failures(client, teacher):
    for _ in range(5):
        sign_in(client, teacher.username, "wrong-password")
    response = sign_in(client, teacher.username, PASSWORD)  # even the right password
    assert "Too many failed attempts for this account" in response.content.decode()
    assert "_auth_user_id" not in client.session


@override_settings(
    MASSAR_LOCKOUT={"account_failures": 50, "address_failures": 3, "window": timedelta(minutes=15)}
)
def test_client_address_locks_after_failures_across_accounts(client, teacher):
    for n in range(3):
        sign_in(client, f"someone{n}@taalim.ma", "guess", REMOTE_ADDR="10.1.2.3")
    response = sign_in(client, teacher.username, PASSWORD, REMOTE_ADDR="10.1.2.3")
    assert "Too many failed attempts from this connection" in response.content.decode()
    assert sign_in(client, teacher.username, PASSWORD, REMOTE_ADDR="10.9.9.9").status_code == 302


def test_lockout_message_is_translated_to_arabic(client, teacher):
    client.cookies["django_language"] = "ar"
    for _ in range(6):
        response = sign_in(client, teacher.username, "wrong-password")
    assert "محاولات" in response.content.decode()


def test_sign_in_gives_a_new_session_and_sign_out_ends_it_on_the_server(client, teacher):
    client.get(LOGIN)
    before = client.cookies.get("sessionid")
    sign_in(client, teacher.username, PASSWORD)
    key = client.session.session_key
    assert before is None or before.value != key
    assert Session.objects.filter(session_key=key).exists()
    client.post("/accounts/sign-out/")
    assert not Session.objects.filter(session_key=key).exists()
    assert client.get("/").status_code == 302


@override_settings(MASSAR_SESSION_IDLE_SECONDS=60)
def test_idle_session_is_ended(client, teacher):
    sign_in(client, teacher.username, PASSWORD)
    session = client.session
    session["last_seen"] -= 120
    session.save()
    response = client.get("/")
    assert response.status_code == 302 and response.url.startswith(LOGIN)


def test_activity_is_recorded_once_a_minute_and_keeps_the_session_alive(client, teacher):
    """The idle clock moves at most once a minute, so most requests write no session."""
    sign_in(client, teacher.username, PASSWORD)
    session = client.session
    session["last_seen"] -= 30
    session.save()
    seen = client.session["last_seen"]
    assert client.get("/").status_code == 200
    assert client.session["last_seen"] == seen  # 30 s later: not rewritten
    session = client.session
    session["last_seen"] -= 90
    session.save()
    assert client.get("/").status_code == 200
    assert client.session["last_seen"] > seen - 90  # 2 min later: moved to now


CACHED_DB = "django.contrib.sessions.backends.cached_db"


def test_sessions_in_the_cache_read_no_session_row_and_still_end(client, teacher, settings):
    """Production's engine when REDIS_URL is set: sessions read from the cache and written
    through to the database; sign-out and the idle limit work the same."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settings.SESSION_ENGINE = CACHED_DB
    sign_in(client, teacher.username, PASSWORD)
    key = client.session.session_key
    assert Session.objects.filter(session_key=key).exists()  # written through
    assert client.get("/").status_code == 200  # the first request may move the idle clock
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/").status_code == 200
    assert not [q for q in queries if "django_session" in q["sql"]]
    session = client.session
    session["last_seen"] -= settings.MASSAR_SESSION_IDLE_SECONDS + 1
    session.save()
    assert client.get("/").status_code == 302  # idle: ended
    assert not Session.objects.filter(session_key=key).exists()


def test_absolute_session_limit(client, teacher, settings):
    sign_in(client, teacher.username, PASSWORD)
    session = client.session
    session["signed_in_at"] -= settings.SESSION_COOKIE_AGE + 1
    session.save()
    assert client.get("/").status_code == 302


def test_initial_password_must_be_changed_at_first_sign_in(client, personas):
    student = personas["student"]
    initial = services.password_issue(actor=personas["director"], user=student)
    assert student.must_change_password
    sign_in(client, student.username, initial)
    response = client.get("/")
    assert response.status_code == 302 and response.url == "/accounts/password/"
    response = client.post(
        "/accounts/password/",
        {"old_password": initial, "new_password": "short", "new_password_again": "short"},
    )
    assert "too short" in response.content.decode()
    client.post(
        "/accounts/password/",
        {"old_password": initial, "new_password": PASSWORD, "new_password_again": PASSWORD},
    )
    student.refresh_from_db()
    assert not student.must_change_password and student.check_password(PASSWORD)
    assert client.get("/").status_code == 200


def test_initial_password_is_random_and_not_the_birth_date(personas):
    student = personas["own_student"]
    birth = {student.birth_date.strftime(f) for f in ("%d%m%Y", "%Y%m%d", "%d/%m/%Y")}
    passwords = {services.password_issue(actor=None, user=student.user) for _ in range(5)}
    assert len(passwords) == 5
    assert not any(b in p for p in passwords for b in birth)


def test_common_passwords_are_refused(client, teacher):
    sign_in(client, teacher.username, PASSWORD)
    response = client.post(
        "/accounts/password/",
        {
            "old_password": PASSWORD,
            "new_password": "password123",
            "new_password_again": "password123",
        },
    )
    assert "too common" in response.content.decode()


def test_recovery_code_goes_to_guardian_email_or_phone_and_works_once(client, personas):
    from massar.core.sms import ConsoleSms

    student = personas["student"]
    student.recovery_email = ""
    student.save()
    guardian_contacts = services.recovery_contacts(student)
    assert guardian_contacts, "the demo student's guardian has a phone on file"
    ConsoleSms.sent.clear()
    mail.outbox.clear()
    client.post("/accounts/password/forgotten/", {"identifier": student.username})
    texts = [m.body for m in mail.outbox] + [t for _, t in ConsoleSms.sent]
    code = re.search(r"\b(\d{8})\b", texts[0]).group(1)
    data = {
        "identifier": student.username,
        "code": code,
        "new_password": PASSWORD,
        "new_password_again": PASSWORD,
    }
    assert client.post("/accounts/password/reset/", data).status_code == 302
    student.refresh_from_db()
    assert student.check_password(PASSWORD)
    again = client.post("/accounts/password/reset/", data)
    assert "not valid or has expired" in again.content.decode()


def test_expired_recovery_code_is_refused(client, personas):
    student = personas["student"]
    student.recovery_email = "student@example.ma"
    student.save()
    mail.outbox.clear()
    services.recovery_code_send(identifier=student.username)
    code = re.search(r"\b(\d{8})\b", mail.outbox[0].body).group(1)
    RecoveryCode.objects.filter(user=student).update(expires_at=timezone.now())
    with pytest.raises(services.AccountError, match="expired"):
        services.recovery_code_redeem(identifier=student.username, code=code, new_password=PASSWORD)


def test_forgotten_password_page_reveals_nothing_about_accounts(client):
    known = client.post("/accounts/password/forgotten/", {"identifier": "x@taalim.ma"}, follow=True)
    assert "If this account has a recovery e-mail" in known.content.decode()


def test_no_reset_by_identifier_and_birth_date(client, personas):
    student = personas["own_student"]
    response = client.post(
        "/accounts/password/reset/",
        {
            "identifier": student.user.username,
            "code": student.birth_date.strftime("%d%m%Y"),
            "new_password": PASSWORD,
            "new_password_again": PASSWORD,
        },
    )
    assert "not valid" in response.content.decode()
    student.user.refresh_from_db()
    assert not student.user.check_password(PASSWORD)


def test_school_desk_issues_a_new_password(client, personas):
    client.force_login(personas["director"])
    student = personas["untaught_student"]
    from massar.core.models import Role, RoleAssignment
    from massar.core.services import student_username

    student.user = User.objects.create(username=student_username(student.code_massar))
    student.save()
    RoleAssignment.objects.create(user=student.user, role=Role.STUDENT)
    response = client.post(reverse("registry:student_password", args=[student.pk]))
    assert response.status_code == 200
    password = re.search(
        r'data-testid="issued-password">([^<]+)<', response.content.decode()
    ).group(1)
    student.user.refresh_from_db()
    assert student.user.check_password(password) and student.user.must_change_password
    assert AuditEntry.objects.filter(
        action="password.issue", object_id=str(student.user.pk)
    ).exists()


def test_another_schools_director_cannot_issue_a_password(client, personas):
    client.force_login(personas["other_director"])
    response = client.post(reverse("registry:student_password", args=[personas["own_student"].pk]))
    assert response.status_code == 404


def test_director_must_give_a_second_factor(client, director):
    response = sign_in(client, director.username, PASSWORD)
    assert response.url == "/accounts/sign-in/code/"
    assert "_auth_user_id" not in client.session
    wrong = client.post("/accounts/sign-in/code/", {"code": "000000"})
    assert "This code is not correct" in wrong.content.decode()
    code = pyotp.TOTP(director.totp_secret).now()
    assert client.post("/accounts/sign-in/code/", {"code": code}).url == "/"
    assert client.get("/").status_code == 200


def test_a_totp_code_cannot_be_replayed(director):
    code = pyotp.TOTP(director.totp_secret).now()
    assert services.totp_check(user=director, code=code)
    assert not services.totp_check(user=director, code=code)


def test_required_role_without_second_factor_is_sent_to_set_it_up(client, director):
    director.totp_enabled = False
    director.totp_secret = ""
    director.save()
    sign_in(client, director.username, PASSWORD)
    response = client.get("/")
    assert response.status_code == 302 and response.url == "/accounts/two-step/"
    page = client.get("/accounts/two-step/")
    secret = re.search(r'data-testid="totp-secret">([A-Z2-7]+)<', page.content.decode()).group(1)
    client.post("/accounts/two-step/", {"code": pyotp.TOTP(secret).now()})
    director.refresh_from_db()
    assert director.totp_enabled
    assert client.get("/").status_code == 200


def test_teacher_may_turn_on_the_second_factor_and_off_again(client, teacher):
    sign_in(client, teacher.username, PASSWORD)
    page = client.get("/accounts/two-step/")
    secret = re.search(r'data-testid="totp-secret">([A-Z2-7]+)<', page.content.decode()).group(1)
    client.post("/accounts/two-step/", {"code": pyotp.TOTP(secret).now()})
    teacher.refresh_from_db()
    assert teacher.totp_enabled
    client.post("/accounts/two-step/", {"disable": "1"})
    teacher.refresh_from_db()
    assert not teacher.totp_enabled


def test_director_cannot_turn_the_second_factor_off(director):
    with pytest.raises(services.AccountError):
        services.totp_disable(user=director)


def test_api_token_needs_password_and_totp_for_a_director(client, director):
    url = "/api/v1/auth/token"
    no_code = client.post(
        url,
        {"identifier": director.username, "password": PASSWORD},
        content_type="application/json",
    )
    assert no_code.status_code == 401 and no_code.json()["code"] == "bad_totp"
    ok = client.post(
        url,
        {
            "identifier": director.username,
            "password": PASSWORD,
            "totp_code": pyotp.TOTP(director.totp_secret).now(),
        },
        content_type="application/json",
    )
    token = ok.json()["token"]
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200 and me.json()["primary_role"] == "DIRECTOR"


def test_api_errors_are_json_with_a_stable_code(client, teacher):
    anon = client.get("/api/v1/me")
    assert anon.status_code == 401 and anon.json()["code"] == "unauthenticated"
    bad = client.post(
        "/api/v1/auth/token",
        {"identifier": teacher.username, "password": "x"},
        content_type="application/json",
    )
    assert bad.status_code == 401 and bad.json() == {
        "code": "bad_credentials",
        "message": "The identifier or the password is not correct.",
    }
    fr = client.post(
        "/api/v1/auth/token",
        {"identifier": teacher.username, "password": "x"},
        content_type="application/json",
        headers={"Accept-Language": "fr"},
    )
    assert fr.json()["message"] != bad.json()["message"]
    invalid = client.post("/api/v1/auth/token", {"identifier": 1}, content_type="application/json")
    assert invalid.status_code == 422 and invalid.json()["code"] == "invalid"


def test_production_settings_hash_with_argon2():
    import subprocess
    import sys

    out = subprocess.run(
        [
            sys.executable,
            "-c",
            "from django.conf import settings; import django; "
            "django.setup(); print(settings.PASSWORD_HASHERS[0])",
        ],
        env={
            "MASSAR_ENV": "production",
            "SECRET_KEY": "x" * 60,
            "PATH": "/usr/bin",
            "DJANGO_SETTINGS_MODULE": "massar.settings",
            "DATABASE_URL": "sqlite:////tmp/massar-argon.sqlite3",
        },
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip().endswith("Argon2PasswordHasher")
