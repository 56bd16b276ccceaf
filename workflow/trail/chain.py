"""The audit trail's hash chains in plain Python: what an event's hash covers, and how a run of
events (whole chains, in chain order) is checked.

Nothing here imports Django, so the processes `workflow.trail.verify` starts to check a large
trail in parallel (`python -m workflow.trail.chain`, one range of chains each) import this module
alone. `workflow.audit` writes the events; `workflow.trail.verify` puts the runs together
(checkpoints, heads kept on the rows).

The checker reads each event as the text of its fields (`ROW`): on PostgreSQL straight from
`COPY … TO STDOUT` (`copy_rows`), one split per event, with no driver conversion per column.
An event's hash covers the text of its fields anyway, so nothing is converted but the sequence
number and, for a problem, the event's id.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import sys
from collections.abc import Iterable, Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass, field

import psycopg
from psycopg import sql as pgsql

GENESIS = "0" * 64
GLOBAL = "global"
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_MICRO = dt.timedelta(microseconds=1)

# What an event's hash covers, in this order: each field as text ("" for none), joined by U+001F.
HASHED = ("chain", "seq", "declaration_id", "unit_id", "programme_id", "actor_id", "action", "from_state", "to_state",
          "reason", "changed", "micros", "request_id", "prev_hash")
# An event as `check` reads it: its id, the hashed fields after the chain (`changed` as JSON text
# in any key order and spacing: it is re-encoded canonically here), then its stored hash.
ROW = ("id", *HASHED[1:], "hash")
_CHANGED, _PREV, _HASH = ROW.index("changed"), ROW.index("prev_hash"), ROW.index("hash")


def micros(at: dt.datetime) -> int:
    """The time an event's hash covers: integer microseconds since 1970 (`_EpochMicros` in SQL)."""
    return (at - _EPOCH) // _MICRO


def _canonical_encoder():
    """`json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))`.

    `JSONEncoder.encode` builds CPython's C encoder anew on every call; this builds it once (no circular-reference check: the values come from
    `json` or `audit.jsonable`, never cyclic). Where that C encoder is missing, or answers
    differently on the probe below, the public encoder is used.
    """
    public = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    try:
        from json.encoder import c_make_encoder, encode_basestring

        made = c_make_encoder(None, public.default, encode_basestring, None, ":", ",", True, False, True)

        def encode(value) -> str:
            return "".join(made(value, 0))

        probe = {"b": [1, 2.5, None, True, "引号\"\\\n\x1f"], "a": {"é": -0.1, "Z": 10**20}, "": []}
        if encode(probe) == public.encode(probe):
            return encode
    except Exception:  # noqa: BLE001 — any surprise from a private API means: use the public one
        pass
    return public.encode


# The one canonical JSON every hash covers (events, checkpoints, scoreboard digests).
canonical_json = _canonical_encoder()
_decode = json.JSONDecoder().raw_decode


def canonical_text(text: str) -> str:
    """JSON `text` (PostgreSQL's jsonb text, or any other) re-encoded as `canonical_json`."""
    try:
        value, end = _decode(text)  # one document and nothing around it, as PostgreSQL writes jsonb
    except ValueError:
        end = -1
    if end != len(text):
        value = json.loads(text)  # surrounding space; or the error it deserves
    return canonical_json(value)


def digest_of(fields: Sequence[str]) -> str:
    """The hash of `fields` (text) joined by U+001F: an event's `HASHED` fields, or a checkpoint's."""
    return hashlib.sha256("\x1f".join(fields).encode()).hexdigest()


def digest(chain, seq, declaration_id, unit_id, programme_id, actor_id, action, from_state, to_state, reason,
           changed_json, micros, request_id, prev_hash) -> str:
    """`digest_of` for the writer's values (`None` for none)."""
    return digest_of((
        chain, str(seq), str(declaration_id or ""), str(unit_id or ""), str(programme_id or ""),
        str(actor_id or ""), action, from_state, to_state, reason, changed_json, str(micros), request_id, prev_hash,
    ))


def chain_key(declaration_id) -> str:
    return f"d:{declaration_id}" if declaration_id else GLOBAL


def chain_label(key: str) -> str:
    return "全局链" if key == GLOBAL else f"申报 #{key[2:]} 的审计链"


@dataclass
class Run:
    """What checking a run of chains found: its events, each chain's (last seq, last hash) and
    the first problem (message, event id), if any — the run stops there."""

    events: int = 0
    heads: dict[str, tuple[int, str]] = field(default_factory=dict)
    problem: tuple[str, int | None] | None = None


def recorded_heads(checkpoints_heads: Iterable[dict]) -> dict[str, dict[int, str]]:
    """Every head the checkpoints recorded, chain by chain: {chain: {seq: hash}}, from each
    checkpoint's `heads` ({chain: [seq, hash]}), oldest first. Every one is checked, not only each
    chain's last: a checkpoint published long ago still pins the events up to its heads even if
    every later checkpoint were rewritten."""
    known: dict[str, dict[int, str]] = {}
    for heads in checkpoints_heads:
        for key, (seq, hash_) in heads.items():
            known.setdefault(key, {})[int(seq)] = hash_
    return known


def check(rows: Iterable[list[str]], known: dict[str, dict[int, str]]) -> Run:
    """Re-hash every event of `rows` and check every link; `known` holds the checkpoints' heads
    (`recorded_heads`).

    `rows`: lists of text in `ROW` order, ordered by declaration (the global chain's "" last),
    then seq. Each list is reused: it becomes the event's `HASHED` fields.
    """
    run = Run()
    heads = run.heads
    events = 0
    current, current_decl, expected_seq, prev_hash, prev_pk, cp_heads = None, None, 1, GENESIS, None, None
    canonical, hashed = canonical_text, len(HASHED)
    for row in rows:
        decl = row[2]
        if decl != current_decl or current is None:
            if current is not None:
                heads[current] = (expected_seq - 1, prev_hash)
            current, current_decl, expected_seq, prev_hash, prev_pk = chain_key(decl), decl, 1, GENESIS, None
            cp_heads = known.get(current)
        events += 1
        pk, seq, stored_prev, stored_hash = row[0], int(row[1]), row[_PREV], row[_HASH]
        problem = None
        if seq != expected_seq:
            problem = (f"审计事件 #{pk}（{chain_label(current)}第{seq}条）之前缺少第{expected_seq}条：事件被删除。", pk)
        elif stored_prev != prev_hash:
            culprit = prev_pk or pk
            problem = (f"审计事件 #{culprit}（{chain_label(current)}第{seq - 1}条）被改动："
                       f"其后一条事件 #{pk} 记录的前序哈希与之不符。", culprit)
        else:
            row[0], row[_CHANGED] = current, canonical(row[_CHANGED])
            if digest_of(row[:hashed]) != stored_hash:
                problem = (f"审计事件 #{pk}（{chain_label(current)}第{seq}条，操作 {row[6]}）的内容与哈希不符："
                           "该事件被改动。", pk)
            elif cp_heads and (pinned := cp_heads.get(seq)) is not None and pinned != stored_hash:
                problem = (f"审计事件 #{pk}（{chain_label(current)}第{seq}条）与检查点记录的哈希不符：该事件被替换。", pk)
        if problem:
            run.events, run.problem = events, (problem[0], int(problem[1]))
            return run
        expected_seq, prev_hash, prev_pk = seq + 1, stored_hash, pk
    if current is not None:
        heads[current] = (expected_seq - 1, prev_hash)
    run.events = events
    return run


# COPY's text format: a backslash escapes itself, the field and row separators and the ASCII controls.
_COPY_ESCAPE = re.compile(r"\\(.)")
_COPY_CODES = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v"}


def _copy_field(text: str) -> str:
    return _COPY_ESCAPE.sub(lambda m: _COPY_CODES.get(m[1], m[1]), text)


def copy_rows(cursor, sql: str, params: Sequence) -> Iterator[list[str]]:
    """The rows of `sql` (a psycopg cursor's connection; every column text and never NULL) as lists
    of their fields' text, over `COPY … TO STDOUT`: PostgreSQL sends one row per message, and a row
    holds no backslash unless one of its fields had to be escaped.

    Read it in `closing()`: while the COPY runs, psycopg holds the connection, so an exception
    raised by the reader, whose traceback keeps this generator alive, would leave the connection
    locked for its own transaction's rollback. Closed early (the check stopped at a problem), the
    COPY is still read to its end: stopping it would cancel the statement and abort the
    transaction it runs in (the caller's, maybe).
    """
    with cursor.copy(f"COPY ({sql}) TO STDOUT", params) as copy:
        read = copy.read
        try:
            while data := read():
                line = bytes(data)[:-1].decode()
                if "\\" in line:
                    yield [_copy_field(text) for text in line.split("\t")]
                else:
                    yield line.split("\t")
        except GeneratorExit:
            while read():
                pass
            raise


def check_range(conninfo: str, snapshot: str, sql: str, params: tuple, known: dict[str, dict[int, str]]) -> Run:
    """A verification process's work (PostgreSQL): `check` the rows of `sql` in the snapshot the
    calling transaction exported, so every process sees the same trail at the same instant."""
    with psycopg.connect(conninfo) as conn:
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        conn.execute(pgsql.SQL("SET TRANSACTION SNAPSHOT {}").format(pgsql.Literal(snapshot)))
        with conn.cursor() as cursor, closing(copy_rows(cursor, sql, params)) as rows:
            return check(rows, known)


def main() -> None:
    """`python -m workflow.trail.chain`: a JSON job on stdin (conninfo, snapshot, sql, params: see
    `check_range`; known: the checkpoints' heads, oldest first), the `Run` as JSON on stdout."""
    job = json.load(sys.stdin)
    known = recorded_heads(job["known"])
    run = check_range(job["conninfo"], job["snapshot"], job["sql"], tuple(job["params"]), known)
    json.dump({"events": run.events, "heads": run.heads, "problem": run.problem}, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main()
