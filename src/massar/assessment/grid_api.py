"""API of the evaluation's grid part (mounted under /api/v1/)."""

from ninja import Router

router = Router(tags=["evaluation"])
