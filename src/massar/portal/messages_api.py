"""API of the spaces' messages part (mounted under /api/v1/)."""

from ninja import Router

router = Router(tags=["spaces"])
