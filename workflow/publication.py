"""What the public column (`gongkai/`) shows changed: the services say so, once they commit.

The column caches its pages (`gongkai.cache`). Each page depends on a few *scopes* — the plan of
a programme, one activity, the feeds, … — and each scope has a version kept in Django's cache;
a page's cache key holds the versions of its scopes. A service that changes what a scope shows
calls `changed(scope, …)`: after its transaction commits (a rolled-back action changes nothing)
the scope gets a new version, so the pages that show it are built again on their next request,
and no other page is.

This module sits in `workflow` because the services call it; the public column reads the
versions through `version_keys`. Imports go public → workflow, never back.
"""
from __future__ import annotations

import secrets
import time

from django.core.cache import cache
from django.db import transaction

from workflow import version_watch
from workflow.models import Declaration
from workflow.selectors import PLACED

# The states in which an activity is on the public column: on the published plan, or later.
PUBLIC_STATES = PLACED

# Scopes without a programme.
FEED = "feed"  # the RSS and JSON feeds, the embeddable snippet, the sitemap's activity list
ANCHORS = "anchors"  # the audit anchors page and JSON
PROGRAMMES = "programmes"  # which programmes the column lists, and which one is current


def activity(declaration_id: int) -> str:
    """One activity's page and its public photos."""
    return f"activity:{declaration_id}"


def plan(code: str) -> str:
    """A programme's plan page and its public spreadsheet."""
    return f"plan:{code}"


def exemplary(code: str) -> str:
    """A programme's 典型经验 page."""
    return f"exemplary:{code}"


def results(code: str) -> str:
    """A programme's released results page."""
    return f"results:{code}"


def programme(code: str) -> str:
    """The programme's own data (name, labels, whether results are public): every page of it."""
    return f"programme:{code}"


# What each action on an activity changes on the column. Actions not listed (summarize,
# evaluate, …) change nothing the public sees: the summary shows only once it is marked
# exemplary, scores only in a released result.
_ACTION_PARTS = {
    "schedule": ("activity", "plan", "feed"),
    "reschedule": ("activity", "plan", "feed"),
    "hold": ("activity", "plan", "feed"),
    "cancel": ("activity", "plan", "feed"),
    "mark_exemplary": ("activity", "exemplary", "feed"),
    "evidence_publicity": ("activity", "feed"),
}


def after_action(declaration: Declaration, *, action: str, from_state: str) -> None:
    """The scopes `action` on `declaration` changed, if it is (or was) on the column."""
    if from_state not in PUBLIC_STATES and declaration.state not in PUBLIC_STATES:
        return  # drafts, submissions, reviews never reach the public
    code = declaration.programme.code
    named = {"activity": activity(declaration.pk), "plan": plan(code), "exemplary": exemplary(code), "feed": FEED}
    changed(*(named[part] for part in _ACTION_PARTS.get(action, ())))


def changed(*scopes: str) -> None:
    """Give `scopes` new versions when the current transaction commits (at once outside one)."""
    scopes = tuple(dict.fromkeys(scopes))
    if scopes:
        transaction.on_commit(lambda: _bump(scopes), robust=True)  # the action has committed: a cache outage is logged, not raised


def _bump(scopes: tuple[str, ...]) -> None:
    version = new_version()
    keys = [version_key(scope) for scope in scopes]
    cache.set_many(dict.fromkeys(keys, version), timeout=None)
    if version_watch.watch:
        version_watch.watch.announce(keys)  # every server forgets the versions it kept


def version_key(scope: str) -> str:
    return f"public:v:{scope}"


def new_version() -> str:
    """A version: the time it was made (nanoseconds, hex: the page's Last-Modified) and a random
    tail, so two versions made in the same instant still differ."""
    return f"{time.time_ns():x}.{secrets.token_hex(4)}"


def version_time(version: str) -> float:
    """The time (seconds since 1970) a version was made."""
    return int(version.split(".", 1)[0], 16) / 1e9
