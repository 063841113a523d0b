"""Access-matrix rows of the spaces' routes, one module per part."""

from massar.portal.tests import (
    access_rows_appointments,
    access_rows_certificates,
    access_rows_messages,
    access_rows_results_day,
    access_rows_spaces,
)

ROWS: dict = {}
for _part in (
    access_rows_spaces,
    access_rows_certificates,
    access_rows_appointments,
    access_rows_messages,
    access_rows_results_day,
):
    for _route, _cases in _part.ROWS.items():
        assert _route not in ROWS, f"{_route} listed twice"
        ROWS[_route] = _cases
