"""Registers the evaluation's navigation entries, home panels, jobs and commands: each part's
module does so when imported."""

from massar.assessment import (  # noqa: F401
    calendar,
    certification,
    cli,
    exports,
    grid,
    report_cards,
    results_jobs,
    sheets,
)
