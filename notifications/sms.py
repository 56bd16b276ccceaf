"""The one small interface to an SMS gateway (`settings.SMS_BACKEND`).

The government SMS platforms are outside this system: connect one by writing a backend with a
`send(to=…, text=…)` that raises on failure (the delivery is then retried with backoff).
"""
from __future__ import annotations

import logging

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


class SmsBackend:
    def send(self, *, to: str, text: str) -> None:
        raise NotImplementedError


class LoggingBackend(SmsBackend):
    """The default: each SMS is written to the log (the demo shows it on the console)."""

    def send(self, *, to: str, text: str) -> None:
        logger.info("短信 → %s：%s", to, text)


class MemoryBackend(SmsBackend):
    """Keeps what was sent in `MemoryBackend.outbox` (tests; like Django's locmem mail backend)."""

    outbox: list[tuple[str, str]] = []

    def send(self, *, to: str, text: str) -> None:
        MemoryBackend.outbox.append((to, text))


def backend() -> SmsBackend:
    return import_string(settings.SMS_BACKEND)()
