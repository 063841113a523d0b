"""Writes of the staff app: staff records and their postings, and the sign-in accounts a
director provisions in bulk (for the school's staff here; for students, per class, through
`enrollment.provisioning`, which uses the account helpers below).

Initial passwords are random (never derived from the person), returned to the caller once to
be printed, stored only as hashes, and must be changed at the first sign-in.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from massar.core.audit import audit_bulk, audit_record
from massar.core.models import RecoveryCode, Role, RoleAssignment, User
from massar.core.scopes import Scope
from massar.core.services import random_password, staff_username
from massar.schools.models import School
from massar.staff.models import Posting, StaffMember

PPR = re.compile(r"^\d{6,10}$")
STAFF_FIELDS = (
    "ppr",
    "last_name_fr",
    "first_name_fr",
    "last_name_ar",
    "first_name_ar",
    "sex",
    "kind",
    "corps",
    "contract",
    "required_weekly_hours",
    "phone",
    "email",
)
# Kinds a director may record and give an account to; directors are appointed (and given
# their accounts) by the directorate, not by a fellow director.
DIRECTOR_MANAGED_KINDS = (StaffMember.Kind.TEACHER, StaffMember.Kind.ADMIN)
SCHOOL_ROLE_OF_KIND = {StaffMember.Kind.TEACHER: Role.TEACHER, StaffMember.Kind.ADMIN: Role.STAFF}


class StaffError(Exception):
    """A refusal a user can read: `code` is stable for the API, `message` is translated."""

    def __init__(self, code: str, message: str, status: int = 400, existing=None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
        self.existing = existing


def _require_director(scope: Scope, school: School) -> None:
    if not scope.manages_school(school.pk):
        raise PermissionDenied


# --- staff records and postings ----------------------------------------------------------------


@transaction.atomic
def staff_create(
    *, actor, scope: Scope, school: School, data: dict, subjects: Iterable = ()
) -> StaffMember:
    """Record a teacher or administrative staff member and post them to the director's school.

    The PPR identifies a person across the country: when it is already recorded, nothing is
    created and the refusal carries the existing record, so the director can attach that
    person instead of creating a duplicate."""
    _require_director(scope, school)
    data = {k: v for k, v in data.items() if k in STAFF_FIELDS}
    ppr = str(data.get("ppr", "")).strip()
    if not PPR.match(ppr):
        raise StaffError("bad_ppr", _("A staff number (PPR) is 6 to 10 digits."))
    data["ppr"] = ppr
    if data.get("kind") not in DIRECTOR_MANAGED_KINDS:
        raise StaffError("bad_kind", _("A director records teachers and administrative staff."))
    if data.get("contract") == StaffMember.Contract.PRIVATE and school.sector == "PUBLIC":
        raise StaffError(
            "contract_sector", _("A public school's staff cannot hold a private school contract.")
        )
    existing = StaffMember.objects.filter(ppr=ppr).first()
    if existing is None:
        try:
            with transaction.atomic():
                member = StaffMember.objects.create(**data)
        except IntegrityError:  # another desk recorded the same PPR a moment ago
            existing = StaffMember.objects.filter(ppr=ppr).first()
    if existing is not None:
        raise StaffError(
            "ppr_exists",
            _(
                "Staff number %(ppr)s is already recorded for %(name)s. Attach this person to "
                "your school instead of creating a second record."
            )
            % {"ppr": ppr, "name": f"{existing.last_name_fr} {existing.first_name_fr}"},
            status=409,
            existing=existing,
        )
    subjects = list(subjects)
    member.subjects.set(subjects)
    Posting.objects.create(staff=member, school=school, since=timezone.localdate())
    audit_record(
        actor=actor,
        action="staff.create",
        object_type="staff",
        object_id=member.pk,
        school_id=school.pk,
        after={
            "ppr": ppr,
            "kind": member.kind,
            "contract": member.contract,
            "subjects": sorted(s.code for s in subjects),
        },
    )
    return member


def _grant_school_role(member: StaffMember, school_id: int) -> bool:
    role = SCHOOL_ROLE_OF_KIND.get(member.kind)
    if member.user_id is None or role is None:
        return False
    _, created = RoleAssignment.objects.get_or_create(
        user_id=member.user_id, role=role, school_id=school_id
    )
    return created


@transaction.atomic
def staff_attach(*, actor, scope: Scope, member: StaffMember, school: School) -> bool:
    """Post a recorded staff member to the director's school; an account they already hold
    gains the matching role there. Returns False when they were already posted."""
    _require_director(scope, school)
    _, created = Posting.objects.get_or_create(
        staff=member, school=school, defaults={"since": timezone.localdate()}
    )
    role_granted = _grant_school_role(member, school.pk)
    if created or role_granted:
        audit_record(
            actor=actor,
            action="staff.attach",
            object_type="staff",
            object_id=member.pk,
            school_id=school.pk,
            after={"ppr": member.ppr, "role_granted": role_granted},
        )
    return created


@transaction.atomic
def staff_detach(*, actor, scope: Scope, member: StaffMember, school: School) -> StaffMember:
    """End a staff member's posting at the director's school, and the school role of their
    account there. The record stays in the registry of staff (other schools, later postings)."""
    _require_director(scope, school)
    if member.user_id is not None and member.user_id == getattr(actor, "pk", None):
        raise StaffError("self_detach", _("You cannot detach yourself from your school."))
    posting = Posting.objects.select_for_update().filter(staff=member, school=school).first()
    if posting is None:
        raise StaffError("not_posted", _("This person is not on your school's staff."), 404)
    # Teaching assignments belong to the enrollment app: read by lookup path only.
    if member.teaching_assignments.filter(
        school=school, school_class__year__is_current=True
    ).exists():
        raise StaffError(
            "still_teaching",
            _("This teacher still teaches classes at your school. Reassign them first."),
            409,
        )
    posting.delete()
    removed = 0
    if member.user_id is not None:
        removed, _rows = RoleAssignment.objects.filter(
            user_id=member.user_id, school=school, role__in=[Role.TEACHER, Role.STAFF]
        ).delete()
    audit_record(
        actor=actor,
        action="staff.detach",
        object_type="staff",
        object_id=member.pk,
        school_id=school.pk,
        before={"since": posting.since.isoformat() if posting.since else None},
        after={"roles_removed": removed},
    )
    return member


# --- accounts ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class AccountRequest:
    """An account to create for a person (`owner_id`: their staff or student record)."""

    owner_id: int
    username: str
    first_name: str
    last_name: str
    first_name_ar: str
    last_name_ar: str
    role: str
    school_id: int | None = None


@dataclass(frozen=True)
class IssuedCredential:
    """An identifier and initial password to print once. Never logged, never stored."""

    owner_id: int
    reference: str  # the PPR or the Code Massar
    identifier: str
    password: str = field(repr=False)
    last_name_fr: str = ""
    first_name_fr: str = ""
    last_name_ar: str = ""
    first_name_ar: str = ""
    new: bool = True
    detail: str = ""


def _lock_usernames() -> None:
    """Serialises the allocation of firstname.lastname identifiers (PostgreSQL advisory lock
    held to the end of the transaction; SQLite serialises writers already), so two schools
    provisioning at once never pick the same numbered identifier."""
    if connection.vendor == "postgresql":
        key = int(hashlib.sha1(b"massar:staff_username").hexdigest()[:15], 16)  # noqa: S324
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])


def _next_numbered(username: str) -> str:
    local, domain = username.split("@", 1)
    match = re.match(r"^(.*?)(\d*)$", local)
    base, number = match.group(1), int(match.group(2) or 1)
    return f"{base}{number + 1}@{domain}"


def staff_usernames(members: list[StaffMember]) -> dict[int, str]:
    """firstname.lastname@taalim.ma for each member, numbered when taken, also among the
    members of this batch (who share a name more often than one thinks)."""
    allocated: dict[int, str] = {}
    used: set[str] = set()
    for m in members:
        username = staff_username(first_name=m.first_name_fr, last_name=m.last_name_fr)
        while username in used:
            username = _next_numbered(username)
            while User.objects.filter(username=username).exists():
                username = _next_numbered(username)
        used.add(username)
        allocated[m.pk] = username
    return allocated


def accounts_create(
    *, actor, requests: list[AccountRequest], school_id: int | None, source: str
) -> dict[int, tuple[User, str]]:
    """Create the users (with an initial password to change at first sign-in) and their role
    assignments in a few statements. An unlinked user already holding the identifier (left
    over from an earlier system) is taken over with a new password. Returns, per owner id,
    the user and the password to print. The caller holds the transaction and the row locks."""
    if not requests:
        return {}
    orphans = {
        u.username: u
        for u in User.objects.filter(username__in=[r.username for r in requests]).only(
            "id", "username"
        )
    }
    if orphans:
        wider = RoleAssignment.objects.filter(user__in=orphans.values()).exclude(
            role__in={r.role for r in requests}
        )
        clash = wider.select_related("user").first()
        if clash is not None:
            raise StaffError(
                "identifier_taken",
                _("The identifier %(identifier)s belongs to another account. Ask the directorate.")
                % {"identifier": clash.user.username},
                409,
            )
    out: dict[int, tuple[User, str]] = {}
    new_users, taken_over = [], []
    for r in requests:
        password = random_password()
        user = orphans.get(r.username) or User(username=r.username)
        user.first_name, user.last_name = r.first_name[:150], r.last_name[:150]
        user.first_name_ar, user.last_name_ar = r.first_name_ar[:100], r.last_name_ar[:100]
        user.must_change_password = True
        user.is_active = True
        user.set_password(password)
        (taken_over if user.pk else new_users).append(user)
        out[r.owner_id] = (user, password)
    User.objects.bulk_create(new_users, batch_size=500)
    if taken_over:
        User.objects.bulk_update(
            taken_over,
            [
                "first_name",
                "last_name",
                "first_name_ar",
                "last_name_ar",
                "must_change_password",
                "is_active",
                "password",
            ],
        )
        RecoveryCode.objects.filter(user__in=taken_over, used_at__isnull=True).update(
            used_at=timezone.now()
        )
    taken_ids = {u.pk for u in taken_over}
    held = set(
        RoleAssignment.objects.filter(user_id__in=taken_ids).values_list(
            "user_id", "role", "school_id"
        )
    )
    roles = []
    for r in requests:
        user = out[r.owner_id][0]
        if (user.pk, r.role, r.school_id) not in held:
            roles.append(RoleAssignment(user=user, role=r.role, school_id=r.school_id))
    RoleAssignment.objects.bulk_create(roles, batch_size=500)
    audit_bulk(
        [
            {
                "actor": actor,
                "action": "account.take_over"
                if out[r.owner_id][0].pk in taken_ids
                else "account.create",
                "object_type": "user",
                "object_id": out[r.owner_id][0].pk,
                "school_id": school_id,
                "after": {
                    "identifier": r.username,
                    "role": r.role,
                    "owner": f"{source}:{r.owner_id}",
                },
            }
            for r in requests
        ]
    )
    return out


def accounts_reissue(
    *, actor, users: list[User], school_id: int | None, source: str
) -> dict[int, str]:
    """New initial passwords for existing accounts, at the director's request: each is audited,
    pending recovery codes are voided, and the password must be changed at the next sign-in.
    Returns the password per user id."""
    if not users:
        return {}
    passwords = {}
    for user in users:
        passwords[user.pk] = random_password()
        user.set_password(passwords[user.pk])
        user.must_change_password = True
    User.objects.bulk_update(users, ["password", "must_change_password"], batch_size=500)
    RecoveryCode.objects.filter(user__in=users, used_at__isnull=True).update(used_at=timezone.now())
    audit_bulk(
        [
            {
                "actor": actor,
                "action": "account.reissue",
                "object_type": "user",
                "object_id": user.pk,
                "school_id": school_id,
                "after": {"identifier": user.username, "source": source},
            }
            for user in users
        ]
    )
    return passwords


def reissuable_user_ids(user_ids: Iterable[int], *, allowed_roles: Iterable[str]) -> set[int]:
    """The accounts among `user_ids` holding no role beyond `allowed_roles`: a director may
    reset a teacher's or a student's password, never that of an account with wider powers
    (another director, a directorate officer) that happens to share the record."""
    user_ids = set(user_ids)
    wider = set(
        RoleAssignment.objects.filter(user_id__in=user_ids)
        .exclude(role__in=list(allowed_roles))
        .values_list("user_id", flat=True)
    )
    return user_ids - wider


@transaction.atomic
def staff_accounts_provision(
    *, actor, scope: Scope, school: School, reissue: Iterable[int] = ()
) -> list[IssuedCredential]:
    """Accounts for the school's teachers and administrative staff who have none; those who
    have one are left alone, except the staff members listed in `reissue` (ids), who get a
    new initial password. An account missing the role at this school (a teacher posted in two
    schools) gains it. Returns the credentials to print, by name."""
    _require_director(scope, school)
    _lock_usernames()
    members = list(
        StaffMember.objects.select_for_update()
        .filter(
            pk__in=Posting.objects.filter(school=school).values("staff_id"),
            kind__in=DIRECTOR_MANAGED_KINDS,
        )
        .order_by("pk")
    )
    without = [m for m in members if m.user_id is None]
    usernames = staff_usernames(without)
    created = accounts_create(
        actor=actor,
        requests=[
            AccountRequest(
                owner_id=m.pk,
                username=usernames[m.pk],
                first_name=m.first_name_fr,
                last_name=m.last_name_fr,
                first_name_ar=m.first_name_ar,
                last_name_ar=m.last_name_ar,
                role=SCHOOL_ROLE_OF_KIND[m.kind],
                school_id=school.pk,
            )
            for m in without
        ],
        school_id=school.pk,
        source="staff",
    )
    for m in without:
        m.user = created[m.pk][0]
    StaffMember.objects.bulk_update(without, ["user"], batch_size=500)

    with_account = [m for m in members if m.pk not in created]
    held = set(
        RoleAssignment.objects.filter(
            user_id__in=[m.user_id for m in with_account], school=school
        ).values_list("user_id", "role")
    )
    missing = [
        RoleAssignment(user_id=m.user_id, role=SCHOOL_ROLE_OF_KIND[m.kind], school=school)
        for m in with_account
        if (m.user_id, SCHOOL_ROLE_OF_KIND[m.kind]) not in held
    ]
    RoleAssignment.objects.bulk_create(missing)

    wanted = {int(i) for i in reissue}
    allowed = reissuable_user_ids(
        [m.user_id for m in with_account if m.pk in wanted],
        allowed_roles=[Role.TEACHER, Role.STAFF],
    )
    again = [m for m in with_account if m.user_id in allowed]
    users = {u.pk: u for u in User.objects.filter(pk__in=allowed)}
    passwords = accounts_reissue(
        actor=actor, users=list(users.values()), school_id=school.pk, source="staff"
    )
    audit_record(
        actor=actor,
        action="staff.accounts_provision",
        object_type="school",
        object_id=school.pk,
        school_id=school.pk,
        after={
            "created": len(created),
            "reissued": len(passwords),
            "roles_granted": len(missing),
        },
    )
    issued = [_staff_credential(m, *created[m.pk], new=True) for m in without]
    issued += [
        _staff_credential(m, users[m.user_id], passwords[m.user_id], new=False) for m in again
    ]
    return sorted(issued, key=lambda c: (c.last_name_fr, c.first_name_fr, c.reference))


def _staff_credential(member: StaffMember, user: User, password: str, *, new: bool):
    return IssuedCredential(
        owner_id=member.pk,
        reference=member.ppr,
        identifier=user.username,
        password=password,
        last_name_fr=member.last_name_fr,
        first_name_fr=member.first_name_fr,
        last_name_ar=member.last_name_ar,
        first_name_ar=member.first_name_ar,
        new=new,
        detail=member.get_kind_display(),
    )
