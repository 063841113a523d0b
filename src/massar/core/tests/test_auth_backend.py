"""The sign-in backend reads the user and their roles in one statement on every signed-in
request; the Redis cache keeps one client per connection pool."""

import threading

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from massar.core.cache import RedisCache
from massar.core.models import Role, RoleAssignment

pytestmark = pytest.mark.django_db


def _user_reads(queries) -> list[str]:
    return [q["sql"] for q in queries if "core_user" in q["sql"] or "roleassignment" in q["sql"]]


def test_a_signed_in_request_reads_user_and_roles_in_one_statement(client, personas):
    teacher = personas["teacher"]
    client.force_login(teacher)
    assert client.get("/").status_code == 200  # the first request may move the idle clock
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/space/teacher/").status_code == 200
    reads = _user_reads(queries)
    assert len(reads) == 1, reads
    assert "core_roleassignment" in reads[0]


def test_roles_and_deactivation_apply_at_the_next_request(client, personas):
    teacher = personas["teacher"]
    client.force_login(teacher)
    assert client.get("/space/teacher/").status_code == 200
    RoleAssignment.objects.filter(user=teacher, role=Role.TEACHER).delete()
    assert client.get("/space/teacher/").status_code == 403
    teacher.is_active = False
    teacher.save(update_fields=["is_active"])
    response = client.get("/space/teacher/")
    assert response.status_code == 302 and "/accounts/sign-in/" in response.url


def test_redis_cache_reuses_one_client_per_pool_across_threads(settings):
    cache = RedisCache(settings.MASSAR_TEST_REDIS_URL, {"KEY_PREFIX": "massar-test-client"})
    first = cache._cache.get_client()
    assert cache._cache.get_client() is first
    assert cache._cache.get_client(write=True) is first  # one server: one pool
    seen, errors = [], []

    def work(n):
        try:
            cache.set(f"k{n}", n, 30)
            seen.append((cache.get(f"k{n}"), cache._cache.get_client() is first))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and sorted(seen) == [(n, True) for n in range(8)]
    cache.delete_many([f"k{n}" for n in range(8)])
