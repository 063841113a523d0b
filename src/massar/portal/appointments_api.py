"""API of the spaces' appointments part (mounted under /api/v1/)."""

from ninja import Router

router = Router(tags=["spaces"])
