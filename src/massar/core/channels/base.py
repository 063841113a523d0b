"""What every channel backend shares: the message and the interface."""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Message:
    channel: str  # "email" or "sms"
    address: str  # e-mail address or phone number
    subject: str  # already in the recipient's language (unused by SMS)
    text: str  # already in the recipient's language
    language: str = "fr"

    def as_dict(self) -> dict:
        return asdict(self)


class Channel:
    """A backend for one channel kind. `send_many` delivers a batch and returns how many
    messages went out; a backend that can send in bulk (an SMS gateway's batch call, one SMTP
    connection) does so here."""

    def __init__(self, kind: str):
        self.kind = kind

    def send_many(self, messages: list[Message]) -> int:  # pragma: no cover - interface
        raise NotImplementedError
