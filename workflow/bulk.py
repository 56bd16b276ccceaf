"""In bulk (批量操作): approve or return several declarations, 催报 several units, at once (issue 21).

Each item goes through the same service as one at a time (`services.declaration_approve`,
`declaration_return`, `unit_urge`), each in its own transaction: one refusal — the state moved,
separation of duties, today's 催报 already sent — is that item's outcome in Chinese and undoes
nothing of the others. An id the person may not see answers exactly as a missing one.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from policies.models import Programme
from workflow import services
from workflow.actions import ACTIONS, Action
from workflow.errors import NotFound, RuleViolation, ServiceError
from workflow.permissions import authorize
from workflow.selectors import declarations_visible_to, units_expected_to_declare

if TYPE_CHECKING:
    from django.contrib.auth.models import User

LIMIT = 200  # ids per request: a programme has about one declaration per unit
DONE = "成功"
UNIT_NOT_FOUND = "未找到该单位。"
REVIEW_ACTIONS = (Action.APPROVE, Action.RETURN)


@dataclass(frozen=True)
class Outcome:
    """One item's result: its id, what it is (unit and theme, only when the person may see it),
    and 成功 or the refusal's Chinese message."""

    id: int
    label: str
    ok: bool
    message: str


def clean_ids(raw, *, field: str = "ids", noun: str = "申报") -> list[int]:
    """The ids asked for, as whole numbers in the order given, each once; RuleViolation otherwise."""
    if isinstance(raw, (str, bytes)) or not isinstance(raw, Iterable):
        raise RuleViolation.single(field, f"请以列表形式提供要处理的{noun}编号。", "ids_invalid")
    ids = []
    for value in raw:
        if isinstance(value, bool):
            raise RuleViolation.single(field, f"{noun}编号须为整数。", "ids_invalid")
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise RuleViolation.single(field, f"{noun}编号须为整数。", "ids_invalid") from None
        if isinstance(value, float) and value != number:
            raise RuleViolation.single(field, f"{noun}编号须为整数。", "ids_invalid")
        ids.append(number)
    ids = list(dict.fromkeys(ids))
    if not ids:
        raise RuleViolation.single(field, f"请至少选择一项{noun}。", "ids_required")
    if len(ids) > LIMIT:
        raise RuleViolation.single(field, f"一次最多处理{LIMIT}项{noun}，本次选择了{len(ids)}项，请分批操作。", "ids_too_many")
    return ids


def review(*, ids, by: User, action: Action, reason: str = "") -> list[Outcome]:
    """批量审核: approve, or return with one reason, each declaration of `ids` through its service.

    Refused at once (nothing done): someone who may not review at all (403), ids that are not a
    list of at most LIMIT whole numbers, a return without a reason (400).
    """
    if action not in REVIEW_ACTIONS:
        raise ValueError(action)
    authorize(by, action)
    ids = clean_ids(ids)
    reason = (reason or "").strip()
    if action == Action.RETURN:
        problems = services.reason_problems(reason, ACTIONS[action])
        if problems:
            raise RuleViolation(problems)
    labels = {d.pk: f"{d.unit.name}《{d.theme or '（未填主题）'}》"
              for d in declarations_visible_to(by).filter(pk__in=ids).only("pk", "theme", "state", "programme", "unit__name")}
    outcomes = []
    for pk in ids:
        try:
            if action == Action.APPROVE:
                services.declaration_approve(declaration=pk, by=by)
            else:
                services.declaration_return(declaration=pk, by=by, reason=reason)
        except ServiceError as refused:
            outcomes.append(Outcome(pk, labels.get(pk, "") if not isinstance(refused, NotFound) else "", False,
                                    NotFound().message if isinstance(refused, NotFound) else refused.message))
        else:
            outcomes.append(Outcome(pk, labels.get(pk, ""), True, DONE))
    return outcomes


def urge(*, unit_ids, by: User, programme: Programme) -> list[Outcome]:
    """批量催报: remind each unit of `unit_ids` that is on the dashboard's 催报 list; once per unit
    and day, a second 催报 today is that unit's refusal."""
    authorize(by, Action.URGE)
    ids = clean_ids(unit_ids, field="units", noun="单位")
    units = {unit.pk: unit for unit in units_expected_to_declare().filter(pk__in=ids)}
    outcomes = []
    for pk in ids:
        unit = units.get(pk)
        if unit is None:
            outcomes.append(Outcome(pk, "", False, UNIT_NOT_FOUND))
            continue
        try:
            told = services.unit_urge(programme=programme, unit=unit, by=by)
        except ServiceError as refused:
            outcomes.append(Outcome(pk, unit.name, False, refused.message))
        else:
            outcomes.append(Outcome(pk, unit.name, True, f"{DONE}（{told}人已收到消息）"))
    return outcomes


def summary(outcomes: list[Outcome]) -> str:
    done = sum(o.ok for o in outcomes)
    return f"共{len(outcomes)}项：成功{done}项，未成功{len(outcomes) - done}项。"

