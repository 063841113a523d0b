import csv
import time
from pathlib import Path

from django.core.management.base import BaseCommand

from massar.registry.duplicates import find_duplicates
from massar.registry.identity import LIKELY_DUPLICATE


class Command(BaseCommand):
    help = "Registry maintenance: find-duplicates."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, parser_class=type(parser))
        dup = sub.add_parser(
            "find-duplicates",
            called_from_command_line=True,
            help="report likely duplicate identities over the whole registry",
        )
        dup.add_argument("--out", type=Path, help="CSV file (default: standard output)")
        dup.add_argument("--threshold", type=int, default=LIKELY_DUPLICATE)

    def handle(self, *args, **options):
        started = time.monotonic()
        target = options["out"]
        out = target.open("w", newline="", encoding="utf-8") if target else self.stdout
        writer = csv.writer(out)
        writer.writerow(
            [
                "score",
                "code_massar_a",
                "code_massar_b",
                "birth_date",
                "name_a",
                "name_b",
                "name_ar_a",
                "name_ar_b",
            ]
        )
        count = 0
        for pair in find_duplicates(options["threshold"]):
            a, b = pair.a, pair.b
            writer.writerow(
                [
                    pair.score,
                    a["code_massar"],
                    b["code_massar"],
                    a["birth_date"],
                    f"{a['last_name_fr']} {a['first_name_fr']}",
                    f"{b['last_name_fr']} {b['first_name_fr']}",
                    f"{a['last_name_ar']} {a['first_name_ar']}",
                    f"{b['last_name_ar']} {b['first_name_ar']}",
                ]
            )
            count += 1
        if options["out"]:
            out.close()
        self.stderr.write(f"{count} likely duplicate pairs ({time.monotonic() - started:.1f} s)")
