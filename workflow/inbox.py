"""The task inbox: 待办 (assigned to me), 待领取 (my groups' queue), 已办 (done by me).

Each list is one queryset over `TaskRow` (viewflow's tasks of the declaration flow joined to
their declaration and unit by a database view), scoped by the same rule as
`workflow.selectors.declarations_visible_to` (a membership semi-join, never guardian's generic
tables), so a page or the API lists any number of tasks with a constant number of SQL queries.
An inbox page reads both tabs' badges and its rows in one statement (`open_page`).
"""
from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from functools import reduce
from operator import or_
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Count, F, Q, QuerySet, Window
from django.utils import timezone
from viewflow.workflow.models import Process, Task
from viewflow.workflow.status import STATUS

from config.sql import ModelColumns, instances, table_name
from units.models import Unit
from units.roles import OPERATE, SEAL, Role
from workflow.flows import DeclarationFlow
from workflow.handover import holder_ids, principals_of
from workflow.models import Declaration, TaskRow
from workflow.permissions import OFFICE_PERMS, SEPARATED_STEPS, can_view, kept_on_user
from workflow.process import flow_class_value
from workflow.selectors import (
    member_unit_ids,
    unit_ids_of,
    unit_roles_of,
    visibility,
    visibility_of,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import User

IN_HAND = (STATUS.ASSIGNED, STATUS.STARTED)
OFFICE_TASK_PERMS = OFFICE_PERMS  # the office's tasks go to exactly the office's roles

# What an inbox row shows (the pages and the API): the view's other columns stay in the database.
ROW_FIELDS = ("flow_task", "status", "created", "finished", "owner__username", "declaration", "unit_name", "theme",
              "declaration_state", "due_on")
# 待办 and 待领取 put what is due first (亮灯), then what has waited longest; a task not yet given a
# due date last.
DUE_FIRST = (F("due_on").asc(nulls_last=True), "created", "pk")
# An inbox page shows no owner (a row of 待办 is the reader's, one of 待领取 nobody's): no owner join.
PAGE_FIELDS = ("owner", *(name for name in ROW_FIELDS if not name.startswith("owner__")))


def _rows(qs: QuerySet[TaskRow]) -> QuerySet[TaskRow]:
    return qs.select_related("owner").only(*ROW_FIELDS)


def _any(conditions: list[Q]) -> Q | None:
    return reduce(or_, conditions) if conditions else None


@dataclass(frozen=True)
class Shape:
    """What a person's inbox statements depend on besides who they are: the unit roles they hold
    (`unit_roles_of`) and the office task permissions they hold (holding any is
    `permissions.is_office`: they see every submitted declaration)."""

    roles: frozenset[str]
    office: tuple[str, ...]

    @classmethod
    def of(cls, user: User) -> Shape:
        """Read once per request (`permissions.kept_on_user`)."""
        return kept_on_user(user, "_inbox_shape", lambda: cls(
            unit_roles_of(user), tuple(perm for perm in OFFICE_TASK_PERMS if user.has_perm(perm))))


def _own_submission(person_id: int) -> Q:
    """A review or evaluation task of a declaration the person submitted: never theirs to take
    (`permissions.may_take`), so never in their 待领取."""
    return Q(flow_task__in=_SEPARATED_NODES, declaration__submitted_by=person_id)


_SEPARATED_NODES = [getattr(DeclarationFlow, step) for step in sorted(SEPARATED_STEPS)]


class _Scope:
    """The inbox rule for one person, as conditions on `TaskRow`'s columns, built from plain
    values only: the person's id and their `Shape`.

    `visible` is `selectors.visibility`, the rule of `declarations_visible_to`, on the task's
    declaration columns. A condition that cannot hold for this person is left out rather than
    sent to PostgreSQL to plan: the membership tests of someone who holds no unit role, the
    office's tasks for someone without an office permission. None: no task at all.
    """

    def __init__(self, person_id: int, shape: Shape, today: dt.date | None = None):
        self.person_id, self.shape = person_id, shape
        roles = shape.roles
        self.visible = visibility_of(person_id, in_units=bool(roles), office=bool(shape.office))
        # 待办: open tasks assigned to the person, or to someone they substitute for today (代理,
        # workflow.handover), whose declaration they may still see.
        holders = Q(owner_id__in=holder_ids(person_id, today or timezone.localdate()))
        self.mine = holders & Q(status__in=IN_HAND) & self.visible if self.visible is not None else None
        # 待领取: a unit task carries its declaration's unit in `owner_permission_obj_pk` (flows:
        # `.Permission(…, obj=declaration_unit)`), matched against the person's units on the row itself.
        wanted = []
        if roles:
            wanted.append(Q(owner_permission=OPERATE, owner_permission_obj_pk__in=member_unit_ids(person_id, as_text=True)))
        if Role.LEADER in roles:
            wanted.append(Q(owner_permission=SEAL,
                            owner_permission_obj_pk__in=member_unit_ids(person_id, leaders_only=True, as_text=True)))
        if shape.office and self.visible is not None:
            wanted.append(Q(owner_permission__in=shape.office) & self.visible & ~_own_submission(person_id))
        claim = _any(wanted)
        self.claimable = Q(status=STATUS.NEW, owner__isnull=True) & claim if claim is not None else None

    @classmethod
    def of(cls, user: User) -> _Scope:
        return cls(user.pk, Shape.of(user))

    def open(self) -> QuerySet[TaskRow]:
        """待办 and 待领取 together."""
        return self.filter(self.mine, self.claimable)

    def filter(self, *conditions: Q | None) -> QuerySet[TaskRow]:
        """Rows meeting any of `conditions` (None: a condition that holds for no row)."""
        wanted = _any([c for c in conditions if c is not None])
        return TaskRow.objects.filter(wanted) if wanted is not None else TaskRow.objects.none()


def _active(user: User) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def tasks_for(user: User) -> QuerySet[TaskRow]:
    """待办: open tasks assigned to `user`, the earliest due first."""
    if not _active(user):
        return TaskRow.objects.none()
    scope = _Scope.of(user)
    return _rows(scope.filter(scope.mine)).order_by(*DUE_FIRST)


def queue_for(user: User) -> QuerySet[TaskRow]:
    """待领取: unassigned tasks `user` may claim, the earliest due first."""
    if not _active(user):
        return TaskRow.objects.none()
    scope = _Scope.of(user)
    return _rows(scope.filter(scope.claimable)).order_by(*DUE_FIRST)


def open_tasks(user: User) -> QuerySet[TaskRow]:
    """待办 and 待领取 together: every open task `user` may work on or claim."""
    if not _active(user):
        return TaskRow.objects.none()
    scope = _Scope.of(user)
    return _rows(scope.open())


def done_by(user: User) -> QuerySet[TaskRow]:
    """已办: tasks `user` completed, newest first."""
    if not _active(user):
        return TaskRow.objects.none()
    scope = _Scope.of(user)
    done = Q(owner=user, status=STATUS.DONE) & scope.visible if scope.visible is not None else None
    return _rows(scope.filter(done)).order_by("-finished", "-pk")


def _counts(*, window: bool) -> dict:
    """待办's and 待领取's counts: a task of 待办 has `user` as owner, one of 待领取 has none."""
    wrap = Window if window else (lambda aggregate: aggregate)
    return {"inbox": wrap(Count("pk", filter=Q(owner__isnull=False))), "queue": wrap(Count("pk", filter=Q(owner__isnull=True)))}


def tab_counts(user: User) -> dict[str, int]:
    """How many tasks wait in 待办 and in 待领取: one statement for both tabs' badges."""
    if not _active(user):
        return {"inbox": 0, "queue": 0}
    scope = _Scope.of(user)
    return scope.open().aggregate(**_counts(window=False))


def open_page(user: User, tab: str, *, start: int, size: int) -> tuple[dict[str, int] | None, list[TaskRow]]:
    """Rows `start` to `start + size` of 待办 (`tab` "inbox") or 待领取 ("queue"), the earliest due first, and
    both tabs' counts, in one statement (`_open_page_statement`).

    The statement reads the open tasks of both tabs, this tab's first, each row carrying the
    two counts (window aggregates over all of them, taken before the LIMIT); the other tab's
    rows that fill a short page are dropped here. Counts None for a page past the end of both
    tabs: the caller counts on its own then.
    """
    if not _active(user):
        return {"inbox": 0, "queue": 0}, []
    statement = _open_page_statement(user.pk, Shape.of(user), tab, start, size)
    rows = list(TaskRow.objects.raw(*statement)) if statement else []
    if not rows:  # nothing open at all, or a page past the end of both tabs
        return ({"inbox": 0, "queue": 0} if start == 0 else None), []
    counts = {"inbox": rows[0].inbox_count, "queue": rows[0].queue_count}
    queue = tab == "queue"
    return counts, [row for row in rows if (row.owner_id is None) == queue]


def _open_page_queryset(scope: _Scope, tab: str, start: int, size: int) -> QuerySet[TaskRow]:
    this_tab_first = F("owner_id").asc(nulls_first=True) if tab == "queue" else F("owner_id").asc(nulls_last=True)
    return scope.open().only(*PAGE_FIELDS).annotate(**{
        f"{name}_count": window for name, window in _counts(window=True).items()
    }).order_by(this_tab_first, *DUE_FIRST)[start:start + size]


# No person has this id: it marks where a shape's statement takes each person's id; and no day is
# this one: it marks where it takes today's date (the substitutions in force).
_ANYONE = -(2**62)
_ANY_DAY = dt.date(1, 1, 1)


@functools.lru_cache(maxsize=256)
def _open_page_sql(shape: Shape, tab: str, start: int, size: int) -> tuple[str, tuple, tuple[int, ...]] | None:
    """The SQL of `_open_page_queryset` for the people of `shape`, its parameters, and the places
    among them of the person's id: compiled once per shape, tab and page in a process. None when
    no task is open to people of this shape (no statement at all)."""
    scope = _Scope(_ANYONE, shape, _ANY_DAY)
    if scope.mine is None and scope.claimable is None:
        return None
    sql, params = _open_page_queryset(scope, tab, start, size).query.sql_with_params()
    return sql, tuple(params), tuple(i for i, value in enumerate(params) if (type(value) is int and value == _ANYONE)
                                     or (type(value) is dt.date and value == _ANY_DAY))


def _open_page_statement(person_id: int, shape: Shape, tab: str, start: int, size: int) -> tuple[str, list] | None:
    """`_open_page_queryset` of the person, as SQL and parameters, without building and compiling
    the queryset again for every request (docs/benchmarks.md: the inbox page).

    `_Scope` is built from the person's id and their `Shape` alone, and the ORM passes the id as a
    parameter, so the statement of two people of one shape differs only in the parameters that
    carry the id (`tests.pages.test_inbox` compares it with the compiled queryset for everyone).
    """
    compiled = _open_page_sql(shape, tab, start, size)
    if compiled is None:
        return None
    sql, params, slots = compiled
    params, today = list(params), timezone.localdate()
    for slot in slots:
        params[slot] = person_id if type(params[slot]) is int else today
    return sql, params


def task_row(task_pk: int) -> TaskRow:
    """One task as the inbox lists show it (the caller already decided the person may see it)."""
    return _rows(TaskRow.objects.filter(pk=task_pk)).get()


def task_for(user: User, task_pk) -> Task:
    """One open task `user` may work on or claim; `Task.DoesNotExist` for missing and not-yours alike.

    The task with its process, owner and the declaration's visibility columns in one statement,
    then the scope of 待办 (`_Scope.mine`) or 待领取 (`.claimable`) decided on that one row, where
    the lists' combined condition costs more to build and plan than to run for a single task.
    """
    try:
        pk = int(task_pk)
    except (TypeError, ValueError):
        raise Task.DoesNotExist from None
    if not _active(user):
        raise Task.DoesNotExist
    task, declaration = _task_row(pk)
    if task.owner_id is not None:
        holds = task.owner_id == user.pk or task.owner_id in {p.pk for p in principals_of(user)}  # 代理
        allowed = holds and task.status in IN_HAND and can_view(user, declaration)
    else:
        allowed = task.status == STATUS.NEW and _may_claim(user, task, declaration)
    if not allowed:
        raise Task.DoesNotExist
    return task


@functools.cache
def _task_statement() -> tuple[str, ModelColumns, ModelColumns, ModelColumns, ModelColumns]:
    t, p, o = ModelColumns(Task, "t"), ModelColumns(Process, "p"), ModelColumns(get_user_model(), "o")
    d = ModelColumns(Declaration, "d", only=("id", "unit", "state", "first_submitted_at", "submitted_by"))
    sql = (
        f"SELECT {t.sql}, {p.sql}, {o.sql}, {d.sql}"
        f" FROM {table_name(Task)} t JOIN {table_name(Process)} p ON p.id = t.process_id"
        f" LEFT JOIN {table_name(get_user_model())} o ON o.id = t.owner_id"
        f" JOIN {table_name(Declaration)} d ON d.id = p.artifact_object_id"
        f" WHERE t.id = %s AND p.flow_class = %s"
    )
    return sql, t, p, o, d


def _task_row(pk: int) -> tuple[Task, Declaration]:
    """The task `pk` of the declaration flow, with its process and owner (as `select_related`), and
    its declaration's columns that visibility reads; Task.DoesNotExist when there is none."""
    sql, t, p, o, d = _task_statement()
    with connection.cursor() as cursor:
        cursor.execute(sql, [pk, flow_class_value()])
        row = cursor.fetchone()
    if row is None:
        raise Task.DoesNotExist
    (task, process, owner, declaration), _rest = instances(row, t, p, o, d)
    Task._meta.get_field("process").set_cached_value(task, process)
    Task._meta.get_field("owner").set_cached_value(task, owner)
    return task, declaration


def _may_claim(user: User, task: Task, declaration: Declaration) -> bool:
    """`_Scope.claimable` for one unassigned task (keep the two alike: tests compare them)."""
    if task.owner_permission in (OPERATE, SEAL):  # the task's unit is one of the user's (as leader, to seal)
        mine = unit_ids_of(user, leaders_only=task.owner_permission == SEAL)
        return Unit.objects.filter(pk=task.owner_permission_obj_pk, pk__in=mine).exists()
    if not (task.owner_permission in OFFICE_TASK_PERMS and user.has_perm(task.owner_permission)):
        return False
    if task.flow_task.name in SEPARATED_STEPS and declaration.submitted_by_id == user.pk:
        return False
    return can_view(user, declaration)


def overdue_tasks(user, programme, *, today) -> list[TaskRow]:
    """The dashboard's overdue tasks of `programme`, by unit, the longest overdue first, with who
    holds each (its owner, or 待领取), among the declarations `user` may see: one statement."""
    visible = visibility(user)
    if visible is None:
        return []
    rows = list(
        TaskRow.objects.filter(visible, declaration__programme=programme, status__in=(STATUS.NEW, *IN_HAND), due_on__lt=today)
        .select_related("owner").only("flow_task", "owner__first_name", "owner__username", "owner_permission", "unit_name",
                                      "theme", "declaration", "due_on")
        .order_by("unit_name", "due_on", "pk")
    )
    for row in rows:
        row.holder = (row.owner.first_name or row.owner.username) if row.owner else "待领取"
        row.days_overdue = (today - row.due_on).days
        row.unit_task = (row.owner_permission or "").startswith("units.")
    return rows
