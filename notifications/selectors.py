"""Reads of the message center: a person's own messages, none about a declaration they may not see."""
from __future__ import annotations

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils.module_loading import import_string

from notifications.models import DEFAULT_CHANNELS, Kind, Message, Preference, Profile


def messages_of(user) -> QuerySet[Message]:
    """`user`'s messages, newest first. A message about a declaration shows only while `user` may
    see that declaration (the workflow's rule on the message's declaration,
    `settings.NOTIFICATIONS_VISIBLE_DECLARATIONS`): one who left the unit no longer reads about its
    declarations."""
    if not (user and user.is_authenticated and user.is_active):
        return Message.objects.none()
    # Column tests on the joined declaration: `declaration IN (visible)` made PostgreSQL hash every
    # declaration the office may see, 120 ms at 100,000 (docs/benchmarks.md: the services).
    visible = import_string(settings.NOTIFICATIONS_VISIBLE_DECLARATIONS)(user, "declaration")
    about_nothing = Q(declaration__isnull=True)
    return Message.objects.filter(recipient=user).filter(about_nothing | visible if visible is not None else about_nothing
                                                         ).order_by("-pk")


# The bell counts at most this many unread messages and then reads "99+".
BELL_LIMIT = 100


def unread_count(user, *, limit: int | None = None) -> int:
    """The unread messages (at most `limit` counted): one statement."""
    unread = messages_of(user).filter(read_at__isnull=True).order_by()  # any order: stop at `limit`, unsorted
    return (unread[:limit] if limit else unread).count()


def bell_text(user) -> str:
    """What the bell shows: the unread messages, "99+" beyond 99."""
    count = unread_count(user, limit=BELL_LIMIT)
    return f"{BELL_LIMIT - 1}+" if count >= BELL_LIMIT else str(count)


def message_get(user, pk) -> Message | None:
    """One of `user`'s messages, or None (missing, someone else's, or about a declaration they may not see)."""
    try:
        return messages_of(user).get(pk=int(pk))
    except (Message.DoesNotExist, TypeError, ValueError):
        return None


def channels_of(user) -> dict[str, tuple[bool, bool]]:
    """Kind → (e-mail, SMS) as `user` chose, the defaults where they chose nothing."""
    chosen = {p.kind: (p.email, p.sms) for p in Preference.objects.filter(user=user)}
    return {kind: chosen.get(kind, DEFAULT_CHANNELS[kind]) for kind in Kind.values}


def mobile_of(user) -> str:
    return Profile.objects.filter(user=user).values_list("mobile", flat=True).first() or ""
