"""The roles of DESIGN §3 and the permissions each one carries.

Unit roles (operator, leader) are object permissions on one `Unit`, granted to one
group per unit and role. Office roles are global permissions granted to one global
group each. Nothing here touches the workflow.
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

# Object permissions on units.Unit (codename, label).
PERM_OPERATE = "operate_unit"  # draft, edit, hold, summarise for this unit
PERM_SEAL = "seal_unit"  # the 公章: submit and withdraw for this unit

UNIT_ROLE_PERMISSIONS: dict[str, tuple[str, ...]] = {
    Role.OPERATOR: (PERM_OPERATE,),
    Role.LEADER: (PERM_OPERATE, PERM_SEAL),
}

# Global permissions on workflow.Declaration, one group per office role.
OFFICE_ROLE_PERMISSIONS: dict[str, tuple[str, ...]] = {
    Role.REVIEWER: ("workflow.review_declaration",),
    Role.SCHEDULER: ("workflow.schedule_declaration",),
    Role.ASSESSOR: ("workflow.evaluate_declaration",),
}

OFFICE_GROUP_NAMES: dict[str, str] = {
    Role.REVIEWER: "区政务公开办·审核",
    Role.SCHEDULER: "区政务公开办·统筹",
    Role.ASSESSOR: "考核·第三方评估",
}


def unit_group_name(unit_code: str, role: str) -> str:
    return f"unit:{unit_code}:{role}"
