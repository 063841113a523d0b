"""Loading the list of schools from CSV."""

import io

import pytest
from django.core.management import call_command

from massar.schools.models import School

pytestmark = pytest.mark.django_db
HEADER = "code,name_fr,name_ar,directorate_code,sector,area,cycles"


def run(tmp_path, lines, *args):
    path = tmp_path / "schools.csv"
    path.write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command(
            "import", "schools", str(path), "--language", "en", *args, stdout=out, stderr=err
        )
        return 0, out.getvalue()
    except SystemExit as exit_:
        return exit_.code, out.getvalue()


def test_schools_are_created_then_updated_by_code(tmp_path):
    code, out = run(
        tmp_path,
        [
            "06123A,École Al Amal,مدرسة الأمل,0601,PUBLIC,RURAL,P",
            "06124B,Lycée Ibn Batouta,ثانوية ابن بطوطة,0602,PUBLIC,URBAN,H",
        ],
    )
    assert code == 0 and "2 schools created" in out
    school = School.objects.get(code="06123A")
    assert school.has_primary and not school.has_high and school.directorate.code == "0601"
    code, out = run(tmp_path, ["06123A,École Al Amal,مدرسة الأمل,0601,PUBLIC,RURAL,PM"])
    assert code == 0 and "1 updated" in out
    school.refresh_from_db()
    assert school.has_middle


def test_bad_rows_are_named_and_nothing_is_written(tmp_path):
    before = School.objects.count()
    code, out = run(
        tmp_path,
        [
            "6123A,École,مدرسة,0601,PUBLIC,RURAL,P",
            "06125C,École,Ecole,9999,STATE,CITY,X",
            "06126D,École B,مدرسة ب,0601,PUBLIC,URBAN,P",
            "06126D,École B,مدرسة ب,0601,PUBLIC,URBAN,P",
        ],
    )
    assert code == 1
    for expected in [
        "row 2, code: “6123A” is not a school code",
        "row 3, name_ar: “Ecole” is not written in Arabic script",
        "row 3, directorate_code: no provincial directorate has the code “9999”",
        "row 3, sector: write PUBLIC or PRIVATE",
        "row 3, area: write URBAN",
        "row 3, cycles: write a combination",
        "row 5, code: the same school as row 4",
    ]:
        assert expected in out
    assert School.objects.count() == before


def test_export_schools_round_trips(tmp_path):
    out = tmp_path / "out.csv"
    call_command("export", "schools", "--out", str(out), stdout=io.StringIO())
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0] == HEADER and any(line.startswith("04012B,") for line in lines)
    code, _ = run(tmp_path, lines[1:], "--dry-run")
    assert code == 0
