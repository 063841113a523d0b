"""The default backend of every channel: writes each message to the log (logger
massar.channels) instead of sending it. `sent` keeps them for tests and the demo."""

from __future__ import annotations

import logging

from massar.core.channels.base import Channel, Message

log = logging.getLogger("massar.channels")


class ConsoleChannel(Channel):
    sent: list[Message] = []  # noqa: RUF012 - shared capture, cleared by tests

    def send_many(self, messages: list[Message]) -> int:
        for m in messages:
            ConsoleChannel.sent.append(m)
            log.info("%s to %s [%s]: %s %s", m.channel, m.address, m.language, m.subject, m.text)
        return len(messages)
