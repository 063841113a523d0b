"""Access-matrix rows of the spaces' spaces part."""

ROWS: dict = {}
