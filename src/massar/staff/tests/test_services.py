"""Recording staff (PPR unique, both scripts), attaching them to a school and detaching them,
all audited and limited to the school's director."""

import pytest
from django.core.exceptions import PermissionDenied

from massar.core.models import AuditEntry, Role, RoleAssignment
from massar.core.scopes import scope_for
from massar.schools.models import School, Subject
from massar.staff.models import Posting, StaffMember
from massar.staff.services import (
    StaffError,
    staff_accounts_provision,
    staff_attach,
    staff_create,
    staff_detach,
)

pytestmark = pytest.mark.django_db

DATA = {
    "ppr": "1987654",
    "last_name_fr": "Alaoui",
    "first_name_fr": "Karim",
    "last_name_ar": "العلوي",
    "first_name_ar": "كريم",
    "sex": "M",
    "kind": "TEACHER",
    "corps": "Professeur du secondaire collégial, grade 2",
    "contract": "AREF",
    "required_weekly_hours": 24,
}


def school(code="04012B") -> School:
    return School.objects.get(code=code)


def maths() -> Subject:
    return Subject.objects.filter(name_fr__istartswith="math").order_by("code").first()


def create(user, **changes) -> StaffMember:
    return staff_create(
        actor=user,
        scope=scope_for(user),
        school=school(),
        data={**DATA, **changes},
        subjects=[maths()],
    )


def test_director_records_a_teacher_at_their_school(personas):
    member = create(personas["director"])
    assert member.ppr == "1987654" and member.first_name_ar == "كريم"
    assert list(member.subjects.all()) == [maths()]
    posting = Posting.objects.get(staff=member)
    assert posting.school == school() and posting.since is not None
    entry = AuditEntry.objects.get(action="staff.create", object_id=str(member.pk))
    assert entry.actor == personas["director"] and entry.school_id == school().pk
    assert entry.after["ppr"] == "1987654" and entry.after["subjects"] == [maths().code]


def test_an_existing_ppr_is_refused_with_the_person_to_attach(personas):
    taken = StaffMember.objects.filter(postings__school__code="04021C").first()
    before = StaffMember.objects.count()
    with pytest.raises(StaffError) as refused:
        create(personas["director"], ppr=taken.ppr)
    assert refused.value.code == "ppr_exists" and refused.value.existing == taken
    assert refused.value.status == 409 and taken.ppr in refused.value.message
    assert StaffMember.objects.count() == before


@pytest.mark.parametrize("ppr", ["12345", "12345678901", "12a4567", ""])
def test_a_ppr_is_6_to_10_digits(personas, ppr):
    with pytest.raises(StaffError) as refused:
        create(personas["director"], ppr=ppr)
    assert refused.value.code == "bad_ppr"


def test_a_public_school_takes_no_private_contract(personas):
    with pytest.raises(StaffError) as refused:
        create(personas["director"], contract="PRIVATE")
    assert refused.value.code == "contract_sector"


def test_directors_record_teachers_and_office_staff_only(personas):
    with pytest.raises(StaffError) as refused:
        create(personas["director"], kind="DIRECTOR")
    assert refused.value.code == "bad_kind"


@pytest.mark.parametrize("role", ["other_director", "staff", "teacher", "academy"])
def test_only_the_schools_director_records(personas, role):
    with pytest.raises(PermissionDenied):
        create(personas[role])
    assert not StaffMember.objects.filter(ppr=DATA["ppr"]).exists()


def _lycee_teacher_with_account(other_director) -> StaffMember:
    lycee = school("04021C")
    member = StaffMember.objects.filter(postings__school=lycee, kind="TEACHER").first()
    staff_accounts_provision(actor=other_director, scope=scope_for(other_director), school=lycee)
    member.refresh_from_db()
    assert member.user_id is not None
    return member


def test_attach_posts_the_person_and_gives_their_account_the_role(personas):
    director = personas["director"]
    member = _lycee_teacher_with_account(personas["other_director"])
    assert staff_attach(actor=director, scope=scope_for(director), member=member, school=school())
    assert set(member.postings.values_list("school__code", flat=True)) == {"04021C", "04012B"}
    assert RoleAssignment.objects.filter(
        user_id=member.user_id, role=Role.TEACHER, school=school()
    ).exists()
    entry = AuditEntry.objects.get(action="staff.attach", object_id=str(member.pk))
    assert entry.actor == director and entry.after["role_granted"]
    # attaching again changes nothing and writes nothing
    assert not staff_attach(
        actor=director, scope=scope_for(director), member=member, school=school()
    )
    assert AuditEntry.objects.filter(action="staff.attach", object_id=str(member.pk)).count() == 1


def test_attach_to_another_directors_school_is_refused(personas):
    member = create(personas["director"])
    other = personas["other_director"]
    with pytest.raises(PermissionDenied):
        staff_attach(actor=other, scope=scope_for(other), member=member, school=school())


def test_detach_ends_the_posting_and_the_school_role(personas):
    director = personas["director"]
    member = _lycee_teacher_with_account(personas["other_director"])
    staff_attach(actor=director, scope=scope_for(director), member=member, school=school())
    staff_detach(actor=director, scope=scope_for(director), member=member, school=school())
    assert list(member.postings.values_list("school__code", flat=True)) == ["04021C"]
    assert not RoleAssignment.objects.filter(user_id=member.user_id, school=school()).exists()
    assert RoleAssignment.objects.filter(user_id=member.user_id, school=school("04021C")).exists()
    entry = AuditEntry.objects.get(action="staff.detach", object_id=str(member.pk))
    assert entry.actor == director and entry.after == {"roles_removed": 1}
    assert StaffMember.objects.filter(pk=member.pk).exists()  # the record stays


def test_a_teacher_with_classes_this_year_is_not_detached(personas):
    director, teacher = personas["director"], personas["teacher"].staff_member
    with pytest.raises(StaffError) as refused:
        staff_detach(actor=director, scope=scope_for(director), member=teacher, school=school())
    assert refused.value.code == "still_teaching"
    assert teacher.postings.filter(school=school()).exists()


def test_a_director_does_not_detach_themselves(personas):
    director = personas["director"]
    with pytest.raises(StaffError) as refused:
        staff_detach(
            actor=director,
            scope=scope_for(director),
            member=director.staff_member,
            school=school(),
        )
    assert refused.value.code == "self_detach"


def test_detaching_someone_not_posted_here_is_refused(personas):
    director = personas["director"]
    lycee_member = StaffMember.objects.filter(postings__school__code="04021C").first()
    with pytest.raises(StaffError) as refused:
        staff_detach(
            actor=director, scope=scope_for(director), member=lycee_member, school=school()
        )
    assert refused.value.code == "not_posted"
