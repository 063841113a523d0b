"""Bench only: settings module AND URLconf for bench/results_day.py's framework floor.

Gunicorn is started with DJANGO_SETTINGS_MODULE=results_day_floor (and --pythonpath bench):
the production settings unchanged, plus /bench/floor/, a minimal Django view returning a
constant JSON through the same middleware. Never imported by the application itself."""

from django.http import JsonResponse
from django.urls import include, path

from massar.settings import *  # noqa: F403

ROOT_URLCONF = "results_day_floor"


def floor(request):
    return JsonResponse({"ok": True})


urlpatterns = [
    path("bench/floor/", floor),
    path("", include("massar.urls")),
]
