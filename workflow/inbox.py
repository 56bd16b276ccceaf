"""The task inbox: 待办 (assigned to me), 待领取 (my groups' queue), 已办 (done by me).

Each function is one queryset over viewflow's Task table, scoped by the same membership
join as `workflow.selectors.declarations_visible_to` (never guardian's generic tables),
and annotated with what a row shows (unit, theme, state, declaration id), so a page or
the API lists any number of tasks with a constant number of SQL queries.
"""
from __future__ import annotations

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from units.models import Unit
from units.roles import PERM_OPERATE, PERM_SEAL
from workflow.models import Declaration
from workflow.permissions import EVALUATE, REVIEW, SCHEDULE
from workflow.selectors import declarations_visible_to, unit_ids_of

IN_HAND = (STATUS.ASSIGNED, STATUS.STARTED)
UNIT_OPERATE = f"units.{PERM_OPERATE}"
UNIT_SEAL = f"units.{PERM_SEAL}"


def _flow_tasks() -> QuerySet[Task]:
    from workflow.flows import DeclarationFlow

    return Task.objects.filter(process__flow_class=DeclarationFlow)


# What an inbox row shows of the task itself (the pages and the API): the task's data, seed
# and permission columns, and the owner's other columns, stay in the database.
ROW_FIELDS = ("flow_task", "status", "created", "finished", "owner__username")


def _rows(qs: QuerySet[Task]) -> QuerySet[Task]:
    """What an inbox row shows, joined in the same statement (each a primary-key probe of the
    declaration; `order_by()` drops the model's ordering, which would join programme and unit)."""
    declaration = Declaration.objects.filter(pk=OuterRef("process__artifact_object_id")).order_by()
    return qs.select_related("owner").only(*ROW_FIELDS).annotate(
        declaration_id=F("process__artifact_object_id"),
        unit_name=Subquery(declaration.values("unit__name")[:1]),
        theme=Subquery(declaration.values("theme")[:1]),
        declaration_state=Subquery(declaration.values("state")[:1]),
    )


def _declaration_in(declarations: QuerySet[Declaration]) -> Exists:
    """The task's declaration is one of `declarations`: a correlated EXISTS, one index probe per
    candidate task, where `artifact IN (…)` would hash every declaration the user may see."""
    return Exists(declarations.filter(pk=OuterRef("process__artifact_object_id")))


def _mine(user) -> Q:
    """Open tasks assigned to `user` (待办) whose declaration they may still see (the cheap
    column tests first: PostgreSQL keeps this order and probes the declaration last)."""
    return Q(owner=user, status__in=IN_HAND) & Q(_declaration_in(declarations_visible_to(user)))


def _claimable(user) -> Q:
    """Unassigned tasks `user` may claim (待领取): their units' unit tasks, their office role's tasks.

    A unit task carries its declaration's unit in `owner_permission_obj_pk` (flows:
    `.Permission(…, obj=declaration_unit)`), so the roles are matched on the task row itself
    against the user's unit ids (under an OR: hashed once per statement). A member of that unit
    sees its declarations, so only office tasks probe their declaration for visibility.
    """
    wanted = Q(owner_permission=UNIT_OPERATE, owner_permission_obj_pk__in=unit_ids_of(user, as_text=True)) | Q(
        owner_permission=UNIT_SEAL, owner_permission_obj_pk__in=unit_ids_of(user, leaders_only=True, as_text=True))
    office = [perm for perm in (REVIEW, SCHEDULE, EVALUATE) if user.has_perm(perm)]
    if office:
        wanted |= Q(owner_permission__in=office) & Q(_declaration_in(declarations_visible_to(user)))
    return Q(status=STATUS.NEW, owner__isnull=True) & wanted


def _active(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def tasks_for(user) -> QuerySet[Task]:
    """待办: open tasks assigned to `user`, oldest first."""
    if not _active(user):
        return Task.objects.none()
    return _rows(_flow_tasks().filter(_mine(user))).order_by("created", "pk")


def queue_for(user) -> QuerySet[Task]:
    """待领取: unassigned tasks `user` may claim, oldest first."""
    if not _active(user):
        return Task.objects.none()
    return _rows(_flow_tasks().filter(_claimable(user))).order_by("created", "pk")


def done_by(user) -> QuerySet[Task]:
    """已办: tasks `user` completed, newest first."""
    if not _active(user):
        return Task.objects.none()
    qs = _flow_tasks().filter(_declaration_in(declarations_visible_to(user)), owner=user, status=STATUS.DONE)
    return _rows(qs).order_by("-finished", "-pk")


def tab_counts(user) -> dict[str, int]:
    """How many tasks wait in 待办 and in 待领取: one statement for both tabs' badges."""
    if not _active(user):
        return {"inbox": 0, "queue": 0}
    # A task of 待办 has `user` as owner, one of 待领取 has none: the owner tells them apart.
    return _flow_tasks().filter(_mine(user) | _claimable(user)).aggregate(
        inbox=Count("pk", filter=Q(owner__isnull=False)), queue=Count("pk", filter=Q(owner__isnull=True)))


def task_for(user, task_pk) -> Task:
    """One open task `user` may work on or claim; `Task.DoesNotExist` for missing and not-yours alike.

    The task by its key, then the scope of 待办 (`_mine`) or 待领取 (`_claimable`) decided on
    that one row: a key lookup and at most one probe, where the lists' combined condition costs
    more to build and plan than to run for a single task.
    """
    try:
        pk = int(task_pk)
    except (TypeError, ValueError):
        raise Task.DoesNotExist from None
    if not _active(user):
        raise Task.DoesNotExist
    task = _flow_tasks().select_related("process", "owner").get(pk=pk)
    if task.owner_id is not None:
        allowed = task.owner_id == user.pk and task.status in IN_HAND and _sees_declaration_of(user, task)
    else:
        allowed = task.status == STATUS.NEW and _may_claim(user, task)
    if not allowed:
        raise Task.DoesNotExist
    return task


def _sees_declaration_of(user, task: Task) -> bool:
    return declarations_visible_to(user).filter(pk=task.process.artifact_object_id).exists()


def _may_claim(user, task: Task) -> bool:
    """`_claimable` for one unassigned task (keep the two alike: tests compare them)."""
    if task.owner_permission in (UNIT_OPERATE, UNIT_SEAL):  # the task's unit is one of the user's (as leader, to seal)
        mine = unit_ids_of(user, leaders_only=task.owner_permission == UNIT_SEAL)
        return Unit.objects.filter(pk=task.owner_permission_obj_pk, pk__in=mine).exists()
    return task.owner_permission in (REVIEW, SCHEDULE, EVALUATE) and user.has_perm(task.owner_permission) and \
        _sees_declaration_of(user, task)
