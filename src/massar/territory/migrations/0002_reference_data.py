"""Loads the 12 academies and the provincial directorates (territory/data/territory.json,
which names its public sources)."""

from django.db import migrations


def forwards(apps, schema_editor):
    from massar.territory.reference import load_territory

    load_territory(apps.get_model("territory", "Academy"), apps.get_model("territory", "Directorate"))


class Migration(migrations.Migration):
    dependencies = [("territory", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
