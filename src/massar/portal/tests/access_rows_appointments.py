"""Access-matrix rows of the spaces' appointments part."""

ROWS: dict = {}
