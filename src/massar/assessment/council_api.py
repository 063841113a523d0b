"""API of the evaluation's council part (mounted under /api/v1/)."""

from ninja import Router

router = Router(tags=["evaluation"])
