"""Sessions end after SESSION_IDLE_MINUTES without a request.

A request renews the session's expiry at most once a minute (one database write), not on
every request as SESSION_SAVE_EVERY_REQUEST would (three statements on every page): the idle
limit holds to within a minute.
"""
from __future__ import annotations

from django.utils import timezone

RENEWED = "_renewed"  # the session's last renewal, epoch seconds
RENEW_EVERY = 60


def mark_renewed(session) -> None:
    session[RENEWED] = int(timezone.now().timestamp())


class IdleTimeoutMiddleware:
    """Inside SessionMiddleware: a session marked modified here is saved, expiry renewed."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is None or session.is_empty():
            return response
        now = int(timezone.now().timestamp())
        if session.modified or now - session.get(RENEWED, 0) >= RENEW_EVERY:
            session[RENEWED] = now
        return response
