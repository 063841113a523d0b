"""Loads the levels (1AP … 2BAC), the lycée tracks and the subjects
(schools/data/curriculum.json, which names its public sources). The curriculum itself is
versioned by school year and loaded when a year is opened."""

from django.db import migrations


def forwards(apps, schema_editor):
    from massar.schools.reference import load_levels, load_tracks_and_subjects

    Level = apps.get_model("schools", "Level")
    load_levels(Level)
    load_tracks_and_subjects(Level, apps.get_model("schools", "Track"),
                             apps.get_model("schools", "Subject"))


class Migration(migrations.Migration):
    dependencies = [("schools", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
