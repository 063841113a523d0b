"""Access-matrix rows of the evaluation's reports part."""

ROWS: dict = {}
