"""Levels (fixed codes used in every file and export) and the shipped curriculum reference
(schools/data/curriculum.json: tracks, subjects, default coefficients and weekly hours)."""

import json
from pathlib import Path

DATA = Path(__file__).parent / "data" / "curriculum.json"

# code, French, Arabic, cycle, has tracks, terminal (leaves the cycle at the end of the year)
LEVELS = [
    ("1AP", "1re année primaire", "السنة الأولى ابتدائي", "PRIMARY", False, False),
    ("2AP", "2e année primaire", "السنة الثانية ابتدائي", "PRIMARY", False, False),
    ("3AP", "3e année primaire", "السنة الثالثة ابتدائي", "PRIMARY", False, False),
    ("4AP", "4e année primaire", "السنة الرابعة ابتدائي", "PRIMARY", False, False),
    ("5AP", "5e année primaire", "السنة الخامسة ابتدائي", "PRIMARY", False, False),
    ("6AP", "6e année primaire", "السنة السادسة ابتدائي", "PRIMARY", False, True),
    ("1AC", "1re année collège", "السنة الأولى إعدادي", "MIDDLE", False, False),
    ("2AC", "2e année collège", "السنة الثانية إعدادي", "MIDDLE", False, False),
    ("3AC", "3e année collège", "السنة الثالثة إعدادي", "MIDDLE", False, True),
    ("TC", "Tronc commun", "الجذع المشترك", "HIGH", True, False),
    ("1BAC", "1re année du baccalauréat", "السنة الأولى باكالوريا", "HIGH", True, False),
    ("2BAC", "2e année du baccalauréat", "السنة الثانية باكالوريا", "HIGH", True, True),
]


def load_levels(Level) -> int:
    for order, (code, fr, ar, cycle, tracks, terminal) in enumerate(LEVELS, start=1):
        Level.objects.update_or_create(
            code=code,
            defaults={
                "name_fr": fr,
                "name_ar": ar,
                "cycle": cycle,
                "order": order,
                "has_tracks": tracks,
                "is_terminal": terminal,
            },
        )
    return len(LEVELS)


def load_tracks_and_subjects(Level, Track, Subject) -> tuple[int, int]:
    data = json.loads(DATA.read_text(encoding="utf-8"))
    levels = {lv.code: lv for lv in Level.objects.all()}
    for t in data["tracks"]:
        track, _ = Track.objects.update_or_create(
            code=t["code"], defaults={"name_fr": t["name_fr"], "name_ar": t["name_ar"]}
        )
        track.levels.set([levels[c] for c in t["levels"]])
    for s in data["subjects"]:
        Subject.objects.update_or_create(
            code=s["code"], defaults={"name_fr": s["name_fr"], "name_ar": s["name_ar"]}
        )
    return len(data["tracks"]), len(data["subjects"])


def load_curriculum(year, Level, Track, Subject, CurriculumEntry) -> int:
    """The default curriculum for one school year (the ministry edits it afterwards)."""
    data = json.loads(DATA.read_text(encoding="utf-8"))
    levels = {o.code: o for o in Level.objects.all()}
    tracks = {o.code: o for o in Track.objects.all()}
    subjects = {o.code: o for o in Subject.objects.all()}
    existing = set(
        CurriculumEntry.objects.filter(year=year).values_list("level_id", "track_id", "subject_id")
    )
    rows = []
    for row in data["curriculum"]:
        level, subject = levels[row["level"]], subjects[row["subject"]]
        track = tracks[row["track"]] if row.get("track") else None
        key = (level.pk, track.pk if track else None, subject.pk)
        if key in existing:
            continue
        existing.add(key)
        rows.append(
            CurriculumEntry(
                year=year,
                level=level,
                track=track,
                subject=subject,
                coefficient=row["coefficient"],
                weekly_hours=row["weekly_hours"],
            )
        )
    CurriculumEntry.objects.bulk_create(rows, batch_size=1000)
    return len(rows)
