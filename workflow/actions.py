"""Every action on a declaration, declared once (DESIGN §4).

One row per action: its Chinese label, the permission it needs, the django-fsm transition it
fires, the flow node whose open task it completes, and whether it takes a reason. The
services (`workflow.services`), the permission check (`workflow.permissions`), the API's
transition endpoints, the admin actions and the pages' buttons all read this table; nobody
else names a flow step.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from units.roles import EVALUATE, OPERATE, REVIEW, SCHEDULE, SEAL


class Action(StrEnum):
    CREATE = "create"
    EDIT = "edit"
    HAND_OVER = "hand_over"
    SUBMIT = "submit"
    SEND_BACK = "send_back"
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
    TRANSFER = "transfer"
    COPY_IN = "copy_in"


class Reason(StrEnum):
    NONE = "none"
    OPTIONAL = "optional"
    REQUIRED = "required"


# How the declaration's process follows an action besides completing a node's task.
WITHDRAWN = "withdrawn"  # the review task is cancelled and the unit revises
ENDED = "ended"  # every open task ends, and the process


@dataclass(frozen=True)
class Spec:
    label: str  # the verb, in Chinese: buttons, refusals ("不能撤回"), the history
    needs: str  # OPERATE/SEAL: on the declaration's unit; REVIEW/SCHEDULE/EVALUATE: global (office)
    method: str | None = None  # the Declaration's @transition; None: no state change
    step: str | None = None  # the flow node whose open task it completes, or WITHDRAWN / ENDED
    reason: Reason = Reason.NONE
    change: str = ""  # the state change, for the API's documentation
    in_admin: bool = False  # offered as a bulk action in the admin's declaration list
    on_detail_page: bool = False  # a button (with its reason) on the declaration page

    @property
    def is_transition(self) -> bool:
        return self.method is not None

    @property
    def by_unit(self) -> bool:
        return self.needs in (OPERATE, SEAL)


ACTIONS: dict[Action, Spec] = {
    Action.CREATE: Spec("填报", OPERATE),
    Action.EDIT: Spec("修改", OPERATE),
    Action.HAND_OVER: Spec("交负责人盖章", OPERATE, step="revise"),
    Action.SUBMIT: Spec("盖章报送", SEAL, method="submit", step="seal", change="草稿 → 已报送"),
    Action.SEND_BACK: Spec("退回填报人", SEAL, step="seal", reason=Reason.REQUIRED),
    Action.WITHDRAW: Spec("撤回", SEAL, method="withdraw", step=WITHDRAWN, reason=Reason.OPTIONAL,
                          change="已报送 → 草稿（审核前）", on_detail_page=True),
    Action.RETURN: Spec("退回", REVIEW, method="return_to_unit", step="review", reason=Reason.REQUIRED,
                        change="已报送 → 草稿", in_admin=True),
    Action.APPROVE: Spec("审核通过", REVIEW, method="approve", step="review", change="已报送 → 已审核", in_admin=True),
    Action.SCHEDULE: Spec("排期", SCHEDULE, method="schedule", step="schedule", change="已审核 → 已排期"),
    Action.RESCHEDULE: Spec("调整排期", SCHEDULE, method="reschedule", reason=Reason.REQUIRED, change="已排期 → 已排期"),
    Action.HOLD: Spec("登记举办", OPERATE, method="hold", step="hold", change="已排期 → 已举办"),
    Action.UPLOAD_EVIDENCE: Spec("上传举办证据", OPERATE),
    Action.SUMMARIZE: Spec("提交总结", OPERATE, method="summarize", step="summarize", change="已举办 → 已总结"),
    Action.MARK_EXEMPLARY: Spec("认定典型经验", SCHEDULE),
    Action.EVALUATE: Spec("评估打分", EVALUATE, method="evaluate", step="evaluate", change="已总结 → 已评估"),
    Action.CANCEL: Spec("取消", REVIEW, method="cancel", step=ENDED, reason=Reason.REQUIRED,
                        change="举办前 → 已取消", in_admin=True, on_detail_page=True),
    Action.EXTEND: Spec("批准延期", REVIEW),
    Action.URGE: Spec("催报催办", REVIEW),
    # 转办 and 抄送 (workflow.handover): besides these roles, the holder of a task transfers it, and
    # the office's reviewers copy people in too.
    Action.TRANSFER: Spec("转办", REVIEW),
    Action.COPY_IN: Spec("抄送", SEAL),
}

TRANSITIONS: dict[Action, Spec] = {action: spec for action, spec in ACTIONS.items() if spec.is_transition}

# Every action an audit event may carry, in Chinese (history timeline, audit search, exports).
EVENT_LABELS: dict[str, str] = {
    **{str(action): spec.label for action, spec in ACTIONS.items()},
    "export": "导出", "release_results": "发布考核结果", "grant_role": "授予角色", "revoke_role": "撤销角色",
    "import_roster": "导入名单", "evidence_publicity": "设置照片是否公开", "remind": "自动提醒", "release_task": "退回队列",
    # accounts.events: logins and the second factor
    "login": "登录", "logout": "退出登录", "login_failed": "登录失败", "lockout": "登录锁定",
    "otp_verified": "动态验证码验证通过", "otp_failed": "动态验证码错误", "otp_enrolled": "绑定验证器",
    "token_revoked": "撤销 API 令牌", "otp_reset": "重置动态验证码",
    # the programme editor (workflow.programme_services)
    "create_programme": "新建实施方案", "copy_programme": "复制为新一年度", "edit_programme": "修改实施方案",
    "amend_programme": "规则修订", "open_programme": "开放申报", "close_programme": "停止受理申报",
    "mark_current_programme": "设为当前年度",
    # 代理 (workflow.handover)
    "name_substitute": "设置代理", "end_substitute": "结束代理",
    # 审批意见与讨论 (workflow.discussion); the office-only notes never show in a unit's history
    "comment": "发表意见", "edit_comment": "修改意见", "office_note": "内部备注", "edit_office_note": "修改内部备注",
}


def actions_completing(step: str) -> frozenset[Action]:
    """The actions whose service completes the open task of flow node `step` (e.g. review:
    approve and return)."""
    return frozenset(action for action, spec in ACTIONS.items() if spec.step == step)
