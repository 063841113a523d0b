"""API of the spaces' certificates part (mounted under /api/v1/)."""

from ninja import Router

router = Router(tags=["spaces"])
