"""The roles of DESIGN §3 and the permissions each one carries: the one place that spells
every permission codename.

Unit roles (operator, leader) are object permissions on one `Unit`, granted to one group
per unit and role. Office roles are global permissions on `workflow.Declaration`, granted
to one global group each. Nothing here touches the workflow.
"""
from __future__ import annotations

from django.db import models


class Role(models.TextChoices):
    OPERATOR = "operator", "填报人"
    LEADER = "leader", "单位负责人"
    REVIEWER = "reviewer", "审核（区政务公开办）"
    SCHEDULER = "scheduler", "统筹（区政务公开办）"
    ASSESSOR = "assessor", "考核/第三方评估"
    ADMINISTRATOR = "administrator", "系统管理员"


UNIT_ROLES = frozenset({Role.OPERATOR, Role.LEADER})
OFFICE_ROLES = frozenset({Role.REVIEWER, Role.SCHEDULER, Role.ASSESSOR})

# Object permissions on units.Unit: codename → label (units.Unit.Meta.permissions).
PERM_OPERATE = "operate_unit"  # draft, edit, hold, summarize for this unit
PERM_SEAL = "seal_unit"  # the 公章: submit and withdraw for this unit
UNIT_PERMISSIONS = {
    PERM_OPERATE: "以本单位名义填报、举办、总结",
    PERM_SEAL: "加盖本单位公章（报送、撤回）",
}

# Global permissions on workflow.Declaration: codename → label (workflow.Declaration.Meta.permissions).
PERM_REVIEW = "review_declaration"
PERM_SCHEDULE = "schedule_declaration"
PERM_EVALUATE = "evaluate_declaration"
OFFICE_PERMISSIONS = {
    PERM_REVIEW: "审核申报（批准、退回、取消、延期）",
    PERM_SCHEDULE: "统筹排期、认定典型经验",
    PERM_EVALUATE: "评估打分、查看审计日志",
}

# The same permissions as `user.has_perm` spells them ("app_label.codename").
OPERATE = f"units.{PERM_OPERATE}"
SEAL = f"units.{PERM_SEAL}"
REVIEW = f"workflow.{PERM_REVIEW}"
SCHEDULE = f"workflow.{PERM_SCHEDULE}"
EVALUATE = f"workflow.{PERM_EVALUATE}"

UNIT_ROLE_PERMISSIONS: dict[str, tuple[str, ...]] = {
    Role.OPERATOR: (PERM_OPERATE,),
    Role.LEADER: (PERM_OPERATE, PERM_SEAL),
}

# One global group per office role, holding that role's permission.
OFFICE_ROLE_PERMISSIONS: dict[str, tuple[str, ...]] = {
    Role.REVIEWER: (REVIEW,),
    Role.SCHEDULER: (SCHEDULE,),
    Role.ASSESSOR: (EVALUATE,),
}

OFFICE_GROUP_NAMES: dict[str, str] = {
    Role.REVIEWER: "区政务公开办·审核",
    Role.SCHEDULER: "区政务公开办·统筹",
    Role.ASSESSOR: "考核·第三方评估",
}


def unit_group_name(unit_code: str, role: str) -> str:
    return f"unit:{unit_code}:{role}"
