"""Per-request context the services read without every call passing it along."""

from contextvars import ContextVar

client_address: ContextVar[str | None] = ContextVar("client_address", default=None)
change_source: ContextVar[str] = ContextVar("change_source", default="web")
