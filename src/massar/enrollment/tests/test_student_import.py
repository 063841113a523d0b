"""Bulk import of students: the command-line contract, file problems, the upload → report →
confirm flow, and that nothing is written until a file is accepted."""

import io
import subprocess
import sys

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from openpyxl import Workbook

from massar.core.models import AuditEntry
from massar.enrollment.models import Enrollment
from massar.enrollment.student_import import COLUMNS, FileRejected, read_rows
from massar.registry.models import Guardian, GuardianLink, Student

pytestmark = pytest.mark.django_db
HEADER = ",".join(COLUMNS)
GOOD = [
    "04012B,1AC,,Tazi,Salma,التازي,سلمى,F,2013-05-02,Rabat,Tazi,Omar,0612345678,FATHER",
    "04012B,2AC,,Tazi,Hamza,التازي,حمزة,M,21/07/2012,Rabat,Tazi,Omar,06 12 34 56 78,père",
    "04021C,TC,TCS,Naciri,Aya,الناصري,آية,F,2010-01-10,Salé,Naciri,Khalid,+212698765432,FATHER",
]


def write(tmp_path, lines, name="students.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(("\n".join([HEADER, *lines]) + "\n").encode(encoding))
    return path


def run_import(*args, language="en"):
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command(
            "import", "students", *map(str, args), "--language", language, stdout=out, stderr=err
        )
        code = 0
    except SystemExit as exit_:
        code = exit_.code
    return code, out.getvalue(), err.getvalue()


def test_import_writes_students_guardians_and_enrollments(tmp_path):
    before = Student.objects.count()
    code, out, _ = run_import(write(tmp_path, GOOD))
    assert code == 0, out
    assert Student.objects.count() == before + 3
    new = Student.objects.filter(pk__in=Student.objects.order_by("-pk").values("pk")[:3])
    salma = new.get(first_name_fr="Salma")
    assert salma.code_massar[0] == "D" and len(salma.code_massar) == 10
    assert salma.search_fr == "tazi salma" and salma.dup_key_fr
    hamza = new.get(first_name_fr="Hamza")
    # brother and sister share one guardian, who will see both
    assert (
        GuardianLink.objects.get(student=salma).guardian_id
        == GuardianLink.objects.get(student=hamza).guardian_id
    )
    assert Guardian.objects.get(links__student=hamza).phone == "0612345678"
    enrollment = Enrollment.objects.get(student=new.get(first_name_fr="Aya"))
    assert (enrollment.school.code, enrollment.level.code, enrollment.track.code) == (
        "04021C",
        "TC",
        "TCS",
    )
    assert AuditEntry.objects.filter(action="student.import", source="import").exists()


def test_bad_rows_are_each_named_and_nothing_is_written(tmp_path):
    before = (Student.objects.count(), Guardian.objects.count(), Enrollment.objects.count())
    code, out, err = run_import(
        write(
            tmp_path,
            [
                "99999Z,1AC,,Tazi,Salma,التازي,سلمى,F,2013-05-02,Rabat,Tazi,Omar,0612345678,FATHER",
                "04012B,TC,,,Hamza,Tazi,حمزة,X,31/02/2012,Rabat,Tazi,Omar,12345,UNCLE",
                GOOD[0],
                GOOD[0],
            ],
        )
    )
    assert code == 1
    for expected in [
        "row 2, school_code: no school has the code “99999Z”",
        "row 3, level: school 04012B does not teach level TC",
        "row 3, last_name_fr: this field is required",
        "row 3, last_name_ar: “Tazi” is not written in Arabic script",
        "row 3, sex: write M or F, not “X”",
        "row 3, birth_date: “31/02/2012” is not a date",
        "row 3, guardian_phone: “12345” is not a Moroccan phone number",
        "row 3, guardian_relation: write FATHER, MOTHER or TUTOR",
        "row 5, last_name_fr: the same student as row 4",
    ]:
        assert expected in out
    assert "nothing was written" in err
    assert (Student.objects.count(), Guardian.objects.count(), Enrollment.objects.count()) == before


def test_a_bad_value_repeated_is_named_on_each_of_its_rows(tmp_path):
    """Each distinct value is checked once per file; its problems still name every row."""
    bad = GOOD[0].replace("04012B", "99999Z").replace("2013-05-02", "2013-13-02")
    lines = [bad, GOOD[1], bad.replace("Salma", "Salwa").replace("سلمى", "سلوى"), GOOD[2]]
    code, out, _ = run_import(write(tmp_path, lines))
    assert code == 1
    for row in (2, 4):
        assert f"row {row}, school_code: no school has the code “99999Z”" in out
        assert f"row {row}, birth_date: “2013-13-02” is not a date" in out
    assert "row 3," not in out and "row 5," not in out


def test_messages_follow_the_requested_language(tmp_path):
    code, out, _ = run_import(write(tmp_path, [GOOD[0].replace("04012B", "99999Z")]), language="fr")
    assert code == 1 and "ligne 2, school_code" in out and "99999Z" in out


def test_dry_run_writes_nothing_and_exits_zero(tmp_path):
    before = Student.objects.count()
    code, out, _ = run_import(write(tmp_path, GOOD), "--dry-run")
    assert code == 0 and "3 rows are valid" in out
    assert Student.objects.count() == before


def test_likely_duplicates_need_accept_new_identities(tmp_path, personas):
    existing = personas["untaught_student"]
    row = (
        f"04012B,1AC,,{existing.last_name_fr},{existing.first_name_fr},"
        f"{existing.last_name_ar},{existing.first_name_ar},{existing.sex},"
        f"{existing.birth_date.isoformat()},Rabat,X,Y,0611111111,FATHER"
    )
    path = write(tmp_path, [row])
    code, out, _ = run_import(path)
    assert code == 1 and f"likely already in the registry as {existing.code_massar}" in out
    code, out, _ = run_import(path, "--accept-new-identities")
    assert code == 0 and "1 accepted as new identities" in out


@pytest.mark.django_db(transaction=True)
def test_command_line_import_reads_the_committed_registry_beside_its_copy(
    tmp_path, personas, monkeypatch
):
    """Outside any caller's transaction, as `massar import students` runs, the streamed
    import (PostgreSQL) reads the registry and reserves ids on a second connection while its
    own is busy writing: a likely duplicate of a committed student is still found, a
    committed guardian is reused, and a refused file writes nothing and advances no Code
    Massar counter."""
    from massar.enrollment import student_import
    from massar.registry.models import CodeMassarSequence

    opened = []
    second = student_import._second_connection
    monkeypatch.setattr(student_import, "_second_connection", lambda: opened.append(1) or second())
    existing = personas["untaught_student"]
    parent = Guardian.objects.filter(phone__startswith="06").order_by("pk").first()
    path = write(
        tmp_path,
        [
            f"04012B,1AC,,{existing.last_name_fr},{existing.first_name_fr},"
            f"{existing.last_name_ar},{existing.first_name_ar},{existing.sex},"
            f"{existing.birth_date.isoformat()},Rabat,Alaoui,Driss,0611111111,FATHER",
            f"04012B,2AC,,Ouazzani,Ilyasse,الوزاني,إلياس,M,2012-03-04,Rabat,"
            f"{parent.last_name_fr},{parent.first_name_fr},{parent.phone},FATHER",
        ],
    )
    counters = dict(CodeMassarSequence.objects.values_list("letter", "next_number"))
    before = (Student.objects.count(), Guardian.objects.count(), Enrollment.objects.count())

    code, out, _ = run_import(path)
    assert code == 1 and f"likely already in the registry as {existing.code_massar}" in out
    assert (Student.objects.count(), Guardian.objects.count(), Enrollment.objects.count()) == (
        before
    )
    assert dict(CodeMassarSequence.objects.values_list("letter", "next_number")) == counters

    code, out, _ = run_import(path, "--accept-new-identities")
    assert code == 0, out
    # the second row's guardian is the committed one; the first row's is new
    assert (Student.objects.count(), Guardian.objects.count(), Enrollment.objects.count()) == (
        before[0] + 2,
        before[1] + 1,
        before[2] + 2,
    )
    assert GuardianLink.objects.get(student__first_name_fr="Ilyasse").guardian_id == parent.pk
    after = dict(CodeMassarSequence.objects.values_list("letter", "next_number"))
    assert after["D"] == counters["D"] + 2  # Rabat-Salé-Kénitra: both rows
    assert set(
        Student.objects.filter(first_name_fr="Ilyasse").values_list("code_massar", flat=True)
    ) < {f"D{n:09d}" for n in range(counters["D"], after["D"])}
    assert len(opened) == (2 if connection.vendor == "postgresql" else 0)


@pytest.mark.parametrize(
    "content,name,message",
    [
        (b"school_code,level\n04012B,1AC\n", "s.csv", "missing columns"),
        ((HEADER + ",extra\n").encode(), "s.csv", "unknown columns: extra"),
        ((HEADER + "\n" + GOOD[0]).encode("utf-16"), "s.csv", "not UTF-8"),
        (
            "Tazi,Salma".encode("cp1256", errors="ignore") + bytes(range(128, 256)) * 300,
            "s.csv",
            "not UTF-8",
        ),
        (b"PK\x03\x04 this is not a workbook at all" * 100, "s.xlsx", "not an Excel workbook"),
        (HEADER.encode(), "s.csv", "no data rows"),
        (b"%PDF-1.4 binary", "s.pdf", "send a .csv or .xlsx file"),
    ],
)
def test_malformed_files_get_one_clear_error(tmp_path, content, name, message):
    path = tmp_path / name
    path.write_bytes(content)
    before = Student.objects.count()
    code, out, _ = run_import(path)
    assert code == 1 and message in out
    assert Student.objects.count() == before


def test_a_hundred_megabytes_of_garbage_is_refused_quickly(tmp_path):
    path = tmp_path / "garbage.csv"
    with path.open("wb") as fh:
        chunk = bytes(range(256)) * 4096
        for _ in range(100):
            fh.write(chunk)
    code, out, _ = run_import(path)
    assert code == 1 and "not UTF-8" in out


def test_xlsx_import(tmp_path):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(COLUMNS)
    for line in GOOD:
        sheet.append(line.split(","))
    path = tmp_path / "students.xlsx"
    workbook.save(path)
    assert [n for n, _ in read_rows(path)] == [2, 3, 4]
    code, out, _ = run_import(path)
    assert code == 0, out


def test_unreadable_file_raises_file_rejected(tmp_path):
    path = tmp_path / "x.xlsx"
    path.write_bytes(b"not a zip")
    with pytest.raises(FileRejected):
        list(read_rows(path))


def test_command_line_exit_status_is_real(tmp_path):
    """The console script itself (not call_command) on a migrated database with the demo:
    exit 1 on a bad file, 0 on a good one."""
    env = {
        "MASSAR_ENV": "development",
        "PATH": "/usr/bin",
        "MASSAR_VAR_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite3'}",
    }

    def massar(*args):
        return subprocess.run(
            [sys.executable, "-m", "massar.cli", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    assert massar("migrate", "-v", "0").returncode == 0
    assert massar("demo").returncode == 0
    bad = massar(
        "import", "students", str(write(tmp_path, ["99999Z" + GOOD[0][6:]])), "--language", "en"
    )
    assert bad.returncode == 1 and "row 2, school_code" in bad.stdout
    good = massar("import", "students", str(write(tmp_path, GOOD, "good.csv")), "--dry-run")
    assert good.returncode == 0, good.stdout + good.stderr


# --- the pages ----------------------------------------------------------------------------------


def upload(client, content: bytes, name="students.csv"):
    return client.post(
        "/imports/students/", {"file": SimpleUploadedFile(name, content, "text/csv")}
    )


def test_director_uploads_checks_then_loads(client, personas, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(personas["director"])
    response = upload(client, ("\n".join([HEADER, GOOD[0], GOOD[1]]) + "\n").encode())
    assert response.status_code == 302
    page = client.get(response.url).content.decode()
    assert "Ready to load" in page
    before = Student.objects.count()
    batch_url = response.url
    client.post(batch_url + "load/")
    assert Student.objects.count() == before + 2
    assert "The students are in the registry" in client.get(batch_url).content.decode()
    # a second click loads nothing more
    client.post(batch_url + "load/")
    assert Student.objects.count() == before + 2


def test_report_page_names_rows_in_the_users_language(client, personas, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(personas["director"])
    response = upload(client, ("\n".join([HEADER, GOOD[2]]) + "\n").encode())
    page = client.get(response.url).content.decode()
    # the lycée is not the director's school
    assert "school 04021C is not one of yours" in page and "Has problems" in page
    client.cookies["django_language"] = "fr"
    page_fr = client.get(response.url).content.decode()
    assert "04021C" in page_fr and "school 04021C is not one of yours" not in page_fr


def test_templates_download(client, personas):
    client.force_login(personas["director"])
    csv_ = client.get("/imports/students/template.csv")
    assert csv_.content.decode("utf-8-sig").splitlines()[0] == HEADER
    xlsx = client.get("/imports/students/template.xlsx")
    assert xlsx.content[:2] == b"PK"


def test_export_lists_only_what_the_user_sees(client, personas):
    client.force_login(personas["teacher"])
    body = b"".join(client.get("/students/export.csv").streaming_content).decode("utf-8-sig")
    lines = body.strip().splitlines()
    assert lines[0] == (
        "code_massar,school_code,level,track,last_name_fr,first_name_fr,"
        "last_name_ar,first_name_ar,sex,birth_date"
    )
    codes = {line.split(",")[0] for line in lines[1:]}
    assert personas["taught_student"].code_massar in codes
    assert personas["untaught_student"].code_massar not in codes
    xlsx = client.get("/students/export.xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"


def test_export_command_writes_the_contract_columns(tmp_path):
    out = tmp_path / "students.csv"
    call_command(
        "export", "students", "--school", "04012B", "--out", str(out), stdout=io.StringIO()
    )
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0].split(",") == [
        "code_massar",
        "school_code",
        "level",
        "track",
        "last_name_fr",
        "first_name_fr",
        "last_name_ar",
        "first_name_ar",
        "sex",
        "birth_date",
    ]
    assert len(lines) - 1 == Enrollment.objects.filter(school__code="04012B").count()
    assert all(line.split(",")[1] == "04012B" for line in lines[1:])
