"""Access-matrix rows of the evaluation's grid part."""

ROWS: dict = {}
