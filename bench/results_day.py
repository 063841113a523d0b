"""Benchmark: results day (issue 6, point 7) on PostgreSQL with 1,000,000 published students.

    createdb -T massar_gen massar_day      # a copy: massar_gen itself is never modified
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/massar_day \
    REDIS_URL=redis://127.0.0.1:6379/1 python bench/results_day.py

Setup (skipped where already done, so a second run only measures):
1. synthesized first-semester results, set-based in SQL (the generated nation has no marks):
   a SubjectResult per enrolled student and curriculum subject (average 4–19, rank in class),
   GeneralResult S1 (coefficient-weighted, ranks in class and level), class statistics;
2. S1 published for every level of every school (one INSERT into Publication);
3. the snapshots built by the real service, results_snapshot_refresh, school by school (one
   INSERT … SELECT with jsonb per school), which also writes them to Redis on commit — the
   cache warm-up a publication does;
4. --sessions (10,000) random students get an account (one shared, known password hash: the
   accounts are never signed in through the login page), the STUDENT role, and a session
   written directly in Django's session store (the database, as in production).
Run: gunicorn with production settings as README.md tells an operator (MASSAR_ENV=production,
DATABASE_URL, REDIS_URL, cores + 1 workers, bound to 127.0.0.1, behind a TLS proxy: wrk
sends X-Forwarded-Proto: https), plus the framework floor at /bench/floor/ served by
bench/results_day_floor.py (the same settings + one constant-JSON view, bench only). wrk
(bench/results_day.lua) at 64 connections, random signed-in student per request, --warmup
seconds unrecorded then --seconds recorded, each: the floor, the results API, the results
page. Prints a table and one JSON line.
Targets: API ≥ 50 % of the floor's requests/s, p99 < 150 ms, no error.
"""

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import time
import urllib.request
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
os.environ["MASSAR_ENV"] = "production"
os.environ.setdefault("SECRET_KEY", "bench-results-day-secret-key-0123456789abcdefghijklmnopqrstuv")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/1")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "massar.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth.hashers import make_password  # noqa: E402
from django.contrib.sessions.backends.cached_db import KEY_PREFIX as CACHED_DB_PREFIX  # noqa: E402
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.contrib.sessions.models import Session  # noqa: E402
from django.core.cache import cache, caches  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from massar.core.models import Role, RoleAssignment, User  # noqa: E402
from massar.portal.models import ResultSnapshot  # noqa: E402
from massar.portal.results_day_selectors import results_cache_key  # noqa: E402
from massar.portal.results_day_services import results_snapshot_refresh  # noqa: E402
from massar.registry.models import Student  # noqa: E402
from massar.schools.models import School, SchoolYear  # noqa: E402

PORT = 8077
PASSWORD = "Resultats-2026"  # noqa: S105 - the bench accounts' known password
TARGET_RATIO = 0.5
TARGET_P99_MS = 150
BENCH = Path(__file__).resolve().parent

SYNTH = [
    (
        "subject results S1",
        """
        INSERT INTO assessment_subjectresult
            (school_id, year_id, period, school_class_id, student_id, subject_id, average, rank)
        SELECT school_id, year_id, 'S1', school_class_id, student_id, subject_id, average,
               RANK() OVER (PARTITION BY school_class_id, subject_id ORDER BY average DESC)
        FROM (
            SELECT e.school_id, e.year_id, e.school_class_id, e.student_id, cur.subject_id,
                   round((4 + random() * 15)::numeric, 2) AS average
            FROM enrollment_enrollment e
            JOIN enrollment_schoolclass c ON c.id = e.school_class_id
            JOIN schools_curriculumentry cur
              ON cur.year_id = e.year_id AND cur.level_id = c.level_id
             AND cur.track_id IS NOT DISTINCT FROM c.track_id
            WHERE e.year_id = %(year)s AND e.status = 'ENROLLED'
        ) s""",
    ),
    (
        "general results S1",
        """
        INSERT INTO assessment_generalresult
            (school_id, year_id, period, school_class_id, level_id, student_id, average,
             coefficient_sum, weighted_sum, rank_class, rank_level, proposed_decision)
        SELECT school_id, year_id, 'S1', school_class_id, level_id, student_id,
               round(w_sum / c_sum, 2), c_sum, w_sum,
               RANK() OVER (PARTITION BY school_class_id ORDER BY round(w_sum / c_sum, 2) DESC),
               RANK() OVER (PARTITION BY school_id, level_id
                            ORDER BY round(w_sum / c_sum, 2) DESC),
               ''
        FROM (
            SELECT r.school_id, r.year_id, r.school_class_id, c.level_id, r.student_id,
                   SUM(cur.coefficient) AS c_sum, SUM(cur.coefficient * r.average) AS w_sum
            FROM assessment_subjectresult r
            JOIN enrollment_schoolclass c ON c.id = r.school_class_id
            JOIN schools_curriculumentry cur
              ON cur.year_id = r.year_id AND cur.level_id = c.level_id
             AND cur.track_id IS NOT DISTINCT FROM c.track_id AND cur.subject_id = r.subject_id
            WHERE r.year_id = %(year)s AND r.period = 'S1'
            GROUP BY r.school_id, r.year_id, r.school_class_id, c.level_id, r.student_id
        ) g""",
    ),
    (
        "class statistics S1",
        """
        INSERT INTO assessment_classsubjectstat
            (school_id, year_id, period, school_class_id, subject_id, mean, minimum, maximum,
             count)
        SELECT school_id, year_id, 'S1', school_class_id, subject_id, round(AVG(average), 2),
               MIN(average), MAX(average), COUNT(*)
        FROM assessment_subjectresult WHERE year_id = %(year)s AND period = 'S1'
        GROUP BY school_id, year_id, school_class_id, subject_id""",
    ),
    (
        "publication S1 of every level",
        """
        INSERT INTO assessment_publication
            (school_id, year_id, level_id, period, published_at, published_by_id)
        SELECT DISTINCT school_id, year_id, level_id, 'S1', now(), NULL::bigint
        FROM enrollment_schoolclass WHERE year_id = %(year)s
        ON CONFLICT DO NOTHING""",
    ),
]


def scalar(sql, params=None):
    with connection.cursor() as cursor:
        cursor.execute(sql, params or {})
        return cursor.fetchone()[0]


DONE_IN = [
    "assessment_subjectresult",
    "assessment_generalresult",
    "assessment_classsubjectstat",
    "assessment_publication",
]


def setup_results(year) -> dict:
    """Each step is skipped when its table already holds the year's rows. The rows are valid
    by construction, so the foreign-key triggers are off for the load (replica role: Django's
    deferred FK checks would otherwise run 50 million lookups at COMMIT), and each table is
    analysed at once (stale statistics make the next step's plan nested loops). The whole
    database is analysed first: a freshly generated or copied nation may have none yet, and
    with no statistics on the curriculum the general results ran for more than 16 minutes
    (nested loops) where they take about one."""
    timings = {}
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    for (label, sql), table in zip(SYNTH, DONE_IN, strict=True):
        if scalar(f"SELECT count(*) FROM {table} WHERE year_id = %(y)s", {"y": year.pk}):  # noqa: S608
            print(f"{label}: already there")
            continue
        started = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit = off")
            cursor.execute("SET LOCAL session_replication_role = replica")
            cursor.execute(sql, {"year": year.pk})
            rows = cursor.rowcount
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {table}")
        timings[label] = round(time.perf_counter() - started, 1)
        print(f"{label:32} {rows:>10} rows {timings[label]:>8.1f} s", flush=True)
    return timings


def setup_snapshots(year) -> dict:
    first = ResultSnapshot.objects.filter(year=year).values_list("student_id", flat=True).first()
    if first is not None:
        if cache.get(results_cache_key(first, year.pk)) is not None:
            print("snapshots already built and in the cache")
            return {}
        print("snapshots already built; re-warming the cache from them")
        started = time.perf_counter()
        warm_cache(year)
        return {"cache re-warm": round(time.perf_counter() - started, 1)}
    ids = list(School.objects.order_by("pk").values_list("pk", flat=True))
    started = time.perf_counter()
    built = 0
    for n, school_id in enumerate(ids, start=1):
        built += results_snapshot_refresh(school=school_id, year=year)["built"]
        if n % 100 == 0:
            print(f"  snapshots: {n}/{len(ids)} schools, {built} students", flush=True)
    seconds = round(time.perf_counter() - started, 1)
    print(f"{'snapshots + cache (service)':32} {built:>10} rows {seconds:>8.1f} s", flush=True)
    return {"snapshots_and_cache_seconds": seconds, "snapshots": built}


def warm_cache(year) -> None:
    from massar.portal.results_day_services import results_cache_write

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT student_id, version, payload::text FROM portal_resultsnapshot "
            "WHERE year_id = %s",
            [year.pk],
        )
        while rows := cursor.fetchmany(5000):
            results_cache_write(year_id=year.pk, built=rows, removed=[])


def setup_sessions(year, count: int, keys_file: Path) -> int:
    """Accounts and sessions of `count` random published students (written directly)."""
    users = list(User.objects.filter(username__startswith="bench.rd.").values_list("pk", flat=True))
    if len(users) < count:
        existing = set(
            Student.objects.filter(user__username__startswith="bench.rd.").values_list(
                "pk", flat=True
            )
        )
        ids = [
            pk
            for pk in ResultSnapshot.objects.filter(year=year)
            .order_by("?")
            .values_list("student_id", flat=True)[: count * 2]
            if pk not in existing
        ][: count - len(users)]
        hashed = make_password(PASSWORD)  # one hash for every bench account
        codes = dict(Student.objects.filter(pk__in=ids).values_list("pk", "code_massar"))
        with transaction.atomic():
            made = User.objects.bulk_create(
                [User(username=f"bench.rd.{codes[pk]}@taalim.ma", password=hashed) for pk in ids],
                batch_size=2000,
            )
            RoleAssignment.objects.bulk_create(
                [RoleAssignment(user=u, role=Role.STUDENT) for u in made], batch_size=2000
            )
            students = Student.objects.in_bulk(ids)
            for pk, user in zip(ids, made, strict=True):
                students[pk].user_id = user.pk
            Student.objects.bulk_update(students.values(), ["user"], batch_size=2000)
        users = list(
            User.objects.filter(username__startswith="bench.rd.").values_list("pk", flat=True)
        )
    if keys_file.exists():  # the previous run's sessions
        Session.objects.filter(session_key__in=keys_file.read_text().split()).delete()
    now = int(time.time())
    expire = timezone.now() + timedelta(hours=2)
    sample = User.objects.filter(pk__in=users[:count]).only("pk", "password")
    sessions, keys, cached = [], [], {}
    for user in sample:
        store = SessionStore()
        key = store._get_new_session_key()
        data = {
            "_auth_user_id": str(user.pk),
            "_auth_user_backend": settings.AUTHENTICATION_BACKENDS[0],
            "_auth_user_hash": user.get_session_auth_hash(),
            "signed_in_at": now,
            "last_seen": now,
        }
        sessions.append(
            Session(session_key=key, session_data=store.encode(data), expire_date=expire)
        )
        keys.append(key)
        cached[CACHED_DB_PREFIX + key] = data
    Session.objects.bulk_create(sessions, batch_size=2000)
    if settings.SESSION_ENGINE.endswith("cached_db"):
        # as a sign-in through the store does: the session in the cache too (two hours)
        caches[settings.SESSION_CACHE_ALIAS].set_many(cached, timeout=7200)
    keys_file.write_text("\n".join(keys) + "\n")
    return len(keys)


def start_gunicorn(workers: int) -> subprocess.Popen:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "results_day_floor", "PYTHONPATH": str(BENCH)}
    cmd = [
        str(ROOT / ".venv" / "bin" / "gunicorn"),
        "massar.wsgi:application",
        "--bind",
        f"127.0.0.1:{PORT}",
        "--workers",
        str(workers),
        "--pythonpath",
        str(BENCH),
    ]
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT, start_new_session=True)  # noqa: S603
    for _ in range(120):
        time.sleep(0.5)
        try:
            probe = urllib.request.Request(  # noqa: S310
                f"http://127.0.0.1:{PORT}/bench/floor/", headers={"X-Forwarded-Proto": "https"}
            )
            urllib.request.urlopen(probe, timeout=2)  # noqa: S310
            return proc
        except OSError:
            continue
    os.killpg(proc.pid, signal.SIGTERM)
    raise SystemExit("gunicorn did not start")


def check(path: str, key: str) -> tuple[int, bytes]:
    req = urllib.request.Request(  # noqa: S310
        f"http://127.0.0.1:{PORT}{path}",
        headers={"Cookie": f"sessionid={key}", "X-Forwarded-Proto": "https"},
    )
    with urllib.request.urlopen(req, timeout=10) as resp:  # noqa: S310
        return resp.status, resp.read()


def run_wrk(path: str, keys_file: Path, seconds: int, connections: int) -> dict:
    env = {**os.environ, "RD_KEYS": str(keys_file), "RD_PATH": path}
    out = subprocess.run(  # noqa: S603
        [
            "wrk",
            "-t2",
            f"-c{connections}",
            f"-d{seconds}s",
            "--timeout",
            "5s",
            "-s",
            str(BENCH / "results_day.lua"),
            f"http://127.0.0.1:{PORT}{path}",
        ],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    line = next(x for x in out.splitlines() if x.startswith("RESULT "))
    r = json.loads(line[len("RESULT ") :])
    errors = r["status_errors"] + r["connect"] + r["read"] + r["write"] + r["timeout"]
    return {
        "rps": round(r["requests"] / (r["duration_us"] / 1e6), 1),
        "p50_ms": round(r["p50_us"] / 1000, 1),
        "p99_ms": round(r["p99_us"] / 1000, 1),
        "requests": r["requests"],
        "errors": errors,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sessions", type=int, default=10_000)
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--warmup", type=int, default=5, help="seconds of unrecorded load first")
    parser.add_argument("--workers", type=int, default=(os.cpu_count() or 1) + 1)
    parser.add_argument("--setup-only", action="store_true")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        raise SystemExit("PostgreSQL only: set DATABASE_URL")
    year = SchoolYear.objects.get(is_current=True)
    students = scalar("SELECT count(*) FROM registry_student")
    setup = setup_results(year)
    setup.update(setup_snapshots(year))
    keys_file = ROOT / "var" / "results_day_sessions.txt"  # var/ is not versioned
    sessions = setup_sessions(year, args.sessions, keys_file)
    published = ResultSnapshot.objects.filter(year=year).count()
    print(f"{students} students, {published} with published results, {sessions} sessions")
    if args.setup_only:
        return
    connection.close()
    load_before = os.getloadavg()
    proc = start_gunicorn(args.workers)
    try:
        key = keys_file.read_text().split()[0]
        status, body = check("/api/v1/me/results", key)
        assert status == 200 and json.loads(body)["published"], body[:300]
        status, body = check("/space/marks/", key)
        assert status == 200 and b'data-testid="results-period"' in body, body[:300]
        rows = {}
        for name, path in (
            ("floor", "/bench/floor/"),
            ("results API", "/api/v1/me/results"),
            ("results page", "/space/marks/"),
        ):
            # fresh sessions for each URL: each is measured with its students just signed in
            # (their idle clock written less than a minute ago, as after a sign-in), not the
            # later URLs with sessions the earlier runs left a minute old
            setup_sessions(year, args.sessions, keys_file)
            connection.close()
            # warm-up, not recorded: each worker's first requests load what Django and the
            # app load lazily (translations, templates, the URL resolvers), which a server
            # that has been up for a while has long done
            run_wrk(path, keys_file, args.warmup, args.connections)
            rows[name] = run_wrk(path, keys_file, args.seconds, args.connections)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
    load_after = os.getloadavg()
    ratio = rows["results API"]["rps"] / rows["floor"]["rps"]
    print(f"\n{'':14}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'requests':>10}{'errors':>8}")
    for name, r in rows.items():
        print(
            f"{name:14}{r['rps']:>10}{r['p50_ms']:>10}{r['p99_ms']:>10}"
            f"{r['requests']:>10}{r['errors']:>8}"
        )
    print(f"API / floor throughput: {ratio:.2f} (target ≥ {TARGET_RATIO})")
    result = {
        "bench": "results_day",
        "students": students,
        "published": published,
        "sessions": sessions,
        "workers": args.workers,
        "connections": args.connections,
        "seconds": args.seconds,
        "warmup_seconds": args.warmup,
        "client": "wrk",
        **{name.replace(" ", "_"): r for name, r in rows.items()},
        "api_to_floor": round(ratio, 3),
        "targets_met": ratio >= TARGET_RATIO
        and rows["results API"]["p99_ms"] < TARGET_P99_MS
        and all(r["errors"] == 0 for r in rows.values()),
        "loadavg_before": [round(x, 2) for x in load_before],
        "loadavg_after": [round(x, 2) for x in load_after],
        "setup_seconds": setup,
    }
    print(json.dumps(result))


if __name__ == "__main__":
    random.seed(7)
    main()
