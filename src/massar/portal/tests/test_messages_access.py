"""The access-matrix rows of the messages, announcements and appointments routes, run on
their own (the full matrix in core runs them too, with every other route)."""

import pytest
from django.test import Client

from massar.core.tests.access import ROLES
from massar.portal.tests.access_rows_appointments import ROWS as APPOINTMENT_ROWS
from massar.portal.tests.access_rows_messages import ROWS as MESSAGE_ROWS

pytestmark = pytest.mark.django_db

ROUTES = {**MESSAGE_ROWS, **APPOINTMENT_ROWS}


@pytest.mark.parametrize("route", sorted(ROUTES))
def test_messages_and_appointments_routes_give_each_role_its_status(personas, route):
    failures = []
    for case in ROUTES[route](personas):
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
