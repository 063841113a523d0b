"""Listeners told when a school's published results may have changed (publication, withdrawal,
a re-run of the results job). The spaces (portal, an app below this one) register their
results-day refresher here at start-up, so the evaluation never imports them."""

from collections.abc import Callable

_RESULTS_CHANGED: list[Callable[..., object]] = []


def on_results_changed(listener: Callable[..., object]) -> Callable[..., object]:
    if listener not in _RESULTS_CHANGED:
        _RESULTS_CHANGED.append(listener)
    return listener


def results_changed(*, school, year, level=None, actor=None) -> None:
    """Called inside the writer's transaction, so listeners' writes commit with it."""
    for listener in _RESULTS_CHANGED:
        listener(school=school, year=year, level=level, actor=actor)
