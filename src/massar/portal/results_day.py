"""The spaces' results_day part: keeps the published results' snapshots in step with the
evaluation. Its page, /space/marks/, is the spaces' "Marks and results" navigation entry."""

from massar.assessment.hooks import on_results_changed
from massar.portal.results_day_services import results_snapshot_refresh

# the evaluation tells us when published results may have changed (it may not import us)
on_results_changed(results_snapshot_refresh)
