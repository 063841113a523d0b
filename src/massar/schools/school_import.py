"""Loading the list of schools (établissements) from a CSV file: a ministry or academy
installing Massar loads its schools this way; re-importing updates them by code.

Columns: code,name_fr,name_ar,directorate_code,sector,area,cycles
(sector PUBLIC|PRIVATE, area URBAN|RURAL, cycles a combination of P, M, H: primaire,
collège, lycée, e.g. "PM"). All rows are checked first; nothing is written unless every row
is correct, then everything is written in one transaction.
"""

from __future__ import annotations

import csv
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext as _

from massar.core.audit import audit_record
from massar.core.validators import ARABIC
from massar.schools.models import School, gresa_code
from massar.territory.models import Directorate

COLUMNS = ["code", "name_fr", "name_ar", "directorate_code", "sector", "area", "cycles"]


def _problem(row: int, column: str, reason: str) -> str:
    return _("row %(row)d, %(column)s: %(reason)s") % {
        "row": row,
        "column": column,
        "reason": reason,
    }


def check_schools(path: Path) -> tuple[list[dict], list[str]]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.reader(fh)
            header = [h.strip().lower() for h in next(reader, [])]
            missing = [c for c in COLUMNS if c not in header]
            if missing:
                return [], [_("missing columns: %(columns)s") % {"columns": ", ".join(missing)}]
            raw_rows = [
                (n, dict(zip(header, (v.strip() for v in values), strict=False)))
                for n, values in enumerate(reader, start=2)
                if any(values)
            ]
    except UnicodeDecodeError:
        return [], [_("the file is not UTF-8 text: save it as “CSV UTF-8”")]
    except csv.Error:
        return [], [_("the file is not a readable CSV table")]
    directorates = {d.code: d.pk for d in Directorate.objects.all()}
    rows, problems, seen = [], [], {}
    for n, r in raw_rows:
        before = len(problems)
        code = r.get("code", "").upper()
        try:
            gresa_code(code)
        except Exception:  # noqa: BLE001 (a ValidationError: reported as a problem)
            problems.append(
                _problem(
                    n,
                    "code",
                    _("“%(value)s” is not a school code (5 digits and a capital letter)")
                    % {"value": code},
                )
            )
        if code in seen:
            problems.append(
                _problem(n, "code", _("the same school as row %(other)d") % {"other": seen[code]})
            )
        seen.setdefault(code, n)
        problems.extend(
            _problem(n, column, _("this field is required"))
            for column in ("name_fr", "name_ar")
            if not r.get(column)
        )
        if r.get("name_ar") and not ARABIC.match(r["name_ar"]):
            problems.append(
                _problem(
                    n,
                    "name_ar",
                    _("“%(value)s” is not written in Arabic script") % {"value": r["name_ar"]},
                )
            )
        if r.get("directorate_code") not in directorates:
            problems.append(
                _problem(
                    n,
                    "directorate_code",
                    _("no provincial directorate has the code “%(value)s”")
                    % {"value": r.get("directorate_code", "")},
                )
            )
        sector, area = r.get("sector", "").upper(), r.get("area", "").upper()
        if sector not in School.Sector.values:
            problems.append(_problem(n, "sector", _("write PUBLIC or PRIVATE")))
        if area not in School.Area.values:
            problems.append(_problem(n, "area", _("write URBAN or RURAL")))
        cycles = set(r.get("cycles", "").upper())
        if not cycles or cycles - {"P", "M", "H"}:
            problems.append(
                _problem(
                    n, "cycles", _("write a combination of P (primary), M (collège) and H (lycée)")
                )
            )
        if len(problems) == before:
            rows.append(
                {
                    "code": code,
                    "name_fr": r["name_fr"],
                    "name_ar": r["name_ar"],
                    "directorate_id": directorates[r["directorate_code"]],
                    "sector": sector,
                    "area": area,
                    "has_primary": "P" in cycles,
                    "has_middle": "M" in cycles,
                    "has_high": "H" in cycles,
                }
            )
    if not raw_rows:
        problems.append(_("the file has no data rows"))
    return rows, problems


FIELDS = [
    "name_fr",
    "name_ar",
    "directorate_id",
    "sector",
    "area",
    "has_primary",
    "has_middle",
    "has_high",
]


@transaction.atomic
def load_schools(rows: list[dict], *, actor=None) -> tuple[int, int]:
    """Creates the new codes and updates the known ones (a bulk INSERT and a bulk UPDATE)."""
    existing = {s.code: s for s in School.objects.filter(code__in=[r["code"] for r in rows])}
    new, changed = [], []
    for r in rows:
        school = existing.get(r["code"])
        if school is None:
            new.append(School(**r))
        else:
            for f in FIELDS:
                setattr(school, f, r[f])
            changed.append(school)
    School.objects.bulk_create(new, batch_size=2000)
    School.objects.bulk_update(changed, FIELDS, batch_size=2000)
    audit_record(
        actor=actor,
        action="schools.import",
        object_type="school",
        object_id="*",
        source="import",
        after={"created": len(new), "updated": len(changed)},
    )
    return len(new), len(changed)
