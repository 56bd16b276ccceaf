"""The task inbox: 待办 (assigned to me), 待领取 (my groups' queue), 已办 (done by me).

Each function is one queryset over viewflow's Task table, scoped by the same membership
join as `workflow.selectors.declarations_visible_to` (never guardian's generic tables),
and annotated with what a row shows (unit, theme, state, declaration id), so a page or
the API lists any number of tasks with a constant number of SQL queries.
"""
from __future__ import annotations

from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from units.models import UnitRoleGroup
from units.roles import PERM_OPERATE, PERM_SEAL, Role
from workflow.models import Declaration
from workflow.permissions import EVALUATE, REVIEW, SCHEDULE
from workflow.selectors import declarations_visible_to

OPEN = (STATUS.ASSIGNED, STATUS.STARTED)
UNIT_OPERATE = f"units.{PERM_OPERATE}"
UNIT_SEAL = f"units.{PERM_SEAL}"


def _flow_tasks() -> QuerySet[Task]:
    from workflow.flows import DeclarationFlow

    return Task.objects.filter(process__flow_class=DeclarationFlow)


def _rows(qs: QuerySet[Task]) -> QuerySet[Task]:
    """What an inbox row shows, joined in the same statement."""
    declaration = Declaration.objects.filter(pk=OuterRef("process__artifact_object_id"))
    return qs.select_related("owner").annotate(
        declaration_id=F("process__artifact_object_id"),
        unit_name=Subquery(declaration.values("unit__name")[:1]),
        theme=Subquery(declaration.values("theme")[:1]),
        declaration_state=Subquery(declaration.values("state")[:1]),
    )


def _declaration_in(declarations: QuerySet[Declaration]) -> Exists:
    """The task's declaration is one of `declarations`: a correlated EXISTS, one index probe per
    candidate task, where `artifact IN (…)` would hash every declaration the user may see."""
    return Exists(declarations.filter(pk=OuterRef("process__artifact_object_id")))


def _visible(user, qs: QuerySet[Task]) -> QuerySet[Task]:
    return qs.filter(_declaration_in(declarations_visible_to(user)))


def tasks_for(user) -> QuerySet[Task]:
    """待办: open tasks assigned to `user`, oldest first."""
    if not (user and user.is_authenticated and user.is_active):
        return Task.objects.none()
    qs = _visible(user, _flow_tasks().filter(owner=user, status__in=OPEN))
    return _rows(qs).order_by("created", "pk")


def queue_for(user) -> QuerySet[Task]:
    """待领取: unassigned tasks `user` may claim: their units' unit tasks, their office role's tasks."""
    if not (user and user.is_authenticated and user.is_active):
        return Task.objects.none()
    roles = UnitRoleGroup.objects.filter(group__user=user)
    operate_units = _declaration_in(Declaration.objects.filter(unit_id__in=roles.values("unit_id")))
    seal_units = _declaration_in(Declaration.objects.filter(unit_id__in=roles.filter(role=Role.LEADER).values("unit_id")))
    mine = (Q(owner_permission=UNIT_OPERATE) & operate_units) | (Q(owner_permission=UNIT_SEAL) & seal_units)
    office = [perm for perm in (REVIEW, SCHEDULE, EVALUATE) if user.has_perm(perm)]
    if office:
        mine |= Q(owner_permission__in=office)
    qs = _visible(user, _flow_tasks().filter(mine, status=STATUS.NEW, owner__isnull=True))
    return _rows(qs).order_by("created", "pk")


def done_by(user) -> QuerySet[Task]:
    """已办: tasks `user` completed, newest first."""
    if not (user and user.is_authenticated and user.is_active):
        return Task.objects.none()
    qs = _visible(user, _flow_tasks().filter(owner=user, status=STATUS.DONE))
    return _rows(qs).order_by("-finished", "-pk")


def task_for(user, task_pk) -> Task:
    """One open task `user` may work on or claim; `Task.DoesNotExist` for missing and not-yours alike."""
    try:
        pk = int(task_pk)
    except (TypeError, ValueError):
        raise Task.DoesNotExist from None
    mine = tasks_for(user).filter(pk=pk)
    queued = queue_for(user).filter(pk=pk)
    task = mine.first() or queued.first()
    if task is None:
        raise Task.DoesNotExist
    return task
