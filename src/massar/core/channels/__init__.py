"""Outgoing message channels (e-mail, SMS), pluggable like Healthchecks' integrations: each
backend is one module of this package with a class taking a list of `Message`s.

`settings.MASSAR_CHANNELS` maps a channel kind to the dotted path of its backend, e.g.
    MASSAR_CHANNELS = {"email": "massar.core.channels.email.EmailChannel",
                       "sms": "massar.core.channels.sms.SmsChannel"}
A kind left out uses the console backend, which writes each message to the log (the embedded
default and the tests' capture).
"""

from __future__ import annotations

from django.conf import settings
from django.utils.module_loading import import_string

from massar.core.channels.base import Channel, Message

CONSOLE = "massar.core.channels.console.ConsoleChannel"
KINDS = ("email", "sms")

__all__ = ["CONSOLE", "KINDS", "Channel", "Message", "channel_for", "channels_deliver"]


def channel_for(kind: str) -> Channel:
    path = getattr(settings, "MASSAR_CHANNELS", {}).get(kind, CONSOLE)
    return import_string(path)(kind)


def channels_deliver(messages: list[Message]) -> dict[str, int]:
    """Hands each message to its channel's backend, one call per channel; returns the count
    sent per channel."""
    by_kind: dict[str, list[Message]] = {}
    for message in messages:
        by_kind.setdefault(message.channel, []).append(message)
    return {kind: channel_for(kind).send_many(batch) for kind, batch in by_kind.items()}
