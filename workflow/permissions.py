"""The one place that answers "may this person do X to this declaration?".

Unit roles are guardian object permissions on the declaration's `Unit`, held through
the unit's role groups; office roles are global permissions held through the office
groups (units.roles). Every service calls `authorize`; pages and the API call `can`
to decide what to show. Order of refusals: not visible → NotFound (404), visible but
not your role → PermissionRefused (403); the state is the service's business (409).
"""
from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from guardian.models import GroupObjectPermission

from config.sql import table_name
from units.models import Unit
from units.roles import EVALUATE, OPERATE, PERM_OPERATE, REVIEW, SCHEDULE, SEAL
from workflow.actions import ACTIONS, Action, actions_completing
from workflow.errors import NotFound, PermissionRefused
from workflow.models import Declaration

if TYPE_CHECKING:
    from django.contrib.auth.models import User

OFFICE_PERMS = (REVIEW, SCHEDULE, EVALUATE)

_REFUSAL: dict[str, str] = {
    OPERATE: "只有本单位的填报人或负责人可以{action}。",
    SEAL: "只有本单位负责人（公章）可以{action}。",
    REVIEW: "只有区政务公开办审核人员可以{action}。",
    SCHEDULE: "只有区政务公开办统筹人员可以{action}。",
    EVALUATE: "只有考核评估人员可以{action}。",
}

# Separation of duties: nobody reviews (approves or returns) or evaluates what they submitted.
_NOT_BY_SUBMITTER = {Action.RETURN, Action.APPROVE, Action.EVALUATE}
# The flow steps whose every completing action is one of those (review, evaluate): their task is
# never taken by the person who submitted the declaration (`may_take`, `workflow.inbox`).
SEPARATED_STEPS = frozenset(
    step for step in {spec.step for spec in ACTIONS.values() if spec.step}
    if (completing := actions_completing(step)) and completing <= _NOT_BY_SUBMITTER
)


def is_office(user: User) -> bool:
    """Reviewer, scheduler or assessor (or a superuser): sees the whole programme."""
    return bool(user and user.is_authenticated and user.is_active) and any(user.has_perm(p) for p in OFFICE_PERMS)


def is_assessor(user: User) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.has_perm(EVALUATE))


def may_release(user: User) -> bool:
    """The office's reviewers and schedulers release the assessment results (assessors score them)."""
    return bool(user and user.is_authenticated and user.is_active) and (user.has_perm(REVIEW) or user.has_perm(SCHEDULE))


def may_set_evidence_publicity(user: User, declaration: Declaration) -> bool:
    """Marking a photo public or private on the public column: the unit's operator or leader, or
    the office's reviewers and schedulers (assessors change nothing but scores)."""
    return has_unit_perm(user, PERM_OPERATE, declaration.unit) or may_release(user)


def has_unit_perm(user: User, codename: str, unit: Unit | int) -> bool:
    """The unit permission, held through one of the unit's role groups (guardian group object
    permissions). Superuser status is not a unit role: nobody seals for a unit or sees its
    drafts without belonging to it, exactly as `selectors.declarations_visible_to` joins.
    """
    if not (user and user.is_authenticated and user.is_active):
        return False
    return codename in unit_perms(user, unit)


def kept_on_user(user: User, name: str, make):
    """What `make()` gives, read once per request: kept on the user object as Django keeps its
    permissions (`workflow.roles` drops them all when a role changes). getattr/setattr reach the
    User itself through request.user's lazy wrapper."""
    found = getattr(user, name, None)
    if found is None:
        found = make()
        setattr(user, name, found)
    return found


def unit_perms(user: User, unit: Unit | int) -> frozenset[str]:
    """The codenames `user` holds on `unit` through its role groups, read once per request (a
    page asks three or four times: view, act, upload, copy in). Guardian's group object
    permissions, as `ObjectPermissionChecker.get_group_perms` reads them, in a statement written
    once (the ORM built guardian's query anew for every request and action)."""
    if not user.is_active:
        return frozenset()  # as guardian: an inactive person holds nothing
    held = kept_on_user(user, "_unit_perm_cache", dict)
    unit_id = unit.pk if isinstance(unit, Unit) else unit
    if unit_id not in held:
        with connection.cursor() as cursor:
            cursor.execute(_unit_perms_statement(), [ContentType.objects.get_for_model(Unit).pk, str(unit_id), user.pk])
            held[unit_id] = frozenset(codename for (codename,) in cursor.fetchall())
    return held[unit_id]


@cache
def _unit_perms_statement() -> str:
    """Guardian's group object permissions of one object (content type, object id) held through
    one person's groups: their codenames."""
    return (
        f"SELECT p.codename FROM {table_name(GroupObjectPermission)} gop"
        f" JOIN {table_name(Permission)} p ON p.id = gop.permission_id AND p.content_type_id = gop.content_type_id"
        f" JOIN {table_name(get_user_model().groups.through)} ug ON ug.group_id = gop.group_id"
        f" WHERE gop.content_type_id = %s AND gop.object_pk = %s AND ug.user_id = %s"
    )


def can_view(user: User, declaration: Declaration) -> bool:
    """Own unit always; the office once the unit has submitted it at least once.

    Nobody outside the unit sees a draft that was never submitted.
    """
    if not (user and user.is_authenticated and user.is_active):
        return False
    # The office's check first: its permissions are read once per request, the unit's once per unit.
    if declaration.first_submitted_at is not None and is_office(user):
        return True
    return has_unit_perm(user, PERM_OPERATE, declaration.unit_id)


def refusal(user: User, action: Action, declaration: Declaration | None = None, *, unit: Unit | None = None) -> str | None:
    """None when `user` may do `action`, else the Chinese reason. Visibility is not checked here."""
    if not (user and user.is_authenticated and user.is_active):
        return "请先登录。"
    spec = ACTIONS[action]
    if spec.by_unit:
        allowed = has_unit_perm(user, spec.needs.split(".")[1], unit or declaration.unit)
    else:
        allowed = user.has_perm(spec.needs)
    if not allowed:
        return _REFUSAL[spec.needs].format(action=spec.label)
    label = spec.label
    if action in _NOT_BY_SUBMITTER and declaration is not None and declaration.submitted_by_id == user.pk:
        return f"您报送了这份申报，不能再对其{label}（职责分离）。"
    return None


def may_take(user: User, step: str, declaration: Declaration) -> bool:
    """Whether `user` may take the open task of flow node `step` on `declaration` from its queue,
    beyond the task's own permission (which viewflow checks): a task they may not complete (the
    review or evaluation of what they submitted) stays in the queue for the others."""
    return not (step in SEPARATED_STEPS and declaration.submitted_by_id is not None and declaration.submitted_by_id == user.pk)


def can(user: User, action: Action, declaration: Declaration | None = None, *, unit: Unit | None = None) -> bool:
    if declaration is not None and not can_view(user, declaration):
        return False
    return refusal(user, action, declaration, unit=unit) is None


def authorize(user: User, action: Action, declaration: Declaration | None = None, *, unit: Unit | None = None) -> None:
    """Raise NotFound if `user` may not see the declaration, PermissionRefused if not allowed."""
    if declaration is not None and not can_view(user, declaration):
        raise NotFound()
    reason = refusal(user, action, declaration, unit=unit)
    if reason:
        raise PermissionRefused(reason)
