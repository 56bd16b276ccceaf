"""Sending what the outbox wrote: the worker half of "nothing lost, nothing twice" (DESIGN §9).

Each delivery is sent in its own transaction: the row is claimed with SELECT … FOR UPDATE SKIP
LOCKED (a second worker skips it), sent, and marked sent (or failed, with the time of the next
attempt) before the transaction commits. So:
- a worker killed mid-batch loses nothing: the rows it had not committed are pending again as
  soon as its connection drops, and the next sweep sends them;
- nothing committed as sent is sent again, and no two workers send one row at once. The one
  window left is between the mail server's "250 OK" and our COMMIT (microseconds); the mail's
  Message-ID is the delivery's, the same on a repeated attempt, so the receiving side can tell.
"""
from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.core.mail import get_connection
from django.db import transaction
from django.utils import timezone

from notifications import mail, sms
from notifications.models import Channel, Delivery, DeliveryStatus

logger = logging.getLogger(__name__)

# Seconds to wait after the 1st, 2nd, … failure; after the last, the delivery stays FAILED.
BACKOFF = (60, 300, 1800, 7200, 21600)
MAX_ATTEMPTS = len(BACKOFF) + 1


@dataclass
class Sent:
    sent: int = 0
    failed: int = 0


class _Senders:
    """One mail connection for a batch (opened at the first mail), and the SMS backend."""

    def __init__(self):
        self.mail = None
        self.sms = None

    def send(self, delivery: Delivery) -> None:
        message = delivery.message
        if delivery.channel == Channel.EMAIL:
            if self.mail is None:
                self.mail = get_connection(fail_silently=False)
                self.mail.open()
            try:
                self.mail.send_messages([mail.email_of(message, to=delivery.address, delivery_id=delivery.pk)])
            except Exception:
                self.close()  # the connection may be broken: the next mail opens a new one
                raise
        else:
            self.sms = self.sms or sms.backend()
            self.sms.send(to=delivery.address, text=mail.sms_of(message))

    def close(self) -> None:
        if self.mail is not None:
            try:
                self.mail.close()
            except Exception:  # closing a broken connection: nothing left to send on it
                logger.debug("关闭邮件连接失败", exc_info=True)
            self.mail = None


def _due():
    return (
        Delivery.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("message__recipient")
        .filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=timezone.now())
        .order_by("next_attempt_at", "pk")
    )


def deliver_due(*, limit: int | None = None) -> Sent:
    """Send every delivery that is due (at most `limit`), one transaction each."""
    done = Sent()
    senders = _Senders()
    try:
        while limit is None or done.sent + done.failed < limit:
            with transaction.atomic():
                delivery = _due().first()
                if delivery is None:
                    break
                delivery.attempts += 1
                try:
                    senders.send(delivery)
                except Exception as error:
                    _failed(delivery, error)
                    done.failed += 1
                else:
                    delivery.status, delivery.sent_at, delivery.last_error = DeliveryStatus.SENT, timezone.now(), ""
                    delivery.save(update_fields=["status", "sent_at", "attempts", "last_error"])
                    done.sent += 1
    finally:
        senders.close()
    return done


def _failed(delivery: Delivery, error: Exception) -> None:
    delivery.last_error = f"{type(error).__name__}: {error}"[:2000]
    if delivery.attempts >= MAX_ATTEMPTS:
        delivery.status = DeliveryStatus.FAILED
        logger.error("消息投递失败，已停止重试：%s（%s）", delivery, delivery.last_error)
    else:
        delivery.next_attempt_at = timezone.now() + dt.timedelta(seconds=BACKOFF[delivery.attempts - 1])
        logger.warning("消息投递失败，将于%s重试：%s（%s）", delivery.next_attempt_at, delivery, delivery.last_error)
    delivery.save(update_fields=["status", "attempts", "next_attempt_at", "last_error"])

