"""Bulk import of students (registry identities + guardians + enrollments) from CSV or XLSX.

Two passes over the file, so a national file never sits in memory:
1. `validate_file` reads every row, checks it, and returns the problems (row, column, code,
   parameters: rendered in the reader's language) without writing anything;
2. `load_file`, once the file is accepted, reads it again and writes everything in one
   transaction: COPY on PostgreSQL (ids reserved from the sequences first, so links and
   enrollments are written by COPY too), batched bulk inserts elsewhere.
`import_file` (the command line) does both in one pass: on PostgreSQL each checked chunk is
written by COPY on a worker thread while the next chunk is checked, in one transaction that
is rolled back if any row has a problem. When it is the outermost transaction, the registry
reads (likely duplicates, known guardians) and id reservations go through a second
connection, so that they run while the import's own connection is busy with a COPY.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from types import SimpleNamespace

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from massar.core.audit import audit_record
from massar.core.scopes import Scope
from massar.core.validators import ARABIC, LATIN, PHONE
from massar.enrollment.models import Enrollment
from massar.registry.identity import LIKELY_DUPLICATE, latin_key, latin_skeleton, match_score
from massar.registry.models import Guardian, GuardianLink, Student
from massar.registry.services import (
    CodeMassarBlock,
    code_massar_allocate,
    code_massar_letter,
    identity_keys,
)
from massar.schools.models import Level, School, SchoolYear

COLUMNS = [
    "school_code",
    "level",
    "track",
    "last_name_fr",
    "first_name_fr",
    "last_name_ar",
    "first_name_ar",
    "sex",
    "birth_date",
    "birth_place",
    "guardian_last_name",
    "guardian_first_name",
    "guardian_phone",
    "guardian_relation",
]
REQUIRED = {
    "school_code",
    "level",
    "last_name_fr",
    "first_name_fr",
    "last_name_ar",
    "first_name_ar",
    "sex",
    "birth_date",
    "guardian_last_name",
    "guardian_first_name",
    "guardian_relation",
}
MAX_LENGTH = {
    "last_name_fr": 100,
    "first_name_fr": 100,
    "last_name_ar": 100,
    "first_name_ar": 100,
    "birth_place": 100,
    "guardian_last_name": 100,
    "guardian_first_name": 100,
}
MAX_FILE_BYTES = 200 * 1024 * 1024
RELATIONS = {
    "FATHER": "FATHER",
    "MOTHER": "MOTHER",
    "TUTOR": "TUTOR",
    "PERE": "FATHER",
    "PÈRE": "FATHER",
    "MERE": "MOTHER",
    "MÈRE": "MOTHER",
    "TUTEUR": "TUTOR",
    "الأب": "FATHER",
    "الأم": "MOTHER",
    "الولي": "TUTOR",
}

OPERATORS = {"6": "", "7": "", "5": "fixe"}

MESSAGES = {
    "required": _("this field is required"),
    "too_long": _("longer than %(max)d characters"),
    "bad_date": _("“%(value)s” is not a date (write YYYY-MM-DD or DD/MM/YYYY)"),
    "implausible_age": _(
        "a student born on %(value)s would be %(age)d years old at the start of the school year"
    ),
    "unknown_school": _("no school has the code “%(value)s”"),
    "school_out_of_scope": _("school %(value)s is not one of yours"),
    "unknown_level": _("“%(value)s” is not a level code (1AP … 6AP, 1AC … 3AC, TC, 1BAC, 2BAC)"),
    "level_not_taught": _("school %(school)s does not teach level %(value)s"),
    "track_required": _("level %(level)s needs a track"),
    "track_not_allowed": _("level %(level)s has no track"),
    "unknown_track": _("“%(value)s” is not a track of level %(level)s"),
    "bad_sex": _("write M or F, not “%(value)s”"),
    "bad_phone": _("“%(value)s” is not a Moroccan phone number"),
    "bad_relation": _("write FATHER, MOTHER or TUTOR, not “%(value)s”"),
    "not_arabic": _("“%(value)s” is not written in Arabic script"),
    "not_latin": _("“%(value)s” is not written in Latin script"),
    "duplicate_in_file": _("the same student as row %(other)d"),
    "likely_duplicate": _(
        "likely already in the registry as %(code)s (%(name)s, born %(birth)s; score %(score)d)"
    ),
    "encoding": _("the file is not UTF-8 text: save it as “CSV UTF-8”"),
    "not_xlsx": _("the file is not an Excel workbook (.xlsx)"),
    "bad_extension": _("send a .csv or .xlsx file"),
    "missing_columns": _("missing columns: %(columns)s"),
    "unknown_columns": _("unknown columns: %(columns)s"),
    "empty": _("the file has no data rows"),
    "too_big": _("the file is larger than %(mb)d MB"),
    "bad_csv": _("the file is not a readable CSV table"),
}


@dataclass(frozen=True)
class Problem:
    row: int  # spreadsheet numbering: the header is row 1; 0 for the whole file
    column: str
    code: str
    params: dict = field(default_factory=dict)

    def message(self) -> str:
        reason = str(MESSAGES[self.code]) % self.params if self.params else str(MESSAGES[self.code])
        if self.row == 0:
            return reason
        return _("row %(row)d, %(column)s: %(reason)s") % {
            "row": self.row,
            "column": self.column,
            "reason": reason,
        }

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "code": self.code, "params": self.params}

    @classmethod
    def from_dict(cls, d: dict) -> Problem:
        return cls(d["row"], d["column"], d["code"], d.get("params") or {})


class FileRejected(Exception):
    def __init__(self, problem: Problem):
        super().__init__(problem.code)
        self.problem = problem


# --- reading ----------------------------------------------------------------------------------


def read_rows(path: Path, name: str | None = None) -> Iterator[tuple[int, dict]]:
    """(row number, row) for each data row of a CSV (UTF-8) or XLSX file; FileRejected when
    the file itself is unusable (encoding, format, columns)."""
    name = (name or path.name).lower()
    if path.stat().st_size > MAX_FILE_BYTES:
        raise FileRejected(Problem(0, "", "too_big", {"mb": MAX_FILE_BYTES // 2**20}))
    if name.endswith(".csv"):
        return _read_csv(path)
    if name.endswith(".xlsx"):
        return _read_xlsx(path)
    raise FileRejected(Problem(0, "", "bad_extension"))


def _check_header(header: list[str]) -> list[str]:
    header = [(h or "").strip().lower() for h in header]
    missing = [c for c in COLUMNS if c not in header]
    unknown = [h for h in header if h and h not in COLUMNS]
    if missing:
        raise FileRejected(Problem(0, "", "missing_columns", {"columns": ", ".join(missing)}))
    if unknown:
        raise FileRejected(Problem(0, "", "unknown_columns", {"columns": ", ".join(unknown)}))
    return header


def _read_csv(path: Path) -> Iterator[tuple[int, dict]]:
    with path.open("rb") as raw:
        head = raw.read(65536)
    try:
        head.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # not just a character cut at the buffer's end
            raise FileRejected(Problem(0, "", "encoding")) from exc
    if b"\x00" in head:
        raise FileRejected(Problem(0, "", "bad_csv"))
    return _csv_rows(path)


def _csv_rows(path: Path) -> Iterator[tuple[int, dict]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh)
        try:
            header = _check_header(next(reader))
            for n, values in enumerate(reader, start=2):
                values = list(map(str.strip, values))
                if any(values):
                    yield n, dict(zip(header, values, strict=False))
        except StopIteration:
            return
        except UnicodeDecodeError as exc:
            raise FileRejected(Problem(0, "", "encoding")) from exc
        except csv.Error as exc:
            raise FileRejected(Problem(0, "", "bad_csv")) from exc


def _read_xlsx(path: Path) -> Iterator[tuple[int, dict]]:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError) as exc:
        raise FileRejected(Problem(0, "", "not_xlsx")) from exc
    return _xlsx_rows(workbook)


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _xlsx_rows(workbook) -> Iterator[tuple[int, dict]]:
    sheet = workbook.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    try:
        header = _check_header([_cell_text(v) for v in next(rows)])
    except StopIteration:
        workbook.close()
        return
    for n, values in enumerate(rows, start=2):
        texts = [_cell_text(v) for v in values]
        if any(texts):
            yield n, dict(zip(header, texts, strict=False))
    workbook.close()


# --- validation -------------------------------------------------------------------------------


@dataclass
class Reference:
    """What rows are checked against, loaded once per file."""

    year: SchoolYear
    schools: dict[str, School]
    levels: dict[str, Level]
    tracks_by_level: dict[str, dict[str, int]]
    allowed_school_ids: set[int] | None  # None: every school (the ministry, the command line)
    # each check's outcome per distinct value met in this file (see check_row)
    memo: defaultdict = field(default_factory=lambda: defaultdict(dict))

    @classmethod
    def load(cls, scope: Scope | None, year: SchoolYear) -> Reference:
        levels = {lv.code: lv for lv in Level.objects.prefetch_related("tracks")}
        allowed = None
        if scope is not None and not scope.nation:
            allowed = set(School.objects.filter(scope.schools_q()).values_list("pk", flat=True))
        return cls(
            year=year,
            schools={s.code: s for s in School.objects.select_related("directorate__academy")},
            levels=levels,
            tracks_by_level={
                c: {t.code: t.pk for t in lv.tracks.all()} for c, lv in levels.items()
            },
            allowed_school_ids=allowed,
        )


CYCLE_FLAG = {"PRIMARY": "has_primary", "MIDDLE": "has_middle", "HIGH": "has_high"}


def parse_date(text: str) -> date | None:
    """YYYY-MM-DD or DD/MM/YYYY (strptime is ten times slower, and a national file has
    millions of dates)."""
    try:
        if len(text) == 10 and text[4] == "-" and text[7] == "-":
            return date(int(text[:4]), int(text[5:7]), int(text[8:]))
        if len(text) == 10 and text[2] == "/" and text[5] == "/":
            return date(int(text[6:]), int(text[3:5]), int(text[:2]))
    except ValueError:
        return None
    return None


@dataclass
class CleanRow:
    """A row once checked, with the values the loader writes."""

    row: int
    school: School
    level_id: int
    track_id: int | None
    student: dict
    guardian: dict
    _keys: dict | None = None

    @property
    def keys(self) -> dict:
        if self._keys is None:
            self._keys = identity_keys(self.student)
        return self._keys


# A check's outcome depends on one value (or the school, level and track together), and a
# national file repeats its schools, levels, names, places and dates thousands of times: each
# distinct value is checked once per file and its outcome kept in the Reference's memo. An
# outcome is the value to write and the problems, as (column, code, params) without the row.

_SCRIPTS = {
    "last_name_fr": (LATIN, "not_latin"),
    "first_name_fr": (LATIN, "not_latin"),
    "last_name_ar": (ARABIC, "not_arabic"),
    "first_name_ar": (ARABIC, "not_arabic"),
    "guardian_last_name": (LATIN, "not_latin"),
    "guardian_first_name": (LATIN, "not_latin"),
}
TEXT_COLUMNS = tuple(MAX_LENGTH)


def _text_outcome(column: str, value: str) -> tuple:
    problems = []
    if not value and column in REQUIRED:
        problems.append((column, "required", {}))
    if len(value) > MAX_LENGTH[column]:
        problems.append((column, "too_long", {"max": MAX_LENGTH[column]}))
    script = _SCRIPTS.get(column)
    if value and script and not script[0].match(value):
        problems.append((column, script[1], {"value": value}))
    return tuple(problems)


def _placement_outcome(code: str, level_code: str, track_code: str, ref: Reference) -> tuple:
    """(school, level, track id, problems) of a school code, level code and track code."""
    problems = []
    if not code:
        problems.append(("school_code", "required", {}))
    if not level_code:
        problems.append(("level", "required", {}))
    school = ref.schools.get(code.upper())
    if code and school is None:
        problems.append(("school_code", "unknown_school", {"value": code}))
    elif (
        school is not None
        and ref.allowed_school_ids is not None
        and school.pk not in ref.allowed_school_ids
    ):
        problems.append(("school_code", "school_out_of_scope", {"value": school.code}))
    level = ref.levels.get(level_code.upper())
    track_id = None
    if level_code and level is None:
        problems.append(("level", "unknown_level", {"value": level_code}))
    elif level is not None:
        if school is not None and not getattr(school, CYCLE_FLAG[level.cycle]):
            problems.append(
                ("level", "level_not_taught", {"value": level.code, "school": school.code})
            )
        track = track_code.upper()
        if level.has_tracks and not track:
            problems.append(("track", "track_required", {"level": level.code}))
        elif track and not level.has_tracks:
            problems.append(("track", "track_not_allowed", {"level": level.code}))
        elif track:
            track_id = ref.tracks_by_level[level.code].get(track)
            if track_id is None:
                problems.append(
                    ("track", "unknown_track", {"value": track_code, "level": level.code})
                )
    return school, level, track_id, tuple(problems)


def _sex_outcome(text: str) -> tuple:
    sex = text.upper()
    if not text:
        return sex, (("sex", "required", {}),)
    if sex not in ("M", "F"):
        return sex, (("sex", "bad_sex", {"value": text}),)
    return sex, ()


def _birth_outcome(text: str, ref: Reference) -> tuple:
    if not text:
        return None, (("birth_date", "required", {}),)
    birth = parse_date(text)
    if birth is None:
        return None, (("birth_date", "bad_date", {"value": text}),)
    age = ref.year.starts_on.year - birth.year
    if not 3 <= age <= 25:
        return birth, (("birth_date", "implausible_age", {"value": text, "age": age}),)
    return birth, ()


def _relation_outcome(text: str) -> tuple:
    relation = RELATIONS.get(text.upper()) or RELATIONS.get(text)
    if not text:
        return None, (("guardian_relation", "required", {}),)
    if relation is None:
        return None, (("guardian_relation", "bad_relation", {"value": text}),)
    return relation, ()


def _phone(text: str) -> tuple[str, tuple]:
    """A guardian's phone as 0 and nine digits (empty: none given), and its problems."""
    phone = text.replace(" ", "").replace("-", "").replace(".", "")
    if not phone:
        return "", ()
    match = PHONE.match(phone)
    if match is None:
        return "", (("guardian_phone", "bad_phone", {"value": text}),)
    return f"0{match.group(1)}", ()


def _memo(table: dict, key, compute: Callable, *args):
    """The outcome kept for `key`, computed as compute(*args) the first time."""
    outcome = table.get(key)
    if outcome is None:
        outcome = table[key] = compute(*args)
    return outcome


def check_row(n: int, raw: dict, ref: Reference) -> tuple[CleanRow | None, list[Problem]]:
    memo, get = ref.memo, raw.get
    found: list[tuple] = []
    for column in TEXT_COLUMNS:
        value = get(column, "")
        found.extend(_memo(memo[column], value, _text_outcome, column, value))
    placement = (get("school_code", ""), get("level", ""), get("track", ""))
    school, level, track_id, problems = _memo(
        memo["placement"], placement, _placement_outcome, *placement, ref
    )
    found.extend(problems)
    text = get("sex", "")
    sex, problems = _memo(memo["sex"], text, _sex_outcome, text)
    found.extend(problems)
    text = get("birth_date", "")
    birth, problems = _memo(memo["birth_date"], text, _birth_outcome, text, ref)
    found.extend(problems)
    phone, problems = _phone(get("guardian_phone", ""))
    found.extend(problems)
    text = get("guardian_relation", "")
    relation, problems = _memo(memo["relation"], text, _relation_outcome, text)
    found.extend(problems)

    if found:
        return None, [Problem(n, column, code, params) for column, code, params in found]
    student = {
        "last_name_fr": raw["last_name_fr"],
        "first_name_fr": raw["first_name_fr"],
        "last_name_ar": raw["last_name_ar"],
        "first_name_ar": raw["first_name_ar"],
        "sex": sex,
        "birth_date": birth,
        "birth_place": get("birth_place", ""),
    }
    guardian = {
        "last_name_fr": raw["guardian_last_name"],
        "first_name_fr": raw["guardian_first_name"],
        "phone": phone,
        "relation": relation,
    }
    return CleanRow(n, school, level.pk, track_id, student, guardian), []


def _file_key(student: dict) -> tuple:
    return (
        student["birth_date"],
        latin_skeleton(student["first_name_fr"]),
        latin_skeleton(student["last_name_fr"]),
    )


@dataclass
class Validation:
    rows: int = 0
    problems: list[Problem] = field(default_factory=list)
    likely_duplicates: int = 0
    per_school: Counter = field(default_factory=Counter)
    clean_rows: list = field(default_factory=list)  # kept only when asked (import_file)

    @property
    def ok(self) -> bool:
        return not self.problems


PROBLEM_LIMIT = 5000  # a file with more problems than this is reported in part


def validate_file(
    path: Path,
    *,
    name: str | None = None,
    scope: Scope | None,
    year: SchoolYear,
    accept_new_identities: bool = False,
    progress: Callable[[int], None] | None = None,
    keep_rows: bool = False,
    sink: _StreamWriter | None = None,
) -> Validation:
    """Check every row. With a sink (the PostgreSQL import), each chunk of rows is handed to
    it once the chunk is checked, as long as no row so far has a problem: the caller rolls
    everything back if a later row has one."""
    result = Validation()
    try:
        rows = read_rows(path, name)
        ref = Reference.load(scope, year)
        seen: dict[tuple, int] = {}
        pending: list[CleanRow] = []
        for n, raw in rows:
            result.rows += 1
            clean, problems = check_row(n, raw, ref)
            if clean is not None:
                key = _file_key(clean.student)
                if key in seen:
                    problems.append(
                        Problem(n, "last_name_fr", "duplicate_in_file", {"other": seen[key]})
                    )
                else:
                    seen[key] = n
                    pending.append(clean)
                    if keep_rows:
                        result.clean_rows.append(clean)
                    result.per_school[clean.school.code] += 1
            if len(result.problems) < PROBLEM_LIMIT:
                result.problems.extend(problems)
            if len(pending) >= 20_000:
                _check_chunk(pending, result, accept_new_identities, sink)
                pending = []
                if progress:
                    progress(result.rows)
        _check_chunk(pending, result, accept_new_identities, sink)
    except FileRejected as rejected:
        result.problems = [rejected.problem]
        return result
    if result.rows == 0:
        result.problems.append(Problem(0, "", "empty"))
    result.problems.sort(
        key=lambda p: (p.row, COLUMNS.index(p.column) if p.column in COLUMNS else 0)
    )
    return result


def _check_chunk(
    rows: list[CleanRow], result: Validation, accept: bool, sink: _StreamWriter | None
) -> None:
    if sink is None:
        _registry_duplicates(rows, result, accept)
        return
    _registry_duplicates(rows, result, accept, own_ids=sink.student_ids, pg=sink.reader())
    if rows and not result.problems:
        sink.write(rows)


def _registry_duplicates(
    rows: list[CleanRow],
    result: Validation,
    accept: bool,
    own_ids: set[int] | None = None,
    pg=None,
) -> None:
    """Students already in the registry, born the same day with the same first-name key in
    either script (the blocking keys, indexed), scored against each row: one query per
    chunk of rows. `own_ids`: students this import has already written (earlier chunks of
    the same file), which are not registry students to compare with. `pg`: a psycopg
    connection to read with (the streamed import's), else Django's."""
    if not rows:
        return
    by_block: dict[tuple, list[CleanRow]] = defaultdict(list)
    for r in rows:
        keys = r.keys
        by_block[(r.student["birth_date"], keys["dup_key_fr"])].append(r)
        by_block[(r.student["birth_date"], "ar:" + keys["dup_key_ar"])].append(r)
    fr = [(d, k) for d, k in by_block if not k.startswith("ar:")]
    ar = [(d, k[3:]) for d, k in by_block if k.startswith("ar:")]
    flagged: set[int] = set()
    for column, pairs, prefix in (("dup_key_fr", fr, ""), ("dup_key_ar", ar, "ar:")):
        for found in _students_in_blocks(column, pairs, pg):
            if own_ids and found.id in own_ids:
                continue
            for r in by_block.get((found.birth_date, prefix + getattr(found, column)), []):
                if r.row in flagged:
                    continue
                score = match_score(
                    r.student,
                    {
                        f: getattr(found, f)
                        for f in (
                            "last_name_fr",
                            "first_name_fr",
                            "last_name_ar",
                            "first_name_ar",
                            "sex",
                        )
                    },
                )
                if score >= LIKELY_DUPLICATE:
                    flagged.add(r.row)
                    result.likely_duplicates += 1
                    if not accept and len(result.problems) < PROBLEM_LIMIT:
                        result.problems.append(
                            Problem(
                                r.row,
                                "last_name_fr",
                                "likely_duplicate",
                                {
                                    "code": found.code_massar,
                                    "name": f"{found.last_name_fr} {found.first_name_fr}",
                                    "birth": found.birth_date.isoformat(),
                                    "score": score,
                                },
                            )
                        )


_FOUND_FIELDS = (
    "id",
    "code_massar",
    "birth_date",
    "last_name_fr",
    "first_name_fr",
    "last_name_ar",
    "first_name_ar",
    "sex",
)


def _students_in_blocks(
    column: str, pairs: list[tuple[date, str]], pg=None
) -> Iterator[SimpleNamespace]:
    """Registry students in the given (birth date, key) blocks, as light rows. PostgreSQL:
    one query per 5,000 blocks, the pairs passed as two arrays joined with unnest; elsewhere
    a VALUES list per 500."""
    select = ", ".join(f"s.{f}" for f in (*_FOUND_FIELDS, column))
    postgres = connection.vendor == "postgresql"
    size = 5000 if postgres else 500
    with _cursor(pg) as cursor:
        for i in range(0, len(pairs), size):
            chunk = pairs[i : i + size]
            if postgres:
                cursor.execute(
                    f"SELECT {select} FROM registry_student s JOIN unnest(%s::date[], "
                    f"%s::text[]) AS v(d, k) ON s.birth_date = v.d AND s.{column} = v.k",
                    [[d for d, _ in chunk], [k for _, k in chunk]],
                )
            else:
                values = ", ".join(["(%s, %s)"] * len(chunk))
                cursor.execute(
                    f"SELECT {select} FROM registry_student s JOIN (VALUES {values}) v "
                    f"ON s.birth_date = v.column1 AND s.{column} = v.column2",
                    [p for d, k in chunk for p in (d.isoformat(), k)],
                )
            for row in cursor.fetchall():
                found = SimpleNamespace(**dict(zip((*_FOUND_FIELDS, column), row, strict=True)))
                if isinstance(found.birth_date, str):  # SQLite returns text dates
                    found.birth_date = date.fromisoformat(found.birth_date)
                yield found


# --- loading ----------------------------------------------------------------------------------


@dataclass
class LoadResult:
    students: int
    guardians: int
    first_codes: dict[str, str]


def load_file(
    path: Path,
    *,
    name: str | None = None,
    scope: Scope | None,
    year: SchoolYear,
    actor,
    accept_new_identities: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> LoadResult:
    """Write an accepted file. Each row is checked again as it is read, and the registry
    is searched again for likely duplicates (another import or registration may have added
    one since validation); nothing is written unless every row is still clean."""
    ref = Reference.load(scope, year)
    rows: list[CleanRow] = []
    check = Validation()
    for n, raw in read_rows(path, name):
        clean, problems = check_row(n, raw, ref)
        if problems:
            raise FileRejected(problems[0])
        rows.append(clean)
        check.per_school[clean.school.code] += 1
    for i in range(0, len(rows), 20_000):
        _registry_duplicates(rows[i : i + 20_000], check, accept_new_identities)
        if check.problems:
            raise FileRejected(check.problems[0])
    return write_rows(
        rows,
        year=year,
        actor=actor,
        source_name=path.name,
        per_school=check.per_school,
        accept_new_identities=accept_new_identities,
        progress=progress,
    )


def import_file(
    path: Path,
    *,
    name: str | None = None,
    scope: Scope | None,
    year: SchoolYear,
    actor,
    accept_new_identities: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[Validation, LoadResult | None]:
    """Check and, when every row is clean, write in one pass over the file (the command
    line: nothing happens between the check and the write). On PostgreSQL the rows are
    written while the file is read, chunk by chunk, and everything is rolled back if any row
    has a problem; elsewhere the clean rows are kept and written once the whole file is
    checked."""
    if connection.vendor != "postgresql":
        check = validate_file(
            path,
            name=name,
            scope=scope,
            year=year,
            keep_rows=True,
            accept_new_identities=accept_new_identities,
        )
        if not check.ok:
            return check, None
        rows, check.clean_rows = check.clean_rows, []
        return check, write_rows(
            rows,
            year=year,
            actor=actor,
            source_name=path.name,
            per_school=check.per_school,
            accept_new_identities=accept_new_identities,
            progress=progress,
        )
    separate_reads = not connection.in_atomic_block  # see _StreamWriter
    try:
        with transaction.atomic():
            sink = _StreamWriter(year, separate_reads=separate_reads)
            check = None
            try:
                check = validate_file(
                    path,
                    name=name,
                    scope=scope,
                    year=year,
                    accept_new_identities=accept_new_identities,
                    sink=sink,
                )
            finally:
                sink.close(written=check is not None and check.ok)
            if not check.ok:
                raise _NothingWritten
            _audit_import(
                actor=actor,
                source_name=path.name,
                students=sink.students,
                guardians=len(sink.guardian_index),
                per_school=check.per_school,
                accept_new_identities=accept_new_identities,
            )
    except _NothingWritten:
        return check, None
    if progress:
        progress(sink.students, sink.students)
    return check, LoadResult(sink.students, len(sink.guardian_index), sink.first_codes)


class _NothingWritten(Exception):
    """Raised inside the import's transaction to roll it back."""


def _audit_import(
    *,
    actor,
    source_name: str,
    students: int,
    guardians: int,
    per_school: Counter,
    accept_new_identities: bool,
) -> None:
    audit_record(
        actor=actor,
        action="student.import",
        object_type="import",
        object_id=source_name,
        source="import",
        after={
            "students": students,
            "guardians": guardians,
            "schools": dict(per_school),
            "accept_new_identities": accept_new_identities,
        },
    )


def write_rows(
    rows: list[CleanRow],
    *,
    year: SchoolYear,
    actor,
    source_name: str,
    per_school: Counter,
    accept_new_identities: bool,
    progress: Callable[[int, int], None] | None = None,
) -> LoadResult:
    """Everything in one transaction: codes, students, guardians, links, enrollments, and
    the audit record of the import."""
    total = len(rows)
    with transaction.atomic():
        codes = _allocate_codes(rows)
        guardians, guardian_of = _guardians_for(rows)
        writer = _CopyWriter() if connection.vendor == "postgresql" else _BulkWriter()
        student_ids = writer.students(rows, codes, progress, total)
        guardian_ids = writer.guardians(guardians)
        writer.links(
            [
                (student_ids[i], guardian_ids[guardian_of[i]], r.guardian["relation"])
                for i, r in enumerate(rows)
            ]
        )
        writer.enrollments([(student_ids[i], r, year) for i, r in enumerate(rows)])
        _audit_import(
            actor=actor,
            source_name=source_name,
            students=total,
            guardians=len(guardians),
            per_school=per_school,
            accept_new_identities=accept_new_identities,
        )
    firsts = {}
    for code in codes:
        firsts.setdefault(code[0], code)
    return LoadResult(total, len(guardians), firsts)


def _allocate_codes(rows: list[CleanRow], allocate=code_massar_allocate) -> list[str]:
    by_letter: dict[str, list[int]] = defaultdict(list)
    for i, r in enumerate(rows):
        by_letter[code_massar_letter(r.school.directorate.academy.code)].append(i)
    codes = [""] * len(rows)
    for letter, indexes in sorted(by_letter.items()):
        for i, code in zip(indexes, allocate(letter=letter, count=len(indexes)), strict=True):
            codes[i] = code
    return codes


_latin_key = lru_cache(maxsize=200_000)(latin_key)  # guardian names repeat


def _guardians_for(rows: list[CleanRow]) -> tuple[list[dict], list[int]]:
    """One guardian per family in the file (same phone and names: brothers and sisters), and
    the index of each row's guardian. Guardians already in the registry with the same phone
    and names are reused (their id is carried in the dict)."""
    guardians: list[dict] = []
    index: dict[tuple, int] = {}
    guardian_of = []
    for r in rows:
        g = r.guardian
        key = (
            (g["phone"], _latin_key(g["last_name_fr"]), _latin_key(g["first_name_fr"]))
            if g["phone"]
            else ("row", r.row)
        )
        if key not in index:
            index[key] = len(guardians)
            guardians.append(dict(g))
        guardian_of.append(index[key])
    phones = [g["phone"] for g in guardians if g["phone"]]
    existing: dict[tuple, int] = {}
    for gid, phone, last, first in _guardians_with_phones(phones):
        existing[(phone, _latin_key(last), _latin_key(first))] = gid
    for key, i in index.items():
        if key in existing:
            guardians[i]["id"] = existing[key]
    return guardians, guardian_of


def _cursor(pg):
    """A cursor of the given psycopg connection, or of Django's."""
    return connection.cursor() if pg is None else pg.cursor()


def _guardians_with_phones(phones: list[str], pg=None) -> Iterator[tuple]:
    """Guardians on file with one of these phones (indexed): on PostgreSQL the phones go as
    one array parameter per 50,000, elsewhere as IN lists of 500."""
    postgres = connection.vendor == "postgresql"
    size = 50_000 if postgres else 500
    with _cursor(pg) as cursor:
        for i in range(0, len(phones), size):
            chunk = phones[i : i + size]
            if postgres:
                # One index probe per phone. The planner would rather hash the whole table
                # (0.5 s for 20,000 phones against 680,000 guardians, where the probes take
                # 20 ms): `phone = ANY(…)` does, and so does a plain LATERAL, which it pulls
                # up into a join; OFFSET 0 keeps the subquery per phone.
                cursor.execute(
                    "SELECT g.id, g.phone, g.last_name_fr, g.first_name_fr "
                    "FROM unnest(%s::text[]) AS p(phone) CROSS JOIN LATERAL ("
                    "SELECT id, phone, last_name_fr, first_name_fr FROM registry_guardian "
                    "WHERE phone = p.phone OFFSET 0) g",
                    [chunk],
                )
            else:
                cursor.execute(
                    "SELECT id, phone, last_name_fr, first_name_fr FROM "
                    f"registry_guardian WHERE phone IN ({', '.join(['%s'] * len(chunk))})",
                    chunk,
                )
            yield from cursor.fetchall()


def _student_values(r: CleanRow, code: str, now) -> dict:
    return {
        "code_massar": code,
        **r.student,
        **r.keys,
        "nationality": "MA",
        "national_id": "",
        "address": "",
        "special_needs": False,
        "photo": "",
        "created_at": now,
    }


class _BulkWriter:
    """SQLite and other engines: batched bulk inserts (ids come back from the insert)."""

    def students(self, rows, codes, progress, total):
        now, ids = timezone.now(), []
        for i in range(0, len(rows), 2000):
            batch = [
                Student(**_student_values(r, codes[i + j], now))
                for j, r in enumerate(rows[i : i + 2000])
            ]
            Student.objects.bulk_create(batch)
            ids.extend(s.pk for s in batch)
            if progress:
                progress(min(i + 2000, total), total)
        return ids

    def guardians(self, guardians):
        new = [
            Guardian(**{k: v for k, v in g.items() if k not in ("relation", "id")})
            for g in guardians
            if "id" not in g
        ]
        Guardian.objects.bulk_create(new, batch_size=2000)
        made = iter(new)
        return [g["id"] if "id" in g else next(made).pk for g in guardians]

    def links(self, links):
        GuardianLink.objects.bulk_create(
            [GuardianLink(student_id=s, guardian_id=g, relation=rel) for s, g, rel in links],
            batch_size=2000,
            ignore_conflicts=True,
        )

    def enrollments(self, items):
        Enrollment.objects.bulk_create(
            [
                Enrollment(
                    student_id=sid,
                    school_id=r.school.pk,
                    year=year,
                    level_id=r.level_id,
                    track_id=r.track_id,
                    enrolled_on=year.starts_on,
                )
                for sid, r, year in items
            ],
            batch_size=2000,
        )


# COPY's text format: these four characters are escaped, every other one goes as it is.
_COPY_SPECIAL = re.compile(r"[\\\t\n\r]")
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _text(value: str) -> str:
    return value.translate(_COPY_ESCAPES) if _COPY_SPECIAL.search(value) else value


STUDENT_COPY_COLUMNS = [
    "id",
    "code_massar",
    "last_name_fr",
    "first_name_fr",
    "last_name_ar",
    "first_name_ar",
    "sex",
    "birth_date",
    "birth_place",
    "search_fr",
    "search_ar",
    "dup_key_fr",
    "dup_key_ar",
    "nationality",
    "national_id",
    "address",
    "special_needs",
    "photo",
    "created_at",
]
GUARDIAN_COPY_COLUMNS = [
    "id",
    "last_name_fr",
    "first_name_fr",
    "last_name_ar",
    "first_name_ar",
    "phone",
    "phone_operator",
    "email",
    "national_id",
]
LINK_COPY_COLUMNS = ["student_id", "guardian_id", "relation"]
ENROLLMENT_COPY_COLUMNS = [
    "student_id",
    "school_id",
    "year_id",
    "level_id",
    "track_id",
    "status",
    "enrolled_on",
    "left_reason",
    "decision",
]


def _student_line(sid: int, r: CleanRow, code: str, now: str) -> str:
    # The names passed the script checks, which allow inner white space; the derived keys
    # hold letters, digits and single spaces only.
    s, k = r.student, r.keys
    return (
        f"{sid}\t{code}\t{_text(s['last_name_fr'])}\t{_text(s['first_name_fr'])}\t"
        f"{_text(s['last_name_ar'])}\t{_text(s['first_name_ar'])}\t{s['sex']}\t"
        f"{s['birth_date'].isoformat()}\t{_text(s['birth_place'])}\t{k['search_fr']}\t"
        f"{k['search_ar']}\t{k['dup_key_fr']}\t{k['dup_key_ar']}\tMA\t\t\tf\t\t{now}\n"
    )


def _guardian_line(gid: int, g: dict) -> str:
    return (
        f"{gid}\t{_text(g['last_name_fr'])}\t{_text(g['first_name_fr'])}\t\t\t{g['phone']}\t\t\t\n"
    )


def _enrollment_line(sid: int, r: CleanRow, year: SchoolYear) -> str:
    track = r"\N" if r.track_id is None else r.track_id
    return (
        f"{sid}\t{r.school.pk}\t{year.pk}\t{r.level_id}\t{track}\tENROLLED\t"
        f"{year.starts_on.isoformat()}\t\t\n"
    )


class _CopyWriter:
    """PostgreSQL: ids are reserved from each table's sequence, then rows go in by COPY as
    ready-made text lines (psycopg's per-value adaptation costs more than the rest of the
    import's Python)."""

    def __init__(self):
        connection.ensure_connection()
        self.pg = connection.connection  # psycopg's own: usable from the COPY worker thread
        self._sequences: dict[str, str] = {}

    def ids(self, table: str, n: int, pg=None) -> list[int]:
        """n ids from the table's sequence (`pg`: the connection to ask; sequences are not
        transactional, so any connection will do)."""
        if n == 0:
            return []
        with (pg or self.pg).cursor() as cursor:
            if table not in self._sequences:
                cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
                self._sequences[table] = cursor.fetchone()[0]
            # the sequence named once: pg_get_serial_sequence per row costs 5 µs a row
            cursor.execute(
                "SELECT nextval(%s::regclass) FROM generate_series(1, %s)",
                [self._sequences[table], n],
            )
            return [row[0] for row in cursor.fetchall()]

    def copy(self, table: str, columns: list[str], lines) -> None:
        with (
            self.pg.cursor() as cursor,
            cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy,
        ):
            batch: list[str] = []
            for line in lines:
                batch.append(line)
                if len(batch) == 5000:
                    copy.write("".join(batch))
                    batch.clear()
            if batch:
                copy.write("".join(batch))

    def students(self, rows, codes, progress, total):
        ids = self.ids("registry_student", len(rows))
        now = timezone.now().isoformat()
        # One COPY per chunk, progress reported between chunks: the connection cannot run
        # the progress UPDATE while a COPY is open on it.
        step = max(50_000, total // 10)
        for start in range(0, len(rows), step):
            self.copy(
                "registry_student",
                STUDENT_COPY_COLUMNS,
                (
                    _student_line(ids[i], rows[i], codes[i], now)
                    for i in range(start, min(start + step, len(rows)))
                ),
            )
            if progress:
                progress(min(start + step, total), total)
        return ids

    def guardians(self, guardians):
        new = [g for g in guardians if "id" not in g]
        for g, gid in zip(new, self.ids("registry_guardian", len(new)), strict=True):
            g["id"] = gid
        self.copy(
            "registry_guardian", GUARDIAN_COPY_COLUMNS, (_guardian_line(g["id"], g) for g in new)
        )
        return [g["id"] for g in guardians]

    def links(self, links):
        self.copy(
            "registry_guardianlink",
            LINK_COPY_COLUMNS,
            (f"{s}\t{g}\t{rel}\n" for s, g, rel in links),
        )

    def enrollments(self, items):
        self.copy(
            "enrollment_enrollment",
            ENROLLMENT_COPY_COLUMNS,
            (_enrollment_line(sid, r, year) for sid, r, year in items),
        )


class _StreamWriter:
    """The PostgreSQL import in one pass over the file: each checked chunk gets its codes
    and ids, then its rows of the four tables go in by COPY on a worker thread while the
    main thread reads and checks the next chunk. The caller's transaction holds it all.

    With `separate_reads`, the registry reads and id reservations use a second connection
    (autocommit), which sees the registry as committed: they then run on PostgreSQL's other
    backend while the import's connection is busy with the previous chunk's COPY. Without
    it (the import runs inside a caller's transaction, whose rows a second connection would
    not see) they wait for that COPY and use the import's connection."""

    def __init__(self, year: SchoolYear, *, separate_reads: bool):
        self.year = year
        self.copier = _CopyWriter()
        self.codes = CodeMassarBlock()
        self.now = timezone.now().isoformat()
        self.student_ids: set[int] = set()
        self.guardian_index: dict[tuple, int] = {}  # family key -> guardian id
        self.students = 0
        self.first_codes: dict[str, str] = {}
        self._reads = _second_connection() if separate_reads else None
        if not separate_reads:
            _no_jit(self.copier.pg, local=True)
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="import-copy")
        self._pending: Future | None = None

    def wait(self) -> None:
        """Until the last chunk's COPY is done (and raise its error, if it failed)."""
        if self._pending is not None:
            pending, self._pending = self._pending, None
            pending.result()

    def reader(self):
        """The psycopg connection for registry reads: the second one, or the import's own
        once it is free (it runs one thing at a time)."""
        if self._reads is not None:
            return self._reads
        self.wait()
        return self.copier.pg

    def close(self, *, written: bool) -> None:
        """Wait for the last COPY; `written`: every row was accepted, so each letter's Code
        Massar counter is saved in the import's transaction."""
        try:
            self.wait()
            if written:
                self.codes.save()
        finally:
            self._worker.shutdown()
            if self._reads is not None:
                self._reads.close()

    def write(self, rows: list[CleanRow]) -> None:
        letters = {code_massar_letter(r.school.directorate.academy.code) for r in rows}
        if not all(self.codes.holds(letter) for letter in letters):
            self.wait()  # the letter's row lock is taken on the import's connection
        codes = _allocate_codes(rows, self.codes.codes)
        for code in codes:
            self.first_codes.setdefault(code[0], code)
        ids = self.copier.ids("registry_student", len(rows), self.reader())
        self.student_ids.update(ids)
        guardian_ids, new_guardians = self._guardians(rows)
        students = [
            _student_line(i, r, c, self.now) for i, r, c in zip(ids, rows, codes, strict=True)
        ]
        guardians = [_guardian_line(gid, g) for gid, g in new_guardians]
        links = [
            f"{sid}\t{gid}\t{r.guardian['relation']}\n"
            for sid, gid, r in zip(ids, guardian_ids, rows, strict=True)
        ]
        enrollments = [
            _enrollment_line(sid, r, self.year) for sid, r in zip(ids, rows, strict=True)
        ]
        self.students += len(rows)
        self.wait()
        self._pending = self._worker.submit(self._copy_all, students, guardians, links, enrollments)

    def _copy_all(self, students, guardians, links, enrollments) -> None:
        self.copier.copy("registry_student", STUDENT_COPY_COLUMNS, students)
        self.copier.copy("registry_guardian", GUARDIAN_COPY_COLUMNS, guardians)
        self.copier.copy("registry_guardianlink", LINK_COPY_COLUMNS, links)
        self.copier.copy("enrollment_enrollment", ENROLLMENT_COPY_COLUMNS, enrollments)

    def _guardians(self, rows: list[CleanRow]) -> tuple[list[int], list[tuple[int, dict]]]:
        """Each row's guardian id, and the guardians to write: one per family of the file
        (same phone and names), unless the registry has it already (as `_guardians_for`)."""
        keys, new = [], {}
        for r in rows:
            g = r.guardian
            key = (
                (g["phone"], _latin_key(g["last_name_fr"]), _latin_key(g["first_name_fr"]))
                if g["phone"]
                else ("row", r.row)
            )
            keys.append(key)
            if key not in self.guardian_index and key not in new:
                new[key] = g
        phones = list(dict.fromkeys(k[0] for k in new if k[0] != "row"))
        existing = {
            (phone, _latin_key(last), _latin_key(first)): gid
            for gid, phone, last, first in _guardians_with_phones(phones, self.reader())
        }
        fresh = []
        for key, g in new.items():
            if key in existing:
                self.guardian_index[key] = existing[key]
            else:
                fresh.append((key, g))
        made = []
        for (key, g), gid in zip(
            fresh, self.copier.ids("registry_guardian", len(fresh), self.reader()), strict=True
        ):
            self.guardian_index[key] = gid
            made.append((gid, g))
        return [self.guardian_index[k] for k in keys], made


def _second_connection():
    """A new psycopg connection to the default database, in autocommit (reads and sequence
    reservations only)."""
    pg = connection.get_new_connection(connection.get_connection_params())
    pg.autocommit = True
    _no_jit(pg, local=False)
    return pg


def _no_jit(pg, *, local: bool) -> None:
    """The chunk reads' plans are estimated dear (20,000 index probes), which makes PostgreSQL
    compile them to machine code first: 0.25 s a query, for a 0.1 s query."""
    with pg.cursor() as cursor:
        cursor.execute(f"SET {'LOCAL ' if local else ''}jit = off")


def template_csv() -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    writer.writerow(
        [
            "04012B",
            "1AC",
            "",
            "El Idrissi",
            "Salma",
            "الإدريسي",
            "سلمى",
            "F",
            "2014-03-21",
            "Rabat",
            "El Idrissi",
            "Ahmed",
            "0612345678",
            "FATHER",
        ]
    )
    return out.getvalue()


def template_xlsx() -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "students"
    for line in csv.reader(io.StringIO(template_csv())):
        sheet.append(line)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
