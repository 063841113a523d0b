"""The spaces' parts raise their errors through the API's shared handler: same status and body
as the JSON {"code", "message"} each endpoint documents."""

import json

import pytest
from django.test import RequestFactory

from massar.api import api
from massar.portal.appointments_services import AppointmentError
from massar.portal.certificates_services import CertificateError
from massar.portal.messages_services import MessageError
from massar.portal.spaces_services import SpaceError


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (AppointmentError("already_decided", "Déjà répondu.", 409), 409),
        (CertificateError("director_only", "Le directeur seul.", 403), 403),
        (MessageError("body_too_long", "Trop long."), 400),
        (SpaceError("too_many", "Trop de codes.", 429), 429),
    ],
)
def test_portal_errors_answer_their_status_with_code_and_message(error, status):
    response = api.on_exception(RequestFactory().post("/api/v1/me/x"), error)
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json")
    assert json.loads(response.content) == {"code": error.code, "message": error.message}
