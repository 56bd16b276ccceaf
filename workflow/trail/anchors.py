"""Audit anchors: checkpoints signed with a key kept outside the database, published on the
public column, and checked against copies saved earlier (issue 19).

A database superuser can re-hash a chain and rewrite the checkpoints so that the trail checks
out again: the checkpoints live in the same database as what they protect. Two things stop it:

- every checkpoint is signed, HMAC-SHA256 of its hash with AUDIT_ANCHOR_KEY, a key that lives in
  the servers' environment, never in the database: `verify` refuses a checkpoint whose signature
  is missing or wrong, so a forger without the key is found;
- the public column publishes every checkpoint (`/gongkai/audit-anchors/` and its JSON) and keeps
  them forever; anyone who saved them checks the trail against the copy later
  (`verify_audit --anchors FILE`): a tampered, removed or re-hashed event before a saved anchor is
  found even by someone who also holds the key.

A checkpoint's hash covers the chain heads that moved since the previous checkpoint and the
previous checkpoint's hash: it stands for every chain head known at that moment.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from dataclasses import dataclass

from django.conf import settings

from workflow.models import AuditCheckpoint
from workflow.trail.chain import micros

ALGORITHM = "HMAC-SHA256"
FIELDS = ("id", "created_at", "events", "chains", "hash", "prev_hash", "signature")


def anchor_key() -> bytes:
    """AUDIT_ANCHOR_KEY from the settings (the environment; `config.settings` refuses to start
    without it when DEBUG is off)."""
    return settings.AUDIT_ANCHOR_KEY.encode()


def sign(checkpoint_hash: str, *, key: bytes | None = None) -> str:
    return hmac.new(anchor_key() if key is None else key, checkpoint_hash.encode(), hashlib.sha256).hexdigest()


def signature_valid(checkpoint_hash: str, signature: str, *, key: bytes | None = None) -> bool:
    return bool(signature) and hmac.compare_digest(sign(checkpoint_hash, key=key), signature)


def anchor(cp: AuditCheckpoint) -> dict:
    """One checkpoint as the public column publishes it."""
    return {
        "id": cp.pk, "created_at": cp.created_at.isoformat(), "events": cp.events, "chains": cp.chains,
        "hash": cp.hash, "prev_hash": cp.prev_hash, "signature": cp.signature,
    }


def document(anchors: list[dict]) -> dict:
    """The published JSON: every anchor, oldest first, and how to read it."""
    return {
        "title": "审计日志锚点（检查点）",
        "algorithm": ALGORITHM,
        "description": (
            "每个检查点的 hash 覆盖自上一个检查点以来变动的全部审计链链头及上一个检查点的 hash，"
            "signature 为以服务器环境中的密钥（AUDIT_ANCHOR_KEY，不在数据库中）对 hash 计算的 HMAC-SHA256。"
            "请保存本文件；日后可用 manage.py verify_audit --anchors 文件名 核对审计日志在这些锚点之前未被改写。"
        ),
        "anchors": anchors,
    }


class AnchorFileError(ValueError):
    """A saved anchors file that cannot be read; the message says why, in Chinese."""


@dataclass(frozen=True)
class Saved:
    id: int
    created_at: str
    events: int
    hash: str


def load(text: str) -> list[Saved]:
    """The anchors of a saved file: the published JSON document, or its list of anchors."""
    try:
        data = json.loads(text)
    except ValueError as error:
        raise AnchorFileError(f"锚点文件不是有效的 JSON：{error}") from None
    items = data.get("anchors") if isinstance(data, dict) else data
    if not isinstance(items, list) or not items:
        raise AnchorFileError("锚点文件中没有锚点：应为 /gongkai/audit-anchors.json 保存下来的内容。")
    saved = []
    for position, item in enumerate(items, start=1):
        try:
            saved.append(Saved(int(item["id"]), str(item["created_at"]), int(item["events"]), str(item["hash"])))
        except (KeyError, TypeError, ValueError):
            raise AnchorFileError(f"锚点文件第{position}个锚点缺少 id、created_at、events 或 hash。") from None
    return saved


def check_saved(saved: list[Saved], checkpoints: dict[int, tuple]) -> str | None:
    """The first saved anchor the database's checkpoints contradict, as a Chinese message.

    `checkpoints`: {id: (created_at, events, hash)} as stored (the caller checked their chain and
    signatures). A saved anchor whose checkpoint is missing or differs means the trail before it
    was rewritten, whatever the signatures say.
    """
    for item in saved:
        stored = checkpoints.get(item.id)
        label = f"已保存的锚点 #{item.id}（{item.created_at}，{item.events}条事件）"
        if stored is None:
            return f"{label}在数据库中已不存在：检查点被删除，审计日志被改写。"
        created_at, events, hash_ = stored
        try:
            same_time = micros(dt.datetime.fromisoformat(item.created_at)) == micros(created_at)
        except ValueError:
            same_time = False
        if hash_ != item.hash or events != item.events or not same_time:
            return f"{label}与数据库中的检查点不符：该锚点之前的审计日志或检查点被改写。"
    return None
