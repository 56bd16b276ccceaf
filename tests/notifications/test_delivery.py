"""Delivery: mail through Django's SMTP backend to a real SMTP server, retries with backoff that the
administrator sees, and a real worker process that loses nothing and sends nothing twice."""
from __future__ import annotations

import datetime as dt
import time

import pytest
from django.db import transaction
from django.utils import timezone

from notifications import delivery, outbox
from notifications.models import Delivery, DeliveryStatus, Kind, Message


def write(people, *, title="测试消息", cause="test") -> list[Message]:
    with transaction.atomic():
        return outbox.write([outbox.Note(p.pk, Kind.DECISION, f"{cause}:{p.pk}", title, "正文：请查看。", url="/declarations/")
                             for p in people])


@pytest.fixture
def people(world):
    for p in (world.operator, world.leader, world.other_operator, world.other_leader):
        p.email = f"{p.username}@example.com"
        p.save(update_fields=["email"])
    return [world.operator, world.leader, world.other_operator, world.other_leader]


def test_mail_reaches_a_real_smtp_server_in_chinese_with_text_and_html(people, smtp_server):
    mailbox = smtp_server()
    write(people[:1], title="申报已审核通过：《惠企政策面对面》")
    assert delivery.deliver_due().sent == 1
    [received] = mailbox.wait_for(1)
    assert received["Subject"].strip() == "【政务公开主题日】申报已审核通过：《惠企政策面对面》"
    assert received["To"] == "edu-op@example.com"
    text = received.get_body(("plain",)).get_content()
    html = received.get_body(("html",)).get_content()
    assert "正文：请查看。" in text and "http://127.0.0.1:8000/declarations/" in text
    assert 'href="http://127.0.0.1:8000/declarations/"' in html
    assert Delivery.objects.get().status == DeliveryStatus.SENT


def test_a_failed_delivery_is_retried_with_backoff_and_shown_to_the_administrator(people, settings, client, smtp_server):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 1, 2  # nothing listens there
    write(people[:1])
    before = timezone.now()
    assert delivery.deliver_due().failed == 1
    item = Delivery.objects.get()
    assert item.status == DeliveryStatus.PENDING and item.attempts == 1 and "ConnectionRefusedError" in item.last_error
    assert item.next_attempt_at >= before + dt.timedelta(seconds=delivery.BACKOFF[0])
    assert delivery.deliver_due().failed == 0  # not again before its time

    for _ in range(delivery.MAX_ATTEMPTS - 1):  # each later attempt once its backoff has passed
        Delivery.objects.filter(pk=item.pk).update(next_attempt_at=timezone.now())
        delivery.deliver_due()
    item.refresh_from_db()
    assert item.status == DeliveryStatus.FAILED and item.attempts == delivery.MAX_ATTEMPTS

    admin = people[0].__class__.objects.create_superuser("deliveries-admin", "a@example.com", "pw")
    client.force_login(admin)
    page = client.get("/admin/notifications/faileddelivery/").content.decode()
    assert "edu-op@example.com" in page and "ConnectionRefusedError" in page and "发送失败（已停止重试）" in page

    mailbox = smtp_server()  # the mail server is back: the administrator sends it again
    response = client.post("/admin/notifications/faileddelivery/", {"action": "retry", "_selected_action": [item.pk]})
    assert response.status_code == 302
    assert delivery.deliver_due().sent == 1 and len(mailbox.wait_for(1)) == 1
    assert Delivery.objects.get().status == DeliveryStatus.SENT


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_an_approve_through_the_api_ends_in_the_mailbox_through_a_real_worker(
        audit_flushable, broker, smtp_server, worker_process):
    from rest_framework.test import APIClient

    from tests.factories import World, kaifu_programme

    w = World.build(kaifu_programme())
    for p in (w.operator, w.leader):
        p.email = f"{p.username}@example.com"
        p.save(update_fields=["email"])
    d = w.declaration("submitted")
    mailbox = smtp_server()
    worker_process(mailbox)
    client = APIClient()
    client.force_authenticate(w.reviewer)
    assert client.post(f"/api/declarations/{d.pk}/approve/").status_code == 200
    # the leader was told of the seal task when the declaration was drafted; then both of the approval
    received = mailbox.wait_for(3)
    approved = [m for m in received if "审核通过" in m["Subject"]]
    assert sorted(m["To"] for m in approved) == ["edu-lead@example.com", "edu-op@example.com"]
    assert {m["Subject"].strip() for m in approved} == {"【政务公开主题日】申报已审核通过：《惠企政策面对面》"}
    assert [m["To"] for m in received if m not in approved] == ["edu-lead@example.com"]
    assert _eventually(lambda: not Delivery.objects.exclude(status=DeliveryStatus.SENT).exists())  # the worker's commit


def _eventually(check, timeout: float = 10) -> bool:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_batch_loses_nothing_and_sends_nothing_twice(
        audit_flushable, people, broker, smtp_server, worker_process):
    for n in range(3):  # 12 mails
        write(people, title=f"第{n + 1}批", cause=f"batch{n}")
    mailbox = smtp_server(delay=0.6)  # a slow server: the worker spends its time inside mail transactions
    first = worker_process(mailbox)  # a worker that starts sends what waits
    mailbox.wait_for(3)
    time.sleep(0.3)  # halfway through the server's acceptance of the next mail
    first.kill()
    sent_before = Delivery.objects.filter(status=DeliveryStatus.SENT).count()
    assert 3 <= sent_before < 12
    assert sent_before == len(mailbox.messages)  # what was marked sent was received, and nothing else

    worker_process(mailbox)  # restarted: it sends the rest
    received = mailbox.wait_for(12)
    ids = [m["Message-ID"] for m in received]
    assert len(ids) == len(set(ids)) == 12  # every delivery once
    assert _eventually(lambda: Delivery.objects.filter(status=DeliveryStatus.SENT).count() == 12)
