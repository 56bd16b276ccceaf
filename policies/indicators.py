"""The assessment's indicator kinds, as the programme editor offers them.

An indicator is either computed from the audit trail (自动计算: one rule per code, in
`workflow.assessment.RULES`) or scored by the assessor (评估打分, with a maximum). The
editor and the API may only name an automatic indicator that has a rule; this table is
that list, in Chinese, so the policy layer can check it without importing the workflow
(a test keeps it equal to `RULES`).
"""
from __future__ import annotations

AUTO = "auto"
MANUAL = "manual"
KIND_LABELS = {AUTO: "自动计算", MANUAL: "评估打分"}

# code → what is computed (shown in the editor's select and in error messages)
AUTOMATIC_INDICATORS: dict[str, str] = {
    "declared_on_time": "按时申报（截止日期或批准的延期前首次报送）",
    "approved_without_return": "一次审核通过（审核通过前未被退回）",
    "held_in_scheduled_month": "按计划月份举办",
    "banner_compliant": "会标规范（实际使用的会标符合会标规则）",
    "logo_shown": "现场展示LOGO",
    "publicity_channels": "宣传渠道覆盖（按使用的渠道占比计分）",
    "participant_breadth": "参与人员广泛（按参与的人员类别占比计分）",
    "summary_on_time": "按时总结（举办后规定天数内提交总结）",
    "exemplary": "形成典型经验（被认定为典型经验）",
}
