"""Loads the shipped territory reference data (territory/data/territory.json). Takes the model
classes so a data migration can pass its historical models."""

import json
from pathlib import Path

DATA = Path(__file__).parent / "data" / "territory.json"


def load_territory(Academy, Directorate) -> tuple[int, int]:
    data = json.loads(DATA.read_text(encoding="utf-8"))
    directorates = 0
    for a in data["academies"]:
        academy, _ = Academy.objects.update_or_create(
            code=a["code"],
            defaults={k: a[k] for k in ("name_fr", "name_ar", "region_fr", "region_ar")},
        )
        for d in a["directorates"]:
            Directorate.objects.update_or_create(
                code=d["code"],
                defaults={"name_fr": d["name_fr"], "name_ar": d["name_ar"], "academy": academy},
            )
            directorates += 1
    return len(data["academies"]), directorates
