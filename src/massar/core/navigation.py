"""Navigation per role: apps add entries with `nav_entry`; the menu shows the ones the user's
roles allow."""

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse

from massar.core.scopes import Scope


@dataclass(frozen=True)
class NavEntry:
    url_name: str
    label: str  # lazily translated
    roles: frozenset[str]
    order: int = 100


NAV: list[NavEntry] = []
ACCOUNT_ORDER = 90  # entries from here on go to the account menu, not the main bar


def nav_entry(url_name: str, label, roles, order: int = 100) -> None:
    NAV.append(NavEntry(url_name, label, frozenset(roles), order))


def navigation_for(scope: Scope) -> list[dict]:
    if scope.is_anonymous:
        return []
    items = []
    for entry in sorted(NAV, key=lambda e: e.order):
        if entry.roles & scope.roles:
            try:
                items.append(
                    {
                        "url": reverse(entry.url_name),
                        "label": entry.label,
                        "name": entry.url_name,
                        "account": entry.order >= ACCOUNT_ORDER,
                    }
                )
            except NoReverseMatch:
                continue
    return items
