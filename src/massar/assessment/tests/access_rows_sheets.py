"""Access-matrix rows of the evaluation's sheets part."""

ROWS: dict = {}
