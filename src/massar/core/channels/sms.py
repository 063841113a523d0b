"""SMS through the project's SMS backend (settings.MASSAR_SMS_BACKEND, by default
massar.core.sms.ConsoleSms, which logs), one send per message."""

from __future__ import annotations

from django.conf import settings
from django.utils.module_loading import import_string

from massar.core.channels.base import Channel, Message


class SmsChannel(Channel):
    def send_many(self, messages: list[Message]) -> int:
        backend = import_string(settings.MASSAR_SMS_BACKEND)()
        for m in messages:
            backend.send(m.address, m.text)
        return len(messages)
