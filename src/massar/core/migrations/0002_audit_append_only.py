"""A trigger refuses UPDATE and DELETE on the audit log (PostgreSQL). On SQLite, the embedded
single-school default, only UPDATE is refused in SQL: Django's test flush deletes rows there,
while PostgreSQL flushes with TRUNCATE, which row triggers do not see."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION massar_audit_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'the audit log is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER core_auditentry_append_only
  BEFORE UPDATE OR DELETE ON core_auditentry
  FOR EACH ROW EXECUTE FUNCTION massar_audit_append_only();
"""
DROP = """
DROP TRIGGER IF EXISTS core_auditentry_append_only ON core_auditentry;
DROP FUNCTION IF EXISTS massar_audit_append_only();
"""


SQLITE_CREATE = [
    f"""CREATE TRIGGER core_auditentry_no_{op.lower()} BEFORE {op} ON core_auditentry
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;"""
    for op in ("UPDATE",)
]
SQLITE_DROP = ["DROP TRIGGER IF EXISTS core_auditentry_no_update;"]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)
    elif schema_editor.connection.vendor == "sqlite":
        for sql in SQLITE_CREATE:
            schema_editor.execute(sql)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)
    elif schema_editor.connection.vendor == "sqlite":
        for sql in SQLITE_DROP:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
