"""Bench only: the settings module of bench/results_day.py's gunicorn.

Gunicorn is started with DJANGO_SETTINGS_MODULE=results_day_floor (and --pythonpath bench):
the production settings unchanged except the URLconf, bench/results_day_floor_urls.py, which
adds /bench/floor/ (the framework floor) to Massar's URLs. Never used by the application."""

from massar.settings import *  # noqa: F403

ROOT_URLCONF = "results_day_floor_urls"

# The production collectstatic currently fails (bootstrap.rtl.min.css names a source map that
# is not vendored), so there is no manifest: the bench serves the unhashed names instead.
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
LOGGING["loggers"]["django.request"] = {"handlers": ["console"], "level": "ERROR"}  # noqa: F405
