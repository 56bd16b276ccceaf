"""The audit trail: one writer, chained per declaration, verifiable, append-only."""
from __future__ import annotations

import json
from itertools import pairwise

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from tests.factories import UnitFactory, person
from units.roles import Role
from workflow import services
from workflow.models import AuditEvent, Declaration
from workflow.trail.chain import GENESIS, canonical_json, canonical_text
from workflow.trail.checkpoints import checkpoint
from workflow.trail.verify import verify


def test_each_declaration_has_its_own_chain_linked_from_genesis(world):
    a = world.declaration("reviewed")
    b = world.declaration("submitted", unit=world.other_unit)
    for d in (a, b):
        d.refresh_from_db()
        events = list(AuditEvent.objects.filter(declaration=d).order_by("seq"))
        assert [e.seq for e in events] == list(range(1, len(events) + 1))
        assert events[0].prev_hash == GENESIS
        assert all(later.prev_hash == earlier.hash for earlier, later in pairwise(events))
        assert (d.audit_seq, d.audit_head) == (events[-1].seq, events[-1].hash)


def test_events_outside_declarations_form_the_global_chain(world):
    globals_ = list(AuditEvent.objects.filter(declaration=None).order_by("seq"))
    assert {e.action for e in globals_} == {"grant_role"}  # the world's role grants
    assert all(later.prev_hash == earlier.hash for earlier, later in pairwise(globals_))


def test_verify_audit_command_prints_ok_with_the_count(world, capsys):
    world.declaration("scheduled")
    call_command("verify_audit")
    out = capsys.readouterr().out
    assert out.startswith("OK：") and f"{AuditEvent.objects.count()}条审计事件" in out


def test_checkpoint_records_only_the_heads_that_moved(world):
    d = world.declaration("submitted")
    first = checkpoint()
    assert first.chains == Declaration.objects.count() + 1 and f"d:{d.pk}" in first.heads
    second = checkpoint()
    assert second.heads == {} and second.prev_hash == first.hash
    world.declaration("drafted", unit=world.other_unit)
    third = checkpoint()
    assert list(third.heads) == [f"d:{Declaration.objects.get(unit=world.other_unit).pk}"]
    assert verify().ok and verify().checkpoints == 3


@pytest.mark.django_db
def test_an_empty_trail_verifies():
    result = verify()
    assert result.ok and result.events == 0


# ----------------------------------------------------------------- PostgreSQL only

def _tamper(sql: str, params=()) -> None:
    """What someone with database superuser rights could do: bypass the trigger."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(sql, params)
        cursor.execute("SET LOCAL session_replication_role = origin")


@pytest.mark.postgres
@pytest.mark.parametrize("statement", [
    "UPDATE workflow_auditevent SET reason = 'rewritten' WHERE id = %s",
    "DELETE FROM workflow_auditevent WHERE id = %s",
])
def test_postgres_refuses_update_and_delete_of_audit_rows(world, statement):
    d = world.declaration("submitted")
    event = AuditEvent.objects.filter(declaration=d).first()
    with pytest.raises(DatabaseError) as info, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement, [event.pk])
    assert "审计日志只能追加" in str(info.value)
    assert AuditEvent.objects.get(pk=event.pk).reason == event.reason


@pytest.mark.postgres
def test_postgres_refuses_truncate_of_the_audit_table(world):
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("TRUNCATE workflow_auditevent CASCADE")
    assert AuditEvent.objects.exists()


@pytest.mark.postgres
def test_tampering_with_a_row_is_found_at_the_exact_event(world):
    d = world.declaration("scheduled")
    target = AuditEvent.objects.get(declaration=d, action="approve")
    with transaction.atomic():
        _tamper("UPDATE workflow_auditevent SET reason = '事后补写' WHERE id = %s", [target.pk])
    result = verify()
    assert not result.ok and result.event_id == target.pk
    assert f"#{target.pk}" in result.message and "被改动" in result.message
    with pytest.raises(CommandError) as info:
        call_command("verify_audit")
    assert f"#{target.pk}" in str(info.value)


@pytest.mark.postgres
def test_rewriting_a_row_and_its_hash_is_found_by_the_next_link(world):
    d = world.declaration("scheduled")
    target = AuditEvent.objects.get(declaration=d, action="approve")
    with transaction.atomic():
        _tamper("UPDATE workflow_auditevent SET hash = %s WHERE id = %s", ["f" * 64, target.pk])
    result = verify()
    assert not result.ok and result.event_id == target.pk


@pytest.mark.postgres
def test_deleting_an_event_in_the_middle_is_found(world):
    d = world.declaration("held")
    target = AuditEvent.objects.get(declaration=d, action="approve")
    after = AuditEvent.objects.get(declaration=d, seq=target.seq + 1)
    with transaction.atomic():
        _tamper("DELETE FROM workflow_auditevent WHERE id = %s", [target.pk])
    result = verify()
    assert not result.ok and result.event_id == after.pk and f"缺少第{target.seq}条" in result.message


@pytest.mark.postgres
def test_cutting_off_the_last_event_is_found_from_the_head(world):
    d = world.declaration("held")
    last = AuditEvent.objects.filter(declaration=d).order_by("-seq").first()
    with transaction.atomic():
        _tamper("DELETE FROM workflow_auditevent WHERE id = %s", [last.pk])
    result = verify()
    assert not result.ok and "末尾事件被删除" in result.message


@pytest.mark.postgres
def test_removing_a_whole_chain_with_its_declaration_is_found_by_the_checkpoint(world):
    d = world.declaration("submitted", unit=world.other_unit)
    checkpoint()
    with transaction.atomic():
        _tamper("DELETE FROM workflow_auditevent WHERE declaration_id = %s", [d.pk])
        _tamper("DELETE FROM notifications_message WHERE declaration_id = %s", [d.pk])  # what points at it
        _tamper("DELETE FROM workflow_declaration WHERE id = %s", [d.pk])
    result = verify()
    assert not result.ok and f"申报 #{d.pk}" in result.message and "整条链被删除" in result.message


# ----------------------------------------------------------------- in parallel (PostgreSQL)

@pytest.fixture
def in_parallel(monkeypatch, audit_flushable):
    """A trail of several declarations, checked by 3 processes (committed rows, so the processes
    see them): the threshold is lowered to 0 and every run whose processes started is counted."""
    from workflow.trail import verify as verification

    monkeypatch.setattr(verification, "PARALLEL_MIN_EVENTS", 0)
    runs = []
    real = verification._check_in_parallel

    def counted(*args, **kwargs):
        started = real(*args, **kwargs)
        if started is not None:  # processes really started
            runs.append(started)
        return started

    monkeypatch.setattr(verification, "_check_in_parallel", counted)
    return runs


def _trail(world) -> list[Declaration]:
    """Five declarations of five units, in id order."""
    made = [world.declaration("held"), world.declaration("scheduled", unit=world.other_unit)]
    for i in range(3):
        unit = UnitFactory(code=f"kf-par-{i}", name=f"开福区并行校验{i}局")
        people = (person(f"par{i}-op", Role.OPERATOR, unit), person(f"par{i}-lead", Role.LEADER, unit))
        made.append(world.declaration("submitted", unit=unit, people=people))
    return sorted(made, key=lambda d: d.pk)


@pytest.mark.postgres
def test_in_parallel_the_verdict_is_the_same_as_in_one_process(world, in_parallel):
    _trail(world)
    checkpoint()
    alone, together = verify(workers=1), verify(workers=3)
    assert len(in_parallel) == 1  # the second ran in 3 processes
    assert together.ok and (together.events, together.chains, together.checkpoints, together.message) == (
        alone.events, alone.chains, alone.checkpoints, alone.message)
    assert together.events == AuditEvent.objects.count()


@pytest.mark.postgres
def test_in_parallel_the_first_tampered_event_in_chain_order_is_named(world, in_parallel):
    declarations = _trail(world)
    first, last = (AuditEvent.objects.filter(declaration=d).order_by("seq").first() for d in (declarations[0], declarations[-1]))
    with transaction.atomic():
        _tamper("UPDATE workflow_auditevent SET reason = '事后补写' WHERE id = %s", [last.pk])
    result = verify(workers=3)
    assert not result.ok and result.event_id == last.pk and "被改动" in result.message  # found in the last range
    with transaction.atomic():
        _tamper("UPDATE workflow_auditevent SET reason = '事后补写' WHERE id = %s", [first.pk])
    assert verify(workers=3).event_id == first.pk == verify(workers=1).event_id
    assert len(in_parallel) == 2
    with pytest.raises(CommandError) as info:
        call_command("verify_audit", "--workers", "2")
    assert f"#{first.pk}" in str(info.value)


@pytest.mark.postgres
def test_in_parallel_a_cut_off_chain_and_a_tampered_global_event_are_found(world, in_parallel):
    declarations = _trail(world)
    last = AuditEvent.objects.filter(declaration=declarations[1]).order_by("-seq").first()
    with transaction.atomic():
        _tamper("DELETE FROM workflow_auditevent WHERE id = %s", [last.pk])
    result = verify(workers=2)
    assert not result.ok and f"申报 #{declarations[1].pk} 的审计链" in result.message and "末尾事件被删除" in result.message
    # The global chain is checked beside the processes; a tampered event there is named (it
    # comes before the heads are compared, as in one process).
    grant = AuditEvent.objects.filter(declaration=None).order_by("seq").last()
    with transaction.atomic():
        _tamper("UPDATE workflow_auditevent SET reason = '事后补写' WHERE id = %s", [grant.pk])
    result = verify(workers=2)
    assert not result.ok and result.event_id == grant.pk and "全局链" in result.message
    assert result.message == verify(workers=1).message and len(in_parallel) == 2


# ----------------------------------------------------------------- what the checker reads

# Text that COPY's format escapes (tab, newline, carriage return, backslash, a literal \N) and
# JSON escapes (quotes, backslash, controls), with characters beyond ASCII.
AWKWARD = "第一行\n第二行\t制表 \\ 反斜杠 \\N \r回车 \b退格 \f换页 \v竖表 \"引号\" 「」 \x1f \u2028 é"


def _awkward_trail(world, **unit_and_people) -> AuditEvent:
    # The 申报表 refuses control characters (services.content_problems); a reason keeps them.
    d = world.declaration("submitted", **unit_and_people)
    services.declaration_return(declaration=d, by=world.reviewer, reason="请补充：" + AWKWARD)
    event = AuditEvent.objects.get(declaration=d, action="return")
    assert event.reason == "请补充：" + AWKWARD
    assert event.changed["return_reason"] == ["", "请补充：" + AWKWARD]
    return event


def test_text_that_must_be_escaped_verifies_and_a_change_to_it_is_found(world):
    event = _awkward_trail(world)
    assert verify().ok
    if connection.vendor != "postgresql":
        return  # only PostgreSQL lets a superuser bypass the append-only rule
    with transaction.atomic():
        _tamper("UPDATE workflow_auditevent SET reason = reason || '。' WHERE id = %s", [event.pk])
    result = verify()
    assert not result.ok and result.event_id == event.pk and "被改动" in result.message


@pytest.mark.postgres
def test_in_parallel_text_that_must_be_escaped_verifies_and_a_change_to_it_is_found(world, in_parallel):
    _trail(world)
    unit = UnitFactory(code="kf-esc", name="开福区转义校验局")
    people = (person("esc-op", Role.OPERATOR, unit), person("esc-lead", Role.LEADER, unit))
    event = _awkward_trail(world, unit=unit, people=people)
    together = verify(workers=2)
    assert together.ok and together.processes == 2 and together.events == AuditEvent.objects.count()
    with transaction.atomic():
        _tamper("UPDATE workflow_auditevent SET changed = jsonb_set(changed, '{return_reason,1}', %s) WHERE id = %s",
                [json.dumps(AWKWARD + "。"), event.pk])
    result = verify(workers=2)
    assert not result.ok and result.event_id == event.pk and "内容与哈希不符" in result.message
    assert result.message == verify(workers=1).message and len(in_parallel) == 2


@pytest.mark.postgres
def test_in_parallel_a_tampered_checkpoint_is_named_and_the_processes_are_stopped(world, in_parallel):
    _trail(world)
    saved = checkpoint()
    with transaction.atomic():
        _tamper("UPDATE workflow_auditcheckpoint SET events = events + 1 WHERE id = %s", [saved.pk])
    result = verify(workers=2)
    assert not result.ok and f"审计检查点 #{saved.pk}" in result.message and "检查点被篡改" in result.message
    assert len(in_parallel) == 1 and all(process.poll() is not None for process in in_parallel[0].processes)


@pytest.mark.parametrize("value", [
    {}, [], {"b": 1, "a": 2, "": 0, "B": 3, "é": 4, "中": 5},
    {"scores": [{}, {"quality": 8, "breadth": 7.5}], "held_on": [None, "2023-05-18"], "logo_shown": [False, True]},
    {"x": [0.1, -0.0, 1e-07, 1e16, 10**30, -3], "y": AWKWARD, "z": {"nested": {"deep": [None, True, "\x00\x7f"]}}},
    "plain text", 5, None,
])
def test_the_canonical_json_is_json_dumps_with_sorted_keys_whatever_the_input_spacing(value):
    expected = json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    assert canonical_json(value) == expected
    assert canonical_text(json.dumps(value, indent=2)) == expected == canonical_text(json.dumps(value))


@pytest.mark.postgres
def test_an_error_while_reading_the_trail_is_raised_and_the_connection_stays_usable(world, monkeypatch):
    from workflow.trail import chain

    world.declaration("submitted")

    def broken(text):
        raise ValueError("读取出错")

    monkeypatch.setattr(chain, "canonical_text", broken)  # mid-COPY, on the first event
    with pytest.raises(ValueError, match="读取出错"):
        verify()
    assert AuditEvent.objects.filter(action="submit").exists()  # the same connection answers again
