"""Every URL pattern and API route, requested as every role and anonymously, must give the
status its matrix row says: no route without a row, and no object outside a scope."""

import pytest
from django.test import Client

from massar.core.tests.access import ROLES, all_routes, collect_rows

pytestmark = pytest.mark.django_db


def _covering_row(route: str, rows: dict) -> str | None:
    if route in rows:
        return route
    for key in rows:
        if key.endswith("*") and route.startswith(key[:-1]):
            return key
    return None


def test_every_route_has_a_matrix_row():
    rows = collect_rows()
    missing = [r for r in all_routes() if _covering_row(r, rows) is None]
    assert not missing, f"routes without an access-matrix row: {missing}"


def test_access_matrix(personas):
    rows = collect_rows()
    failures = []
    for builder in rows.values():
        for case in builder(personas):
            for role in ROLES:
                client = Client(headers={"accept-language": "en"})
                if role != "anon":
                    client.force_login(personas[role])
                kwargs = {"content_type": "application/json"} if case.json else {}
                data = case.data() if callable(case.data) else case.data
                response = getattr(client, case.method)(case.url, data, **kwargs)
                wanted = case.status_for(role)
                if response.status_code != wanted:
                    failures.append(
                        f"{case.method.upper()} {case.url} as {role}: "
                        f"{response.status_code}, expected {wanted}"
                    )
    assert not failures, "\n".join(failures)
