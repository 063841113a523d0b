"""The spaces' results_day part: the results page in the students' and guardians' navigation."""

from django.utils.translation import gettext_lazy as _

from massar.assessment.hooks import on_results_changed
from massar.core.navigation import nav_entry
from massar.portal.results_day_services import results_snapshot_refresh

nav_entry("portal:results", _("Published results"), ["STUDENT", "GUARDIAN"], 14)

# the evaluation tells us when published results may have changed (it may not import us)
on_results_changed(results_snapshot_refresh)
