"""Access-matrix rows of the evaluation's results part."""

ROWS: dict = {}
