"""Benchmark: student search latency through the real selector, at national scale.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/massar_gen python bench/search.py \
        --students 1000000

On a database holding a generated nation (generated first, up to --students, when it holds
fewer), runs --queries random searches with a ministry scope, a third of each kind:
- code: an exact Code Massar ("D100123456");
- latin: a Latin name prefix as people type it ("bennani sa");
- arabic: an Arabic name prefix ("بناني سا").
Each search is timed as the search page runs it (registry.views.student_search: the selector
student_search_ordered, in byte order of the script typed, through the capped paginator of 25:
a COUNT of at most 1,001 rows, then the first page) and page-only. The reference is
hand-written SQL on the indexes the schema has for this (code_massar unique; (search_fr
COLLATE "C", id) and the same for search_ar), timed in the same run.
On PostgreSQL the plan of each kind is printed (EXPLAIN ANALYZE) and a sequential scan on
registry_student is flagged. Ends with one JSON line.
"""

import argparse
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
os.environ["DJANGO_SETTINGS_MODULE"] = "massar.settings"
os.environ["MASSAR_ENV"] = "development"
os.environ.setdefault("DEBUG", "0")  # no query log in the timed process

TARGET_P95_MS = 50
KINDS = ("code", "latin", "arabic")
PAGE = 25


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=1000, help="in all, a third per kind")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection

    from massar.core.paging import CappedPaginator
    from massar.core.scopes import Scope
    from massar.demo.synth import MIN_STUDENTS, generate
    from massar.registry.identity import search_key, search_key_ar
    from massar.registry.models import Student
    from massar.registry.selectors import student_search_ordered

    have = Student.objects.count()
    if have < args.students:
        missing = max(MIN_STUDENTS, args.students - have)
        print(f"the database holds {have:,} students: generating {missing:,} more first")
        generate(students=missing, seed=args.seed, log=print)
    students = Student.objects.count()
    pg = connection.vendor == "postgresql"

    # the queries: random students, each searched one way
    rng = random.Random(args.seed)
    with connection.cursor() as cursor:
        cursor.execute("SELECT MIN(id), MAX(id) FROM registry_student")
        low, high = cursor.fetchone()
    names = ("code_massar", "last_name_fr", "first_name_fr", "last_name_ar", "first_name_ar")
    ids = [rng.randint(low, high) for _ in range(args.queries * 2)]
    picked = list(Student.objects.filter(pk__in=ids).order_by("pk").values_list(*names))
    rng.shuffle(picked)
    queries = []
    for i, (code, last_fr, first_fr, last_ar, first_ar) in enumerate(picked[: args.queries]):
        kind = KINDS[i % 3]
        if kind == "code":
            text = code
        elif kind == "latin":
            text = f"{last_fr.lower()} {first_fr[:2].lower()}"
        else:
            text = f"{last_ar} {first_ar[:2]}"
        queries.append((kind, text))

    scope = Scope(user_id=1, roles=frozenset({"MINISTRY"}), nation=True)

    def view_qs(text):
        return student_search_ordered(scope, text=text)

    def like(prefix: str) -> str:
        return prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"

    def reference(kind: str, text: str) -> tuple[str, list]:
        """Hand-written SQL a search page could run on the schema's indexes."""
        if kind == "code":
            return "code_massar = %s", [text.upper()]
        if kind == "latin":
            return 'search_fr COLLATE "C" LIKE %s', [like(search_key(text))]
        return 'search_ar COLLATE "C" LIKE %s', [like(search_key_ar(text))]

    def run_reference(kind, text) -> tuple[float, float]:
        where, params = reference(kind, text)
        order = 'search_ar COLLATE "C"' if kind == "arabic" else 'search_fr COLLATE "C"'
        with connection.cursor() as cursor:
            t0 = time.perf_counter()
            cursor.execute(
                f"SELECT COUNT(*) FROM (SELECT 1 FROM registry_student WHERE {where}"
                " LIMIT 1001) capped",
                params,
            )
            cursor.fetchone()
            t1 = time.perf_counter()
            cursor.execute(
                f"SELECT id, code_massar, last_name_fr, first_name_fr, last_name_ar, "
                f"first_name_ar FROM registry_student WHERE {where} "
                f"ORDER BY {order}, id LIMIT {PAGE}",
                params,
            )
            cursor.fetchall()
            t2 = time.perf_counter()
        return (t2 - t0) * 1000, (t2 - t1) * 1000

    # warm the caches (the first reads after a bulk load also set hint bits)
    for kind, text in queries[:30]:
        qs = view_qs(text)
        qs.count()
        list(qs[:PAGE])
        run_reference(kind, text)

    view_ms = {k: [] for k in KINDS}
    page_ms = {k: [] for k in KINDS}
    ref_ms = {k: [] for k in KINDS}
    found = {k: [] for k in KINDS}
    started = time.perf_counter()
    for kind, text in queries:
        qs = view_qs(text)
        t0 = time.perf_counter()
        n = CappedPaginator(qs, PAGE).count  # the view's capped COUNT, then the slice
        t1 = time.perf_counter()
        rows = list(qs[:PAGE])
        t2 = time.perf_counter()
        view_ms[kind].append((t2 - t0) * 1000)
        page_ms[kind].append((t2 - t1) * 1000)
        found[kind].append(n)
        assert len(rows) == min(n, PAGE)
        ref_ms[kind].append(run_reference(kind, text)[0])
    elapsed = time.perf_counter() - started

    print()
    print(
        f"search on {students:,} students, {len(queries)} queries ({connection.vendor}, "
        f"{os.cpu_count()} cores), ministry scope, {elapsed:.0f} s"
    )
    print()
    header = f"{'kind':<8}{'n':>5}{'rows':>8}  {'p50':>8}{'p95':>8}{'p99':>8}   "
    print(header + f"{'page p95':>9}   {'ref p50':>8}{'ref p95':>8}{'ratio p95':>10}")
    for kind in KINDS:
        v, p, r = view_ms[kind], page_ms[kind], ref_ms[kind]
        print(
            f"{kind:<8}{len(v):>5}{statistics.mean(found[kind]):>8.0f}  "
            f"{pct(v, 50):>8.1f}{pct(v, 95):>8.1f}{pct(v, 99):>8.1f}   {pct(p, 95):>9.1f}   "
            f"{pct(r, 50):>8.1f}{pct(r, 95):>8.1f}{pct(v, 95) / pct(r, 95):>10.1f}"
        )
    print("(ms; p50/p95/p99: COUNT + first page as the search view runs them; rows: mean")
    print(" matches; ref: the same on the code_massar / search_fr / search_ar indexes)")

    if pg:
        print()
        for kind in KINDS:
            text = next(t for k, t in queries if k == kind)
            plan = view_qs(text)[:PAGE].explain(analyze=True)
            seq = "Seq Scan on registry_student" in plan
            verdict = "NO INDEX: sequential scan of registry_student" if seq else "index used"
            print(f"EXPLAIN ANALYZE, {kind} ({text!r}): {verdict}")
            print("\n".join("    " + line for line in plan.splitlines()))

    print(
        json.dumps(
            {
                "bench": "search",
                "students": students,
                "p95_ms": {k: round(pct(view_ms[k], 95), 1) for k in KINDS},
                "p50_ms": {k: round(pct(view_ms[k], 50), 1) for k in KINDS},
                "p99_ms": {k: round(pct(view_ms[k], 99), 1) for k in KINDS},
                "reference_p95_ms": {k: round(pct(ref_ms[k], 95), 1) for k in KINDS},
                "target_p95_ms": TARGET_P95_MS,
            },
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
