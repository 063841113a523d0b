"""Benchmark: importing students from CSV (validation, duplicate search, Code Massar
assignment, COPY of students, guardians, links and enrollments) against a raw COPY of the same
student rows into the same table, in the same run, on PostgreSQL.

    DATABASE_URL=postgres://… python bench/registry_import.py --students 1000000

The database needs the reference data and schools (a generated nation: `massar generate`, or
the demo). The raw COPY and the validation run inside transactions that are rolled back; the
import commits, as the command line does, and is then undone (untimed): the database is left
as it was, but for the import's entry in the append-only audit log.
Target (issue 3): the import at no less than 40 % of raw COPY throughput.
"""

import argparse
import csv
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "massar.settings")
os.environ.setdefault("MASSAR_ENV", "development")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from massar.demo.names import FEMALE_FIRST, LAST, MALE_FIRST, PLACES  # noqa: E402
from massar.enrollment.student_import import COLUMNS, import_file, validate_file  # noqa: E402
from massar.registry.identity import latin_skeleton  # noqa: E402
from massar.registry.services import identity_keys  # noqa: E402
from massar.schools.models import Level, School  # noqa: E402
from massar.schools.selectors import current_year  # noqa: E402

LEVELS_BY_FLAG = {
    "has_primary": ["1AP", "2AP", "3AP", "4AP", "5AP", "6AP"],
    "has_middle": ["1AC", "2AC", "3AC"],
}
BASE_YEAR = {
    "1AP": 2019,
    "2AP": 2018,
    "3AP": 2017,
    "4AP": 2016,
    "5AP": 2015,
    "6AP": 2014,
    "1AC": 2013,
    "2AC": 2012,
    "3AC": 2011,
}


def write_csv(path: Path, n: int, seed: int) -> None:
    """Valid rows for primary and collège schools of the database (no track needed); first
    names mixed with a counter-derived suffix so that the file has no internal duplicates."""
    rng = random.Random(seed)
    schools = []
    for s in School.objects.filter(sector="PUBLIC").only("code", "has_primary", "has_middle"):
        for flag, levels in LEVELS_BY_FLAG.items():
            if getattr(s, flag):
                schools.extend((s.code, lv) for lv in levels)
    if not schools:
        sys.exit("no primary or collège school in this database: run `massar generate` first")
    # Rows are enumerated in mixed radix (family name, two-part first name, day of birth), so
    # the file holds no two rows of one child; names whose keys coincide are dropped first.
    last_names = _distinct(LAST)
    males, females = _distinct(MALE_FIRST), _distinct(FEMALE_FIRST)
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(COLUMNS)
        keys, written, i = set(), 0, -1
        while written < n:
            i += 1
            code, level = schools[i % len(schools)]
            sex = "M" if i % 2 else "F"
            pool = males if sex == "M" else females
            j = i // 2
            last = last_names[j % len(last_names)]
            j //= len(last_names)
            f1 = pool[j % len(pool)]
            j //= len(pool)
            f2 = pool[(j + 1 + j // len(pool)) % len(pool)]  # never the same name twice
            day = (j // len(pool)) % 336
            birth = f"{BASE_YEAR[level]}-{day // 28 + 1:02d}-{day % 28 + 1:02d}"
            # the importer's own in-file identity key: skip the rare coincidence
            key = (birth, latin_skeleton(f"{f1[0]} {f2[0]}"), latin_skeleton(last[0]))
            if key in keys:
                continue
            keys.add(key)
            written += 1
            w.writerow(
                [
                    code,
                    level,
                    "",
                    last[0],
                    f"{f1[0]} {f2[0]}",
                    last[1],
                    f"{f1[1]} {f2[1]}",
                    sex,
                    birth,
                    rng.choice(PLACES),
                    last[0],
                    rng.choice(MALE_FIRST)[0],
                    f"06{rng.randint(10_000_000, 99_999_999)}",
                    "FATHER",
                ]
            )


def _distinct(names):
    seen, out = set(), []
    for fr, ar in names:
        if latin_skeleton(fr) not in seen:
            seen.add(latin_skeleton(fr))
            out.append((fr, ar))
    return out


def raw_copy_seconds(path: Path) -> float:
    """COPY the same student rows (Code Massar and derived columns precomputed outside the
    timing) into registry_student; rolled back."""
    now = timezone.now()
    rows = []
    with path.open(encoding="utf-8") as fh:
        for i, r in enumerate(csv.DictReader(fh)):
            names = {
                k: r[k] for k in ("last_name_fr", "first_name_fr", "last_name_ar", "first_name_ar")
            }
            rows.append(
                [
                    f"Z{i:09d}",
                    *names.values(),
                    r["sex"],
                    r["birth_date"],
                    r["birth_place"],
                    "MA",
                    "",
                    "",
                    False,
                    "",
                    *identity_keys(names).values(),
                    now,
                ]
            )
    columns = [
        "code_massar",
        "last_name_fr",
        "first_name_fr",
        "last_name_ar",
        "first_name_ar",
        "sex",
        "birth_date",
        "birth_place",
        "nationality",
        "national_id",
        "address",
        "special_needs",
        "photo",
        "search_fr",
        "search_ar",
        "dup_key_fr",
        "dup_key_ar",
        "created_at",
    ]
    with transaction.atomic():
        started = time.perf_counter()
        with (
            connection.cursor() as cursor,
            cursor.connection.cursor().copy(
                f"COPY registry_student ({', '.join(columns)}) FROM STDIN"
            ) as copy,
        ):
            for row in rows:
                copy.write_row(row)
        seconds = time.perf_counter() - started
        transaction.set_rollback(True)
    return seconds


def vacuum() -> None:
    """Clear what a rolled-back measurement left (dead rows and index entries), so that the
    next one starts from the same state and autovacuum does not run during it."""
    with connection.cursor() as cursor:
        cursor.execute(
            "VACUUM registry_student, registry_guardian, registry_guardianlink, "
            "enrollment_enrollment"
        )


TABLES = ("enrollment_enrollment", "registry_guardianlink", "registry_student", "registry_guardian")


def high_water_marks() -> dict:
    """What the import will add to: each table's last id and the Code Massar counters (the
    import is measured as the command line runs it, committed; these undo it afterwards,
    untimed). Its audit entry stays: the audit log is append-only."""
    with connection.cursor() as cursor:
        marks = {}
        for table in TABLES:
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")  # noqa: S608
            marks[table] = cursor.fetchone()[0]
        cursor.execute("SELECT letter, next_number FROM registry_codemassarsequence")
        marks["codes"] = cursor.fetchall()
    return marks


def undo_import(marks: dict) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        for table in TABLES:
            cursor.execute(f"DELETE FROM {table} WHERE id > %s", [marks[table]])  # noqa: S608
        cursor.execute("DELETE FROM registry_codemassarsequence")
        for letter, number in marks["codes"]:
            cursor.execute(
                "INSERT INTO registry_codemassarsequence (letter, next_number) VALUES (%s, %s)",
                [letter, number],
            )


def import_seconds(path: Path) -> tuple[float, float, int]:
    year = current_year()
    with transaction.atomic():
        started = time.perf_counter()
        check = validate_file(path, scope=None, year=year, accept_new_identities=True)
        validated = time.perf_counter() - started
        transaction.set_rollback(True)
    if not check.ok:
        sys.exit(f"the benchmark file has problems: {check.problems[:3]}")
    vacuum()
    marks = high_water_marks()
    # as `massar import students` runs it: its own transaction, committed
    started = time.perf_counter()
    check, loaded = import_file(path, scope=None, year=year, actor=None, accept_new_identities=True)
    seconds = time.perf_counter() - started
    undo_import(marks)
    if loaded is None or loaded.students != check.rows:
        sys.exit(f"the import did not write the file: {check.problems[:3]}")
    print(
        f"likely duplicates of registry students found and scored: {check.likely_duplicates}"
        " (registered as new, as with --accept-new-identities; the search is done either way)"
    )
    return seconds, validated, check.rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--students", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("run this benchmark on PostgreSQL (DATABASE_URL)")
    Level.objects.exists()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "students.csv"
        t0 = time.perf_counter()
        write_csv(path, args.students, args.seed)
        print(
            f"file written: {args.students} rows, {path.stat().st_size / 2**20:.0f} MiB, "
            f"{time.perf_counter() - t0:.1f} s"
        )
        vacuum()
        raw = raw_copy_seconds(path)
        vacuum()
        total, validated, rows = import_seconds(path)
        vacuum()
    ratio = raw / total  # throughput of the import as a share of raw COPY's
    print(f"{'measure':<34}{'seconds':>10}{'rows/s':>12}")
    print(f"{'raw COPY into registry_student':<34}{raw:>10.1f}{rows / raw:>12.0f}")
    print(f"{'validation alone (--dry-run)':<34}{validated:>10.1f}{rows / validated:>12.0f}")
    print(f"{'import (check + write, one pass)':<34}{total:>10.1f}{rows / total:>12.0f}")
    print(f"import throughput = {ratio:.0%} of raw COPY (target: at least 40 %)")
    print(
        json.dumps(
            {
                "bench": "registry_import",
                "students": rows,
                "seconds": round(total, 1),
                "validation_seconds": round(validated, 1),
                "reference_seconds": round(raw, 1),
                "ratio": round(ratio, 3),
                "target_ratio": 0.4,
            }
        )
    )


if __name__ == "__main__":
    main()
