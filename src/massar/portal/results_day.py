"""The spaces' results_day part: the results page in the students' and guardians' navigation."""

from django.utils.translation import gettext_lazy as _

from massar.core.navigation import nav_entry

nav_entry("portal:results", _("Published results"), ["STUDENT", "GUARDIAN"], 14)
