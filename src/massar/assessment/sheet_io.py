"""Massar grade sheets (نقط المراقبة المستمرة): the XLSX a teacher downloads for a class ×
subject × semester, fills offline and uploads back, in the layout of Massar's own export
(sheet `NotesCC`, right to left, header block rows 7–13, technical codes row 5, column markers
row 15, column headers rows 16–17, data from row 18).

Reading finds columns by their header labels, never by position: Massar's sheets carry two to
four tests, and people insert, move and delete columns. Every problem is named by its cell
('F23: 21 is above 20'); nothing is written until the whole sheet is clean, then one
`grades_write` call writes it in one transaction.

Versions. A sheet is a snapshot. Our downloads sign, in each row's hidden ID, the student, the
class, subject and semester, and the row's version when the sheet was made (HMAC of
django.core.signing). On upload, a row whose stored version is still the signed one is written
with that version, so a second upload racing the first is refused by grades_write's version
check under the grade-book lock. A row saved since the download (grid, another upload, even
this same sheet uploaded before) is refused, cell by cell, wherever the sheet would change a
stored mark: download a fresh sheet. Cells that agree with the stored marks are not conflicts,
so sending the same file twice is harmless. A sheet exported by Massar itself has no hidden
ID: its rows are matched by Code Massar and written without a version (last writer wins; the
book lock still serializes two uploads).

An empty cell leaves the stored mark as it is (a blank Massar export must not wipe the web's
marks); removing a mark is done in the grade grid.
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field

from django.core import signing
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from massar.assessment.grades import (
    GradeError,
    LineInput,
    WriteSummary,
    book_role,
    grades_write,
    mark_parse,
)
from massar.assessment.models import MarkLine
from massar.assessment.models.marks import ACTIVITIES
from massar.assessment.policy import policy_for

SHEET_NAME = "NotesCC"
TITLE = "نقط المراقبة المستمرة"
HEADER_ROW = 16  # where our downloads put the headers; reading searches for them
FIRST_DATA_ROW = 18
MAX_BYTES = 5 * 1024 * 1024
MAX_UNZIPPED = 40 * 1024 * 1024  # a small file that inflates to gigabytes is refused
MAX_ROWS = 2000
MAX_COLS = 80
SALT = "massar.assessment.grade-sheet"
# our hidden IDs: "student.class.subject.semester.version:signature"; Massar's own exports
# carry their internal numbers there instead, which we ignore (rows matched by Code Massar)
_OUR_ID = re.compile(r"^\d+\.\d+\.\d+\.\d+\.\d+:")
ABSENT_MARK = "x"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

TEST_LABELS = {
    1: "الفرض الأول",
    2: "الفرض الثاني",
    3: "الفرض الثالث",
    4: "الفرض الرابع",
}
ACTIVITIES_LABEL = "الأنشطة المندمجة"
CODE_LABEL = "رقم التلميذ"
NAME_LABEL = "اسم التلميذ"
BIRTH_LABEL = "تاريخ الازدياد"
REMARK_LABEL = "ملاحظات الأستاذ"
MARK_LABEL = "النقطة"
ABSENT_LABEL = "التغيب"
ID_LABEL = "ID"
SEMESTER_NAMES = {1: "الدورة الأولى", 2: "الدورة الثانية"}
BLOCK_LABELS = {
    "academy": "الأكاديمية",
    "directorate": "المديرية",
    "school": "المؤسسة",
    "level": "المستوى",
    "class": "القسم",
    "teacher": "الأستاذ",
    "semester": "الدورة",
    "subject": "المادة",
    "year": "السنة الدراسية",
}
ABSENT_TRUE = {"x", "1", "abs", "a", "غ", "غائب", "نعم", "oui", "yes", "true", "vrai"}
ABSENT_FALSE = {"", "0", "false", "faux", "non", "no", "لا"}


def _norm(value) -> str:
    """Header text as compared: NFKC, no tatweel or diacritics, spaces collapsed."""
    if value is None:
        return ""
    text = unicodedata.normalize("NFKC", str(value)).replace("\u0640", "")
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(text.split()).strip(" :").casefold()


_LABELS = {
    _norm(CODE_LABEL): "code",
    _norm("code massar"): "code",
    _norm(NAME_LABEL): "name",
    _norm(BIRTH_LABEL): "birth",
    _norm(REMARK_LABEL): "remark",
    _norm(ACTIVITIES_LABEL): "activities",
    _norm(ID_LABEL): "id",
    _norm("المعرف"): "id",
    **{_norm(label): f"test{n}" for n, label in TEST_LABELS.items()},
}
_BLOCK = {_norm(label): key for key, label in BLOCK_LABELS.items()}


def col_letter(col: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(col)


# --- download --------------------------------------------------------------------------------
def _sign(*, student_id, school_class, subject, semester, version) -> str:
    payload = f"{student_id}.{school_class.pk}.{subject.pk}.{semester.pk}.{version}"
    return signing.Signer(salt=SALT).sign(payload)


def _unsign(value: str) -> tuple[int, int, int, int, int] | None:
    try:
        payload = signing.Signer(salt=SALT).unsign(str(value).strip())
        parts = tuple(int(p) for p in payload.split("."))
    except (signing.BadSignature, ValueError):
        return None
    return parts if len(parts) == 5 else None


@dataclass
class SheetContext:
    """What a sheet is about, read once for both download and upload."""

    school_class: object
    subject: object
    semester: object
    tests: int
    has_activities: bool
    teacher_name: str = ""


def sheet_context(*, school_class, subject, semester) -> SheetContext:
    from massar.enrollment.models import TeachingAssignment

    policy = policy_for(year=semester.year, level=school_class.level, track=school_class.track_id)
    assignment = (
        TeachingAssignment.objects.filter(school_class=school_class, subject=subject)
        .select_related("teacher")
        .order_by("pk")
        .first()
    )
    teacher = ""
    if assignment is not None:
        t = assignment.teacher
        teacher = (
            f"{t.last_name_ar} {t.first_name_ar}".strip() or f"{t.last_name_fr} {t.first_name_fr}"
        )
    return SheetContext(
        school_class=school_class,
        subject=subject,
        semester=semester,
        tests=max(1, min(4, int(policy.tests_per_semester))),
        has_activities=bool(policy.has_activities),
        teacher_name=teacher,
    )


def _roster(school_class) -> list:
    from massar.enrollment.models import Enrollment

    return list(
        Enrollment.objects.filter(
            school_id=school_class.school_id, school_class=school_class, status="ENROLLED"
        )
        .select_related("student")
        .order_by("student__last_name_ar", "student__first_name_ar", "student__code_massar")
    )


def _lines(ctx: SheetContext, student_ids) -> dict[int, MarkLine]:
    c = ctx.school_class
    return {
        m.student_id: m
        for m in MarkLine.objects.filter(
            school_id=c.school_id,
            school_class_id=c.pk,
            subject_id=ctx.subject.pk,
            semester_id=ctx.semester.pk,
            student_id__in=list(student_ids),
        )
    }


def _mark_value(score):
    return None if score is None else float(score)


def sheet_build(*, school_class, subject, semester) -> bytes:
    """The filled XLSX of a class × subject × semester: header from the database, one row per
    enrolled student with a signed hidden ID and the stored marks."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill, Protection
    from openpyxl.worksheet.datavalidation import DataValidation

    ctx = sheet_context(school_class=school_class, subject=subject, semester=semester)
    school = school_class.school
    directorate = school.directorate
    academy = directorate.academy
    enrollments = _roster(school_class)
    stored = _lines(ctx, [e.student_id for e in enrollments])

    wb = Workbook()
    ws = wb.active
    ws.title = SHEET_NAME
    ws.sheet_view.rightToLeft = True
    bold = Font(bold=True)
    head_fill = PatternFill("solid", fgColor="DDEBF7")
    center = Alignment(horizontal="center", vertical="center", wrap_text=True)

    # columns: A hidden ID, B code, C–D name, E birth date, then per test mark/absent pairs,
    # activities mark/absent, remark
    columns: list[tuple[str, int]] = [("id", 1), ("code", 2), ("name", 3), ("birth", 5)]
    col = 6
    for n in range(1, ctx.tests + 1):
        columns.append((f"test{n}", col))
        col += 2
    if ctx.has_activities:
        columns.append(("activities", col))
        col += 2
    columns.append(("remark", col))
    last_col = col

    ws["A4"] = TITLE
    ws.merge_cells(start_row=4, start_column=2, end_row=4, end_column=last_col)
    ws.cell(4, 2, TITLE).font = Font(bold=True, size=14)
    ws.cell(4, 2).alignment = center
    ws["A4"] = None
    # technical codes (row 5): school code, class id, semester, subject code, level code
    for i, value in enumerate(
        [
            school.code,
            str(school_class.pk),
            str(semester.number),
            f"#{subject.code}#",
            school_class.level.code,
        ],
        start=1,
    ):
        ws.cell(5, i, value).font = Font(color="808080", size=8)

    def block(row, pairs):
        for (label, value), c in zip(pairs, (2, 6, 10), strict=False):
            ws.cell(row, c, f"{label} :").font = bold
            ws.cell(row, c + 1, value)

    block(
        7,
        [
            (BLOCK_LABELS["academy"], academy.name_ar),
            (BLOCK_LABELS["directorate"], directorate.name_ar),
            (BLOCK_LABELS["school"], school.name_ar),
        ],
    )
    block(
        9,
        [
            (BLOCK_LABELS["level"], school_class.level.name_ar),
            (BLOCK_LABELS["class"], school_class.name),
            (BLOCK_LABELS["teacher"], ctx.teacher_name),
        ],
    )
    block(
        11,
        [
            (BLOCK_LABELS["semester"], SEMESTER_NAMES.get(semester.number, str(semester.number))),
            (BLOCK_LABELS["subject"], subject.name_ar),
        ],
    )
    block(13, [(BLOCK_LABELS["year"], semester.year.code.replace("-", "/"))])

    for c in range(1, last_col + 1):
        ws.cell(15, c, f"#{c}#").font = Font(color="808080", size=8)

    def header(c, text, span=1):
        ws.cell(HEADER_ROW, c, text)
        if span == 1:
            ws.merge_cells(start_row=HEADER_ROW, start_column=c, end_row=17, end_column=c)
        else:
            ws.merge_cells(
                start_row=HEADER_ROW, start_column=c, end_row=HEADER_ROW, end_column=c + 1
            )

    header(1, ID_LABEL)
    header(2, CODE_LABEL)
    ws.cell(HEADER_ROW, 3, NAME_LABEL)
    ws.merge_cells(start_row=HEADER_ROW, start_column=3, end_row=17, end_column=4)
    header(5, BIRTH_LABEL)
    for key, c in columns:
        if key.startswith("test") or key == "activities":
            label = ACTIVITIES_LABEL if key == "activities" else TEST_LABELS[int(key[4:])]
            header(c, label, span=2)
            ws.cell(17, c, MARK_LABEL)
            ws.cell(17, c + 1, ABSENT_LABEL)
    header(last_col, REMARK_LABEL)
    for r in (HEADER_ROW, 17):
        for c in range(1, last_col + 1):
            cell = ws.cell(r, c)
            cell.font, cell.fill, cell.alignment = bold, head_fill, center

    mark_cols = [c for key, c in columns if key.startswith("test") or key == "activities"]
    numbers = DataValidation(
        type="decimal", operator="between", formula1="0", formula2="20", allow_blank=True
    )
    ws.add_data_validation(numbers)
    unlocked = Protection(locked=False)
    row = FIRST_DATA_ROW
    for e in enrollments:
        s = e.student
        line = stored.get(s.pk)
        ws.cell(
            row,
            1,
            _sign(
                student_id=s.pk,
                school_class=school_class,
                subject=subject,
                semester=semester,
                version=line.version if line else 0,
            ),
        )
        ws.cell(row, 2, s.code_massar)
        ws.cell(row, 3, f"{s.last_name_ar} {s.first_name_ar}".strip())
        ws.merge_cells(start_row=row, start_column=3, end_row=row, end_column=4)
        ws.cell(row, 5, s.birth_date.strftime("%d-%m-%Y"))
        for key, c in columns:
            if key.startswith("test") or key == "activities":
                n = ACTIVITIES if key == "activities" else int(key[4:])
                score_f, absent_f = (
                    ("activities", "activities_absent")
                    if n == ACTIVITIES
                    else (f"score{n}", f"absent{n}")
                )
                if line is not None:
                    ws.cell(row, c, _mark_value(getattr(line, score_f)))
                    ws.cell(row, c + 1, ABSENT_MARK if getattr(line, absent_f) else None)
                ws.cell(row, c).protection = unlocked
                ws.cell(row, c + 1).protection = unlocked
                ws.cell(row, c).number_format = "0.00"
        ws.cell(row, last_col, line.remark if line and line.remark else None).protection = unlocked
        row += 1
    if enrollments:
        for c in mark_cols:
            numbers.add(f"{col_letter(c)}{FIRST_DATA_ROW}:{col_letter(c)}{row - 1}")

    ws.column_dimensions["A"].hidden = True
    ws.column_dimensions["B"].width = 14
    ws.column_dimensions["C"].width = 22
    ws.column_dimensions["D"].width = 10
    ws.column_dimensions["E"].width = 12
    for c in range(6, last_col):
        ws.column_dimensions[col_letter(c)].width = 9
    ws.column_dimensions[col_letter(last_col)].width = 28
    ws.freeze_panes = ws.cell(FIRST_DATA_ROW, 3)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def sheet_filename(*, school_class, subject, semester) -> str:
    safe = re.sub(r"[^A-Za-z0-9_-]+", "_", school_class.name) or str(school_class.pk)
    return f"export_notesCC_{safe}_{subject.code}_S{semester.number}.xlsx"


# --- reading ---------------------------------------------------------------------------------
@dataclass
class SheetRow:
    row: int
    signed: tuple[int, int, int, int, int] | None
    id_text: str
    code: str
    marks: dict[int, tuple[object, object]]  # test -> (mark cell value, absent cell value)
    remark: str | None


@dataclass
class ParsedSheet:
    """What reading found; `problems` are {"where", "message"} in the user's language."""

    codes: dict = field(default_factory=dict)  # from row 5: school, class_id, semester, subject
    block: dict = field(default_factory=dict)  # from rows 7–13, by key of BLOCK_LABELS
    columns: dict = field(default_factory=dict)  # key -> column (tests: (mark, absent|None))
    rows: list[SheetRow] = field(default_factory=list)
    problems: list[dict] = field(default_factory=list)
    header_row: int = 0


def _problem(where: str, message: str) -> dict:
    return {"where": where, "message": message}


def _refuse(message: str, code: str = "bad_file") -> GradeError:
    return GradeError(code, message, [_problem("", message)])


def _open(data: bytes):
    """The workbook, or GradeError for what is not a reasonable XLSX file."""
    from openpyxl import load_workbook

    if len(data) > MAX_BYTES:
        raise _refuse(
            _("The file is too large (%(size)s MB); a grade sheet is well under %(max)s MB.")
            % {"size": round(len(data) / 1048576, 1), "max": MAX_BYTES // 1048576},
            "too_large",
        )
    if data[:4] == b"\xd0\xcf\x11\xe0":
        raise _refuse(
            _(
                "This is an old Excel file (.xls): open it in Excel or LibreOffice and save it "
                "as an Excel workbook (.xlsx)."
            ),
            "not_xlsx",
        )
    not_xlsx = _("The file is not an Excel workbook (.xlsx).")
    if data[:4] != b"PK\x03\x04":
        raise _refuse(not_xlsx, "not_xlsx")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            names = {i.filename for i in infos}
            if "xl/workbook.xml" not in names:
                raise _refuse(not_xlsx, "not_xlsx")
            if sum(i.file_size for i in infos) > MAX_UNZIPPED or len(infos) > 500:
                raise _refuse(
                    _("The workbook is too large once unpacked; a grade sheet is much smaller."),
                    "too_large",
                )
        return load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except GradeError:
        raise
    except Exception as exc:  # noqa: BLE001 (any damage inside the archive is the same answer)
        raise _refuse(not_xlsx, "not_xlsx") from exc


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value).split())


def sheet_read(data: bytes) -> ParsedSheet:
    """Read a grade sheet: header codes and block, columns by their labels, the data rows."""
    wb = _open(data)
    try:
        ws = wb[SHEET_NAME] if SHEET_NAME in wb.sheetnames else wb.worksheets[0]
        grid: list[tuple] = []
        for i, values in enumerate(
            ws.iter_rows(min_row=1, max_row=MAX_ROWS + 1, max_col=MAX_COLS, values_only=True)
        ):
            if i >= MAX_ROWS:
                raise _refuse(
                    _("The sheet has more than %(max)s rows; a class is much smaller.")
                    % {"max": MAX_ROWS},
                    "too_large",
                )
            grid.append(tuple(values))
    finally:
        wb.close()
    return _parse(grid)


def _cell(grid, row: int, col: int):
    """1-based access tolerant of short rows."""
    if row - 1 >= len(grid):
        return None
    values = grid[row - 1]
    return values[col - 1] if col - 1 < len(values) else None


def _parse(grid: list[tuple]) -> ParsedSheet:
    parsed = ParsedSheet()
    header = None
    for r in range(1, min(len(grid), 40) + 1):
        if any(_LABELS.get(_norm(v)) == "code" for v in grid[r - 1]):
            header = r
            break
    if header is None:
        parsed.problems.append(
            _problem(
                "",
                _(
                    "No column headed “%(label)s” (student number) was found in the first 40 "
                    "rows: this does not look like a Massar grade sheet."
                )
                % {"label": CODE_LABEL},
            )
        )
        return parsed
    parsed.header_row = header
    head = grid[header - 1]
    sub = grid[header] if header < len(grid) else ()
    filled = [c for c, v in enumerate(head, start=1) if _norm(v)]
    for c in filled:
        key = _LABELS.get(_norm(head[c - 1]))
        if key is None:
            continue
        if key in parsed.columns:
            parsed.problems.append(
                _problem(
                    f"{col_letter(c)}{header}",
                    _("The column “%(label)s” appears twice.") % {"label": _text(head[c - 1])},
                )
            )
            continue
        if key.startswith("test") or key == "activities":
            # a merged header spans its mark / absent pair: up to the next filled header
            end = next((n for n in filled if n > c), c + 2)
            mark_col, absent_col = None, None
            for sc in range(c, end):
                label = _norm(sub[sc - 1]) if sc - 1 < len(sub) else ""
                if label == _norm(MARK_LABEL) and mark_col is None:
                    mark_col = sc
                elif label == _norm(ABSENT_LABEL) and absent_col is None:
                    absent_col = sc
            parsed.columns[key] = (mark_col or c, absent_col)
        else:
            parsed.columns[key] = c
    if not any(k.startswith("test") or k == "activities" for k in parsed.columns):
        parsed.problems.append(
            _problem(
                f"{col_letter(1)}{header}",
                _("No test column (“%(label)s” …) was found in the header row.")
                % {"label": TEST_LABELS[1]},
            )
        )

    # row 5: school code, class id, semester, subject code (#…#), level code
    codes = [_text(v) for v in (grid[4] if len(grid) >= 5 else ()) if _text(v)]
    cells5 = [c for c, v in enumerate(grid[4] if len(grid) >= 5 else (), start=1) if _text(v)]
    subject_at = next((i for i, v in enumerate(codes) if re.fullmatch(r"#.+#", v)), None)
    if subject_at is not None:
        parsed.codes["subject"] = (
            codes[subject_at].strip("#"),
            f"{col_letter(cells5[subject_at])}5",
        )
    for i, key in enumerate(("school", "class_id", "semester")):
        if i < len(codes) and i != subject_at:
            parsed.codes[key] = (codes[i], f"{col_letter(cells5[i])}5")

    # header block: "label : value" in one cell or in the next filled cell of the row
    for r in range(1, header):
        values = grid[r - 1]
        for c, v in enumerate(values, start=1):
            text = _text(v)
            if not text:
                continue
            label, sep, rest = text.partition(":")
            key = _BLOCK.get(_norm(label))
            if key is None or key in parsed.block:
                continue
            value, at = (rest.strip() if sep else ""), c
            if not value:
                at, value = next(
                    ((n, _text(x)) for n, x in enumerate(values[c:], start=c + 1) if _text(x)),
                    (c, ""),
                )
            parsed.block[key] = (value, f"{col_letter(at)}{r}")

    tests = {
        (ACTIVITIES if k == "activities" else int(k[4:])): v
        for k, v in parsed.columns.items()
        if k.startswith("test") or k == "activities"
    }
    code_col, id_col = parsed.columns.get("code"), parsed.columns.get("id")
    remark_col = parsed.columns.get("remark")
    for r in range(header + 2, len(grid) + 1):
        id_text = _text(_cell(grid, r, id_col)) if id_col else ""
        ours = bool(_OUR_ID.match(id_text))
        code = _text(_cell(grid, r, code_col)).upper() if code_col else ""
        marks = {
            n: (_cell(grid, r, m), _cell(grid, r, a) if a else None) for n, (m, a) in tests.items()
        }
        remark = _text(_cell(grid, r, remark_col)) if remark_col else ""
        if (
            not ours
            and not code
            and not remark
            and all(_text(m) == "" and _text(a) == "" for m, a in marks.values())
        ):
            continue
        parsed.rows.append(
            SheetRow(
                row=r,
                signed=_unsign(id_text) if ours else None,
                id_text=id_text if ours else "",
                code=code,
                marks=marks,
                remark=remark or None,
            )
        )
    return parsed


# --- what the sheet is for --------------------------------------------------------------------
@dataclass
class Target:
    school_class: object
    subject: object
    semester: object


def _semester_number(parsed: ParsedSheet) -> tuple[int | None, str]:
    if "semester" in parsed.codes:
        text, where = parsed.codes["semester"]
        digits = re.sub(r"\D", "", text)
        if digits in ("1", "2"):
            return int(digits), where
    if "semester" in parsed.block:
        text, where = parsed.block["semester"]
        for n, name in SEMESTER_NAMES.items():
            if _norm(name) == _norm(text):
                return n, where
    return None, ""


def _known_subject(code: str) -> bool:
    from massar.schools.models import Subject

    return Subject.objects.filter(code__iexact=code).exists()


def sheet_check_target(parsed: ParsedSheet, target: Target, *, overridden=()) -> list[dict]:
    """Problems when the sheet's header names another school, class, subject or semester
    than `target` (the page's, or the command line's). `overridden`: what the operator chose
    explicitly on the command line, not checked against the sheet."""
    problems = []
    c, subject, semester = target.school_class, target.subject, target.semester
    school_code = c.school.code
    if "school" not in overridden and "school" in parsed.codes:
        value, where = parsed.codes["school"]
        if value.upper() != school_code.upper():
            problems.append(
                _problem(
                    where,
                    _("This sheet is for the school %(sheet)s, not %(expected)s.")
                    % {"sheet": value, "expected": school_code},
                )
            )
    if "class" not in overridden:
        by_id = parsed.codes.get("class_id")
        by_name = parsed.block.get("class")
        id_ok = by_id is not None and by_id[0] == str(c.pk)
        name_ok = by_name is not None and _norm(by_name[0]) == _norm(c.name)
        if (by_name is not None and not name_ok) or (by_name is None and by_id and not id_ok):
            sheet_class, where = by_name or by_id
            problems.append(
                _problem(
                    where,
                    _("This sheet is for the class %(sheet)s, not %(expected)s.")
                    % {"sheet": sheet_class, "expected": c.name},
                )
            )
    if "subject" not in overridden:
        # Massar writes its own numeric subject codes (#0030#): a code we do not know is no
        # mismatch, and the subject's name in the header block decides
        mismatch = None
        code = parsed.codes.get("subject")
        if code and code[0].upper() == subject.code.upper():
            pass
        elif code and _known_subject(code[0]):
            mismatch = code
        elif "subject" in parsed.block:
            name = parsed.block["subject"]
            if _norm(name[0]) not in (_norm(subject.name_ar), _norm(subject.name_fr)):
                mismatch = name
        if mismatch:
            problems.append(
                _problem(
                    mismatch[1],
                    _("This sheet is for the subject %(sheet)s, not %(expected)s.")
                    % {"sheet": mismatch[0], "expected": subject.code},
                )
            )
    if "semester" not in overridden:
        number, where = _semester_number(parsed)
        if number is not None and number != semester.number:
            problems.append(
                _problem(
                    where,
                    _("This sheet is for semester %(sheet)s, not semester %(expected)s.")
                    % {"sheet": number, "expected": semester.number},
                )
            )
    return problems


def sheet_resolve_target(
    parsed: ParsedSheet,
    *,
    school_code: str | None = None,
    class_name: str | None = None,
    subject_code: str | None = None,
    semester_number: int | None = None,
    year=None,
) -> Target:
    """The class × subject × semester a sheet is for (command line): the options first, then
    the sheet's technical codes (row 5), then its header block. GradeError when not found."""
    from massar.enrollment.models import SchoolClass
    from massar.schools.models import School, Semester, Subject
    from massar.schools.selectors import current_year

    year = year or current_year()
    problems = []
    school_code = school_code or (parsed.codes.get("school") or ("", ""))[0]
    school = School.objects.filter(code__iexact=school_code).first() if school_code else None
    if school is None:
        problems.append(
            _problem(
                (parsed.codes.get("school") or ("", "A5"))[1],
                _("No school has the code “%(code)s”; give --school.") % {"code": school_code},
            )
        )
    number = semester_number or _semester_number(parsed)[0]
    semester = (
        Semester.objects.filter(year=year, number=number).select_related("year").first()
        if year and number
        else None
    )
    if semester is None:
        problems.append(
            _problem("", _("The sheet does not say its semester; give --semester 1 or 2."))
        )
    subject = None
    code = subject_code or (parsed.codes.get("subject") or ("", ""))[0]
    if code:
        subject = Subject.objects.filter(code__iexact=code).first()
    if subject is None and not subject_code and "subject" in parsed.block:
        # Massar's numeric code is not ours: the subject's name in the header block
        name = parsed.block["subject"][0]
        subject = next(
            (
                s
                for s in Subject.objects.all()
                if _norm(name) in (_norm(s.name_ar), _norm(s.name_fr))
            ),
            None,
        )
        code = code or name
    if subject is None:
        problems.append(
            _problem(
                (parsed.codes.get("subject") or ("", ""))[1],
                _("No subject “%(code)s” is known; give --subject.") % {"code": code},
            )
        )
    school_class = None
    if school is not None and year is not None:
        classes = SchoolClass.objects.filter(school=school, year=year).select_related(
            "school__directorate__academy", "level", "year"
        )
        if class_name:
            school_class = next((k for k in classes if _norm(k.name) == _norm(class_name)), None)
        else:
            sheet_name = (parsed.block.get("class") or ("", ""))[0]
            sheet_id = (parsed.codes.get("class_id") or ("", ""))[0]
            found = list(classes)
            school_class = next(
                (k for k in found if sheet_name and _norm(k.name) == _norm(sheet_name)), None
            ) or next((k for k in found if sheet_id and str(k.pk) == sheet_id), None)
        if school_class is None:
            problems.append(
                _problem(
                    (parsed.block.get("class") or ("", ""))[1],
                    _("No class “%(name)s” at this school this year; give --class.")
                    % {"name": class_name or (parsed.block.get("class") or ("", ""))[0]},
                )
            )
    if problems:
        raise GradeError("unknown_target", _("The sheet's class cannot be found."), problems)
    return Target(school_class=school_class, subject=subject, semester=semester)


# --- validation and write ----------------------------------------------------------------------
def _absent_flag(value) -> bool | None:
    if value is None or value is False:
        return False
    if value is True:
        return True
    text = _norm(value)
    if text in ABSENT_TRUE:
        return True
    if text in ABSENT_FALSE:
        return False
    return None


def _shown(score, absent) -> tuple:
    return ("ABS", None) if absent else (None, score)


@dataclass
class SheetResult:
    rows: int
    lines_written: int
    marks_changed: int


def _lines_from(
    parsed: ParsedSheet, ctx: SheetContext, *, rebind: bool = False
) -> tuple[list[LineInput], list[dict]]:
    """LineInputs of the clean rows, and every problem by cell. `rebind`: the operator named
    the class, subject or semester on the command line, so a signed row of another book is
    taken for its student only (who must be in this class), without its version."""
    c = ctx.school_class
    roster = {e.student.code_massar.upper(): e.student for e in _roster(c)}
    by_id = {s.pk: s for s in roster.values()}
    stored = _lines(ctx, by_id)
    problems = list(parsed.problems)
    code_col = parsed.columns.get("code")
    id_col = parsed.columns.get("id")
    tests = {
        (ACTIVITIES if k == "activities" else int(k[4:])): v
        for k, v in parsed.columns.items()
        if k.startswith("test") or k == "activities"
    }
    allowed = set(range(1, ctx.tests + 1)) | ({ACTIVITIES} if ctx.has_activities else set())
    seen: dict[int, int] = {}
    lines: list[LineInput] = []
    for row in parsed.rows:
        r = row.row
        code_cell = f"{col_letter(code_col)}{r}" if code_col else f"{col_letter(id_col)}{r}"
        id_cell = f"{col_letter(id_col)}{r}" if id_col else code_cell
        student, version = None, None
        if row.id_text:
            if row.signed is None:
                problems.append(
                    _problem(
                        id_cell,
                        _(
                            "The hidden ID of this row was altered or does not come from "
                            "Massar: download a new sheet."
                        ),
                    )
                )
                continue
            student_id, class_id, subject_id, semester_id, version = row.signed
            if rebind and (class_id, subject_id, semester_id) != (
                c.pk,
                ctx.subject.pk,
                ctx.semester.pk,
            ):
                version = None
            elif (class_id, subject_id, semester_id) != (
                c.pk,
                ctx.subject.pk,
                ctx.semester.pk,
            ):
                problems.append(
                    _problem(
                        id_cell,
                        _(
                            "This row was copied from the sheet of another class, subject or "
                            "semester."
                        ),
                    )
                )
                continue
            student = by_id.get(student_id)
            if student is None:
                problems.append(_problem(code_cell, _("This student is no longer in this class.")))
                continue
            if row.code and row.code != student.code_massar.upper():
                problems.append(
                    _problem(
                        code_cell,
                        _(
                            "The student number %(code)s does not match this row's student "
                            "(%(expected)s)."
                        )
                        % {"code": row.code, "expected": student.code_massar},
                    )
                )
                continue
        else:
            if not row.code:
                problems.append(_problem(code_cell, _("This row has marks but no student number.")))
                continue
            student = roster.get(row.code)
            if student is None:
                problems.append(
                    _problem(
                        code_cell,
                        _("Student %(code)s is not in this class.") % {"code": row.code},
                    )
                )
                continue
        if student.pk in seen:
            problems.append(
                _problem(
                    code_cell,
                    _("Student %(code)s appears twice (also in row %(row)s).")
                    % {"code": student.code_massar, "row": seen[student.pk]},
                )
            )
            continue
        seen[student.pk] = r

        line = LineInput(student_id=student.pk, where=code_cell)
        row_ok = True
        for n, (mark_value, absent_value) in row.marks.items():
            mark_col, absent_col = tests[n]
            mark_cell = f"{col_letter(mark_col)}{r}"
            absent_cell = f"{col_letter(absent_col)}{r}" if absent_col else mark_cell
            absent = _absent_flag(absent_value)
            if _norm(mark_value) in ("abs", "غ", "غائب"):
                # an absence typed in the mark cell itself, as on paper
                mark_value, absent = None, True if absent is not None else None
            if absent is None:
                problems.append(
                    _problem(
                        absent_cell,
                        _("“%(value)s” is not an absence mark: write x or leave the cell empty.")
                        % {"value": _text(absent_value)},
                    )
                )
                row_ok = False
                continue
            score, error = mark_parse(mark_value)
            if error:
                problems.append(_problem(mark_cell, error))
                row_ok = False
                continue
            if score is None and not absent:
                continue  # empty: left as stored
            if absent and score is not None:
                problems.append(
                    _problem(
                        mark_cell,
                        _("This test has both a mark and an absence: keep one of them."),
                    )
                )
                row_ok = False
                continue
            if n not in allowed:
                problems.append(
                    _problem(
                        mark_cell,
                        _("This level has no such test this semester (%(count)s tests).")
                        % {"count": ctx.tests}
                        if n != ACTIVITIES
                        else _("This level has no integrated-activities mark."),
                    )
                )
                row_ok = False
                continue
            line.scores[n] = score
            line.absent[n] = absent
        if row.remark is not None:
            if len(row.remark) > 200:
                remark_cell = f"{col_letter(parsed.columns['remark'])}{r}"
                problems.append(
                    _problem(
                        remark_cell,
                        _("The remark is longer than %(max)s characters.") % {"max": 200},
                    )
                )
                row_ok = False
            else:
                line.remark = row.remark
        if not row_ok:
            continue

        current = stored.get(student.pk)
        current_version = current.version if current else 0
        if version is not None and version != current_version:
            # saved since the download: refuse only where the sheet would change a mark
            stale = []
            for n in sorted(set(line.scores) | set(line.absent)):
                score_f, absent_f = (
                    ("activities", "activities_absent")
                    if n == ACTIVITIES
                    else (f"score{n}", f"absent{n}")
                )
                old = (
                    _shown(getattr(current, score_f), getattr(current, absent_f))
                    if current
                    else (None, None)
                )
                if old != _shown(line.scores.get(n), line.absent.get(n, False)):
                    stale.append(f"{col_letter(tests[n][0])}{r}")
            if line.remark is not None and line.remark != (current.remark if current else ""):
                stale.append(f"{col_letter(parsed.columns['remark'])}{r}")
            problems.extend(
                _problem(
                    cell,
                    _(
                        "This mark was changed in Massar after the sheet was downloaded: "
                        "download a new sheet so as not to overwrite it."
                    ),
                )
                for cell in stale
            )
            if stale:
                continue
            version = current_version
        line.version = version
        lines.append(line)
    return lines, problems


def sheet_import(
    *,
    scope,
    actor,
    data: bytes,
    target: Target | None = None,
    school_code: str | None = None,
    class_name: str | None = None,
    subject_code: str | None = None,
    semester_number: int | None = None,
    source: str = "sheet",
) -> SheetResult:
    """Read, check and write a grade sheet, all or nothing. `target` is the page's class ×
    subject × semester (the sheet must be for it); without it (command line) the sheet's
    header names it, the options overriding. `scope` None is the operator. Raises GradeError
    whose problems name cells."""
    from massar.core.audit import audit_record

    if target is not None and scope is not None:
        role = book_role(scope, school_class=target.school_class, subject=target.subject)
        if role not in ("teacher", "director"):
            raise GradeError(
                "forbidden", _("You may not enter marks for this class and subject."), status=403
            )
    parsed = sheet_read(data)
    if parsed.header_row == 0:
        raise GradeError("bad_sheet", _("This is not a Massar grade sheet."), parsed.problems)
    overridden = set()
    if target is None:
        target = sheet_resolve_target(
            parsed,
            school_code=school_code,
            class_name=class_name,
            subject_code=subject_code,
            semester_number=semester_number,
        )
        overridden = {
            k
            for k, v in (
                ("school", school_code),
                ("class", class_name),
                ("subject", subject_code),
                ("semester", semester_number),
            )
            if v
        }
    problems = sheet_check_target(parsed, target, overridden=overridden)
    if problems:
        raise GradeError(
            "other_sheet",
            _("This sheet is for another class, subject or semester: nothing was saved."),
            problems,
        )
    ctx = sheet_context(
        school_class=target.school_class, subject=target.subject, semester=target.semester
    )
    lines, problems = _lines_from(
        parsed, ctx, rebind=bool(overridden & {"class", "subject", "semester"})
    )
    if problems:
        raise GradeError(
            "bad_cells",
            ngettext(
                "The sheet has %(count)s problem: nothing was saved.",
                "The sheet has %(count)s problems: nothing was saved.",
                len(problems),
            )
            % {"count": len(problems)},
            problems,
        )
    # the marks and the import's audit entry commit together
    with transaction.atomic():
        try:
            summary: WriteSummary = grades_write(
                scope=scope,
                actor=actor,
                school_class=target.school_class,
                subject=target.subject,
                semester=target.semester,
                lines=lines,
                source=source,
            )
        except GradeError as refused:
            if refused.code == "conflict":
                refused.message = _(
                    "Some rows were saved by someone else while this sheet was being sent: nothing "
                    "was saved. Download a new sheet."
                )
            raise
        audit_record(
            actor=actor,
            action="grades.sheet_import",
            object_type="grade_book",
            object_id=f"{target.school_class.pk}.{target.subject.pk}.{target.semester.pk}",
            school_id=target.school_class.school_id,
            after={
                "class": target.school_class.name,
                "subject": target.subject.code,
                "semester": target.semester.number,
                "rows": len(parsed.rows),
                "marks_changed": summary.marks_changed,
            },
            source="command" if source == "command" else None,
        )
    return SheetResult(
        rows=len(parsed.rows),
        lines_written=summary.lines_written,
        marks_changed=summary.marks_changed,
    )


def problem_lines(problems: list[dict]) -> list[str]:
    """'F23: 21 is above 20' for each problem (cell first, as spreadsheet users read them)."""
    return [
        _("%(cell)s: %(message)s") % {"cell": p["where"], "message": p["message"]}
        if p.get("where")
        else p["message"]
        for p in problems
    ]


# --- selectors -----------------------------------------------------------------------------------
SHEET_ROLES = ("TEACHER", "DIRECTOR", "STAFF", "MINISTRY", "ACADEMY", "DIRECTORATE")


def sheet_book_get(scope, *, class_id: int, subject_id: int, semester_number: int):
    """(Target, role) of a class × subject × semester the user may see; 404 otherwise.
    role: 'teacher' or 'director' may upload; 'viewer' (office staff, oversight) downloads."""
    from django.http import Http404

    from massar.enrollment.models import SchoolClass
    from massar.schools.models import Semester, Subject

    school_class = (
        SchoolClass.objects.select_related("school__directorate__academy", "level", "year")
        .filter(pk=class_id)
        .first()
    )
    subject = Subject.objects.filter(pk=subject_id).first()
    if school_class is None or subject is None:
        raise Http404
    semester = (
        Semester.objects.select_related("year")
        .filter(year_id=school_class.year_id, number=semester_number)
        .first()
    )
    if semester is None:
        raise Http404
    role = book_role(scope, school_class=school_class, subject=subject)
    if role is None:
        raise Http404
    return Target(school_class=school_class, subject=subject, semester=semester), role


def sheet_books(scope):
    """The class × subject pairs whose sheets the user works with this year: a teacher's own,
    or every one of the schools a director or office staff runs. Ordered, for paging."""
    from django.db.models import Q

    from massar.enrollment.models import TeachingAssignment
    from massar.schools.selectors import current_year

    year = current_year()
    if year is None:
        return TeachingAssignment.objects.none()
    q = Q(teacher__user_id=scope.user_id, school_id__in=scope.teacher_school_ids)
    if scope.school_ids:
        q |= Q(school_id__in=scope.school_ids)
    return (
        TeachingAssignment.objects.filter(q, school_class__year=year)
        .select_related("school_class__level", "subject", "teacher", "school")
        .order_by("school__code", "school_class__name", "subject__code", "pk")
    )
