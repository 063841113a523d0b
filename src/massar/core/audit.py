"""The append-only audit log, written by services."""

from __future__ import annotations

from typing import Any

from massar.core.context import change_source, client_address
from massar.core.models import AuditEntry


def audit_record(
    *,
    actor,
    action: str,
    object_type: str,
    object_id: Any,
    before: dict | None = None,
    after: dict | None = None,
    school_id: int | None = None,
    source: str | None = None,
) -> AuditEntry:
    return AuditEntry.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        before=before,
        after=after,
        school_id=school_id,
        client_address=client_address.get(),
        source=source or change_source.get(),
    )


def audit_bulk(entries: list[dict]) -> None:
    """Many audit rows in one INSERT (bulk paths stay set-based and still leave a trace)."""
    address, source = client_address.get(), change_source.get()
    AuditEntry.objects.bulk_create(
        [
            AuditEntry(
                client_address=address,
                source=e.pop("source", source),
                object_id=str(e.pop("object_id")),
                **e,
            )
            for e in entries
        ],
        batch_size=2000,
    )
