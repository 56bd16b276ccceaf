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
from django.db import IntegrityError, connection, transaction
from django.db.models import OuterRef, Subquery

from notifications.models import DEFAULT_CHANNELS, Channel, Delivery, Message, Preference
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
    `kinds`: one statement (a correlated lookup per kind and channel)."""
    choices = {}
    for kind in kinds:
        chosen = Preference.objects.filter(user=OuterRef("pk"), kind=kind)
        choices[f"email_{kind}"] = Subquery(chosen.values("email")[:1])
        choices[f"sms_{kind}"] = Subquery(chosen.values("sms")[:1])
    rows = get_user_model().objects.filter(pk__in=people, is_active=True).values(
        "pk", "email", "notify_profile__mobile", **choices,
    )
    found = {}
    for row in rows:
        channels = {}
        for kind in kinds:
            default_email, default_sms = DEFAULT_CHANNELS[kind]
            email, sms = row[f"email_{kind}"], row[f"sms_{kind}"]
            channels[kind] = (default_email if email is None else email, default_sms if sms is None else sms)
        found[row["pk"]] = _Contact(row["email"] or "", row["notify_profile__mobile"] or "", channels)
    return found


def _insert(notes: list[Note]) -> list[tuple[Message, Note]]:
    """The messages of `notes`, inserted in one statement, each with its note. Callers name each
    cause once (a task, a reminder, an audit position); should one exist already all the same, it
    is left as it was and the others are written."""
    pairs = [
        (Message(recipient_id=n.recipient_id, kind=n.kind, cause=n.cause, title=n.title[:200], body=n.body,
                 url=n.url, declaration_id=n.declaration_id), n)
        for n in notes
    ]
    try:
        with transaction.atomic():
            Message.objects.bulk_create([message for message, _note in pairs])
    except IntegrityError:
        existing = set(Message.objects.filter(recipient_id__in={n.recipient_id for n in notes},
                                              cause__in={n.cause for n in notes}).values_list("recipient_id", "cause"))
        pairs = [(m, n) for m, n in pairs if (n.recipient_id, n.cause) not in existing]
        Message.objects.bulk_create([message for message, _note in pairs])
    return pairs


def _enqueue_delivery() -> None:
    try:
        deliver_due.delay()
    except Exception:  # the broker is down: the outbox keeps them, the minute's sweep sends them
        logger.warning("消息投递任务未能入队（消息已保存，定时投递会补发）", exc_info=True)


def deliver_after_commit() -> None:
    """Ask a worker to deliver once the current transaction commits (a worker that finds nothing
    due, because an earlier job of the same commit sent it, stops at once)."""
    transaction.on_commit(_enqueue_delivery)
