"""Writing messages: the outbox half of "nothing lost, nothing twice" (DESIGN §9).

`write(notes)` runs inside the transaction of the action that causes the messages: it writes
each message (the in-app message, visible as soon as the action commits) and one `Delivery` per
e-mail or SMS to send, in a constant number of statements whatever the number of notes, and asks
for delivery after commit (`transaction.on_commit`). An action that rolls back leaves nothing.
"""
from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone

from config.sql import in_list, table_name
from notifications.models import DEFAULT_CHANNELS, Channel, Delivery, Message, Preference, Profile
from notifications.tasks import deliver_due

logger = logging.getLogger(__name__)

# Mainland mobile numbers: SMS goes only to these (a landline in the roster gets no SMS).
MOBILE = re.compile(r"1[3-9]\d{9}")


@dataclass(frozen=True)
class Note:
    """One message to write. `required`: e-mail and SMS whatever the person chose (the reminders
    the programme requires, account mail)."""

    recipient_id: int
    kind: str
    cause: str
    title: str
    body: str = ""
    url: str = ""
    declaration_id: int | None = None
    required: bool = False


@dataclass(frozen=True)
class _Contact:
    email: str
    mobile: str
    channels: dict[str, tuple[bool, bool]]  # kind → (e-mail, SMS) as the person chose


def sms_enabled() -> bool:
    return bool(settings.SMS_BACKEND)


# The columns `_insert` writes, and how many messages go in one statement without arrays (SQLite).
_MESSAGE_COLUMNS = ("recipient_id", "kind", "cause", "title", "body", "url", "declaration_id", "created_at")
_BATCH = 500

# Notes held back by `together()` (None outside it).
_held: ContextVar[list[Note] | None] = ContextVar("outbox_held", default=None)


@contextmanager
def together() -> Iterator[None]:
    """Every `write` inside is written once at the end, as one: an action that tells the unit and
    announces the next task pays the statements of one write. Nothing is written if it raises."""
    if _held.get() is not None:  # already inside one: the outer one writes
        yield
        return
    token = _held.set([])
    try:
        yield
        notes = _held.get()
    finally:
        _held.reset(token)
    write(notes)


def write(notes: Iterable[Note]) -> list[Message]:
    """Write `notes` as messages with their deliveries; one per recipient and cause (the first
    of duplicates wins). Inactive people get nothing. Must run inside the caller's transaction.
    Inside `together()` the notes wait for its end (and nothing is returned)."""
    if not connection.in_atomic_block:
        raise RuntimeError("outbox.write must run inside the action's transaction")
    if (held := _held.get()) is not None:
        held.extend(notes)
        return []
    unique: dict[tuple[int, str], Note] = {}
    for note in notes:
        unique.setdefault((note.recipient_id, note.cause), note)
    if not unique:
        return []
    contacts = _contacts({r for r, _c in unique}, kinds={n.kind for n in unique.values()})
    written = _insert([n for n in unique.values() if n.recipient_id in contacts])
    deliveries = []
    for message, note in written:
        contact = contacts[note.recipient_id]
        email, sms = (True, True) if note.required else contact.channels.get(note.kind, DEFAULT_CHANNELS[note.kind])
        if email and contact.email:
            deliveries.append(Delivery(message=message, channel=Channel.EMAIL, address=contact.email))
        if sms and sms_enabled() and MOBILE.fullmatch(contact.mobile):
            deliveries.append(Delivery(message=message, channel=Channel.SMS, address=contact.mobile))
    if deliveries:
        Delivery.objects.bulk_create(deliveries)
        deliver_after_commit()
    return [message for message, _note in written]


def _contacts(people: set[int], *, kinds: set[str]) -> dict[int, _Contact]:
    """Active people among `people`, with their address, mobile number and channel choices for
    `kinds`: one statement (a row per person and chosen kind)."""
    User = get_user_model()
    people, kinds = sorted(people), sorted(kinds)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT u.id, u.email, pr.mobile, pf.kind, pf.email, pf.sms FROM {table_name(User)} u"
            f" LEFT JOIN {table_name(Profile)} pr ON pr.user_id = u.id"
            f" LEFT JOIN {table_name(Preference)} pf ON pf.user_id = u.id AND pf.kind IN ({in_list(kinds)})"
            f" WHERE u.is_active = %s AND u.id IN ({in_list(people)})",
            [*kinds, True, *people],
        )
        rows = cursor.fetchall()
    found: dict[int, _Contact] = {}
    for person, email, mobile, kind, by_email, by_sms in rows:
        contact = found.setdefault(person, _Contact(email or "", mobile or "", {k: DEFAULT_CHANNELS[k] for k in kinds}))
        if kind is not None:
            contact.channels[kind] = (bool(by_email), bool(by_sms))
    return found


def _insert(notes: list[Note]) -> list[tuple[Message, Note]]:
    """The messages of `notes`, each with its note, inserted in one statement (in batches on a
    database without arrays). Callers name each cause once (a task, a reminder, an audit
    position); should one exist already all the same, it is left as it was and the others are
    written."""
    if not notes:
        return []
    now = timezone.now()
    by_key = {(n.recipient_id, n.cause): n for n in notes}
    columns = ", ".join(connection.ops.quote_name(c) for c in _MESSAGE_COLUMNS)
    head = f"INSERT INTO {table_name(Message)} ({columns})"
    tail = " ON CONFLICT (recipient_id, cause) DO NOTHING RETURNING id, recipient_id, cause"
    rows = [(n.recipient_id, n.kind, n.cause, n.title[:200], n.body, n.url, n.declaration_id) for n in notes]
    inserted = []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # one statement whatever the number, as Django's bulk_create
            cursor.execute(f"{head} SELECT *, %s::timestamptz FROM UNNEST(%s::integer[], %s::varchar[], %s::varchar[],"
                           f" %s::varchar[], %s::text[], %s::varchar[], %s::integer[]){tail}",
                           [now, *map(list, zip(*rows, strict=True))])
            inserted += cursor.fetchall()
        else:
            stamp = Message._meta.get_field("created_at").get_db_prep_value(now, connection)
            for start in range(0, len(rows), _BATCH):
                batch = rows[start:start + _BATCH]
                cursor.execute(f"{head} VALUES {', '.join(['(%s, %s, %s, %s, %s, %s, %s, %s)'] * len(batch))}{tail}",
                               [value for row in batch for value in (*row, stamp)])
                inserted += cursor.fetchall()
    written = []
    for pk, recipient_id, cause in inserted:
        n = by_key[recipient_id, cause]
        message = Message(pk=pk, recipient_id=recipient_id, kind=n.kind, cause=cause, title=n.title[:200], body=n.body,
                          url=n.url, declaration_id=n.declaration_id, created_at=now)
        message._state.adding, message._state.db = False, connection.alias
        written.append((message, n))
    return written


def _enqueue_delivery() -> None:
    try:
        deliver_due.delay()
    except Exception:  # the broker is down: the outbox keeps them, the minute's sweep sends them
        logger.warning("消息投递任务未能入队（消息已保存，定时投递会补发）", exc_info=True)


def deliver_after_commit() -> None:
    """Ask a worker to deliver once the current transaction commits (a worker that finds nothing
    due, because an earlier job of the same commit sent it, stops at once)."""
    transaction.on_commit(_enqueue_delivery)
