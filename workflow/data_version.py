"""The data version: one value in the shared cache that changes whenever the database changes.

Signed-in pages are kept for the data version they were built from (`workflow.page_cache`), so
a kept page is never older than the last write made through Django. Every statement that writes
(INSERT, UPDATE, DELETE, DDL) through any Django connection — services, the admin, commands,
jobs, hand-written SQL — is seen by a cursor wrapper installed on each new connection; unless it
changed no row, the version changes when the write commits (at once outside a transaction).
Writes to sessions and to django-axes' login records are left out: they happen on nearly every
request, and no page shows them.

A write in a transaction that has not committed yet also marks this thread's connection; the
next page this thread serves gives the version a new value first (`current`). So a request
never answers from a page kept before its own writes, even in a transaction that is still open
(as in tests). When unsure (a statement that is not a plain string), a statement counts as a
write. SQL run outside Django (psql, a restore) is not seen: delete the cache key
`themeday:1:private:data-version` afterwards, or wait `PRIVATE_CACHE_SECONDS`.
"""
from __future__ import annotations

import logging
import re

from django.core.cache import cache
from django.db import connections
from django.db.backends.signals import connection_created

from workflow.publication import new_version

log = logging.getLogger(__name__)

KEY = "private:data-version"
# Statements that change data or schema; the table a write goes to, when a plain one names it.
WRITE = re.compile(r"\s*(?:INSERT|UPDATE|DELETE|TRUNCATE|MERGE|COPY|CREATE|ALTER|DROP)\b", re.IGNORECASE)
WITH_WRITE = re.compile(r"\s*WITH\b.*\b(?:INSERT|UPDATE|DELETE)\b", re.IGNORECASE | re.DOTALL)
TARGET = re.compile(r'\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)"?', re.IGNORECASE)
RETURNING = re.compile(r"\bRETURNING\b", re.IGNORECASE)
LEADING_COMMENTS = re.compile(r"\s*(?:--[^\n]*(?:\n|$)|/\*.*?\*/)", re.DOTALL)
UNSEEN_TABLES = frozenset({"django_session", "axes_accessattempt", "axes_accesslog", "axes_accessfailurelog",
                           "axes_accessattemptexpiration"})
DIRTY = "_data_version_dirty"  # on a connection: it wrote since the version last changed


def is_seen_write(sql) -> bool:
    """Whether `sql` changes what a page may show."""
    if not isinstance(sql, str):  # e.g. psycopg's composed SQL: counted, to be safe
        return True
    while (comment := LEADING_COMMENTS.match(sql)) is not None:
        sql = sql[comment.end():]
    if not (WRITE.match(sql) or WITH_WRITE.match(sql)):
        return False
    target = TARGET.match(sql)
    return target is None or target.group(1).lower() not in UNSEEN_TABLES


def change() -> None:
    """Give the data version a new value. A cache outage is logged, and this thread tries again
    before its next page; kept pages then expire by age (`PRIVATE_CACHE_SECONDS`)."""
    try:
        cache.set(KEY, new_version(), timeout=None)
    except Exception:  # noqa: BLE001 - the write has committed; the page cache's age limit still holds
        log.exception("数据版本未能更新")
        return
    for connection in connections.all(initialized_only=True):
        setattr(connection, DIRTY, False)


def current() -> str:
    """The data version, changed first if this thread wrote since it last changed."""
    if wrote():
        change()
    version = cache.get(KEY)
    if version is None:  # never set, or forgotten by the cache
        cache.add(KEY, new_version(), timeout=None)
        version = cache.get(KEY) or new_version()
    return version


def wrote() -> bool:
    """Whether a connection of this thread wrote since the version last changed."""
    return any(getattr(connection, DIRTY, False) for connection in connections.all(initialized_only=True))


class WriteWatch:
    """A cursor wrapper (Django's `execute_wrapper`): marks the connection and changes the
    version when a write commits."""

    def __init__(self, connection):
        self.connection = connection

    def __call__(self, execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        # A write that changed no row (an UPDATE that matched nothing) changes no page. SQLite
        # counts the rows of an INSERT … RETURNING only once they are read: such a write counts.
        if is_seen_write(sql) and (context["cursor"].rowcount != 0 or not isinstance(sql, str) or RETURNING.search(sql)):
            self._wrote()
        return result

    def _wrote(self) -> None:
        connection = self.connection
        setattr(connection, DIRTY, True)
        if not connection.in_atomic_block:
            if connection.get_autocommit():
                change()  # autocommit: the write is already committed
            # (manual transactions: the mark makes this thread's next page change the version)
        elif not any(func is change for _, func, _ in connection.run_on_commit):
            connection.on_commit(change, robust=True)


def watch(sender, connection, **kwargs) -> None:
    """Install the wrapper on a new connection (the `connection_created` signal)."""
    if not any(isinstance(wrapper, WriteWatch) for wrapper in connection.execute_wrappers):
        # First in the list: `connection.execute_wrapper()` blocks (tests) pop the last one.
        connection.execute_wrappers.insert(0, WriteWatch(connection))


def install() -> None:
    """At app start, before any connection is opened."""
    connection_created.connect(watch, dispatch_uid="workflow.data_version.watch")
