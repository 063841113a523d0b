"""The certification part's access-matrix rows, run on their own (the full matrix runs them
too): every route, every role, the statuses the rows promise."""

import pytest
from django.test import Client

from massar.assessment.tests.access_rows_certification import ROWS
from massar.core.tests.access import ROLES

pytestmark = pytest.mark.django_db


def test_certification_access_rows(personas):
    failures = []
    for builder in ROWS.values():
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
