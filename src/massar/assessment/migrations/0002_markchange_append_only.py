"""Mark history is append-only: a trigger refuses UPDATE and DELETE on PostgreSQL (the same
function as the audit log's); on SQLite only UPDATE, as Django's test flush deletes rows."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION massar_audit_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'the audit log is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER assessment_markchange_append_only
  BEFORE UPDATE OR DELETE ON assessment_markchange
  FOR EACH ROW EXECUTE FUNCTION massar_audit_append_only();
"""
DROP = "DROP TRIGGER IF EXISTS assessment_markchange_append_only ON assessment_markchange;"
SQLITE_CREATE = """CREATE TRIGGER assessment_markchange_no_update BEFORE UPDATE
  ON assessment_markchange BEGIN SELECT RAISE(ABORT, 'mark history is append-only'); END;"""
SQLITE_DROP = "DROP TRIGGER IF EXISTS assessment_markchange_no_update;"


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(CREATE)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_CREATE)


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(DROP)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_DROP)


class Migration(migrations.Migration):
    dependencies = [("assessment", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
