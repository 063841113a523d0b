"""Access-matrix rows of the evaluation's routes, one module per part."""

from massar.assessment.tests import (
    access_rows_calendar,
    access_rows_certification,
    access_rows_council,
    access_rows_grid,
    access_rows_reports,
    access_rows_results,
    access_rows_sheets,
)

ROWS: dict = {}
for _part in (
    access_rows_grid,
    access_rows_sheets,
    access_rows_results,
    access_rows_council,
    access_rows_calendar,
    access_rows_certification,
    access_rows_reports,
):
    for _route, _cases in _part.ROWS.items():
        assert _route not in ROWS, f"{_route} listed twice"
        ROWS[_route] = _cases
