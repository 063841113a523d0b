"""The access-matrix harness. Each app lists its routes in `<app>/tests/access_rows.py` as
`ROWS = {route: cases}`, where `route` is the URL pattern as Django prints it and `cases(p)`
returns the requests to make with the demo personas `p` and the status each role must get.
A route that no app lists fails the matrix test."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.urls import URLPattern, URLResolver, get_resolver

ROLES = [
    "anon",
    "ministry",
    "academy",
    "directorate",
    "director",
    "staff",
    "teacher",
    "student",
    "guardian",
]
STAFF = ["ministry", "academy", "directorate", "director", "staff", "teacher"]


@dataclass
class Case:
    url: str
    expect: dict[str, int]  # role -> status; "*" for the others
    method: str = "get"
    data: dict | Callable[[], dict] = field(default_factory=dict)  # callable: fresh files
    json: bool = False

    def status_for(self, role: str) -> int:
        return self.expect.get(role, self.expect.get("*"))


def expect(default: int, **roles: int) -> dict[str, int]:
    return {"*": default, **roles}


def all_routes() -> list[str]:
    def walk(patterns, prefix):
        for p in patterns:
            if isinstance(p, URLResolver):
                yield from walk(p.url_patterns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern):
                yield prefix + str(p.pattern)

    return sorted(set(walk(get_resolver().url_patterns, "")))


def collect_rows() -> dict:
    from importlib import import_module

    from django.apps import apps

    rows: dict = {}
    for config in apps.get_app_configs():
        if not config.name.startswith("massar."):
            continue
        try:
            module = import_module(f"{config.name}.tests.access_rows")
        except ModuleNotFoundError:
            continue
        for route, builder in module.ROWS.items():
            assert route not in rows, f"{route} listed twice"
            rows[route] = builder
    return rows
