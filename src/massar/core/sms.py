"""SMS channels. The default writes to the log; production plugs an operator's gateway."""

import logging

log = logging.getLogger("massar.sms")


class ConsoleSms:
    sent: list[tuple[str, str]] = []  # kept for tests and the demo

    def send(self, phone: str, text: str) -> None:
        ConsoleSms.sent.append((phone, text))
        log.info("SMS to %s: %s", phone, text)
        print(f"[sms to {phone}] {text}")  # noqa: T201
