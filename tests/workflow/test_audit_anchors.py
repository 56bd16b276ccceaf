"""Anyone can check that history was not rewritten (issue 19): checkpoints signed with a key kept
outside the database, published as anchors, and checked against anchors saved earlier."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from workflow import services
from workflow.audit import event_hash
from workflow.models import AuditCheckpoint, AuditEvent, Declaration
from workflow.trail.anchors import AnchorFileError, load, sign
from workflow.trail.chain import GENESIS, chain_key
from workflow.trail.checkpoints import checkpoint, checkpoint_hash
from workflow.trail.verify import verify

BASE = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()
    yield
    cache.clear()


def test_each_checkpoint_is_signed_with_the_key_from_the_environment(world, settings):
    world.declaration("submitted")
    cp = checkpoint()
    assert cp.signature == sign(cp.hash) and len(cp.signature) == 64
    result = verify()
    assert result.ok and "签名有效" in result.message
    settings.AUDIT_ANCHOR_KEY = "another-key-than-the-one-that-signed-0123456789"
    result = verify()
    assert not result.ok and f"审计检查点 #{cp.pk} 的签名不符" in result.message


def test_the_column_publishes_every_checkpoint_and_a_saved_copy_checks_out(client, world, tmp_path, capsys):
    world.declaration("submitted")
    first = checkpoint()
    world.declaration("reviewed", unit=world.other_unit)
    second = checkpoint()
    published = client.get("/gongkai/audit-anchors.json")
    document = json.loads(published.content)
    assert document["algorithm"] == "HMAC-SHA256"
    assert [(a["id"], a["events"], a["hash"], a["signature"]) for a in document["anchors"]] == [
        (cp.pk, cp.events, cp.hash, cp.signature) for cp in (first, second)]
    page = client.get("/gongkai/audit-anchors/").content.decode()
    assert first.hash in page and second.signature in page and "verify_audit --anchors" in page

    saved = tmp_path / "anchors.json"
    saved.write_bytes(published.content)
    call_command("verify_audit", anchors=str(saved))
    assert "并与2个已保存的锚点一致" in capsys.readouterr().out


@pytest.mark.parametrize("text, message", [
    ("not json", "不是有效的 JSON"), ('{"anchors": []}', "没有锚点"), ('[{"id": 1}]', "缺少"),
])
def test_an_unreadable_anchors_file_is_refused_in_chinese(world, tmp_path, text, message):
    with pytest.raises(AnchorFileError) as refused:
        load(text)
    assert message in str(refused.value)
    path = tmp_path / "bad.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CommandError) as failed:
        call_command("verify_audit", anchors=str(path))
    assert message in str(failed.value)
    with pytest.raises(CommandError) as missing:
        call_command("verify_audit", anchors=str(tmp_path / "nowhere.json"))
    assert "无法读取锚点文件" in str(missing.value)


# ----------------------------------------------------------------- the superuser's forgery (PostgreSQL)

def _as_superuser(sql: str, params=()) -> None:
    """What someone with database superuser rights can do: write with the append-only triggers off."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(sql, params)
        cursor.execute("SET LOCAL session_replication_role = origin")


def _rehash_chain(declaration_id: int) -> None:
    """Re-hash every event of a declaration's chain from its (rewritten) content, and its head."""
    prev = GENESIS
    for e in AuditEvent.objects.filter(declaration_id=declaration_id).order_by("seq"):
        new = event_hash(
            chain=chain_key(declaration_id), seq=e.seq, declaration_id=declaration_id, unit_id=e.unit_id,
            programme_id=e.programme_id, actor_id=e.actor_id, action=e.action, from_state=e.from_state, to_state=e.to_state,
            reason=e.reason, changed=e.changed, created_at=e.created_at, request_id=e.request_id, prev_hash=prev,
        )
        _as_superuser("UPDATE workflow_auditevent SET prev_hash = %s, hash = %s WHERE id = %s", [prev, new, e.pk])
        prev = new
    Declaration.objects.filter(pk=declaration_id).update(audit_head=prev)


def _rewrite_checkpoints(*, key: bytes | None, after: AuditCheckpoint | None = None) -> None:
    """Every checkpoint (after `after`) rewritten in place (same ids, times and counts) over the forged
    heads, re-signed with `key` when the forger has it, else keeping the old signatures."""
    heads = {f"d:{pk}": head for pk, head in Declaration.objects.values_list("pk", "audit_head")}
    prev = after.hash if after else GENESIS
    for cp in AuditCheckpoint.objects.filter(pk__gt=after.pk if after else 0).order_by("id"):
        moved = {chain: [seq, heads.get(chain, h) if _is_head(chain, seq) else h] for chain, (seq, h) in cp.heads.items()}
        new = checkpoint_hash(heads=moved, chains=cp.chains, events=cp.events, created_at=cp.created_at, prev_hash=prev)
        signature = sign(new, key=key) if key else cp.signature
        _as_superuser("UPDATE workflow_auditcheckpoint SET heads = %s, prev_hash = %s, hash = %s, signature = %s WHERE id = %s",
                      [json.dumps(moved), prev, new, signature, cp.pk])
        prev = new


def _is_head(chain: str, seq: int) -> bool:
    return not chain.startswith("d:") or Declaration.objects.filter(pk=int(chain[2:]), audit_seq=seq).exists()


@pytest.fixture
def history(client, world, tmp_path):
    """A trail with a checkpoint whose anchors someone saved from the column, then more work."""
    d = world.declaration("reviewed")
    checkpoint()
    saved = tmp_path / "anchors-saved-in-april.json"
    saved.write_bytes(client.get("/gongkai/audit-anchors.json").content)
    world.declaration("submitted", unit=world.other_unit)
    return d, saved


@pytest.mark.postgres
def test_a_forger_without_the_key_is_found_by_the_signatures(world, history):
    d, _saved = history
    approve = AuditEvent.objects.get(declaration=d, action="approve")
    with transaction.atomic():
        _as_superuser("UPDATE workflow_auditevent SET reason = '审核意见：同意（事后补写）' WHERE id = %s", [approve.pk])
        _rehash_chain(d.pk)
        _rewrite_checkpoints(key=None)
    result = verify()
    assert not result.ok and "的签名不符" in result.message


@pytest.mark.postgres
def test_a_forger_with_the_key_is_missed_without_anchors_and_found_with_the_saved_ones(world, history):
    d, saved = history
    approve = AuditEvent.objects.get(declaration=d, action="approve")
    with transaction.atomic():  # rewritten, re-hashed, checkpoints rewritten and re-signed: a perfect forgery
        _as_superuser("UPDATE workflow_auditevent SET reason = '审核意见：同意（事后补写）' WHERE id = %s", [approve.pk])
        _rehash_chain(d.pk)
        _rewrite_checkpoints(key=settings.AUDIT_ANCHOR_KEY.encode())
    assert verify().ok  # the database agrees with itself
    call_command("verify_audit")

    result = verify(anchors=load(saved.read_text(encoding="utf-8")))
    assert not result.ok and "已保存的锚点 #" in result.message and "被改写" in result.message
    with pytest.raises(CommandError) as found:
        call_command("verify_audit", anchors=str(saved))
    assert "与数据库中的检查点不符" in str(found.value)


@pytest.mark.postgres
def test_an_event_removed_before_a_saved_anchor_is_found_though_the_checkpoints_were_rebuilt(world, history):
    d, saved = history
    services.schedule_publish(programme=world.programme, by=world.scheduler, months={d.pk: 5})
    checkpoint()  # a later checkpoint, not in the saved file
    submit = AuditEvent.objects.get(declaration=d, action="submit")
    with transaction.atomic():  # the submit event removed, the chain renumbered and re-hashed, checkpoints rebuilt
        _as_superuser("DELETE FROM workflow_auditevent WHERE id = %s", [submit.pk])
        _as_superuser("UPDATE workflow_auditevent SET seq = seq - 1 WHERE declaration_id = %s AND seq > %s", [d.pk, submit.seq])
        Declaration.objects.filter(pk=d.pk).update(audit_seq=AuditEvent.objects.filter(declaration_id=d.pk).count())
        _rehash_chain(d.pk)
        _as_superuser("DELETE FROM workflow_auditcheckpoint WHERE id > (SELECT MIN(id) FROM workflow_auditcheckpoint)")
        _rewrite_checkpoints(key=settings.AUDIT_ANCHOR_KEY.encode())
    assert verify().ok
    result = verify(anchors=load(saved.read_text(encoding="utf-8")))
    assert not result.ok and "与数据库中的检查点不符" in result.message


@pytest.mark.postgres
def test_an_older_checkpoint_still_pins_its_heads_when_every_later_one_is_rewritten(world, history):
    d, _saved = history
    first = AuditCheckpoint.objects.get()
    services.schedule_publish(programme=world.programme, by=world.scheduler, months={d.pk: 5})
    checkpoint()  # moves d's head on: the first checkpoint's head of d is no longer the last one known
    approve = AuditEvent.objects.get(declaration=d, action="approve")
    with transaction.atomic():
        _as_superuser("UPDATE workflow_auditevent SET reason = '补写' WHERE id = %s", [approve.pk])
        _rehash_chain(d.pk)
        _rewrite_checkpoints(key=settings.AUDIT_ANCHOR_KEY.encode(), after=first)
    result = verify()
    assert not result.ok and "与检查点记录的哈希不符" in result.message


def test_production_refuses_to_start_without_the_anchor_key():
    env = {k: v for k, v in os.environ.items() if k != "AUDIT_ANCHOR_KEY"}
    env.update(DEBUG="0", SECRET_KEY="s" * 50, ALLOWED_HOSTS="example.gov.cn", DJANGO_SETTINGS_MODULE="config.settings")
    script = "import django; django.setup(); from django.conf import settings; print(len(settings.AUDIT_ANCHOR_KEY))"

    def start(**extra):
        return subprocess.run([sys.executable, "-c", script], cwd=BASE, env={**env, **extra}, capture_output=True, text=True)

    missing = start()
    assert missing.returncode != 0 and "未设置 AUDIT_ANCHOR_KEY" in missing.stderr
    too_short = start(AUDIT_ANCHOR_KEY="too-short")
    assert too_short.returncode != 0 and "须至少32个字符" in too_short.stderr
    assert start(AUDIT_ANCHOR_KEY="s" * 50).returncode != 0  # the SECRET_KEY itself
    fine = start(AUDIT_ANCHOR_KEY="k" * 40)
    assert fine.returncode == 0 and fine.stdout.strip() == "40"


def test_the_command_and_the_daily_job_each_take_a_signed_checkpoint_the_column_shows(client, world, capsys):
    from workflow import tasks

    world.declaration("submitted")
    call_command("audit_checkpoint")
    assert "检查点 #" in capsys.readouterr().out
    by_command = AuditCheckpoint.objects.latest("pk")
    world.declaration("submitted", unit=world.other_unit)
    done = tasks.audit_checkpoint()  # what celery beat runs daily
    by_job = AuditCheckpoint.objects.latest("pk")
    assert done == {"checkpoint": by_job.pk, "events": by_job.events} and by_job.pk > by_command.pk
    for cp in (by_command, by_job):
        assert cp.signature == sign(cp.hash)
    assert by_job.events > by_command.events and verify().ok
    assert by_job.hash in client.get("/gongkai/audit-anchors/").content.decode()
