"""Registers the evaluation's navigation entries, home panels, jobs and commands. Each part
of the app adds its own import here."""

import contextlib
from importlib import import_module

# parts import lazily so that one part in progress never breaks the others' start-up
PARTS = [
    "nav",
    "grid",
    "sheets",
    "results_jobs",
    "cli",
    "calendar",
    "certification",
    "report_cards",
    "exports",
]

for _part in PARTS:
    with contextlib.suppress(ModuleNotFoundError):
        import_module(f"massar.assessment.{_part}")
