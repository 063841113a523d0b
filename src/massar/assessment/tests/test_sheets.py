"""Massar grade sheets: download, fill, upload (page, API, command line), per-cell problems."""

import io
import random
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from massar.assessment import sheet_io
from massar.assessment.grades import LineInput, grades_write
from massar.assessment.models import GradeBook, MarkChange, MarkLine
from massar.core.models import AuditEntry
from massar.core.scopes import scope_for
from massar.enrollment.models import Enrollment, SchoolClass, TeachingAssignment
from massar.schools.models import Semester

pytestmark = pytest.mark.django_db


@pytest.fixture
def book(personas):
    assignment = (
        TeachingAssignment.objects.filter(teacher__user=personas["teacher"])
        .select_related("school_class__school", "subject")
        .order_by("pk")
        .first()
    )
    school_class = assignment.school_class
    semester = Semester.objects.get(year=school_class.year, number=1)
    students = list(
        Enrollment.objects.filter(school_class=school_class, status="ENROLLED")
        .select_related("student")
        .order_by("student__last_name_ar", "student__first_name_ar", "student__code_massar")
    )
    return {
        "class": school_class,
        "subject": assignment.subject,
        "semester": semester,
        "students": [e.student for e in students],
        "page": f"/evaluation/sheets/{school_class.pk}/{assignment.subject_id}/1/",
        "api": f"/api/v1/evaluation/sheets/{school_class.pk}/{assignment.subject_id}/1",
    }


def _download(client, user, book) -> bytes:
    client.force_login(user)
    response = client.get(book["page"] + "sheet.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"] == sheet_io.XLSX_TYPE
    return response.content


def _fill(data: bytes, cells: dict) -> bytes:
    wb = load_workbook(io.BytesIO(data))
    ws = wb["NotesCC"]
    for ref, value in cells.items():
        ws[ref] = value
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _upload(client, book, data: bytes, name="notes.xlsx"):
    return client.post(book["page"], {"file": SimpleUploadedFile(name, data)})


def _problems(response) -> list[str]:
    return list(response.context["problems"])


def _line(book, student):
    return MarkLine.objects.filter(
        school_class=book["class"],
        subject=book["subject"],
        semester=book["semester"],
        student=student,
    ).first()


def test_downloaded_sheet_has_massar_layout(client, personas, book):
    data = _download(client, personas["teacher"], book)
    ws = load_workbook(io.BytesIO(data))["NotesCC"]
    assert ws.sheet_view.rightToLeft
    assert ws["B4"].value == "نقط المراقبة المستمرة"
    assert ws["A5"].value == book["class"].school.code
    assert ws["D5"].value == f"#{book['subject'].code}#"
    assert ws["C9"].value == book["class"].level.name_ar
    assert ws["G9"].value == book["class"].name
    assert ws["C11"].value == "الدورة الأولى"
    assert ws["A15"].value == "#1#"
    assert [ws.cell(16, c).value for c in (2, 3, 5, 6, 8)] == [
        "رقم التلميذ",
        "اسم التلميذ",
        "تاريخ الازدياد",
        "الفرض الأول",
        "الفرض الثاني",
    ]
    assert (ws["F17"].value, ws["G17"].value) == ("النقطة", "التغيب")
    assert ws.column_dimensions["A"].hidden
    first = book["students"][0]
    assert ws["B18"].value == first.code_massar
    assert ws["E18"].value == first.birth_date.strftime("%d-%m-%Y")
    assert ws["A18"].value.startswith(f"{first.pk}.{book['class'].pk}.")
    # four tests by default, then activities and the remark
    assert ws.cell(16, 12).value == "الفرض الرابع"
    assert ws.cell(16, 14).value == "الأنشطة المندمجة"
    assert ws.cell(16, 16).value == "ملاحظات الأستاذ"
    assert ws.max_row == 17 + len(book["students"])


def test_round_trip_stores_marks_with_sheet_history(client, personas, book):
    teacher = personas["teacher"]
    grades_write(
        scope=scope_for(teacher),
        actor=teacher,
        school_class=book["class"],
        subject=book["subject"],
        semester=book["semester"],
        lines=[LineInput(student_id=book["students"][2].pk, scores={1: Decimal("9")})],
        source="grid",
    )
    data = _download(client, teacher, book)
    ws = load_workbook(io.BytesIO(data))["NotesCC"]
    assert ws["F20"].value == 9  # current marks pre-filled
    filled = _fill(
        data,
        {"F18": 12.5, "H18": "14,25", "G19": "x", "N18": 17, "P18": "Bon travail", "F20": 9},
    )
    response = _upload(client, book, filled)
    assert response.status_code == 302, response.context and _problems(response)
    first = _line(book, book["students"][0])
    assert (first.score1, first.score2, first.activities) == (
        Decimal("12.50"),
        Decimal("14.25"),
        Decimal("17.00"),
    )
    assert first.remark == "Bon travail"
    assert _line(book, book["students"][1]).absent1
    assert {c.source for c in MarkChange.objects.filter(line=first)} == {"sheet"}
    assert MarkChange.objects.filter(line=first).count() == 4
    # the same file again changes nothing and is not a conflict
    response = _upload(client, book, filled)
    assert response.status_code == 302
    assert MarkChange.objects.filter(line=first).count() == 4
    assert AuditEntry.objects.filter(action="grades.sheet_import").count() == 2


def test_problems_are_named_by_cell_and_nothing_is_written(client, personas, book):
    data = _download(client, personas["teacher"], book)
    bad = _fill(
        data,
        {
            "F18": 12,  # a good mark on a row with a bad one: not written either
            "H18": 21,
            "F19": "abc",
            "F20": 11,
            "G20": "x",
            "G21": "maybe",
            "J22": "12.345",
        },
    )
    response = _upload(client, book, bad)
    assert response.status_code == 200
    assert _problems(response) == [
        "H18: 21 is above 20",
        "F19: “abc” is not a mark",
        "F20: This test has both a mark and an absence: keep one of them.",
        "G21: “maybe” is not an absence mark: write x or leave the cell empty.",
        "J22: 12.345 has more than two decimals",
    ]
    assert "nothing was saved" in response.context["refusal"]
    assert not MarkLine.objects.filter(school_class=book["class"]).exists()


def test_cell_problem_reads_exactly_like_the_issue(client, personas, book):
    data = _download(client, personas["teacher"], book)
    row = 17 + min(6, len(book["students"]))
    response = _upload(client, book, _fill(data, {f"F{row}": 21}))
    assert _problems(response) == [f"F{row}: 21 is above 20"]


def test_tampered_hidden_id_and_student_outside_class(client, personas, book):
    data = _download(client, personas["teacher"], book)
    ws = load_workbook(io.BytesIO(data))["NotesCC"]
    signed = ws["A18"].value
    student_id, rest = signed.split(".", 1)
    tampered = f"{int(student_id) + 1}.{rest}"
    outsider = personas["other_school_student"]
    response = _upload(
        client,
        book,
        _fill(data, {"A18": tampered, "F18": 10, "A19": None, "B19": outsider.code_massar}),
    )
    assert _problems(response) == [
        "A18: The hidden ID of this row was altered or does not come from Massar: download a "
        "new sheet.",
        f"B19: Student {outsider.code_massar} is not in this class.",
    ]
    assert not MarkLine.objects.filter(school_class=book["class"]).exists()


def test_duplicate_rows_are_refused(client, personas, book):
    data = _download(client, personas["teacher"], book)
    code = book["students"][0].code_massar
    response = _upload(client, book, _fill(data, {"A19": None, "B19": code, "F19": 8}))
    assert _problems(response) == [f"B19: Student {code} appears twice (also in row 18)."]


def test_sheet_of_another_class_is_refused(client, personas, book):
    other = (
        TeachingAssignment.objects.filter(
            teacher__user=personas["teacher"], subject=book["subject"]
        )
        .exclude(school_class=book["class"])
        .select_related("school_class")
        .first()
    )
    data = _download(client, personas["teacher"], book)
    if other is not None:
        other_page = f"/evaluation/sheets/{other.school_class_id}/{book['subject'].pk}/1/"
        response = client.post(other_page, {"file": SimpleUploadedFile("n.xlsx", data)})
        problems = list(response.context["problems"])
        assert problems == [
            f"G9: This sheet is for the class {book['class'].name}, not {other.school_class.name}."
        ]
    # the second semester's page refuses the first semester's sheet
    response = client.post(
        book["page"].replace("/1/", "/2/"), {"file": SimpleUploadedFile("n.xlsx", data)}
    )
    assert list(response.context["problems"]) == [
        "C5: This sheet is for semester 1, not semester 2."
    ]
    # a row pasted from another class's sheet is caught by its signature
    moved = _fill(data, {"C5": "2", "C11": "الدورة الثانية", "F18": 10})
    response = client.post(
        book["page"].replace("/1/", "/2/"), {"file": SimpleUploadedFile("n.xlsx", moved)}
    )
    assert response.context["problems"][0] == (
        "A18: This row was copied from the sheet of another class, subject or semester."
    )
    assert not MarkLine.objects.filter(school_class=book["class"]).exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"code,mark\n1,2\n", "The file is not an Excel workbook (.xlsx)."),
        (b"\xd0\xcf\x11\xe0" + b"\0" * 100, "This is an old Excel file (.xls)"),
        (b"PK\x03\x04garbage", "The file is not an Excel workbook (.xlsx)."),
        (b"PK\x03\x04" + b"\0" * (sheet_io.MAX_BYTES + 10), "The file is too large"),
    ],
)
def test_files_that_are_not_sheets_are_refused(client, personas, book, content, message):
    client.force_login(personas["teacher"])
    response = _upload(client, book, content)
    assert response.status_code == 200
    assert response.context["refusal"].startswith(message)
    assert not MarkLine.objects.filter(school_class=book["class"]).exists()


def test_a_workbook_that_is_not_a_grade_sheet(client, personas, book):
    client.force_login(personas["teacher"])
    wb = Workbook()
    wb.active.append(["name", "mark"])
    out = io.BytesIO()
    wb.save(out)
    response = _upload(client, book, out.getvalue())
    assert response.context["refusal"] == "This is not a Massar grade sheet."
    assert "رقم التلميذ" in response.context["problems"][0]


def test_locked_book_and_deadline_change_nothing(client, personas, book):
    data = _download(client, personas["teacher"], book)
    GradeBook.objects.create(
        school=book["class"].school,
        school_class=book["class"],
        subject=book["subject"],
        semester=book["semester"],
        validated_at=timezone.now(),
    )
    response = _upload(client, book, _fill(data, {"F18": 10}))
    assert "locked" in response.context["refusal"]
    assert not MarkLine.objects.filter(school_class=book["class"]).exists()


def test_stale_sheet_does_not_overwrite_a_newer_web_edit(client, personas, book):
    teacher = personas["teacher"]
    data = _download(client, teacher, book)
    grades_write(
        scope=scope_for(teacher),
        actor=teacher,
        school_class=book["class"],
        subject=book["subject"],
        semester=book["semester"],
        lines=[LineInput(student_id=book["students"][0].pk, scores={1: Decimal("15")})],
        source="grid",
    )
    response = _upload(client, book, _fill(data, {"F18": 7, "F19": 11}))
    assert _problems(response) == [
        "F18: This mark was changed in Massar after the sheet was downloaded: download a new "
        "sheet so as not to overwrite it."
    ]
    assert _line(book, book["students"][0]).score1 == Decimal("15")
    assert _line(book, book["students"][1]) is None
    # agreeing with the newer mark is no conflict
    response = _upload(client, book, _fill(data, {"F18": 15, "F19": 11}))
    assert response.status_code == 302
    assert _line(book, book["students"][1]).score1 == Decimal("11")


def test_racing_uploads_lose_no_update(personas, book):
    """Two uploads of one fresh sheet: the second is checked after the first's write (the
    grade book's row lock) and finds the row's version moved."""
    teacher = personas["teacher"]
    from django.test import Client

    client = Client(headers={"accept-language": "en"})
    data = _download(client, teacher, book)
    first = _fill(data, {"F18": 10})
    second = _fill(data, {"F18": 12})
    target = sheet_io.Target(book["class"], book["subject"], book["semester"])
    parsed = sheet_io.sheet_read(second)
    ctx = sheet_io.sheet_context(
        school_class=book["class"], subject=book["subject"], semester=book["semester"]
    )
    lines, problems = sheet_io._lines_from(parsed, ctx)  # read before the first one writes
    assert not problems and lines[0].version == 0
    sheet_io.sheet_import(
        scope=scope_for(teacher), actor=teacher, data=first, target=target, source="sheet"
    )
    with pytest.raises(sheet_io.GradeError) as refused:
        grades_write(
            scope=scope_for(teacher),
            actor=teacher,
            school_class=book["class"],
            subject=book["subject"],
            semester=book["semester"],
            lines=lines,
            source="sheet",
        )
    assert refused.value.code == "conflict"
    assert refused.value.problems[0]["where"] == "B18"
    assert _line(book, book["students"][0]).score1 == Decimal("10")


# --- sheets exported by Massar itself ------------------------------------------------------------
def massar_sheet(
    book,
    rows,
    *,
    tests=2,
    shuffle=False,
    extra=False,
    activities=True,
    header=True,
    subject_code=None,
) -> bytes:
    """A sheet in Massar's own export layout: no signed hidden ID (Massar's internal numbers
    instead), `tests` tests, optionally shuffled columns and extra columns."""
    c, subject, semester = book["class"], book["subject"], book["semester"]
    wb = Workbook()
    ws = wb.active
    ws.title = "NotesCC"
    ws.sheet_view.rightToLeft = True
    ws["C4"] = "نقط المراقبة المستمرة"
    if header:
        for i, v in enumerate(
            [
                c.school.code,
                "123456",
                str(semester.number),
                f"#{subject_code or subject.code}#",
                c.level.code,
            ],
            1,
        ):
            ws.cell(5, i, v)
        ws["B7"], ws["C7"] = "الأكاديمية :", "أكاديمية"
        ws["B9"] = f"القسم : {c.name}"
        ws["B11"], ws["C11"] = "الدورة", "الدورة الأولى" if semester.number == 1 else "الثانية"
        ws["F11"], ws["G11"] = "المادة :", subject.name_ar
        ws["B13"], ws["C13"] = "السنة الدراسية :", "2025/2026"
    # columns as (header16, header17 list)
    blocks = [("", [None]), ("  رقم   التلميذ ", [None]), ("اسم التلميذ", [None, None])]
    blocks.append(("تاريخ الازدياد", [None]))
    names = ["الفرض الأول", "الفرض الثاني", "الفرض الثالث", "الفرض الرابع"]
    blocks.extend((names[n], ["النقطة", "التغيب"]) for n in range(tests))
    if activities:
        blocks.append(("الأنشطة المندمجة", ["النقطة", "التغيب"]))
    blocks.append(("ملاحظات الأستاذ", [None]))
    if extra:
        blocks.insert(4, ("الجنس", [None]))
        blocks.append(("المعدل", [None]))
    if shuffle:
        head, tail = blocks[:2], blocks[2:]
        random.Random(5).shuffle(tail)
        blocks = head + tail
    col, where = 1, {}
    for label, subs in blocks:
        ws.cell(16, col, label)
        for i, sub in enumerate(subs):
            if sub:
                ws.cell(17, col + i, sub)
        where[label.strip()] = col
        col += len(subs)
    for c_ in range(1, col):
        ws.cell(15, c_, f"#{c_}#")
    code_col = where["رقم   التلميذ"]
    for r, row in enumerate(rows, start=18):
        ws.cell(r, 1, 9000 + r)  # Massar's internal id: ignored
        ws.cell(r, code_col, row["code"])
        for n in range(tests):
            mark, absent = row.get(n + 1, (None, None))
            ws.cell(r, where[names[n]], mark)
            ws.cell(r, where[names[n]] + 1, absent)
        if "remark" in row:
            ws.cell(r, where["ملاحظات الأستاذ"], row["remark"])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("tests", "shuffle", "extra"), [(2, False, False), (3, True, True), (4, True, False)]
)
def test_massar_exported_sheets_parse_by_labels(client, personas, book, tests, shuffle, extra):
    students = book["students"][:3]
    rows = [
        {"code": students[0].code_massar, 1: (11, None), tests: (13.5, None)},
        {"code": students[1].code_massar.lower(), 1: (None, "x"), "remark": "غائب"},
        {"code": students[2].code_massar, 2: ("8,75", None)},
    ]
    client.force_login(personas["teacher"])
    response = _upload(
        client, book, massar_sheet(book, rows, tests=tests, shuffle=shuffle, extra=extra)
    )
    assert response.status_code == 302, response.context and _problems(response)
    first = _line(book, students[0])
    assert first.score1 == Decimal("11.00")
    assert getattr(first, f"score{tests}") == Decimal("13.50")
    assert _line(book, students[1]).absent1
    assert _line(book, students[2]).score2 == Decimal("8.75")
    assert MarkChange.objects.filter(school_class=book["class"], source="sheet").count() == 5


def test_massar_sheet_with_a_student_of_another_class(client, personas, book):
    outsider = personas["untaught_student"]
    rows = [
        {"code": book["students"][0].code_massar, 1: (12, None)},
        {"code": outsider.code_massar, 1: (3, None)},
    ]
    client.force_login(personas["teacher"])
    response = _upload(client, book, massar_sheet(book, rows))
    assert _problems(response) == [f"B19: Student {outsider.code_massar} is not in this class."]


# --- command line ---------------------------------------------------------------------------
def _run(*args):
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import", "grade-sheet", *args, "--language", "en", stdout=out, stderr=err)
        code = 0
    except SystemExit as exit_:
        code = exit_.code
    return code, out.getvalue(), err.getvalue()


def test_command_imports_a_massar_sheet(tmp_path, personas, book):
    students = book["students"][:2]
    path = tmp_path / "export_notesCC.xlsx"
    path.write_bytes(
        massar_sheet(
            book,
            [
                {"code": students[0].code_massar, 1: (14, None)},
                {"code": students[1].code_massar, 2: (None, "x")},
            ],
        )
    )
    code, out, err = _run(str(path))
    assert code == 0, out + err
    assert "2 mark(s) changed in 2 row(s)" in out
    changes = MarkChange.objects.filter(school_class=book["class"])
    assert {c.source for c in changes} == {"command"}
    assert {c.actor for c in changes} == {None}
    entry = AuditEntry.objects.filter(action="grades.sheet_import").get()
    assert entry.source == "command"
    assert _line(book, students[0]).score1 == Decimal("14")


def test_command_prints_each_problem_and_exits_non_zero(tmp_path, personas, book):
    students = book["students"][:2]
    path = tmp_path / "s.xlsx"
    path.write_bytes(
        massar_sheet(
            book,
            [
                {"code": students[0].code_massar, 1: (23, None)},
                {"code": "Z999999999", 2: (12, None)},
            ],
        )
    )
    code, out, err = _run(str(path))
    assert code == 1
    assert out.splitlines() == [
        "F18: 23 is above 20",
        "B19: Student Z999999999 is not in this class.",
    ]
    assert "nothing was saved" in err
    assert not MarkLine.objects.filter(school_class=book["class"]).exists()
    assert _run(str(tmp_path / "missing.xlsx"))[0] == 2


def test_command_options_override_the_header(tmp_path, personas, book):
    students = book["students"][:1]
    path = tmp_path / "s.xlsx"
    path.write_bytes(
        massar_sheet(book, [{"code": students[0].code_massar, 1: (9, None)}], header=False)
    )
    code, out, _err = _run(str(path))
    assert code == 1 and "--school" in out
    code, out, err = _run(
        str(path),
        "--school",
        book["class"].school.code,
        "--class",
        book["class"].name,
        "--subject",
        book["subject"].code,
        "--semester",
        "2",
    )
    assert code == 0, out + err
    line = MarkLine.objects.get(school_class=book["class"], student=students[0])
    assert (line.semester.number, line.score1) == (2, Decimal("9"))


# --- API --------------------------------------------------------------------------------------
def test_api_download_and_upload(client, personas, book):
    client.force_login(personas["teacher"])
    response = client.get(book["api"] + "/xlsx")
    assert response.status_code == 200
    data = _fill(response.content, {"F18": 16, "H19": 21})
    response = client.post(book["api"], {"file": SimpleUploadedFile("s.xlsx", data)})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "bad_cells"
    assert body["problems"] == [{"where": "H19", "message": "21 is above 20"}]
    data = _fill(data, {"H19": 20})
    response = client.post(book["api"], {"file": SimpleUploadedFile("s.xlsx", data)})
    assert response.status_code == 200, response.json()
    assert response.json() == {
        "rows": len(book["students"]),
        "lines_written": 2,
        "marks_changed": 2,
    }
    assert MarkChange.objects.filter(school_class=book["class"], source="sheet").count() == 2


def test_staff_downloads_but_may_not_upload(client, personas, book):
    data = _download(client, personas["director"], book)
    client.force_login(personas["staff"])
    assert client.get(book["page"] + "sheet.xlsx").status_code == 200
    response = client.post(book["api"], {"file": SimpleUploadedFile("s.xlsx", data)})
    assert response.status_code == 403


def test_sheet_list_queries_do_not_grow(client, personas, django_assert_max_num_queries):
    client.force_login(personas["director"])
    with django_assert_max_num_queries(12):
        response = client.get("/evaluation/sheets/")
    assert response.status_code == 200
    assert SchoolClass.objects.exists()


def test_upload_after_the_deadline_changes_nothing(client, personas, book):
    from datetime import timedelta

    from massar.assessment.models import GradeDeadline

    data = _download(client, personas["teacher"], book)
    GradeDeadline.objects.create(
        semester=book["semester"],
        school=book["class"].school,
        closes_on=timezone.localdate() - timedelta(days=1),
    )
    response = _upload(client, book, _fill(data, {"F18": 10}))
    assert response.context["refusal"].startswith("Grade entry for this semester closed on")
    assert not MarkLine.objects.filter(school_class=book["class"]).exists()


def test_a_workbook_that_inflates_to_gigabytes_is_refused(client, personas, book):
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (sheet_io.MAX_UNZIPPED + 1))
    assert len(out.getvalue()) < 200_000
    client.force_login(personas["teacher"])
    response = _upload(client, book, out.getvalue())
    assert response.context["refusal"].startswith("The workbook is too large once unpacked")


def test_upload_runs_a_constant_number_of_queries(
    client, personas, book, django_assert_max_num_queries
):
    data = _download(client, personas["teacher"], book)
    cells = {}
    for i in range(len(book["students"])):
        cells[f"F{18 + i}"] = 10 + i % 10
        cells[f"H{18 + i}"] = 12
    filled = _fill(data, cells)
    with django_assert_max_num_queries(32):  # whatever the class size
        response = _upload(client, book, filled)
    assert response.status_code == 302
    assert MarkLine.objects.filter(school_class=book["class"]).count() == len(book["students"])
    with django_assert_max_num_queries(15):
        assert client.get(book["page"] + "sheet.xlsx").status_code == 200


def test_command_semester_override_takes_a_signed_sheet_into_another_semester(
    tmp_path, client, personas, book
):
    data = _download(client, personas["teacher"], book)
    path = tmp_path / "s1.xlsx"
    path.write_bytes(_fill(data, {"F18": 13}))
    assert _run(str(path))[0] == 0
    code, out, err = _run(str(path), "--semester", "2")
    assert code == 0, out + err
    lines = MarkLine.objects.filter(school_class=book["class"], student=book["students"][0])
    assert sorted((m.semester.number, m.score1) for m in lines) == [
        (1, Decimal("13")),
        (2, Decimal("13")),
    ]


def test_massar_sheet_for_another_subject_is_refused(client, personas, book):
    other = (
        TeachingAssignment.objects.filter(school_class=book["class"])
        .exclude(subject=book["subject"])
        .select_related("subject")
        .first()
    )
    rows = [{"code": book["students"][0].code_massar, 1: (12, None)}]
    client.force_login(personas["director"])
    page = f"/evaluation/sheets/{book['class'].pk}/{other.subject_id}/1/"
    response = client.post(page, {"file": SimpleUploadedFile("s.xlsx", massar_sheet(book, rows))})
    assert list(response.context["problems"]) == [
        f"D5: This sheet is for the subject {book['subject'].code}, not {other.subject.code}."
    ]
    assert not MarkLine.objects.filter(school_class=book["class"]).exists()


def test_massar_numeric_subject_code_falls_back_to_the_subject_name(
    tmp_path, client, personas, book
):
    rows = [{"code": book["students"][0].code_massar, 1: (12, None)}]
    sheet = massar_sheet(book, rows, subject_code="0030")
    other = (
        TeachingAssignment.objects.filter(school_class=book["class"])
        .exclude(subject=book["subject"])
        .select_related("subject")
        .first()
    )
    client.force_login(personas["director"])
    page = f"/evaluation/sheets/{book['class'].pk}/{other.subject_id}/1/"
    response = client.post(page, {"file": SimpleUploadedFile("s.xlsx", sheet)})
    assert list(response.context["problems"]) == [
        f"G11: This sheet is for the subject {book['subject'].name_ar}, not {other.subject.code}."
    ]
    path = tmp_path / "massar.xlsx"
    path.write_bytes(sheet)
    code, out, err = _run(str(path))
    assert code == 0, out + err
    assert _line(book, book["students"][0]).score1 == Decimal("12")


def test_sheet_page_in_arabic_is_right_to_left(personas, book):
    from django.test import Client

    client = Client(headers={"accept-language": "ar"})
    client.force_login(personas["teacher"])
    response = client.get(book["page"])
    assert response.status_code == 200
    assert 'dir="rtl"' in response.content.decode()
    assert response.context["may_upload"]
    client.force_login(personas["staff"])
    assert not client.get(book["page"]).context["may_upload"]
