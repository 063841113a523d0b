"""Row locks for decisions: lock a row, then read what it is now."""

from __future__ import annotations

from django.db.models import Model


def locked_status(model: type[Model], pk: int) -> str | None:
    """Locks the row `pk` of `model` (SELECT … FOR UPDATE, so inside transaction.atomic) and
    returns its `status` as read after the lock, or None when the row is gone. Two decisions
    at once on one row thus make one: the second waits, then sees the first one's status."""
    return (
        model._default_manager.select_for_update()
        .filter(pk=pk)
        .values_list("status", flat=True)
        .first()
    )
