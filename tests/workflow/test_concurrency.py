"""Concurrency on PostgreSQL: real connections, real row locks."""
from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction

from tests.factories import World, kaifu_programme
from workflow import services
from workflow.errors import TransitionConflict
from workflow.models import AuditEvent, Declaration, State

pytestmark = [pytest.mark.postgres]


def run_together(count: int, action) -> list:
    """Start `count` threads at the same moment, each on its own connection."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def worker(index: int) -> None:
        try:
            barrier.wait()
            results[index] = action(index)
        except Exception as exc:  # noqa: BLE001 - the outcome is what we assert on
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@pytest.fixture
def live_world(audit_flushable):
    return World.build(kaifu_programme())


@pytest.mark.parametrize("people", [2, 10])
def test_simultaneous_approvals_give_one_transition_and_one_event(live_world, people):
    d = live_world.declaration("submitted")
    reviewer = live_world.reviewer

    def approve(_index):
        mine = Declaration.objects.get(pk=d.pk)  # each person loaded the page before anyone acted
        return services.declaration_approve(declaration=mine, by=reviewer)

    results = run_together(people, approve)
    winners = [r for r in results if isinstance(r, Declaration)]
    conflicts = [r for r in results if isinstance(r, TransitionConflict)]
    assert len(winners) == 1 and len(conflicts) == people - 1, results
    assert all(any(words in c.message for words in ("已被他人处理", "不能", "其他人正在办理")) for c in conflicts)
    assert Declaration.objects.get(pk=d.pk).state == State.REVIEWED
    assert AuditEvent.objects.filter(declaration=d, action="approve").count() == 1


def test_approve_and_return_at_once_one_wins_and_the_record_agrees(live_world):
    d = live_world.declaration("submitted")
    w = live_world

    def act(index):
        mine = Declaration.objects.get(pk=d.pk)
        if index == 0:
            return services.declaration_approve(declaration=mine, by=w.reviewer)
        return services.declaration_return(declaration=mine, by=w.reviewer, reason="请补充")

    results = run_together(2, act)
    assert sum(isinstance(r, Declaration) for r in results) == 1
    assert sum(isinstance(r, TransitionConflict) for r in results) == 1
    final = Declaration.objects.get(pk=d.pk)
    last = AuditEvent.objects.filter(declaration=d).order_by("-seq").first()
    assert last.to_state == final.state and last.action in {"approve", "return"}


def test_transitions_on_different_declarations_do_not_wait_on_the_audit_chain(live_world):
    """One reviewer holds a transaction open after approving declaration A; another
    approves declaration B meanwhile. B must not wait for A's locks (lock_timeout 2 s
    would raise if it did)."""
    a = live_world.declaration("submitted")
    b = live_world.declaration("submitted", unit=live_world.other_unit)
    reviewer = live_world.reviewer
    a_done, b_done = threading.Event(), threading.Event()
    outcome: dict = {}

    def hold_a_open():
        try:
            with transaction.atomic():
                services.declaration_approve(declaration=Declaration.objects.get(pk=a.pk), by=reviewer)
                a_done.set()
                outcome["b_finished_while_a_open"] = b_done.wait(timeout=20)
        finally:
            connection.close()

    def approve_b():
        try:
            a_done.wait(timeout=20)
            with connection.cursor() as cursor:
                cursor.execute("SET lock_timeout = '2s'")
            outcome["b"] = services.declaration_approve(declaration=Declaration.objects.get(pk=b.pk), by=reviewer).state
        except Exception as exc:  # noqa: BLE001
            outcome["b"] = exc
        finally:
            b_done.set()
            connection.close()

    threads = [threading.Thread(target=hold_a_open), threading.Thread(target=approve_b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert outcome["b"] == State.REVIEWED, outcome
    assert outcome["b_finished_while_a_open"] is True
    assert Declaration.objects.get(pk=a.pk).state == State.REVIEWED


def test_two_people_creating_the_unit_declaration_at_once_get_one(live_world):
    w = live_world

    def create(index):
        by = w.operator if index == 0 else w.leader
        return services.declaration_create(programme=w.programme, unit=w.unit, by=by, data={"theme": f"主题{index}"})

    results = run_together(2, create)
    assert sum(isinstance(r, Declaration) for r in results) == 1, results
    assert Declaration.objects.filter(unit=w.unit).count() == 1
