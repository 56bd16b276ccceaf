"""Checkpoints: periodic records of every audit chain head (DESIGN §6).

The union of all checkpoints is the last known head of every chain, so `verify` finds a chain
that was removed whole (its events and its declaration). Checkpoints chain to each other and
are append-only like the events; each is signed with AUDIT_ANCHOR_KEY and published on the
public column as an anchor (`workflow.trail.anchors`).
"""
from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from workflow import publication
from workflow.models import AuditChain, AuditCheckpoint, Declaration
from workflow.trail.anchors import sign
from workflow.trail.chain import GENESIS, GLOBAL, canonical_json, chain_key, digest_of, micros


def checkpoint_hash(*, heads: dict, chains: int, events: int, created_at: dt.datetime, prev_hash: str) -> str:
    return digest_of((canonical_json(heads), str(chains), str(events), str(micros(created_at)), prev_hash))


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
    cp.hash = checkpoint_hash(heads=moved, chains=len(current), events=events, created_at=created_at, prev_hash=prev)
    cp.signature = sign(cp.hash)
    cp.save(force_insert=True)
    publication.changed(publication.ANCHORS)
    return cp
