"""Access-matrix rows of the evaluation's certification part."""

ROWS: dict = {}
