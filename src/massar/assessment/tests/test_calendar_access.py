"""The access-matrix rows of the calendar and notifications routes, run on their own (the
full matrix in core runs them too, with every other route)."""

import pytest
from django.test import Client

from massar.assessment.tests.access_rows_calendar import ROWS as CALENDAR_ROWS
from massar.core.tests.access import ROLES
from massar.core.tests.access_rows import ROWS as CORE_ROWS

pytestmark = pytest.mark.django_db

ROUTES = {
    **CALENDAR_ROWS,
    **{route: cases for route, cases in CORE_ROWS.items() if "notifications" in route},
}


@pytest.mark.parametrize("route", sorted(ROUTES))
def test_calendar_and_notification_routes_give_each_role_its_status(personas, route):
    failures = []
    for case in ROUTES[route](personas):
        for role in ROLES:
            client = Client(headers={"accept-language": "en"})
            if role != "anon":
                client.force_login(personas[role])
            kwargs = {"content_type": "application/json"} if case.json else {}
            response = getattr(client, case.method)(case.url, case.data, **kwargs)
            if response.status_code != case.status_for(role):
                failures.append(
                    f"{case.method.upper()} {case.url} as {role}: "
                    f"{response.status_code}, expected {case.status_for(role)}"
                )
    assert not failures, "\n".join(failures)
