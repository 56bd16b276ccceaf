"""Writes on units that need no audit (audited role grants live in workflow.roles)."""
from __future__ import annotations

from django.contrib.auth.models import Group
from django.db import transaction
from guardian.shortcuts import assign_perm

from units.models import Unit, UnitRoleGroup
from units.roles import UNIT_ROLE_PERMISSIONS, unit_group_name


@transaction.atomic
def unit_role_group(*, unit: Unit, role: str) -> Group:
    """The group that carries `role` on `unit`, created with its object permissions once."""
    existing = (
        UnitRoleGroup.objects.select_related("group").filter(unit=unit, role=role).first()
    )
    if existing:
        return existing.group
    group, _ = Group.objects.get_or_create(name=unit_group_name(unit.code, role))
    UnitRoleGroup.objects.create(group=group, unit=unit, role=role)
    for codename in UNIT_ROLE_PERMISSIONS[role]:
        assign_perm(f"units.{codename}", group, unit)
    return group
