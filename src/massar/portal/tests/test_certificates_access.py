"""The certificates part's access-matrix rows on their own (the full matrix runs every app's):
every route of the part, anonymous and as each of the eight roles."""

import pytest
from django.core.cache import cache
from django.test import Client

from massar.core.tests.access import ROLES
from massar.portal.models import CertificateRequest
from massar.portal.tests.access_rows_certificates import ROWS

pytestmark = pytest.mark.django_db


def test_certificate_routes_give_each_role_its_status_and_write_nothing(personas):
    cache.clear()
    failures = []
    for builder in ROWS.values():
        for case in builder(personas):
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
    # the rows' writes were all refused: the five framing certificates, unchanged
    assert CertificateRequest.objects.count() == 5
    assert CertificateRequest.objects.filter(status="REQUESTED").count() == 2
