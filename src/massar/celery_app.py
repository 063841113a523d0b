"""Celery app: Redis broker when REDIS_URL is set, eager in-process otherwise."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "massar.settings")

app = Celery("massar")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
