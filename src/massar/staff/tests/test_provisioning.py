"""Staff accounts provisioned in bulk by the director: identifiers, roles, forced password
change, no second account on a second run, new passwords only on request (audited), and the
PDF sheet read back with poppler's tools."""

import json
import re
import subprocess

import pytest
from django.core.exceptions import PermissionDenied

from massar.core.models import AuditEntry, Role, RoleAssignment, User
from massar.core.scopes import scope_for
from massar.core.services import _ascii_slug
from massar.schools.models import School
from massar.staff.models import Posting, StaffMember
from massar.staff.services import staff_accounts_provision, staff_create

pytestmark = pytest.mark.django_db
COLLEGE = "04012B"
IDENTIFIER = re.compile(r"^[a-z0-9]+\.[a-z0-9]+\d*@taalim\.ma$")


# --- reading PDFs back (shared with enrollment's tests) -------------------------------------


def pdf_text(data: bytes, tmp_path) -> str:
    path = tmp_path / "sheet.pdf"
    path.write_bytes(data)
    out = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, timeout=60
    )
    return out.stdout.decode()


def pdf_first_page_png(data: bytes, tmp_path) -> bytes:
    path = tmp_path / "sheet.pdf"
    path.write_bytes(data)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "50", "-f", "1", "-l", "1", str(path), str(tmp_path / "page")],
        capture_output=True,
        check=True,
        timeout=60,
    )
    (png,) = tmp_path.glob("page*.png")
    return png.read_bytes()


def pdf_fonts(data: bytes, tmp_path) -> str:
    path = tmp_path / "sheet.pdf"
    path.write_bytes(data)
    out = subprocess.run(["pdffonts", str(path)], capture_output=True, check=True, timeout=60)
    return out.stdout.decode()


def passwords_in(text: str) -> dict[str, str]:
    """identifier -> initial password as printed on a sheet (English labels)."""
    found = {}
    for match in re.finditer(r"Identifier\s+(\S+@\S+)\s+Initial password\s+(\S+)", text):
        found[match.group(1)] = match.group(2)
    return found


def assert_renders(data: bytes, tmp_path) -> None:
    assert data.startswith(b"%PDF")
    png = pdf_first_page_png(data, tmp_path)
    assert png.startswith(b"\x89PNG") and len(png) > 2000
    assert "Amiri" in pdf_fonts(data, tmp_path)  # the Arabic names are set in Amiri


# --- helpers ---------------------------------------------------------------------------------


def college() -> School:
    return School.objects.get(code=COLLEGE)


def college_members_without_account() -> list[StaffMember]:
    return list(
        StaffMember.objects.filter(
            postings__school__code=COLLEGE, kind__in=["TEACHER", "ADMIN"], user__isnull=True
        )
    )


def new_member(director, *, ppr: str, first="Karim", last="Alaoui", kind="TEACHER"):
    from massar.schools.models import Subject

    return staff_create(
        actor=director,
        scope=scope_for(director),
        school=college(),
        data={
            "ppr": ppr,
            "last_name_fr": last,
            "first_name_fr": first,
            "last_name_ar": "العلوي",
            "first_name_ar": "كريم",
            "sex": "M",
            "kind": kind,
            "corps": "Professeur",
            "contract": "AREF",
            "required_weekly_hours": 24,
        },
        subjects=[Subject.objects.order_by("code").first()],
    )


# --- the service -------------------------------------------------------------------------------


def test_accounts_get_identifiers_roles_and_a_forced_change(personas):
    director = personas["director"]
    waiting = college_members_without_account()
    assert waiting
    issued = staff_accounts_provision(actor=director, scope=scope_for(director), school=college())
    assert {c.owner_id for c in issued} == {m.pk for m in waiting}
    for c in issued:
        member = StaffMember.objects.select_related("user").get(pk=c.owner_id)
        user = member.user
        assert user.username == c.identifier and IDENTIFIER.match(user.username)
        assert user.username.startswith(
            f"{_ascii_slug(member.first_name_fr)}.{_ascii_slug(member.last_name_fr)}"
        )
        assert user.must_change_password and user.check_password(c.password)
        assert user.first_name_ar == member.first_name_ar
        role = Role.TEACHER if member.kind == "TEACHER" else Role.STAFF
        assert RoleAssignment.objects.filter(user=user, role=role, school=college()).exists()
        assert c.reference == member.ppr and c.new
    # never in clear anywhere: not in the audit log, not in the user rows
    logged = json.dumps(list(AuditEntry.objects.values("after", "before")))
    assert not any(c.password in logged for c in issued)
    assert not User.objects.filter(password__in=[c.password for c in issued]).exists()
    assert AuditEntry.objects.filter(action="account.create", actor=director).count() == len(issued)


def test_a_second_run_creates_nothing_and_touches_no_password(personas):
    director = personas["director"]
    staff_accounts_provision(actor=director, scope=scope_for(director), school=college())
    users, hashes = User.objects.count(), dict(User.objects.values_list("pk", "password"))
    again = staff_accounts_provision(actor=director, scope=scope_for(director), school=college())
    assert again == []
    assert User.objects.count() == users
    assert dict(User.objects.values_list("pk", "password")) == hashes


def test_existing_accounts_are_left_alone(personas):
    teacher = personas["teacher"]
    before = teacher.password
    issued = staff_accounts_provision(
        actor=personas["director"], scope=scope_for(personas["director"]), school=college()
    )
    assert teacher.staff_member.pk not in {c.owner_id for c in issued}
    teacher.refresh_from_db()
    assert teacher.password == before and not teacher.must_change_password


def test_namesakes_get_numbered_identifiers(personas):
    director = personas["director"]
    User.objects.create(username="karim.alaoui@taalim.ma")  # someone elsewhere already
    a = new_member(director, ppr="98765401")
    b = new_member(director, ppr="98765402")
    issued = {
        c.owner_id: c.identifier
        for c in staff_accounts_provision(
            actor=director, scope=scope_for(director), school=college()
        )
    }
    assert {issued[a.pk], issued[b.pk]} == {
        "karim.alaoui2@taalim.ma",
        "karim.alaoui3@taalim.ma",
    }


def test_reissue_gives_a_new_password_on_request_only_and_is_audited(personas):
    director, teacher = personas["director"], personas["teacher"]
    member = teacher.staff_member
    before = teacher.password
    issued = staff_accounts_provision(
        actor=director, scope=scope_for(director), school=college(), reissue=[member.pk]
    )
    (again,) = [c for c in issued if c.owner_id == member.pk]
    assert not again.new and again.identifier == teacher.username
    teacher.refresh_from_db()
    assert teacher.password != before and teacher.must_change_password
    assert teacher.check_password(again.password)
    entry = AuditEntry.objects.get(action="account.reissue", object_id=str(teacher.pk))
    assert entry.actor == director and entry.school_id == college().pk


def test_an_account_with_wider_powers_is_never_reissued(personas):
    director, teacher = personas["director"], personas["teacher"]
    lycee = School.objects.get(code="04021C")
    RoleAssignment.objects.create(user=teacher, role=Role.DIRECTOR, school=lycee)
    before = teacher.password
    issued = staff_accounts_provision(
        actor=director,
        scope=scope_for(director),
        school=college(),
        reissue=[teacher.staff_member.pk],
    )
    assert teacher.staff_member.pk not in {c.owner_id for c in issued}
    teacher.refresh_from_db()
    assert teacher.password == before


def test_a_teacher_posted_in_two_schools_gains_the_role_here(personas):
    """An account made by the lycée's director gains the collège role when the collège's
    director provisions (without a new password)."""
    director, other = personas["director"], personas["other_director"]
    lycee = School.objects.get(code="04021C")
    member = StaffMember.objects.filter(postings__school=lycee, kind="TEACHER").first()
    staff_accounts_provision(actor=other, scope=scope_for(other), school=lycee)
    member.refresh_from_db()
    Posting.objects.create(staff=member, school=college())
    before = member.user.password
    issued = staff_accounts_provision(actor=director, scope=scope_for(director), school=college())
    assert member.pk not in {c.owner_id for c in issued}
    assert RoleAssignment.objects.filter(
        user=member.user, role=Role.TEACHER, school=college()
    ).exists()
    member.user.refresh_from_db()
    assert member.user.password == before


def test_only_the_schools_director_provisions(personas):
    for role in ("other_director", "staff", "teacher", "directorate"):
        user = personas[role]
        with pytest.raises(PermissionDenied):
            staff_accounts_provision(actor=user, scope=scope_for(user), school=college())
    assert not User.objects.filter(must_change_password=True).exists()


def test_a_staff_identifier_never_reuses_an_existing_account(personas):
    director = personas["director"]
    member = new_member(director, ppr="98765403", first="Zineb", last="Tazi")
    assert member.user_id is None
    # A staff identifier is never an existing one: it is numbered past it.
    RoleAssignment.objects.create(
        user=User.objects.create(username="zineb.tazi@taalim.ma"),
        role=Role.DIRECTOR,
        school=college(),
    )
    issued = staff_accounts_provision(actor=director, scope=scope_for(director), school=college())
    assert {c.identifier for c in issued if c.owner_id == member.pk} == {"zineb.tazi2@taalim.ma"}


# --- the page and the sheet --------------------------------------------------------------------


def test_the_sheet_is_the_response_and_reads_back(client, personas, tmp_path):
    director = personas["director"]
    waiting = college_members_without_account()
    client.force_login(director)
    page = client.get("/staff/accounts/")
    assert page.status_code == 200 and waiting[0].ppr in page.content.decode()
    response = client.post("/staff/accounts/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "no-store" in response["Cache-Control"]
    text = pdf_text(response.content, tmp_path)
    assert "Collège Al Massira" in text and COLLEGE in text
    printed = passwords_in(text)
    for member in waiting:
        member.refresh_from_db()
        assert f"{member.last_name_fr} {member.first_name_fr}" in text
        assert member.ppr in text
        # the password printed on the sheet is the one that signs in
        assert member.user.check_password(printed[member.user.username])
    assert "http://testserver/accounts/sign-in/" in text
    assert_renders(response.content, tmp_path)
    again = client.post("/staff/accounts/")
    assert again.status_code == 302


def test_teachers_cannot_provision_and_other_directors_reach_nothing(client, personas):
    client.force_login(personas["teacher"])
    assert client.post("/staff/accounts/").status_code == 403
    client.force_login(personas["other_director"])
    assert client.post("/staff/accounts/", {"school": college().pk}).status_code == 404
    assert not User.objects.filter(must_change_password=True).exists()
