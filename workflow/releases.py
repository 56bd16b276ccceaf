"""Releasing the assessment results (第N次发布), and reading what was released (issue 17).

Releasing freezes a snapshot in an `AssessmentRelease` row that is never edited: every unit's
total, rank, points and basis (`Scoreboard.as_dict`), the audit events behind each point (time,
action, who, reason) and the snapshot's digest. What a unit's people see (pages and API) and
what the public column shows is the latest release, never a live computation; the office and
the assessors see the live scoreboard beside it. A later evaluation changes nothing released:
it goes into the next release, which the office makes explicitly, after a confirmation page
that says how many units are not yet evaluated. From the second release on, each release
records which units' scores changed and why (`changes_between`).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from policies.models import Programme
from units.models import Unit
from workflow import audit, notify, publication
from workflow.actions import EVENT_LABELS
from workflow.assessment import Scoreboard, assess_programme
from workflow.errors import NotFound, PermissionRefused, TransitionConflict
from workflow.models import AssessmentRelease, AuditEvent, State
from workflow.permissions import is_office, may_release
from workflow.selectors import units_of

RELEASE_ACTION = "release_results"
NOT_RELEASED = "区政务公开办尚未发布本年度考核结果。"
MAY_NOT_RELEASE = "只有区政务公开办审核或统筹人员可以发布考核结果。"


# ------------------------------------------------------------------ releasing (service)

@dataclass(frozen=True)
class Preview:
    """What the confirmation page shows before the office releases."""

    number: int  # the number this release would get (1 for the first)
    board: Scoreboard  # the live scoreboard that would be frozen
    digest: str
    not_evaluated: int  # units whose declaration is not evaluated yet, those without one included
    not_declared: int
    changes: list[dict]  # against the latest release (`changes_between`); empty for the first
    unchanged: bool  # the same scores as the latest release: there is nothing new to release

    @property
    def units(self) -> int:
        return len(self.board.units)


def _counts(board: Scoreboard) -> tuple[int, int]:
    """(not evaluated, not declared) among the board's units."""
    not_declared = sum(1 for row in board.units if not row.declaration_id)
    return sum(1 for row in board.units if row.state != State.EVALUATED), not_declared


def release_preview(*, programme: Programme, by) -> Preview:
    """What releasing now would freeze, for the confirmation page (office reviewer or scheduler)."""
    if not may_release(by):
        raise PermissionRefused(MAY_NOT_RELEASE)
    return _preview(programme, latest_release(programme))


def _preview(programme: Programme, latest: AssessmentRelease | None) -> Preview:
    board = assess_programme(programme)
    digest = board.digest()
    not_evaluated, not_declared = _counts(board)
    changes = changes_between(latest.board, board.as_dict()) if latest else []
    return Preview(
        number=(latest.number + 1) if latest else 1, board=board, digest=digest, not_evaluated=not_evaluated,
        not_declared=not_declared, changes=changes, unchanged=bool(latest and latest.digest == digest),
    )


def assessment_release(
    *, programme: Programme, by, expected_digest: str | None = None, now: dt.datetime | None = None,
) -> AssessmentRelease:
    """The office (reviewer or scheduler) releases the results as they stand: the next release.

    `expected_digest` is the digest the confirmation page showed: if the scores changed since
    (an evaluation meanwhile), nothing is released and the office confirms again. When nothing
    changed since the latest release, that release is returned and nothing new is made (a second
    click is harmless). Audited on the global chain with the number, the digest and every unit's
    total; the public column's results page changes on commit.
    """
    if not may_release(by):
        raise PermissionRefused(MAY_NOT_RELEASE)
    with transaction.atomic():
        locked = Programme.objects.select_for_update().get(pk=programme.pk)  # one release at a time
        latest = latest_release(locked)
        preview = _preview(locked, latest)
        if expected_digest is not None and expected_digest != preview.digest:
            if latest is not None and expected_digest == latest.digest:
                return latest  # confirmed what is already released (a second click)
            raise TransitionConflict("确认发布后考核结果又有变化（例如新的评估打分），请重新核对后再发布。")
        if preview.unchanged:
            return latest
        at = now or timezone.now()
        board = preview.board.as_dict()
        event = audit.record(
            action=RELEASE_ACTION, actor=by, programme=locked, at=at,
            changed={
                "number": preview.number, "results_released_at": [locked.results_released_at, at],
                "digest": preview.digest, "totals": {row["unit"]["code"]: f"{row['total']:.2f}" for row in board["units"]},
            },
        )
        release = AssessmentRelease.objects.create(
            programme=locked, number=preview.number, released_at=at, released_by=by, digest=preview.digest,
            board=board, events=_events_behind(board), changes=preview.changes, units=preview.units,
            not_evaluated=preview.not_evaluated, audit_event=event,
        )
        locked.results_released_at = at
        locked.save(update_fields=["results_released_at"])
        publication.changed(publication.results(locked.code))
        notify.results_released(locked, number=release.number, by=by)
    programme.results_released_at = at
    return release


def _events_behind(board: dict) -> dict[str, dict]:
    """The audit events behind the board's points, as readers see them (one query)."""
    ids = {pk for row in board["units"] for item in row["indicators"] for pk in item["event_ids"]}
    events = AuditEvent.objects.filter(pk__in=ids).select_related("actor").order_by("pk")
    return {
        str(e.pk): {
            "id": e.pk, "at": e.created_at.isoformat(), "action": e.action, "label": EVENT_LABELS.get(e.action, e.action),
            "actor": (e.actor.first_name or e.actor.username) if e.actor else "系统", "reason": e.reason,
        }
        for e in events
    }


def changes_between(before: dict, after: dict) -> list[dict]:
    """Which units' scores differ between two boards (`Scoreboard.as_dict`), and why: the
    indicators whose points moved, each with its new basis and the events behind its new points."""
    old = {row["unit"]["code"]: row for row in before["units"]}
    changes = []
    for row in after["units"]:
        code = row["unit"]["code"]
        was = old.get(code)
        earlier = {item["code"]: item for item in was["indicators"]} if was else {}
        moved = [
            {"code": item["code"], "label": item["label"], "before": earlier[item["code"]]["points"] if item["code"] in earlier else None,
             "after": item["points"], "basis": item["basis"], "event_ids": item["event_ids"]}
            for item in row["indicators"]
            if item["code"] not in earlier or earlier[item["code"]]["points"] != item["points"]
        ]
        if moved or not was or was["total"] != row["total"]:
            changes.append({
                "unit": code, "unit_name": row["unit"]["name"], "before": was["total"] if was else None,
                "after": row["total"], "rank_before": was["rank"] if was else None, "rank_after": row["rank"],
                "indicators": moved,
            })
    return changes


# ------------------------------------------------------------------ reading (selectors)

def latest_release(programme: Programme) -> AssessmentRelease | None:
    return AssessmentRelease.objects.filter(programme=programme).order_by("-number").first()


def release_history(user, programme: Programme) -> list[dict]:
    """Every release, oldest first, with the changes `user` may see: the office every unit's, a
    unit's people their own units' only. Nothing for anybody else."""
    mine = _own_unit_codes(user)
    if mine is None and not is_office(user):
        return []
    rows = []
    for release in AssessmentRelease.objects.filter(programme=programme).select_related("released_by").defer("board", "events").order_by("number"):
        changes = release.changes if mine is None else [c for c in release.changes if c["unit"] in mine]
        rows.append({
            "number": release.number, "released_at": release.released_at, "digest": release.digest,
            "released_by": release.released_by.first_name or release.released_by.username,
            "units": release.units, "not_evaluated": release.not_evaluated, "changes": changes,
        })
    return rows


def _own_unit_codes(user) -> set[str] | None:
    """The codes of the units of a unit person; None for the office (who sees every unit)."""
    if not (user and user.is_authenticated and user.is_active) or is_office(user):
        return None
    return set(units_of(user).values_list("code", flat=True)) or None


def release_meta(release: AssessmentRelease) -> dict:
    return {"number": release.number, "released_at": release.released_at.isoformat(), "digest": release.digest}


# One answer for a unit that does not exist and a unit the person may not see.
UNIT_NOT_FOUND = "未找到该单位的考核结果，或您无权查看。"


def assessment_for(user, programme: Programme, unit: Unit | int | None = None) -> dict:
    """What `user` may see of the programme's assessment, as `Scoreboard.as_dict()` plus
    `release` (the release read, or the latest one beside a live board) and `live`.

    Office people and assessors: the live scoreboard of every unit (or just `unit`). A unit's
    people: their own unit(s) in the latest release, and only once there is one. Anything else —
    another unit, an unknown unit, before the first release — is NotFound (404), like every
    object one may not see.
    """
    if not (user and user.is_authenticated and user.is_active):
        raise NotFound()
    unit_id = unit.pk if isinstance(unit, Unit) else unit
    if unit_id is not None:
        try:
            unit_id = int(unit_id)
        except (TypeError, ValueError):
            raise NotFound() from None
    latest = latest_release(programme)
    if is_office(user):
        board = assess_programme(programme).as_dict()
        board.update(release=release_meta(latest) if latest else None, live=True)
        wanted = None if unit_id is None else {unit_id}
    else:
        mine = set(units_of(user).values_list("pk", flat=True))
        if unit_id is not None and unit_id not in mine:
            raise NotFound(UNIT_NOT_FOUND)
        if not mine:
            raise NotFound()
        if latest is None:
            raise NotFound(NOT_RELEASED)
        board = dict(latest.board, release=release_meta(latest), live=False)
        wanted = mine if unit_id is None else {unit_id}
    if wanted is None:
        return board
    rows = [row for row in board["units"] if row["unit"]["id"] in wanted]
    if not rows:
        raise NotFound(UNIT_NOT_FOUND)
    return dict(board, units=rows)


def events_for(user, programme: Programme, row: dict) -> dict[int, dict]:
    """The audit events behind one row of what `assessment_for` gave `user`, by id, each with its
    time as a datetime: as released (the release's copy) for a unit's people, as they are now for
    the office beside the live board."""
    if is_office(user):
        events = _events_behind({"units": [row]})
    else:
        latest = latest_release(programme)
        events = latest.events if latest else {}
    ids = {pk for item in row["indicators"] for pk in item["event_ids"]}
    return {pk: dict(events[str(pk)], at=dt.datetime.fromisoformat(events[str(pk)]["at"])) for pk in sorted(ids) if str(pk) in events}
