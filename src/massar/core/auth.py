"""The sign-in backend: Django's ModelBackend, whose get_user (run by every signed-in
request) reads the user and their role assignments in one statement of constant text.

Django's get_user compiles a queryset for the user (more Python than running it) and
scope_for then reads the roles in a second round trip; on results day every request paid
both (profile in bench/README.md). The roles read here become the user's Scope for the
request (massar.core.scopes.scope_for returns it), so a request sees the roles as they are
when it starts, as before."""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend
from django.db import connection

from massar.core.models import RoleAssignment, User
from massar.core.scopes import scope_from_roles


def _user_sql() -> tuple[list[str], str]:
    fields = [f.attname for f in User._meta.concrete_fields]
    t = connection.ops.quote_name
    columns = ", ".join(f"u.{t(User._meta.get_field(f).column)}" for f in fields)
    # index: the user's primary key; the role assignments' (user, role)
    return fields, (
        f"SELECT {columns}, r.role, r.academy_id, r.directorate_id, r.school_id "
        f"FROM {t(User._meta.db_table)} u LEFT JOIN {t(RoleAssignment._meta.db_table)} r "
        "ON r.user_id = u.id WHERE u.id = %s"
    )


class UserWithRolesBackend(ModelBackend):
    _statement: tuple[list[str], str] | None = None

    def get_user(self, user_id):
        if self._statement is None:
            type(self)._statement = _user_sql()
        fields, sql = self._statement
        try:
            pk = int(user_id)
        except (TypeError, ValueError):
            return None
        with connection.cursor() as cursor:
            cursor.execute(sql, [pk])
            rows = cursor.fetchall()
        if not rows:
            return None
        n = len(fields)
        user = User.from_db(connection.alias, fields, rows[0][:n])
        if not self.user_can_authenticate(user):
            return None
        user._massar_scope = scope_from_roles(user.pk, [r[n:] for r in rows if r[n] is not None])
        return user
