"""Access-matrix rows of the evaluation's council part."""

ROWS: dict = {}
