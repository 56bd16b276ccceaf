"""The audit trail: one function writes events, one verifies them.

Chains (DESIGN §6):
- every declaration has its own chain; its head (`audit_seq`, `audit_head`) lives on
  the declaration row, which the calling service already holds locked, so events of
  different declarations never wait for each other;
- events outside any declaration (role grants, extensions, imports, exports) form the
  `global` chain, whose head is the locked `AuditChain("global")` row;
- `checkpoint()` records every head that moved since the previous checkpoint, so a chain
  removed whole is still found by `verify()`.

Each event's hash covers its content and the previous hash of its chain. On PostgreSQL
the tables refuse UPDATE/DELETE/TRUNCATE (migration), so tampering needs the trigger
disabled, and `verify()` then names the first event whose hash or link is wrong.
"""
from __future__ import annotations

import contextvars
import datetime as dt
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Func, TextField
from django.db.models.functions import Cast
from django.utils import timezone

from workflow.models import AuditChain, AuditCheckpoint, AuditEvent, Declaration

GENESIS = "0" * 64
GLOBAL = "global"
AUDIT_HEAD_FIELDS = ("audit_seq", "audit_head")
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
_MICRO = dt.timedelta(microseconds=1)

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")


# One encoder for every hash: `json.dumps` with these options would build a new one per call.
canonical_json = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode


def jsonable(value: object) -> object:
    """Values stored in `changed` as JSON that survives a database round trip."""
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    return value


def _micros(at: dt.datetime) -> int:
    """The time an event's hash covers: integer microseconds since 1970 (`_EpochMicros` in SQL)."""
    return (at - _EPOCH) // _MICRO


def event_hash(
    *, chain: str, seq: int, declaration_id, unit_id, programme_id, actor_id, action: str,
    from_state: str, to_state: str, reason: str, changed: dict, created_at: dt.datetime,
    request_id: str, prev_hash: str,
) -> str:
    return _digest(
        chain, seq, declaration_id, unit_id, programme_id, actor_id, action, from_state, to_state, reason,
        canonical_json(changed), _micros(created_at), request_id, prev_hash,
    )


def _digest(chain, seq, declaration_id, unit_id, programme_id, actor_id, action, from_state, to_state, reason,
            changed_json, micros, request_id, prev_hash) -> str:
    """The one definition of what an event's hash covers (positional: `verify` calls it per row)."""
    payload = "\x1f".join((
        chain, str(seq), str(declaration_id or ""), str(unit_id or ""), str(programme_id or ""),
        str(actor_id or ""), action, from_state, to_state, reason, changed_json, str(micros), request_id, prev_hash,
    ))
    return hashlib.sha256(payload.encode()).hexdigest()


def chain_key(declaration_id) -> str:
    return f"d:{declaration_id}" if declaration_id else GLOBAL


def record(
    *,
    action: str,
    actor,
    declaration: Declaration | None = None,
    unit=None,
    programme=None,
    from_state: str = "",
    to_state: str = "",
    reason: str = "",
    changed: dict | None = None,
    at: dt.datetime | None = None,
) -> AuditEvent:
    """Append one event. Must run inside the caller's transaction.

    For a declaration event the caller holds the declaration row locked and saves
    `AUDIT_HEAD_FIELDS` with its own UPDATE of that row (one statement, no extra lock).
    """
    if not connection.in_atomic_block:
        raise RuntimeError("audit.record must run inside the service's transaction")
    changed = jsonable(changed or {})
    now = at or timezone.now()
    if declaration is not None:
        unit = unit or declaration.unit
        programme = programme or declaration.programme
        seq, prev = declaration.audit_seq + 1, declaration.audit_head or GENESIS
        head = None
    else:
        head, _ = AuditChain.objects.select_for_update().get_or_create(key=GLOBAL)
        seq, prev = head.seq + 1, head.head or GENESIS
    event = AuditEvent(
        seq=seq, declaration=declaration, unit=unit, programme=programme, actor=actor,
        action=action, from_state=from_state, to_state=to_state, reason=reason,
        changed=changed, created_at=now, request_id=request_id_var.get(), prev_hash=prev,
    )
    event.hash = event_hash(
        chain=chain_key(declaration.pk if declaration else None), seq=seq,
        declaration_id=declaration.pk if declaration else None,
        unit_id=unit.pk if unit else None, programme_id=programme.pk if programme else None,
        actor_id=actor.pk if actor else None, action=action, from_state=from_state,
        to_state=to_state, reason=reason, changed=changed, created_at=now,
        request_id=event.request_id, prev_hash=prev,
    )
    event.save(force_insert=True)
    if declaration is not None:
        declaration.audit_seq, declaration.audit_head = seq, event.hash
    else:
        head.seq, head.head = seq, event.hash
        head.save(update_fields=["seq", "head"])
    return event


# ----------------------------------------------------------------- verification

@dataclass
class Verification:
    ok: bool
    events: int
    chains: int
    checkpoints: int
    message: str
    event_id: int | None = None

    def __str__(self) -> str:
        return self.message


_HEAD = ("id", "seq", "declaration_id", "unit_id", "programme_id", "actor_id", "action", "from_state", "to_state", "reason")
_TAIL = ("request_id", "prev_hash", "hash")


class _EpochMicros(Func):
    """A timestamp as the decimal text of its integer microseconds since 1970 (exact on PostgreSQL:
    EXTRACT gives numeric), i.e. `str()` of what `event_hash` computes, with no per-row conversion."""

    template = "((EXTRACT(EPOCH FROM %(expressions)s) * 1000000)::bigint)::text"
    output_field = TextField()
    convert_value = staticmethod(Func._convert_value_noop)  # the driver already returns a str: no per-row converter


def _stream(chunk_size: int) -> Iterator[tuple]:
    """Every event in chain order as (…_HEAD, changed as JSON text, created_at micros, …_TAIL).

    On PostgreSQL the server hands over `changed` as text and the time as micros over a
    server-side cursor, so no row goes through a JSONField or timezone-aware datetime
    converter, nor through a generator here (most of verify's time at 1,000,000 events).
    Elsewhere (the SQLite demo) the ORM values are converted here. `verify` re-encodes
    the JSON text canonically (PostgreSQL's jsonb text orders keys its own way).
    """
    events = AuditEvent.objects.order_by("declaration_id", "seq")
    if connection.vendor == "postgresql":
        return events.annotate(_changed=Cast("changed", TextField()), _micros=_EpochMicros("created_at")).values_list(
            *_HEAD, "_changed", "_micros", *_TAIL
        ).iterator(chunk_size=chunk_size)
    return (
        (*row[:10], row[10] if isinstance(row[10], str) else json.dumps(row[10]), _micros(row[11]), *row[12:])
        for row in events.values_list(*_HEAD, "changed", "created_at", *_TAIL).iterator(chunk_size=chunk_size)
    )  # SQLite may hand back `changed` as JSON text or as a value


def _checkpoint_hash(*, heads: dict, chains: int, events: int, created_at: dt.datetime, prev_hash: str) -> str:
    payload = "\x1f".join((canonical_json(heads), str(chains), str(events), str(_micros(created_at)), prev_hash))
    return hashlib.sha256(payload.encode()).hexdigest()


def _fail(events: int, chains: int, checkpoints: int, message: str, event_id: int | None = None) -> Verification:
    return Verification(False, events, chains, checkpoints, message, event_id)


@transaction.atomic  # read-only; inside a transaction PostgreSQL streams the server-side cursor instead
#                     of materialising the whole result first (Django declares it WITH HOLD in autocommit)
def verify(*, chunk_size: int = 20_000) -> Verification:
    """Re-hash every event, check every link, head and checkpoint. First problem wins."""
    # 1. checkpoints: their own chain, then the last known head of every chain.
    known: dict[str, list] = {}
    prev = GENESIS
    checkpoints = 0
    for cp in AuditCheckpoint.objects.order_by("id").iterator():
        checkpoints += 1
        expected = _checkpoint_hash(heads=cp.heads, chains=cp.chains, events=cp.events, created_at=cp.created_at, prev_hash=prev)
        if cp.prev_hash != prev or cp.hash != expected:
            return _fail(0, 0, checkpoints, f"审计检查点 #{cp.pk} 的哈希或链接不符：检查点被篡改。")
        known.update(cp.heads)
        prev = cp.hash

    # 2. every event, chain by chain.
    heads: dict[str, tuple[int, str]] = {}
    events = 0
    current, current_decl, expected_seq, prev_hash, prev_pk = None, None, 1, GENESIS, None
    loads, encode = json.loads, canonical_json
    for (pk, seq, decl_id, unit_id, prog_id, actor_id, action, from_s, to_s, reason,
         changed_text, micros, request_id, stored_prev, stored_hash) in _stream(chunk_size):
        if decl_id != current_decl or current is None:
            key = chain_key(decl_id)
            if current is not None:
                heads[current] = (expected_seq - 1, prev_hash)
            current, current_decl, expected_seq, prev_hash, prev_pk = key, decl_id, 1, GENESIS, None
            cp_head = known.get(key)
        events += 1
        if seq != expected_seq:
            return _fail(events, len(heads), checkpoints,
                         f"审计事件 #{pk}（{_chain_label(key)}第{seq}条）之前缺少第{expected_seq}条：事件被删除。", pk)
        if stored_prev != prev_hash:
            culprit = prev_pk or pk
            return _fail(events, len(heads), checkpoints,
                         f"审计事件 #{culprit}（{_chain_label(key)}第{seq - 1}条）被改动：其后一条事件 #{pk} 记录的前序哈希与之不符。", culprit)
        computed = _digest(key, seq, decl_id, unit_id, prog_id, actor_id, action, from_s, to_s, reason,
                           encode(loads(changed_text)), micros, request_id, stored_prev)
        if computed != stored_hash:
            return _fail(events, len(heads), checkpoints,
                         f"审计事件 #{pk}（{_chain_label(key)}第{seq}条，操作 {action}）的内容与哈希不符：该事件被改动。", pk)
        if cp_head and cp_head[0] == seq and cp_head[1] != stored_hash:
            return _fail(events, len(heads), checkpoints,
                         f"审计事件 #{pk}（{_chain_label(key)}第{seq}条）与检查点记录的哈希不符：该事件被替换。", pk)
        expected_seq, prev_hash, prev_pk = seq + 1, stored_hash, pk
    if current is not None:
        heads[current] = (expected_seq - 1, prev_hash)

    # 3. heads kept on the declarations and the global chain row: nothing cut off the end.
    recorded = {
        chain_key(pk): (seq, head)
        for pk, seq, head in Declaration.objects.filter(audit_seq__gt=0).values_list("id", "audit_seq", "audit_head").iterator(chunk_size=chunk_size)
    }
    recorded.update({c.key: (c.seq, c.head) for c in AuditChain.objects.filter(seq__gt=0)})
    for key, (seq, head) in recorded.items():
        found = heads.get(key)
        if found is None:
            return _fail(events, len(heads), checkpoints, f"{_chain_label(key)}的审计事件全部缺失（应有{seq}条）。")
        if found != (seq, head):
            return _fail(events, len(heads), checkpoints,
                         f"{_chain_label(key)}的审计事件只剩{found[0]}条，应有{seq}条：末尾事件被删除。")
    for key in heads.keys() - recorded.keys():
        return _fail(events, len(heads), checkpoints, f"{_chain_label(key)}的链头记录缺失。")

    # 4. checkpoints: every chain they saw must still reach at least that far.
    for key, (seq, _hash) in known.items():
        found = heads.get(key)
        if found is None or found[0] < seq:
            return _fail(events, len(heads), checkpoints,
                         f"检查点记录的{_chain_label(key)}（{seq}条）已不完整：整条链被删除或截断。")
    return Verification(True, events, len(heads), checkpoints, f"OK：{events}条审计事件、{len(heads)}条链、{checkpoints}个检查点校验通过。")


def _chain_label(key: str) -> str:
    return "全局链" if key == GLOBAL else f"申报 #{key[2:]} 的审计链"


@transaction.atomic
def checkpoint() -> AuditCheckpoint:
    """Record every chain head that moved since the last checkpoint (run it periodically)."""
    AuditChain.objects.select_for_update().get_or_create(key=GLOBAL)  # one checkpoint at a time
    known: dict[str, list] = {}
    last = None
    for cp in AuditCheckpoint.objects.order_by("id").iterator():
        known.update(cp.heads)
        last = cp
    current = {
        chain_key(pk): [seq, head]
        for pk, seq, head in Declaration.objects.filter(audit_seq__gt=0).values_list("id", "audit_seq", "audit_head").iterator()
    }
    current.update({c.key: [c.seq, c.head] for c in AuditChain.objects.filter(seq__gt=0)})
    moved = {k: v for k, v in current.items() if known.get(k) != v}
    created_at = timezone.now()
    prev = last.hash if last else GENESIS
    events = sum(v[0] for v in current.values())
    cp = AuditCheckpoint(heads=moved, chains=len(current), events=events, prev_hash=prev, created_at=created_at)
    cp.hash = _checkpoint_hash(heads=moved, chains=len(current), events=events, created_at=created_at, prev_hash=prev)
    cp.save(force_insert=True)
    return cp
