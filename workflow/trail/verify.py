"""Verification of the audit trail: re-hash every event, check every link, head and checkpoint.

On PostgreSQL the events are read with `COPY … TO STDOUT` as the text their hash covers
(`chain.copy_rows`); a large trail is checked by several processes at once (`python -m
workflow.trail.chain`, one range of chains each), all in one snapshot.
"""
from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from dataclasses import dataclass
from itertools import pairwise

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Func, Q, TextField, Value
from django.db.models.functions import Cast, Coalesce
from psycopg.conninfo import make_conninfo

from workflow.models import AuditChain, AuditCheckpoint, AuditEvent, Declaration
from workflow.trail.anchors import Saved, check_saved, signature_valid
from workflow.trail.chain import GENESIS, Run, chain_key, chain_label, check, copy_rows, micros, recorded_heads
from workflow.trail.checkpoints import checkpoint_hash


@dataclass
class Verification:
    ok: bool
    events: int
    chains: int
    checkpoints: int
    message: str
    event_id: int | None = None
    processes: int = 1  # how many processes checked the events
    anchors: int = 0  # saved anchors checked (`verify(anchors=…)`)

    def __str__(self) -> str:
        return self.message


# Below this many events one process checks the trail: starting the others would cost more.
PARALLEL_MIN_EVENTS = 200_000


class _EpochMicros(Func):
    """A timestamp as the decimal text of its integer microseconds since 1970 (exact on PostgreSQL:
    EXTRACT gives numeric), i.e. `str()` of what `event_hash` computes."""

    template = "((EXTRACT(EPOCH FROM %(expressions)s) * 1000000)::bigint)::text"
    output_field = TextField()


def _text(column: str):
    return Coalesce(Cast(column, TextField()), Value(""), output_field=TextField())


def _events():
    return AuditEvent.objects.order_by("declaration_id", "seq")


def _copy_statement(events) -> tuple[str, tuple]:
    """`events` as `chain.check` reads them (`chain.ROW`), as the SQL of a `COPY … TO STDOUT`
    (PostgreSQL), which writes every column as its text: the ids with "" for none, `changed` as
    jsonb's text, the time as `_EpochMicros`."""
    rows = events.annotate(
        _declaration=_text("declaration_id"), _unit=_text("unit_id"), _programme=_text("programme_id"),
        _actor=_text("actor_id"), _micros=_EpochMicros("created_at"),
    ).values_list("id", "seq", "_declaration", "_unit", "_programme", "_actor", "action", "from_state", "to_state",
                  "reason", "changed", "_micros", "request_id", "prev_hash", "hash")
    return rows.query.sql_with_params()


def _stream(events, chunk_size: int) -> Iterator[list[str]]:
    """`events` in chain order as `chain.check` reads them: over COPY on PostgreSQL (in this
    connection's transaction); elsewhere (the SQLite demo) the ORM's values turned into that text.
    Read it in `closing()`: a COPY left open holds the connection (see `chain.copy_rows`)."""
    if connection.vendor == "postgresql":
        connection.ensure_connection()
        with connection.connection.cursor() as cursor:
            yield from copy_rows(cursor, *_copy_statement(events))
        return
    for (pk, seq, declaration_id, unit_id, programme_id, actor_id, action, from_state, to_state, reason, changed,
         created_at, request_id, prev_hash, hash_) in events.values_list(
            "id", "seq", "declaration_id", "unit_id", "programme_id", "actor_id", "action", "from_state", "to_state",
            "reason", "changed", "created_at", "request_id", "prev_hash", "hash").iterator(chunk_size=chunk_size):
        yield [str(pk), str(seq), str(declaration_id or ""), str(unit_id or ""), str(programme_id or ""),
               str(actor_id or ""), action, from_state, to_state, reason,
               changed if isinstance(changed, str) else json.dumps(changed),  # SQLite may hand back text or a value
               str(micros(created_at)), request_id, prev_hash, hash_]


def _ranges(workers: int) -> tuple[int, list[Q]]:
    """The events kept on the rows' heads (every chain's length), and the declarations' chains split
    into at most `workers` ranges of ids holding about as many events each: one statement, which
    sums the chain lengths in id order and starts a range wherever the sum before a chain passes
    another share. The ranges cover every id, so an event whose declaration lost its head is still
    checked; the global chain is not in them."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT share, MIN(id), MAX(total) FROM (SELECT id, (SUM(audit_seq) OVER w - audit_seq) * %s "
            f"/ SUM(audit_seq) OVER () AS share, SUM(audit_seq) OVER () AS total FROM {Declaration._meta.db_table} "
            f"WHERE audit_seq > 0 WINDOW w AS (ORDER BY id)) chains GROUP BY share ORDER BY share",
            [workers],
        )
        shares = cursor.fetchall()
    total = (shares[0][2] if shares else 0) + sum(AuditChain.objects.values_list("seq", flat=True))
    edges = [None, *(low for share, low, _total in shares if share > 0), None]
    ranges = []
    for low, high in pairwise(edges):
        condition = Q(declaration_id__isnull=False)
        if low is not None:
            condition &= Q(declaration_id__gte=low)
        if high is not None:
            condition &= Q(declaration_id__lt=high)
        ranges.append(condition)
    return total, ranges


class _Processes:
    """`chain.check` of ranges of chains, each in a process of its own (`python -m workflow.trail.chain`,
    which imports no Django), all in this transaction's snapshot (PostgreSQL). They start at once;
    `runs()` waits for them, `stop()` ends any still running."""

    def __init__(self, ranges: list[Q], heads_texts: list[str]):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
        conninfo = connection.connection.info.dsn  # without the password, which comes from the settings
        if connection.settings_dict.get("PASSWORD"):
            conninfo = make_conninfo(conninfo, password=connection.settings_dict["PASSWORD"])
        # The checkpoints' heads go as the JSON text the database gave: the processes decode them.
        known = "[" + ",".join(heads_texts) + "]"
        self.processes, jobs, self.pool = [], [], None
        try:
            for condition in ranges:
                sql, params = _copy_statement(_events().filter(condition))
                job = json.dumps({"conninfo": conninfo, "snapshot": snapshot, "sql": sql, "params": list(params)})
                jobs.append(f'{job[:-1]},"known":{known}}}'.encode())  # on stdin: the password never shows in a process list
                self.processes.append(subprocess.Popen([sys.executable, "-m", "workflow.trail.chain"], cwd=settings.BASE_DIR,
                                                       stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE))
            self.pool = ThreadPoolExecutor(len(self.processes))  # each thread feeds and reads its process
            self.outputs = [self.pool.submit(process.communicate, job) for process, job in zip(self.processes, jobs, strict=True)]
        except BaseException:
            self.stop()
            raise

    def runs(self) -> list[Run]:
        """The ranges' runs in chain order, up to the first that found a problem (a later range's
        failure does not hide it, as it would not in one process)."""
        found = []
        for process, output in zip(self.processes, self.outputs, strict=True):
            stdout, stderr = output.result()
            if process.returncode:
                raise RuntimeError(f"审计校验进程失败：{stderr.decode(errors='replace')[-2000:]}")
            run = json.loads(stdout)
            found.append(Run(run["events"], {key: tuple(head) for key, head in run["heads"].items()},
                             tuple(run["problem"]) if run["problem"] else None))
            if found[-1].problem:
                break
        return found

    def stop(self) -> None:
        """End the processes still running and wait for every one (no orphan, no zombie)."""
        for process in self.processes:
            if process.poll() is None:
                process.kill()
        for process in self.processes:
            process.wait()
        if self.pool is not None:
            self.pool.shutdown()


def _check_in_parallel(workers: int, heads_texts: list[str]) -> _Processes | None:
    """The range processes, started, when the trail has `PARALLEL_MIN_EVENTS` events or more."""
    total, ranges = _ranges(workers)
    return _Processes(ranges, heads_texts) if total >= PARALLEL_MIN_EVENTS else None


def _fail(events: int, chains: int, checkpoints: int, message: str, event_id: int | None = None, *,
          processes: int = 1) -> Verification:
    return Verification(False, events, chains, checkpoints, message, event_id, processes)


def verify(*, chunk_size: int = 20_000, workers: int | None = None, anchors: list[Saved] | None = None,
           signing_key: bytes | None = None) -> Verification:
    """Re-hash every event, check every link, head and checkpoint and every checkpoint's
    signature (with `signing_key`, default AUDIT_ANCHOR_KEY); with `anchors` (saved earlier from the
    public column, `anchors.load`), also that every one of them is still in the database as it
    was. First problem wins.

    On PostgreSQL, outside any caller's transaction and from `PARALLEL_MIN_EVENTS` events on,
    `workers` processes (default `settings.AUDIT_VERIFY_WORKERS`) each check a range of chains,
    all in one snapshot, while this one checks the checkpoints, reads the heads and checks the
    global chain; the first problem in chain order still wins.
    """
    workers = settings.AUDIT_VERIFY_WORKERS if workers is None else workers
    snapshot_of_its_own = connection.vendor == "postgresql" and not connection.in_atomic_block
    # Read-only, in one transaction: the heads, checkpoints and events of one instant.
    with transaction.atomic():
        if snapshot_of_its_own:  # one instant for every read below (and every process)
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        saved = list(AuditCheckpoint.objects.order_by("id").annotate(_heads=Cast("heads", TextField())).values_list(
            "pk", "_heads", "chains", "events", "created_at", "prev_hash", "hash", "signature"))
        parallel = None
        try:
            if snapshot_of_its_own and workers > 1:
                parallel = _check_in_parallel(workers, [heads for _pk, heads, *_rest in saved])
            # 1. checkpoints: their own chain, their signatures, then every head they recorded.
            recorded_by_checkpoints = []
            prev = GENESIS
            for checkpoints, (pk, heads_text, chains, count, created_at, prev_hash, hash_, signature) in enumerate(saved, 1):
                heads = json.loads(heads_text)
                expected = checkpoint_hash(heads=heads, chains=chains, events=count, created_at=created_at, prev_hash=prev)
                if prev_hash != prev or hash_ != expected:
                    return _fail(0, 0, checkpoints, f"审计检查点 #{pk} 的哈希或链接不符：检查点被篡改。")
                if not signature:
                    return _fail(0, 0, checkpoints, f"审计检查点 #{pk} 没有签名：检查点被改写，或记录于启用签名之前。")
                if not signature_valid(hash_, signature, key=signing_key):
                    return _fail(0, 0, checkpoints, f"审计检查点 #{pk} 的签名不符：检查点被改写（或 AUDIT_ANCHOR_KEY 不是签名时的密钥）。")
                recorded_by_checkpoints.append(heads)
                prev = hash_
            checkpoints = len(saved)
            known = recorded_heads(recorded_by_checkpoints)
            if anchors:
                contradiction = check_saved(anchors, {pk: (created_at, count, hash_) for pk, _h, _c, count, created_at, _p, hash_, _s in saved})
                if contradiction:
                    return _fail(0, 0, checkpoints, contradiction)

            # The heads kept on the declarations and the global chain row.
            heads_kept = Declaration.objects.filter(audit_seq__gt=0).values_list("id", "audit_seq", "audit_head")
            recorded = {chain_key(pk): (seq, head) for pk, seq, head in heads_kept.iterator(chunk_size=chunk_size)}
            recorded.update({c.key: (c.seq, c.head) for c in AuditChain.objects.filter(seq__gt=0)})

            # 2. every event, chain by chain (in ranges of chains, in order, when in parallel; the
            # global chain, last in chain order as NULLs sort last, here meanwhile).
            if parallel:
                with closing(_stream(_events().filter(declaration_id__isnull=True), chunk_size)) as rows:
                    global_chain = check(rows, known)
                runs, processes = [*parallel.runs(), global_chain], len(parallel.processes)
            else:
                with closing(_stream(_events(), chunk_size)) as rows:
                    runs, processes = [check(rows, known)], 1
        finally:
            if parallel:
                parallel.stop()
        heads: dict[str, tuple[int, str]] = {}
        events = 0
        for run in runs:
            events += run.events
            heads.update(run.heads)
            if run.problem:
                return _fail(events, len(heads), checkpoints, *run.problem, processes=processes)

    # 3. the recorded heads: nothing cut off the end.
    for key, (seq, head) in recorded.items():
        found = heads.get(key)
        if found is None:
            return _fail(events, len(heads), checkpoints, f"{chain_label(key)}的审计事件全部缺失（应有{seq}条）。", processes=processes)
        if found != (seq, head):
            return _fail(events, len(heads), checkpoints,
                         f"{chain_label(key)}的审计事件只剩{found[0]}条，应有{seq}条：末尾事件被删除。", processes=processes)
    for key in heads.keys() - recorded.keys():
        return _fail(events, len(heads), checkpoints, f"{chain_label(key)}的链头记录缺失。", processes=processes)

    # 4. checkpoints: every chain they saw must still reach at least that far.
    for chain, pinned in known.items():
        seq = max(pinned)
        found = heads.get(chain)
        if found is None or found[0] < seq:
            return _fail(events, len(heads), checkpoints,
                         f"检查点记录的{chain_label(chain)}（{seq}条）已不完整：整条链被删除或截断。", processes=processes)
    checked = len(anchors or ())
    also = f"，并与{checked}个已保存的锚点一致" if checked else ""
    return Verification(True, events, len(heads), checkpoints,
                        f"OK：{events}条审计事件、{len(heads)}条链、{checkpoints}个检查点（签名有效）校验通过{also}。",
                        processes=processes, anchors=checked)
