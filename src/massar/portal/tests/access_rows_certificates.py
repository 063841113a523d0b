"""Access-matrix rows of the spaces' certificates part."""

ROWS: dict = {}
