"""Access-matrix rows of the spaces' messages part."""

ROWS: dict = {}
