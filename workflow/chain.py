"""The audit trail's hash chains in plain Python: what an event's hash covers, and how a run of
events (whole chains, in chain order) is checked.

Nothing here imports Django, so the processes `workflow.audit.verify` starts to check a large
trail in parallel (`python -m workflow.chain`, one range of chains each) import this module
alone. `workflow.audit` writes the events and puts the runs together (checkpoints, heads kept
on the rows).
"""
from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field

GENESIS = "0" * 64
GLOBAL = "global"

# One encoder for every hash: `json.dumps` with these options would build a new one per call.
canonical_json = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode


def chain_key(declaration_id) -> str:
    return f"d:{declaration_id}" if declaration_id else GLOBAL


def chain_label(key: str) -> str:
    return "全局链" if key == GLOBAL else f"申报 #{key[2:]} 的审计链"


def digest(chain, seq, declaration_id, unit_id, programme_id, actor_id, action, from_state, to_state, reason,
           changed_json, micros, request_id, prev_hash) -> str:
    """The one definition of what an event's hash covers (positional: `check` calls it per row)."""
    payload = "\x1f".join((
        chain, str(seq), str(declaration_id or ""), str(unit_id or ""), str(programme_id or ""),
        str(actor_id or ""), action, from_state, to_state, reason, changed_json, str(micros), request_id, prev_hash,
    ))
    return hashlib.sha256(payload.encode()).hexdigest()


@dataclass
class Run:
    """What checking a run of chains found: its events, each chain's (last seq, last hash) and
    the first problem (message, event id), if any — the run stops there."""

    events: int = 0
    heads: dict[str, tuple[int, str]] = field(default_factory=dict)
    problem: tuple[str, int | None] | None = None


def check(rows: Iterable[tuple], known: dict[str, list]) -> Run:
    """Re-hash every event of `rows` and check every link; `known` holds the checkpoints' heads.

    `rows`: (id, seq, declaration_id, unit_id, programme_id, actor_id, action, from_state,
    to_state, reason, changed as JSON text, created_at as micros, request_id, prev_hash, hash),
    ordered by declaration, then seq.
    """
    run = Run()
    heads = run.heads
    events = 0
    current, current_decl, expected_seq, prev_hash, prev_pk, cp_head = None, None, 1, GENESIS, None, None
    loads, encode = json.loads, canonical_json
    for (pk, seq, decl_id, unit_id, prog_id, actor_id, action, from_s, to_s, reason,
         changed_text, micros, request_id, stored_prev, stored_hash) in rows:
        if decl_id != current_decl or current is None:
            key = chain_key(decl_id)
            if current is not None:
                heads[current] = (expected_seq - 1, prev_hash)
            current, current_decl, expected_seq, prev_hash, prev_pk = key, decl_id, 1, GENESIS, None
            cp_head = known.get(key)
        events += 1
        problem = None
        if seq != expected_seq:
            problem = (f"审计事件 #{pk}（{chain_label(key)}第{seq}条）之前缺少第{expected_seq}条：事件被删除。", pk)
        elif stored_prev != prev_hash:
            culprit = prev_pk or pk
            problem = (f"审计事件 #{culprit}（{chain_label(key)}第{seq - 1}条）被改动："
                       f"其后一条事件 #{pk} 记录的前序哈希与之不符。", culprit)
        elif digest(key, seq, decl_id, unit_id, prog_id, actor_id, action, from_s, to_s, reason,
                    encode(loads(changed_text)), micros, request_id, stored_prev) != stored_hash:
            problem = (f"审计事件 #{pk}（{chain_label(key)}第{seq}条，操作 {action}）的内容与哈希不符：该事件被改动。", pk)
        elif cp_head and cp_head[0] == seq and cp_head[1] != stored_hash:
            problem = (f"审计事件 #{pk}（{chain_label(key)}第{seq}条）与检查点记录的哈希不符：该事件被替换。", pk)
        if problem:
            run.events, run.problem = events, problem
            return run
        expected_seq, prev_hash, prev_pk = seq + 1, stored_hash, pk
    if current is not None:
        heads[current] = (expected_seq - 1, prev_hash)
    run.events = events
    return run


def check_range(conninfo: str, snapshot: str, sql: str, params: tuple, known: dict[str, list], chunk_size: int) -> Run:
    """A verification process's work (PostgreSQL): `check` the rows of `sql` in the snapshot the
    calling transaction exported, so every process sees the same trail at the same instant."""
    import psycopg
    from psycopg import sql as pgsql

    with psycopg.connect(conninfo) as conn:
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        conn.execute(pgsql.SQL("SET TRANSACTION SNAPSHOT {}").format(pgsql.Literal(snapshot)))
        with conn.cursor(name="audit_verify_range") as cursor:
            cursor.itersize = chunk_size
            cursor.execute(sql, params)
            return check(cursor, known)


def main() -> None:
    """`python -m workflow.chain`: a JSON job on stdin (conninfo, snapshot, sql, params, known,
    chunk_size: see `check_range`), the `Run` as JSON on stdout."""
    job = json.load(sys.stdin)
    run = check_range(job["conninfo"], job["snapshot"], job["sql"], tuple(job["params"]), job["known"], job["chunk_size"])
    json.dump({"events": run.events, "heads": run.heads, "problem": run.problem}, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main()
