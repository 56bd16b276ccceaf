"""Signed-in pages kept per person and session, for the data version they were built from.

The pages people open most (the inbox, the declaration list and page, the API's list) are built
from a dozen statements over tables that change only when someone acts. `serve` keeps each one
in Django's cache (Redis in production, shared by every server) under a key made of who asks
(their session, or the hash of their API token), the address, the language, the day (the due-date
lights change with it), what the client accepts, and the data version (`workflow.data_version`:
it changes with every committed write). The same person asking again before anything changed
gets the kept page; after any change, the page is built again. Each server process also keeps
the pages it answered last (`workflow.recent_pages`).

What is never kept: another person's or another session's page (they are in the key); an API
answer unless the API's token authentication signed its request in with the header's token; a
request with any other `Authorization` scheme; a page with one-time notices (Django's messages),
one that set a cookie or changed the session; anything but a 200 HTML or JSON answer; a page
built after this thread wrote; and a request without the CSRF cookie (its page's forms would
carry a token that no cookie matches). A page is kept at most `PRIVATE_CACHE_SECONDS`, and for an
API token no longer than the token is valid. The cache is on only where every process shares it
(`CACHE_URL`): with each process's own memory, one process would not see another's writes.
"""
from __future__ import annotations

import functools
import hashlib
import logging
import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from rest_framework.authtoken.models import Token

from accounts.tokens import expires_at
from workflow import data_version
from workflow.recent_pages import RecentPages

log = logging.getLogger(__name__)

KEPT_TYPES = ("text/html", "application/json")
# Response `Vary` headers a kept page may carry: the key holds what they select (the session and
# CSRF cookies, the token, `Accept`, the language); Accept-Encoding changes nothing here (kept
# pages are not compressed). A page that varies on any other header is not kept.
KEYED_VARY = frozenset({"cookie", "accept", "accept-language", "accept-encoding", "authorization"})

recent = RecentPages(settings.PRIVATE_RECENT_PAGES)


def _identity(request: HttpRequest) -> str | None:
    """Who asks, as the key names them; None when the page is not kept for them."""
    authorization = request.META.get("HTTP_AUTHORIZATION")
    if authorization:
        # An API token: a kept answer exists only if this very token signed its request in
        # (`_keepable`). Any other scheme is not kept (it may be a proxy's shared login).
        return "token:" + hashlib.sha256(authorization.encode()).hexdigest() if authorization.startswith("Token ") else None
    user = getattr(request, "user", None)
    csrf_cookie = request.COOKIES.get(settings.CSRF_COOKIE_NAME)
    if user is None or not user.is_authenticated or not csrf_cookie or not request.session.session_key:
        return None
    return f"session:{request.session.session_key}:{user.pk}:{csrf_cookie}"


def _signed_in_by_its_token(request: HttpRequest) -> bool:
    """The API's token authentication signed the request in with the token its header names."""
    token = getattr(request, "auth", None)
    return isinstance(token, Token) and request.META.get("HTTP_AUTHORIZATION", "") == f"Token {token.key}"


def _address(request: HttpRequest, identity: str) -> str:
    return "\x1f".join((identity, request.scheme, request.get_host(), request.get_full_path(),
                        getattr(request, "LANGUAGE_CODE", ""), request.META.get("HTTP_ACCEPT", "")))


def _key(address: str, version: str) -> str:
    text = "\x1f".join((address, timezone.localdate().isoformat(), version))
    return "private:page:" + hashlib.sha256(text.encode()).hexdigest()


def _keepable(request: HttpRequest, identity: str, response: HttpResponse) -> bool:
    if identity.startswith("token:") and not _signed_in_by_its_token(request):
        return False
    vary = {name.strip().lower() for name in response.get("Vary", "").split(",") if name.strip()}
    return (response.status_code == 200 and not response.streaming and not response.cookies
            and response.get("Content-Type", "").startswith(KEPT_TYPES)
            and "no-store" not in response.get("Cache-Control", "")
            and vary <= KEYED_VARY
            # Its forms' token is for the secret the client already holds (not a new one).
            and request.META.get("CSRF_COOKIE") in (None, request.COOKIES.get(settings.CSRF_COOKIE_NAME))
            and not len(get_messages(request))
            and not request.session.modified  # its cookie is set after the view: not kept
            and not data_version.wrote())


def _entry(request: HttpRequest, response: HttpResponse) -> dict:
    expires = time.time() + settings.PRIVATE_CACHE_SECONDS
    token = getattr(request, "auth", None)  # set by the API's token authentication
    if isinstance(token, Token):
        expires = min(expires, expires_at(token).timestamp())
    return {"content": response.content, "headers": dict(response.headers), "expires": expires}


def _answer(entry: dict) -> HttpResponse:
    response = HttpResponse(entry["content"])
    for name, value in entry["headers"].items():
        response[name] = value
    return response


def serve(request: HttpRequest, build: Callable[[], HttpResponse]) -> HttpResponse:
    """The page `build()` makes, from the cache when it was built for this person and version."""
    identity = _identity(request) if request.method == "GET" and settings.PRIVATE_CACHE_SECONDS > 0 else None
    if identity is None or len(get_messages(request)):
        return build()
    address = _address(request, identity)
    try:
        key = _key(address, data_version.current())
        entry = recent.get(address, key) or cache.get(key)
    except Exception:  # noqa: BLE001 - without the cache every page is built, as before
        log.exception("页面缓存不可用")
        return build()
    if entry is not None and entry["expires"] > time.time():
        recent.put(address, key, entry)
        return _answer(entry)
    response = build()
    if getattr(response, "render", None) is not None and not getattr(response, "is_rendered", True):
        response = response.render()  # the API's answer (Django renders it only after the view)
    if _keepable(request, identity, response):
        entry = _entry(request, response)
        try:
            cache.set(key, entry, max(1, int(entry["expires"] - time.time())))
        except Exception:  # noqa: BLE001
            log.exception("页面缓存不可用")
            return response
        recent.put(address, key, entry)
    return response


def kept(view):
    """A view whose GET answers go through `serve` (under `login_required`, or the API's own
    authentication for an API view)."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        return serve(request, lambda: view(request, *args, **kwargs))

    return wrapped
