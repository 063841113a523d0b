"""Home page per role: apps register panels (a template and a context builder) for the roles
they serve, so core shows what each role can do without importing the domain apps."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from massar.core.scopes import Scope


@dataclass(frozen=True)
class HomePanel:
    template: str
    roles: frozenset[str]
    build: Callable[[object, Scope], dict]
    order: int = 100


PANELS: list[HomePanel] = []


def home_panel(template: str, roles, order: int = 100):
    def register(fn):
        PANELS.append(HomePanel(template, frozenset(roles), fn, order))
        return fn

    return register


def home_context(user, scope: Scope) -> dict:
    panels = [
        {"template": p.template, **p.build(user, scope)}
        for p in sorted(PANELS, key=lambda p: p.order)
        if p.roles & scope.roles
    ]
    return {"panels": panels}
