"""The spaces' messages part: navigation entries, registered at import. Students do not write
to the school (their guardians do): they get the announcement board only."""

from django.utils.translation import gettext_lazy as _

from massar.core.navigation import nav_entry

nav_entry("portal:threads", _("Messages"), ["GUARDIAN", "DIRECTOR", "STAFF", "TEACHER"], 55)
nav_entry(
    "portal:announcements",
    _("Announcements"),
    ["GUARDIAN", "STUDENT", "DIRECTOR", "STAFF", "TEACHER"],
    57,
)
