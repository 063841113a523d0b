"""Registers the spaces' navigation entries, home panels and jobs, one module per part."""

from massar.portal import appointments, certificates, messages, results_day, spaces  # noqa: F401
