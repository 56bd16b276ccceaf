"""Sessions end after SESSION_IDLE_MINUTES without a request.

A request renews the session's expiry at most once a minute (one database write), not on
every request as SESSION_SAVE_EVERY_REQUEST would (three statements on every page): the idle
limit holds to within a minute.

The limit is also checked here, against the last renewal the session itself holds: the session
store's own expiry (the database row's date, Redis's time to live under cached_db) is then a
second guard, not the only one.
"""
from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
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
        session = getattr(request, "session", None)
        # Only a request that brings a session cookie reads it (a public page stays `Vary`-free).
        signed = session is not None and settings.SESSION_COOKIE_NAME in request.COOKIES
        renewed = session.get(RENEWED) if signed else None
        if renewed is not None and int(timezone.now().timestamp()) - renewed >= settings.SESSION_COOKIE_AGE:
            session.flush()  # idle too long: signed out, as if the session had expired
            request.user = AnonymousUser()
        response = self.get_response(request)
        if session is None or session.is_empty():
            return response
        now = int(timezone.now().timestamp())
        if session.modified or now - session.get(RENEWED, 0) >= RENEW_EVERY:
            session[RENEWED] = now
        return response
