"""The calendar part's registrations: navigation entries."""

from django.utils.translation import gettext_lazy as _

from massar.core.navigation import nav_entry

nav_entry(
    "assessment:calendar",
    _("Test calendar"),
    ["MINISTRY", "ACADEMY", "DIRECTORATE", "DIRECTOR", "STAFF", "TEACHER"],
    40,
)
nav_entry("assessment:upcoming_tests", _("Upcoming tests"), ["STUDENT", "GUARDIAN"], 40)
