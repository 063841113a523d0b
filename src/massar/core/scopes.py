"""Scopes: what part of the country a user may see, derived from their role assignments.

Every selector takes a Scope first and filters by it; views never filter by hand.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Q

from massar.core.models import STAFF_ROLES, Role, RoleAssignment


@dataclass(frozen=True)
class Scope:
    user_id: int | None
    roles: frozenset[str] = frozenset()
    nation: bool = False
    academy_ids: frozenset[int] = frozenset()
    directorate_ids: frozenset[int] = frozenset()
    # Schools the user administers (director) or works in as office staff.
    director_school_ids: frozenset[int] = frozenset()
    staff_school_ids: frozenset[int] = frozenset()
    teacher_school_ids: frozenset[int] = frozenset()
    extra: dict = field(default_factory=dict, compare=False, hash=False)

    # --- role questions -----------------------------------------------------------------
    def has(self, *roles: str) -> bool:
        return any(r in self.roles for r in roles)

    @property
    def is_anonymous(self) -> bool:
        return self.user_id is None

    @property
    def is_staff_member(self) -> bool:
        return bool(self.roles & STAFF_ROLES)

    @property
    def is_territorial(self) -> bool:
        """Ministry, academy or directorate: oversight of many schools."""
        return self.nation or bool(self.academy_ids or self.directorate_ids)

    @property
    def school_ids(self) -> frozenset[int]:
        """Schools whose administration (director or office staff) the user belongs to."""
        return self.director_school_ids | self.staff_school_ids

    # --- filters ------------------------------------------------------------------------
    def schools_q(self, path: str = "") -> Q:
        """Q over a school relation (`path` ends with `__` or is empty for School itself) that
        keeps the schools the user oversees or administers. Teachers, students and guardians
        get nothing here: their narrower reach goes through classes and children."""
        if self.nation:
            return Q()
        q = Q(pk__in=[])
        if self.academy_ids:
            q |= Q(**{f"{path}directorate__academy_id__in": self.academy_ids})
        if self.directorate_ids:
            q |= Q(**{f"{path}directorate_id__in": self.directorate_ids})
        if self.school_ids:
            q |= Q(**{f"{path}id__in" if path == "" else f"{path[:-2]}_id__in": self.school_ids})
        return q

    def manages_school(self, school_id: int) -> bool:
        return school_id in self.director_school_ids

    def administers_school(self, school_id: int) -> bool:
        return school_id in self.school_ids


ANONYMOUS = Scope(user_id=None)


_ROLES_TABLE = RoleAssignment._meta.db_table
_ROLES_SQL = (
    f"SELECT role, academy_id, directorate_id, school_id FROM {_ROLES_TABLE} WHERE user_id = %s"
)


def scope_for(user) -> Scope:
    """The Scope of a user, from their role assignments (one query, cached on the user; none
    when the sign-in backend read the roles with the user)."""
    if user is None or not user.is_authenticated:
        return ANONYMOUS
    cached = getattr(user, "_massar_scope", None)
    if cached is not None:
        return cached
    # plain SQL of constant text: every request runs it, and compiling the queryset cost more
    # than running it (profile of the results API, bench/README.md); index (user, role)
    with connection.cursor() as cursor:
        cursor.execute(_ROLES_SQL, [user.pk])
        rows = cursor.fetchall()
    user._massar_scope = scope_from_roles(user.pk, rows)
    return user._massar_scope


def scope_from_roles(user_id: int, rows) -> Scope:
    """The Scope of the user holding these role assignments, each row (role, academy id,
    directorate id, school id)."""
    roles, academies, directorates = set(), set(), set()
    directors, staff, teachers = set(), set(), set()
    for role, academy_id, directorate_id, school_id in rows:
        roles.add(role)
        if role == Role.ACADEMY:
            academies.add(academy_id)
        elif role == Role.DIRECTORATE:
            directorates.add(directorate_id)
        elif role == Role.DIRECTOR:
            directors.add(school_id)
        elif role == Role.STAFF:
            staff.add(school_id)
        elif role == Role.TEACHER:
            teachers.add(school_id)
    return Scope(
        user_id=user_id,
        roles=frozenset(roles),
        nation=Role.MINISTRY in roles,
        academy_ids=frozenset(academies),
        directorate_ids=frozenset(directorates),
        director_school_ids=frozenset(directors),
        staff_school_ids=frozenset(staff),
        teacher_school_ids=frozenset(teachers),
    )


def primary_role(scope: Scope) -> str | None:
    """The role a home page is built for, widest first."""
    for role in Role.values:
        if role in scope.roles:
            return role
    return None
