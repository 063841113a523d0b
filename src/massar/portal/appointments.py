"""The spaces' appointments part: navigation entries, registered at import."""

from django.utils.translation import gettext_lazy as _

from massar.core.navigation import nav_entry

nav_entry(
    "portal:appointments", _("Appointments"), ["GUARDIAN", "DIRECTOR", "STAFF", "TEACHER"], 56
)
