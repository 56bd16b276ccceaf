"""The one place that answers "may this person do X to this declaration?".

Unit roles are guardian object permissions on the declaration's `Unit`, held through
the unit's role groups; office roles are global permissions held through the office
groups (units.roles). Every service calls `authorize`; pages and the API call `can`
to decide what to show. Order of refusals: not visible → NotFound (404), visible but
not your role → PermissionRefused (403); the state is the service's business (409).
"""
from __future__ import annotations

from enum import StrEnum

from guardian.core import ObjectPermissionChecker

from units.models import Unit
from units.roles import PERM_OPERATE, PERM_SEAL
from workflow.errors import NotFound, PermissionRefused
from workflow.models import Declaration


class Action(StrEnum):
    VIEW = "view"
    CREATE = "create"
    EDIT = "edit"
    SUBMIT = "submit"
    WITHDRAW = "withdraw"
    RETURN = "return"
    APPROVE = "approve"
    SCHEDULE = "schedule"
    RESCHEDULE = "reschedule"
    HOLD = "hold"
    UPLOAD_EVIDENCE = "upload_evidence"
    SUMMARIZE = "summarize"
    MARK_EXEMPLARY = "mark_exemplary"
    EVALUATE = "evaluate"
    CANCEL = "cancel"
    EXTEND = "grant_extension"
    URGE = "urge"


ACTION_LABELS: dict[str, str] = {
    Action.VIEW: "查看", Action.CREATE: "填报", Action.EDIT: "修改", Action.SUBMIT: "盖章报送",
    Action.WITHDRAW: "撤回", Action.RETURN: "退回", Action.APPROVE: "审核通过",
    Action.SCHEDULE: "排期", Action.RESCHEDULE: "调整排期", Action.HOLD: "登记举办",
    Action.UPLOAD_EVIDENCE: "上传举办证据",
    Action.SUMMARIZE: "提交总结", Action.MARK_EXEMPLARY: "认定典型经验", Action.EVALUATE: "评估打分",
    Action.CANCEL: "取消", Action.EXTEND: "批准延期", Action.URGE: "催报催办",
}

# Every action an audit event may carry, in Chinese (history timeline, audit search, exports).
EVENT_LABELS: dict[str, str] = {
    **{str(k): v for k, v in ACTION_LABELS.items()}, "create": "填报", "send_back": "退回填报人",
    "export": "导出", "release_results": "发布考核结果", "grant_role": "授予角色", "revoke_role": "撤销角色",
    "import_roster": "导入名单", "remind": "自动提醒",
}

REVIEW = "workflow.review_declaration"
SCHEDULE = "workflow.schedule_declaration"
EVALUATE = "workflow.evaluate_declaration"
OFFICE_PERMS = (REVIEW, SCHEDULE, EVALUATE)

# What each action needs: ("unit", codename) on the declaration's unit, or ("office", perm).
_NEEDS: dict[Action, tuple[str, str]] = {
    Action.CREATE: ("unit", PERM_OPERATE),
    Action.EDIT: ("unit", PERM_OPERATE),
    Action.HOLD: ("unit", PERM_OPERATE),
    Action.UPLOAD_EVIDENCE: ("unit", PERM_OPERATE),
    Action.SUMMARIZE: ("unit", PERM_OPERATE),
    Action.SUBMIT: ("unit", PERM_SEAL),
    Action.WITHDRAW: ("unit", PERM_SEAL),
    Action.RETURN: ("office", REVIEW),
    Action.APPROVE: ("office", REVIEW),
    Action.CANCEL: ("office", REVIEW),
    Action.EXTEND: ("office", REVIEW),
    Action.URGE: ("office", REVIEW),
    Action.SCHEDULE: ("office", SCHEDULE),
    Action.RESCHEDULE: ("office", SCHEDULE),
    Action.MARK_EXEMPLARY: ("office", SCHEDULE),
    Action.EVALUATE: ("office", EVALUATE),
}

_REFUSAL: dict[str, str] = {
    PERM_OPERATE: "只有本单位的填报人或负责人可以{action}。",
    PERM_SEAL: "只有本单位负责人（公章）可以{action}。",
    REVIEW: "只有区政务公开办审核人员可以{action}。",
    SCHEDULE: "只有区政务公开办统筹人员可以{action}。",
    EVALUATE: "只有考核评估人员可以{action}。",
}

# Separation of duties: nobody approves or evaluates what they submitted.
_NOT_BY_SUBMITTER = {Action.APPROVE, Action.EVALUATE}


def is_office(user) -> bool:
    """Reviewer, scheduler or assessor (or a superuser): sees the whole programme."""
    return bool(user and user.is_authenticated and user.is_active) and any(user.has_perm(p) for p in OFFICE_PERMS)


def is_assessor(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.has_perm(EVALUATE))


def has_unit_perm(user, codename: str, unit: Unit) -> bool:
    """The unit permission, held through one of the unit's role groups (guardian group object
    permissions). Superuser status is not a unit role: nobody seals for a unit or sees its
    drafts without belonging to it, exactly as `selectors.declarations_visible_to` joins.
    """
    if not (user and user.is_authenticated and user.is_active):
        return False
    return ObjectPermissionChecker(user).get_group_perms(unit).filter(codename=codename).exists()


def can_view(user, declaration: Declaration) -> bool:
    """Own unit always; the office once the unit has submitted it at least once.

    Nobody outside the unit sees a draft that was never submitted.
    """
    if not (user and user.is_authenticated and user.is_active):
        return False
    if has_unit_perm(user, PERM_OPERATE, declaration.unit):
        return True
    return declaration.first_submitted_at is not None and is_office(user)


def refusal(user, action: Action, declaration: Declaration | None = None, *, unit: Unit | None = None) -> str | None:
    """None when `user` may do `action`, else the Chinese reason. Visibility is not checked here."""
    if not (user and user.is_authenticated and user.is_active):
        return "请先登录。"
    kind, perm = _NEEDS[action]
    label = ACTION_LABELS[action]
    if kind == "unit":
        target = unit or declaration.unit
        allowed = has_unit_perm(user, perm, target)
    else:
        allowed = user.has_perm(perm)
    if not allowed:
        return _REFUSAL[perm].format(action=label)
    if action in _NOT_BY_SUBMITTER and declaration is not None and declaration.submitted_by_id == user.pk:
        return f"您报送了这份申报，不能再对其{label}（职责分离）。"
    return None


def can(user, action: Action, declaration: Declaration | None = None, *, unit: Unit | None = None) -> bool:
    if declaration is not None and not can_view(user, declaration):
        return False
    return refusal(user, action, declaration, unit=unit) is None


def authorize(user, action: Action, declaration: Declaration | None = None, *, unit: Unit | None = None) -> None:
    """Raise NotFound if `user` may not see the declaration, PermissionRefused if not allowed."""
    if declaration is not None and not can_view(user, declaration):
        raise NotFound()
    reason = refusal(user, action, declaration, unit=unit)
    if reason:
        raise PermissionRefused(reason)
