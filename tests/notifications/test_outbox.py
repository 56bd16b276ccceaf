"""The outbox's own statements (`notifications.outbox`): who gets a message, by which channel, and
what happens when a cause was already told."""
from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from notifications import outbox
from notifications.models import Channel, Delivery, Kind, Message, Preference, Profile


def write(notes):
    with transaction.atomic():
        return outbox.write(notes)


@pytest.fixture
def people(world):
    world.operator.email, world.leader.email = "edu-op@example.com", "edu-lead@example.com"
    world.operator.save(update_fields=["email"])
    world.leader.save(update_fields=["email"])
    return world


def test_a_cause_already_told_is_left_as_it_was_and_the_others_are_written(people, settings):
    w = people
    [first] = write([outbox.Note(w.operator.pk, Kind.DECISION, "approve:1:3", "第一次")])
    written = write([outbox.Note(w.operator.pk, Kind.DECISION, "approve:1:3", "第二次"),
                     outbox.Note(w.leader.pk, Kind.DECISION, "approve:1:3", "给负责人")])
    assert [(m.recipient_id, m.title) for m in written] == [(w.leader.pk, "给负责人")]
    assert Message.objects.get(pk=first.pk).title == "第一次"
    assert Message.objects.filter(cause="approve:1:3").count() == 2
    # One delivery per message written: the repeated cause sends no second mail.
    assert sorted(Delivery.objects.values_list("address", flat=True)) == ["edu-lead@example.com", "edu-op@example.com"]
    assert Message.objects.get(pk=written[0].pk).created_at == written[0].created_at


def test_channels_follow_each_persons_choice_and_inactive_people_get_nothing(people, settings):
    w = people
    settings.SMS_BACKEND = "notifications.sms.MemoryBackend"
    Profile.objects.create(user=w.operator, mobile="13800000001")
    Profile.objects.create(user=w.leader, mobile="0731-84390001")  # a landline: never an SMS
    Preference.objects.create(user=w.operator, kind=Kind.DECISION, email=False, sms=True)
    w.other_operator.is_active = False
    w.other_operator.save(update_fields=["is_active"])
    written = write([outbox.Note(p.pk, Kind.DECISION, f"probe:{p.pk}", "探针") for p in (w.operator, w.leader, w.other_operator)]
                    + [outbox.Note(w.leader.pk, Kind.REMINDER, "remind:1", "催报", required=True)])
    assert {m.recipient_id for m in written} == {w.operator.pk, w.leader.pk}
    sent = set(Delivery.objects.values_list("message__recipient_id", "message__kind", "channel", "address"))
    assert sent == {
        (w.operator.pk, Kind.DECISION, Channel.SMS, "13800000001"),  # SMS only, as chosen
        (w.leader.pk, Kind.DECISION, Channel.EMAIL, "edu-lead@example.com"),  # the default: mail
        (w.leader.pk, Kind.REMINDER, Channel.EMAIL, "edu-lead@example.com"),  # required: mail, no SMS to a landline
    }


def test_any_number_of_messages_costs_the_same_statements(people):
    w = people
    counts = []
    for n in (1, 40):
        with CaptureQueriesContext(connection) as queries:
            write([outbox.Note(w.operator.pk, Kind.DECISION, f"many:{n}:{i}", f"第{i}条") for i in range(n)])
        counts.append(len(queries.captured_queries))
    assert counts[0] == counts[1]
    assert Message.objects.filter(cause__startswith="many:40:").count() == 40
