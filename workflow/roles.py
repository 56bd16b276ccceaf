"""Granting and revoking roles: audited on the global chain, like every other change."""
from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.contrib.auth.models import Group, Permission
from django.db import transaction

from units.models import Unit
from units.roles import OFFICE_GROUP_NAMES, OFFICE_ROLE_PERMISSIONS, OFFICE_ROLES, UNIT_ROLES, Role
from units.services import unit_role_group
from workflow import audit
from workflow.errors import PermissionRefused, RuleViolation

if TYPE_CHECKING:
    from django.contrib.auth.models import User

ADMIN_GROUP_NAME = "系统管理员"
ADMIN_MODEL_PERMS = (
    "auth.view_user", "auth.add_user", "auth.change_user",
    "units.view_unit", "units.add_unit", "units.change_unit",
    "policies.view_programme", "policies.add_programme", "policies.change_programme", "policies.view_programmeamendment",
)


def _perm(dotted: str) -> Permission:
    app_label, codename = dotted.split(".")
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


def office_group(role: str) -> Group:
    """The global group of an office role, with its permissions (created once)."""
    group, created = Group.objects.get_or_create(name=OFFICE_GROUP_NAMES[role])
    if created:
        group.permissions.add(*(_perm(p) for p in OFFICE_ROLE_PERMISSIONS[role]))
    return group


def admin_group() -> Group:
    group, created = Group.objects.get_or_create(name=ADMIN_GROUP_NAME)
    if created:
        group.permissions.add(*(_perm(p) for p in ADMIN_MODEL_PERMS))
    return group


def role_group(role: str, unit: Unit | None) -> Group:
    if role in UNIT_ROLES:
        if unit is None:
            raise RuleViolation.single("unit", f"“{Role(role).label}”须指定所属单位。", "unit_required")
        return unit_role_group(unit=unit, role=role)
    if role in OFFICE_ROLES:
        return office_group(role)
    if role == Role.ADMINISTRATOR:
        return admin_group()
    raise RuleViolation.single("role", f"未知角色“{role}”。", "role_unknown")


def may_manage_roles(by: User) -> bool:
    return bool(by and by.is_active and (by.is_superuser or by.has_perm("auth.change_user")))


def _change(*, user: User, role: str, unit: Unit | None, by: User, grant: bool, at: dt.datetime | None = None) -> bool:
    if not may_manage_roles(by):
        raise PermissionRefused("只有系统管理员可以授予或撤销角色。")
    with transaction.atomic():
        group = role_group(role, unit)
        member = user.groups.filter(pk=group.pk).exists()
        if member == grant:
            return False
        (user.groups.add if grant else user.groups.remove)(group)
        if grant and role == Role.ADMINISTRATOR and not user.is_staff:
            user.is_staff = True
            user.save(update_fields=["is_staff"])
        audit.record(
            action="grant_role" if grant else "revoke_role", actor=by, unit=unit,
            changed={"user": user.username, "role": role, "unit": unit.code if unit else None}, at=at,
        )
    for cache in ("_perm_cache", "_user_perm_cache", "_group_perm_cache", "_inbox_shape", "_unit_perm_cache"):  # Django's, ours
        user.__dict__.pop(cache, None)
    return True


def role_grant(*, user: User, role: str, unit: Unit | None = None, by: User, at: dt.datetime | None = None) -> bool:
    """Give `user` a role (on `unit` for unit roles). False if they already had it. `at`: when
    the grant is recorded as made (the demo's year); now by default."""
    return _change(user=user, role=role, unit=unit, by=by, grant=True, at=at)


def role_revoke(*, user: User, role: str, unit: Unit | None = None, by: User) -> bool:
    return _change(user=user, role=role, unit=unit, by=by, grant=False)
