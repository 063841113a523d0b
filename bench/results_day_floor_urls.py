"""Bench only: Massar's URLs plus /bench/floor/, a minimal Django view returning a constant
JSON through the same middleware (the framework floor of bench/results_day.py)."""

from django.http import JsonResponse
from django.urls import include, path


def floor(request):
    return JsonResponse({"ok": True})


urlpatterns = [
    path("bench/floor/", floor),
    path("", include("massar.urls")),
]
