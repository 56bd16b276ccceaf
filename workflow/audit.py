"""The audit trail's writer: `record` appends one hash-chained event (DESIGN §6).

Chains:
- every declaration has its own chain; its head (`audit_seq`, `audit_head`) lives on
  the declaration row, which the calling service already holds locked, so events of
  different declarations never wait for each other;
- events outside any declaration (role grants, extensions, imports, exports) form the
  `global` chain, whose head is the locked `AuditChain("global")` row;
- checkpoints over every chain head (`workflow.trail.checkpoints`) find a chain removed whole.

Each event's hash covers its content and the previous hash of its chain (`workflow.trail.chain`).
On PostgreSQL the tables refuse UPDATE/DELETE/TRUNCATE (migration), so tampering needs the
trigger disabled, and `workflow.trail.verify` then names the first event whose hash or link is wrong.
"""
from __future__ import annotations

import contextvars
import datetime as dt

from django.db import connection
from django.utils import timezone

from workflow.models import AuditChain, AuditEvent, Declaration
from workflow.trail.chain import GENESIS, GLOBAL, canonical_json, chain_key, digest, micros

AUDIT_HEAD_FIELDS = ("audit_seq", "audit_head")

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")


def jsonable(value: object) -> object:
    """Values stored in `changed` as JSON that survives a database round trip."""
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    return value


def event_hash(
    *, chain: str, seq: int, declaration_id, unit_id, programme_id, actor_id, action: str,
    from_state: str, to_state: str, reason: str, changed: dict, created_at: dt.datetime,
    request_id: str, prev_hash: str,
) -> str:
    return digest(
        chain, seq, declaration_id, unit_id, programme_id, actor_id, action, from_state, to_state, reason,
        canonical_json(changed), micros(created_at), request_id, prev_hash,
    )


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
