"""Writes of the notifications app that no workflow action causes: reading messages, a person's
channel choices, the administrator's retry of deliveries."""
from __future__ import annotations

import re

from django.db import transaction
from django.utils import timezone

from notifications.models import DeliveryStatus, Kind, Preference, Profile
from notifications.outbox import MOBILE, deliver_after_commit
from notifications.selectors import messages_of

# Kinds a person cannot turn off: account mail (password links).
FIXED_KINDS = (Kind.ACCOUNT,)


class InvalidInput(ValueError):
    """Input the profile page refuses; the message is for the person (Chinese)."""


def message_read(*, user, message) -> None:
    """Mark one of `user`'s messages read (the caller fetched it through `selectors.message_get`)."""
    if message.read_at is None:
        message.read_at = timezone.now()
        message.save(update_fields=["read_at"])


def messages_read_all(*, user) -> int:
    return messages_of(user).filter(read_at__isnull=True).update(read_at=timezone.now())


@transaction.atomic
def preferences_save(*, user, mobile: str, channels: dict[str, tuple[bool, bool]]) -> None:
    """Save `user`'s mobile number and their e-mail/SMS choice per kind of message."""
    mobile = re.sub(r"[\s-]", "", mobile or "")
    if mobile and not MOBILE.fullmatch(mobile):
        raise InvalidInput("手机号码须为11位数字，以1开头（例如13800000000）。")
    Profile.objects.update_or_create(user=user, defaults={"mobile": mobile})
    for kind, (email, sms) in channels.items():
        if kind in Kind.values and kind not in FIXED_KINDS:
            Preference.objects.update_or_create(user=user, kind=kind, defaults={"email": bool(email), "sms": bool(sms)})


def deliveries_retry(deliveries) -> int:
    """The administrator sends failed or waiting deliveries again now, with a fresh round of attempts."""
    with transaction.atomic():
        count = deliveries.exclude(status=DeliveryStatus.SENT).update(
            status=DeliveryStatus.PENDING, attempts=0, next_attempt_at=timezone.now(),
        )
        if count:
            deliver_after_commit()
    return count

