"""Suite-wide fixtures: the demo setting is loaded once into the test database, and the named
personas (one per role, plus outsiders) are its accounts."""

import os

import pytest

os.environ["MASSAR_ENV"] = "test"


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    from massar.demo.builder import build_demo

    with django_db_blocker.unblock():
        build_demo(evaluations=False)  # assessment tests start from empty grids


@pytest.fixture
def personas(db):
    from massar.demo.builder import build_demo
    from massar.demo.personas import demo_personas

    # a transactional test before this one may have flushed the database
    build_demo(evaluations=False)
    return demo_personas()


@pytest.fixture
def client():
    """A test client that reads English by default (the message catalogue's source language);
    tests of French and Arabic set the language themselves."""
    from django.test import Client

    return Client(headers={"accept-language": "en"})


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path_factory):
    """Uploaded files of a test run go to a temporary folder, not var/media."""
    settings.MEDIA_ROOT = tmp_path_factory.getbasetemp() / "media"
