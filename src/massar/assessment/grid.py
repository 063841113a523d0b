"""The grid part's registrations: the "Grades" entry of the navigation."""

from django.utils.translation import gettext_lazy as _

from massar.core.navigation import nav_entry

nav_entry("assessment:grade_books", _("Grades"), ["TEACHER", "DIRECTOR", "STAFF"], 39)
nav_entry("assessment:grid_deadlines", _("Grade-entry deadlines"), ["MINISTRY"], 39)
