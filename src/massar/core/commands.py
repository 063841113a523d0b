"""`massar import KIND …` and `massar export KIND …`: each app registers its kinds, so the
operator's command names stay stable as apps are added (registry: students; evaluation:
grade-sheet, grades, results …)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass

from django.core.management.base import BaseCommand, CommandError


@dataclass(frozen=True)
class SubCommand:
    help: str
    add_arguments: Callable
    handle: Callable  # (options, command) -> exit code


IMPORTS: dict[str, SubCommand] = {}
EXPORTS: dict[str, SubCommand] = {}


def register(table: dict, name: str, help: str, add_arguments: Callable):
    def decorator(fn):
        table[name] = SubCommand(help, add_arguments, fn)
        return fn

    return decorator


class DispatchCommand(BaseCommand):
    table: dict[str, SubCommand] = {}

    def add_arguments(self, parser):
        from django.apps import apps

        apps.get_app_configs()  # ready() has registered every kind
        sub = parser.add_subparsers(
            dest="kind", required=True, parser_class=type(parser), metavar="KIND"
        )
        for name, command in sorted(self.table.items()):
            p = sub.add_parser(name, help=command.help, called_from_command_line=True)
            command.add_arguments(p)

    def handle(self, *args, **options):
        code = self.table[options["kind"]].handle(options, self)
        if code:
            self.stdout.flush()
            sys.exit(code)


__all__ = ["CommandError", "DispatchCommand", "EXPORTS", "IMPORTS", "register"]
