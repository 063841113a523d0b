"""API of the spaces' results_day part (mounted under /api/v1/)."""

from ninja import Router

router = Router(tags=["spaces"])
