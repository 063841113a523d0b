"""The analysts' exports: exact headers and rows for hand-made marks and results (an absent test
with an empty score, the integrated-activities test, the general-average row with an empty
subject and the final decision), the command line's exit codes, and the scoped downloads."""

import csv
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.test import Client

from massar.assessment.exports import CURRICULUM_COLUMNS, GRADE_COLUMNS, RESULT_COLUMNS
from massar.assessment.models import (
    Candidate,
    CertificationResult,
    CouncilDecision,
    GeneralResult,
    MarkLine,
    SubjectResult,
)
from massar.assessment.tests.access_rows_council import COLLEGE, LYCEE, enrolled, school_class
from massar.core.models import AuditEntry
from massar.schools.models import CurriculumEntry, Semester, Subject

pytestmark = pytest.mark.django_db


def test_exact_headers():
    assert ",".join(GRADE_COLUMNS) == (
        "code_massar,school_code,class,level,track,semester,subject_code,test,score,absent"
    )
    assert ",".join(RESULT_COLUMNS) == (
        "code_massar,school_code,class,period,subject_code,average,rank,decision"
    )
    assert ",".join(CURRICULUM_COLUMNS) == "level,track,subject_code,coefficient"


@pytest.fixture
def data(personas):
    sc = school_class(COLLEGE)
    first, second = (e.student for e in enrolled(sc)[:2])
    subject = Subject.objects.order_by("code").first()
    semester = Semester.objects.get(year=sc.year, number=1)
    MarkLine.objects.create(
        school=sc.school,
        school_class=sc,
        subject=subject,
        semester=semester,
        student=first,
        score1=Decimal("12.50"),
        absent2=True,
        score4=Decimal("7"),
        activities=Decimal("15.25"),
    )
    MarkLine.objects.create(
        school=sc.school,
        school_class=sc,
        subject=subject,
        semester=semester,
        student=second,
        activities_absent=True,
    )
    common = {"school": sc.school, "year": sc.year, "school_class": sc}
    SubjectResult.objects.create(
        **common, period="S1", student=first, subject=subject, average=Decimal("11.58"), rank=2
    )
    for student, avg, proposed in ((first, "9.40", "REPEATS"), (second, "13.00", "PROMOTED")):
        GeneralResult.objects.create(
            **common,
            level=sc.level,
            period="S1",
            student=student,
            average=Decimal(avg),
            rank_class=1,
        )
        GeneralResult.objects.create(
            **common,
            level=sc.level,
            period="ANNUAL",
            student=student,
            average=Decimal(avg),
            rank_class=3,
            proposed_decision=proposed,
        )
    CouncilDecision.objects.create(
        school=sc.school, year=sc.year, student=first, decision="PROMOTED", reason="Progrès"
    )
    return {"sc": sc, "first": first, "second": second, "subject": subject}


def _read(path) -> list[list[str]]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


def test_grades_export_unpivots_marks(data, tmp_path):
    out = tmp_path / "grades.csv"
    sc, first, second, subject = data["sc"], data["first"], data["second"], data["subject"]
    call_command("export", "grades", "--year", sc.year.code, "--school", COLLEGE, "--out", out)
    rows = _read(out)
    assert rows[0] == GRADE_COLUMNS
    head1 = [first.code_massar, COLLEGE, sc.name, sc.level.code, "", "1", subject.code]
    head2 = [second.code_massar, COLLEGE, sc.name, sc.level.code, "", "1", subject.code]
    assert rows[1:] == [
        [*head1, "1", "12.50", "0"],
        [*head1, "2", "", "1"],
        [*head1, "4", "7.00", "0"],
        [*head1, "AI", "15.25", "0"],
        [*head2, "AI", "", "1"],
    ]


def test_results_export_rows_and_final_decision(data, tmp_path):
    out = tmp_path / "results.csv"
    sc, first, second, subject = data["sc"], data["first"], data["second"], data["subject"]
    call_command("export", "results", "--year", sc.year.code, "--out", out)
    rows = _read(out)
    assert rows[0] == RESULT_COLUMNS
    mine = [r for r in rows[1:] if r[1] == COLLEGE]
    c = sc.name
    assert mine == [
        [first.code_massar, COLLEGE, c, "S1", subject.code, "11.58", "2", ""],
        [first.code_massar, COLLEGE, c, "S1", "", "9.40", "1", ""],
        [first.code_massar, COLLEGE, c, "ANNUAL", "", "9.40", "3", "PROMOTED"],  # override
        [second.code_massar, COLLEGE, c, "S1", "", "13.00", "1", ""],
        [second.code_massar, COLLEGE, c, "ANNUAL", "", "13.00", "3", "PROMOTED"],
    ]


def test_results_export_prefers_the_certification_outcome(data, tmp_path):
    sc, second = data["sc"], data["second"]
    candidate = Candidate.objects.create(
        year=sc.year, level=sc.level, student=second, school=sc.school
    )
    CertificationResult.objects.create(
        candidate=candidate, general=Decimal("9.5"), outcome="RATTRAPAGE"
    )
    out = tmp_path / "results.csv"
    call_command("export", "results", "--year", sc.year.code, "--school", COLLEGE, "--out", out)
    annual = [r for r in _read(out) if r[0] == second.code_massar and r[3] == "ANNUAL"]
    assert annual[0][7] == "RATTRAPAGE"


def test_curriculum_export(personas, tmp_path):
    sc = school_class(COLLEGE)
    out = tmp_path / "curriculum.csv"
    call_command("export", "curriculum", "--year", sc.year.code, "--out", out)
    rows = _read(out)
    assert rows[0] == CURRICULUM_COLUMNS
    entries = CurriculumEntry.objects.filter(year=sc.year)
    assert len(rows) - 1 == entries.count() > 0
    entry = entries.filter(level=sc.level).select_related("subject").first()
    assert [sc.level.code, "", entry.subject.code, str(entry.coefficient)] in rows


@pytest.mark.parametrize(
    "args",
    [
        ["grades", "--year", "1999-2000"],
        ["results", "--year", "{year}", "--school", "99999Z"],
    ],
)
def test_command_line_refusals_exit_2(personas, tmp_path, args):
    year = school_class(COLLEGE).year.code
    out = tmp_path / "x.csv"
    with pytest.raises(SystemExit) as exc:
        call_command("export", *[a.format(year=year) for a in args], "--out", str(out))
    assert exc.value.code == 2
    assert not out.exists()


def _download(client, url) -> list[list[str]]:
    response = client.get(url)
    assert response.status_code == 200, url
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8").lstrip("\ufeff")
    return list(csv.reader(io.StringIO(text)))


def test_downloads_are_scoped_and_audited(data, personas):
    sc = data["sc"]
    lycee_class = school_class(LYCEE)
    lycee_student = enrolled(lycee_class)[0].student
    MarkLine.objects.create(
        school=lycee_class.school,
        school_class=lycee_class,
        subject=data["subject"],
        semester=Semester.objects.get(year=sc.year, number=1),
        student=lycee_student,
        score1=Decimal("10"),
    )
    url = f"/evaluation-exports/grades.csv?year={sc.year.code}"
    client = Client(headers={"accept-language": "en"})
    client.force_login(personas["director"])
    rows = _download(client, url)
    assert rows[0] == GRADE_COLUMNS
    assert {r[1] for r in rows[1:]} == {COLLEGE}
    assert AuditEntry.objects.filter(
        action="assessment.export", actor=personas["director"], object_id="grades"
    ).exists()

    # the directorate of the collège does not see the lycée's marks; the academy does
    client.force_login(personas["directorate"])
    assert {r[1] for r in _download(client, url)[1:]} == {COLLEGE}
    client.force_login(personas["academy"])
    assert {r[1] for r in _download(client, url)[1:]} == {COLLEGE, LYCEE}
    assert {r[1] for r in _download(client, f"{url}&school={lycee_class.school_id}")[1:]} == {LYCEE}

    rows = _download(client, f"/evaluation-exports/results.csv?year={sc.year.code}")
    assert rows[0] == RESULT_COLUMNS and len(rows) == 6
    # the same through the API
    client.force_login(personas["director"])
    rows = _download(client, f"/api/v1/evaluation/exports/grades?year={sc.year.code}")
    assert rows[0] == GRADE_COLUMNS and {r[1] for r in rows[1:]} == {COLLEGE}


def test_export_page_lists_the_three_downloads(personas):
    client = Client(headers={"accept-language": "en"})
    client.force_login(personas["staff"])
    html = client.get("/evaluation-exports/").content.decode()
    for kind in ("grades", "results", "curriculum"):
        assert f'data-testid="export-{kind}"' in html
