"""The calendar part's registrations: navigation entries, and the notifications' delivery job
(imported here so that every process that starts Django knows it)."""

from django.utils.translation import gettext_lazy as _

import massar.core.notifications  # noqa: F401 - registers the notifications.deliver job
from massar.core.navigation import nav_entry

nav_entry(
    "assessment:calendar",
    _("Test calendar"),
    ["MINISTRY", "ACADEMY", "DIRECTORATE", "DIRECTOR", "STAFF", "TEACHER"],
    40,
)
nav_entry("assessment:upcoming_tests", _("Upcoming tests"), ["STUDENT", "GUARDIAN"], 40)
