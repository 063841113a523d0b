"""Massar, a school management information system."""

from massar.celery import app as celery_app

__all__ = ["celery_app"]
