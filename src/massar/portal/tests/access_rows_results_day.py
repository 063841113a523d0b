"""Access-matrix rows of the spaces' results_day part."""

ROWS: dict = {}
