"""E-mail through Django's configured EMAIL_BACKEND, all messages over one connection."""

from __future__ import annotations

from django.core.mail import EmailMessage, get_connection

from massar.core.channels.base import Channel, Message


class EmailChannel(Channel):
    def send_many(self, messages: list[Message]) -> int:
        connection = get_connection()
        return (
            connection.send_messages(
                [EmailMessage(m.subject, m.text, None, [m.address]) for m in messages]
            )
            or 0
        )
