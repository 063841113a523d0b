"""Access-matrix rows of the evaluation's calendar part."""

ROWS: dict = {}
