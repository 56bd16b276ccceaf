"""The public column's cache (issue 19): a page is built once per version of what it shows.

Every public page and feed goes through `serve`. It reads the versions of the page's scopes
(`workflow.publication`: one read of Django's cache, no SQL; a server process keeps those it
read until a change is announced, `workflow.version_watch`) and answers from Django's cache
(Redis in production, local memory in the demo) when the page was built for exactly those
versions; otherwise it builds the page (SQL) and keeps it, plain and gzipped (for a browser that
accepts gzip). Every answer carries a strong ETag (the hash of the body), Last-Modified (when
the newest of its scopes last changed) and `Cache-Control: public`, and a conditional request
for an unchanged page gets 304. Each server process also keeps the pages it answered last
(`RecentPages`).

A service that changes what the column shows gives the scopes it changed new versions when it
commits (`publication.changed`): the pages showing them are built again on their next request,
at once, and every other page stays cached. Pages are kept `PUBLIC_CACHE_SECONDS` at most, so a
change made outside the services (a unit renamed in the admin) shows within that time.
"""
from __future__ import annotations

import functools
import hashlib
import time
from collections.abc import Callable, Iterable

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.middleware.gzip import re_accepts_gzip
from django.utils.cache import get_conditional_response, patch_vary_headers
from django.utils.http import http_date
from django.utils.text import compress_string
from django.views.decorators.http import require_safe

from workflow import publication, version_watch
from workflow.recent_pages import RecentPages

# The headers of a built page that are kept with it (the others are made at each answer).
KEPT_HEADERS = ("Content-Type", "Content-Disposition", "Location")
CACHED_STATUSES = (200, 301, 302, 404)
# Pages, feeds and sitemaps are kept gzipped too; the XLSX is a ZIP already.
COMPRESSED_TYPES = ("text/", "application/json", "application/xml", "application/rss+xml", "application/feed+json")
COMPRESS_FROM_BYTES = 1024


recent = RecentPages(settings.PUBLIC_RECENT_PAGES)


def versions(scopes: Iterable[str]) -> list[str]:
    """The current version of each scope; a scope never changed (or forgotten by the cache) gets one now."""
    keys = [publication.version_key(scope) for scope in scopes]
    found = version_watch.watch.read(keys, cache.get_many) if version_watch.watch else cache.get_many(keys)
    missing = [key for key in keys if key not in found]
    if missing:
        fresh = publication.new_version()
        for key in missing:
            cache.add(key, fresh, timeout=None)  # another server may have just added one: its wins
        found.update(cache.get_many(missing))
        for key in missing:
            found.setdefault(key, fresh)  # a cache that keeps nothing (the dummy cache)
    return [found[key] for key in keys]


def _address(request: HttpRequest) -> str:
    """A page's address: scheme, host and path (the page's absolute links depend on them; a query
    string changes nothing)."""
    return "\x1f".join((request.scheme, request.get_host(), request.path))


def _key(kind: str, request: HttpRequest, current: list[str]) -> str:
    """A page's cache key: its address and the versions of its scopes."""
    text = "\x1f".join((_address(request), *current))
    return f"public:{kind}:{hashlib.sha256(text.encode()).hexdigest()}"


def _entry(response: HttpResponse, current: list[str]) -> dict:
    content = response.content
    textual = response.get("Content-Type", "").startswith(COMPRESSED_TYPES)
    return {
        "status": response.status_code, "content": content,
        # Compressed once per version, for the browsers that accept it (all do; a large plan
        # shrinks about 25-fold). Public pages hold no secret, so compression reveals nothing
        # (BREACH needs one).
        "gzipped": compress_string(content) if textual and len(content) >= COMPRESS_FROM_BYTES else None,
        "headers": {name: response[name] for name in KEPT_HEADERS if response.has_header(name)},
        "etag": f'"{hashlib.sha256(content).hexdigest()[:40]}"',
        "modified": int(max(publication.version_time(v) for v in current)),
        "expires": time.time() + settings.PUBLIC_CACHE_SECONDS,  # also where a process keeps a copy
    }


def public_headers(response: HttpResponse, *, etag: str, modified: int | None) -> HttpResponse:
    response["ETag"] = etag
    if modified is not None:
        response["Last-Modified"] = http_date(modified)
    response["Cache-Control"] = f"public, max-age={settings.PUBLIC_MAX_AGE}"
    response["Content-Language"] = "zh-Hans"
    return response


def serve(request: HttpRequest, scopes: Iterable[str], build: Callable[[], HttpResponse], *, frameable: bool = False) -> HttpResponse:
    """The page for `scopes`' current versions: from the cache, else `build()` (then kept)."""
    current = versions(scopes)
    key, address = _key("page", request, current), _address(request)
    entry = recent.get(address, key)
    if entry is None:
        entry = cache.get(key)
        if entry is None or "expires" not in entry:  # (or kept by an earlier release)
            built = build()
            if built.status_code not in CACHED_STATUSES or built.streaming:
                return built
            entry = _entry(built, current)
            cache.set(key, entry, settings.PUBLIC_CACHE_SECONDS)
        recent.put(address, key, entry)
    gzipped = entry.get("gzipped")
    if gzipped is not None and re_accepts_gzip.search(request.META.get("HTTP_ACCEPT_ENCODING", "")):
        content, etag = gzipped, entry["etag"][:-1] + '-gzip"'  # another representation, its own tag
    else:
        content, etag = entry["content"], entry["etag"]
    response = HttpResponse(content, status=entry["status"])
    for name, value in entry["headers"].items():
        response[name] = value
    if content is gzipped:
        response["Content-Encoding"] = "gzip"
    if gzipped is not None:
        patch_vary_headers(response, ("Accept-Encoding",))  # shared caches keep both representations apart
    public_headers(response, etag=etag, modified=entry["modified"])
    if frameable:
        response.xframe_options_exempt = True  # the embeddable snippet: any website may frame it
    return get_conditional_response(request, etag=etag, last_modified=entry["modified"], response=response)


def remembered(request: HttpRequest, scopes: Iterable[str], kind: str, compute: Callable[[], object]):
    """`compute()` kept in the cache for `scopes`' current versions (e.g. what a photo's answer needs)."""
    key = _key(kind, request, versions(scopes))
    found = cache.get(key, cache)
    if found is cache:  # `cache` itself marks "not cached": None is a value worth keeping
        found = compute()
        cache.set(key, found, settings.PUBLIC_CACHE_SECONDS)
    return found


def cached(scopes: Callable[..., Iterable[str]], *, frameable: bool = False):
    """A public view served through `serve`; `scopes(**kwargs)` names what it shows."""

    def decorate(view):
        @functools.wraps(view)
        @require_safe
        def wrapped(request, **kwargs):
            return serve(request, scopes(**kwargs), lambda: view(request, **kwargs), frameable=frameable)

        return wrapped

    return decorate
