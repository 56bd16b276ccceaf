"""Who is told what (DESIGN §9; the table is in docs/notifications.md).

The services call these functions inside their own transaction. Each writes its messages into
the outbox (`notifications.outbox.write`: the in-app message at once, e-mail and SMS after commit
by a worker) in a constant number of statements, however many declarations or people. Nobody is
told about a declaration they may not see: a unit's people hear about their own unit's
declarations, the office about declarations their unit has submitted (the only ones with office
tasks), exactly as `selectors.declarations_visible_to` decides. Nobody is told of their own action.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from functools import cache

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import F, OuterRef, Subquery
from django.urls import reverse
from django.utils import timezone
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from config.sql import ModelColumns, in_list, table_name
from notifications.models import Kind
from notifications.outbox import Note, write
from units.models import UnitRoleGroup
from units.roles import PERM_OPERATE, PERM_SEAL, Role
from workflow import process
from workflow.deadlines import DRAFTING, due_on
from workflow.handover import substitutes_of
from workflow.models import DeadlineExtension, Declaration, State, TaskDeadline, TaskRow

OPEN = (STATUS.NEW, STATUS.ASSIGNED)
UNIT_ROLES = (Role.OPERATOR, Role.LEADER)
# Who a unit task goes to, by the permission viewflow gives it (flows: `.Permission(…, obj=declaration_unit)`).
ROLES_OF_UNIT_TASK = {f"units.{PERM_OPERATE}": UNIT_ROLES, f"units.{PERM_SEAL}": (Role.LEADER,)}


# ------------------------------------------------------------------ audiences

def _unit_members(unit_ids: Iterable[int]) -> list[tuple[int, str, int]]:
    """(unit id, role, person id) of the active people in these units' role groups: one statement."""
    unit_ids = list(unit_ids)
    if not unit_ids:
        return []
    User = get_user_model()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT urg.unit_id, urg.role, ug.user_id FROM {table_name(UnitRoleGroup)} urg"
            f" JOIN {table_name(User.groups.through)} ug ON ug.group_id = urg.group_id"
            f" JOIN {table_name(User)} u ON u.id = ug.user_id"
            f" WHERE u.is_active = %s AND urg.unit_id IN ({in_list(unit_ids)})",
            [True, *unit_ids],
        )
        return cursor.fetchall()


def unit_people(unit_ids: Iterable[int], roles: Iterable[str] = UNIT_ROLES) -> dict[int, set[int]]:
    """Unit id → the active people holding one of `roles` in it: one statement."""
    roles = set(roles)
    found: dict[int, set[int]] = defaultdict(set)
    for unit_id, role, person in _unit_members(unit_ids):
        if role in roles:
            found[unit_id].add(person)
    return found


def _members_by_role(unit_ids: Iterable[int]) -> dict[tuple[int, str], set[int]]:
    found: dict[tuple[int, str], set[int]] = defaultdict(set)
    for unit_id, role, person in _unit_members(unit_ids):
        found[unit_id, role].add(person)
    return found


def office_people(perms: Iterable[str]) -> dict[str, set[int]]:
    """Permission ("workflow.review_declaration") → the active people holding it through a group or
    directly: one statement. A superuser holds every permission but is told only through a role."""
    perms = sorted(set(perms))
    found: dict[str, set[int]] = defaultdict(set)
    if not perms:
        return found
    User = get_user_model()
    held = (f" JOIN {table_name(Permission)} p ON p.id = {{link}}.permission_id"
            f" JOIN {table_name(ContentType)} ct ON ct.id = p.content_type_id"
            f" WHERE u.is_active = %s AND (ct.app_label || '.' || p.codename) IN ({in_list(perms)})")
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT u.id, ct.app_label || '.' || p.codename FROM {table_name(User)} u"
            f" JOIN {table_name(User.groups.through)} ug ON ug.user_id = u.id"
            f" JOIN {table_name(Group.permissions.through)} gp ON gp.group_id = ug.group_id"
            + held.format(link="gp") +
            f" UNION SELECT u.id, ct.app_label || '.' || p.codename FROM {table_name(User)} u"
            f" JOIN {table_name(User.user_permissions.through)} up ON up.user_id = u.id"
            + held.format(link="up"),
            [True, *perms, True, *perms],
        )
        for person, perm in cursor.fetchall():
            found[perm].add(person)
    return found


def declaration_url(declaration_id: int) -> str:
    return reverse("workflow:declaration", args=[declaration_id])


# ------------------------------------------------------------------ tasks

# The human steps as people call them (reminders, the dashboard).
STEP_LABELS = {
    "seal": "盖章报送", "revise": "修改申报", "review": "审核", "schedule": "排期", "hold": "登记举办情况",
    "summarize": "提交活动总结", "evaluate": "评估打分",
}


def task_audiences(rows: list[TaskRow]) -> list[tuple[set[int], set[int]]]:
    """For each open task (rows with `owner`, `owner_permission`, `unit_id`): who is told of it, and
    who of them may act on it (its owner, or everyone who may claim it). A unit's task is told to
    everyone of the unit holding its permission; an office task to everyone holding its
    permission. At most two statements for any number of tasks."""
    unit_ids = {row.unit_id for row in rows if row.owner_permission in ROLES_OF_UNIT_TASK}
    members = _members_by_role(unit_ids) if unit_ids else {}
    office = office_people({row.owner_permission for row in rows
                            if row.owner_permission and row.owner_permission not in ROLES_OF_UNIT_TASK})
    found = []
    for row in rows:
        if row.owner_permission in ROLES_OF_UNIT_TASK:
            roles = ROLES_OF_UNIT_TASK[row.owner_permission]
            audience = set().union(*(members.get((row.unit_id, role), set()) for role in roles))
        else:
            audience = set(office.get(row.owner_permission, ()))
        may_act = {row.owner_id} if row.owner_id else set(audience)
        found.append((audience | may_act, may_act))
    return found


# What `tasks_opened` reads of each task it announces.
_UNANNOUNCED_FIELDS = ("id", "flow_task", "status", "created", "owner", "owner_permission", "process")


@cache
def _unannounced_statement() -> tuple[str, ModelColumns]:
    t = ModelColumns(Task, "t", only=_UNANNOUNCED_FIELDS)
    previous = Task.previous.through
    return (
        f"SELECT {t.sql}, (SELECT pt.flow_task FROM {table_name(previous)} tp JOIN {table_name(Task)} pt"
        f" ON pt.id = tp.to_task_id WHERE tp.from_task_id = t.id LIMIT 1)"
        f" FROM {table_name(Task)} t WHERE t.status IN ({in_list(OPEN)})"
        f" AND NOT EXISTS (SELECT 1 FROM {table_name(TaskDeadline)} dl WHERE dl.task_id = t.id)"
        f" AND t.process_id IN ({{processes}}) ORDER BY t.id"
    ), t


def _unannounced(process_ids) -> list[Task]:
    """The open tasks of these processes not yet announced (no due date yet), each with the node it
    came from (`after`, as `_gate_before`): one statement, written once (`config.sql`)."""
    sql, t = _unannounced_statement()
    process_ids = list(process_ids)
    with connection.cursor() as cursor:
        cursor.execute(sql.format(processes=in_list(process_ids)), [*map(str, OPEN), *process_ids])
        found = cursor.fetchall()
    rows = []
    for *values, after in found:
        row = t.instance(values)
        row.after = after
        rows.append(row)
    return rows


def _gate_before(task_pk) -> Subquery:
    """The node the task came from (a revise task: after `sealed`, `reviewed`, or a withdrawn `review`)."""
    return Subquery(Task.previous.through.objects.filter(from_task_id=task_pk).values("to_task__flow_task")[:1])


def _extension_of(row_unit, row_programme) -> Subquery:
    return Subquery(DeadlineExtension.objects.filter(unit_id=row_unit, programme_id=row_programme).values("until")[:1])


def _extensions(declarations: list[Declaration]) -> dict[int, object]:
    """Declaration id → the day its unit's deadline was extended to (one statement, none when empty)."""
    if not declarations:
        return {}
    by_key = {(d.unit_id, d.programme_id): d.pk for d in declarations}
    rows = DeadlineExtension.objects.filter(unit_id__in={unit for unit, _ in by_key},
                                            programme_id__in={programme for _, programme in by_key})
    found = {}
    for unit, programme, until in rows.values_list("unit_id", "programme_id", "until"):
        if (unit, programme) in by_key:
            found[by_key[unit, programme]] = until
    return found


def _node_name(node) -> str:
    return getattr(node, "name", None) or str(node or "").rsplit(".", 1)[-1]


def _task_text(step: str, d: Declaration, *, due, after: str) -> tuple[str, str]:
    unit, theme, day = d.unit.name, d.theme or "（未填主题）", f"{due:%Y-%m-%d}"
    by = f"{day}前"
    if step == "seal":
        return f"待盖章报送：{unit}《{theme}》", f"申报表已填好，请单位负责人核对后加盖公章，报送区政务公开办（{by}）。"
    if step == "revise" and after == "reviewed":
        return f"申报被退回：《{theme}》", f"区政务公开办退回了您单位的申报。\n退回理由：{d.return_reason}\n请修改后由单位负责人再次报送（{by}）。"
    if step == "revise" and after == "review":
        return f"申报已撤回，待修改：《{theme}》", f"单位负责人撤回了已报送的申报。请修改后再次报送（{by}）。"
    if step == "revise":
        return f"待修改申报：《{theme}》", f"单位负责人将申报退回填报人修改。请修改后交单位负责人报送（{by}）。"
    if step == "review":
        return f"待审核：{unit}《{theme}》", f"{unit}已盖章报送申报，请审核（{by}）。"
    if step == "schedule":
        return f"待排期：{unit}《{theme}》", f"申报已审核通过，拟于{d.month}月举办，请排入活动计划安排表（{by}）。"
    if step == "hold":
        return (f"已排期：《{theme}》安排在{d.scheduled_month}月",
                f"您单位的主题日活动已排入{d.programme.year}年活动计划安排表，安排在{d.scheduled_month}月。"
                f"请按期举办，并在{day}前登记举办情况（时间、地点、参与人员、会标、LOGO照片、宣传报道）。")
    if step == "summarize":
        return f"待提交活动总结：《{theme}》", f"活动已登记举办。请提交活动总结：做法、成效和可复制推广的经验（{by}）。"
    return f"待评估：{unit}《{theme}》", f"活动已总结，请评估打分（{by}）。"


def tasks_opened(declarations: Iterable[Declaration], *, by=None) -> int:
    """Announce every open task of these declarations' processes that has not been announced yet,
    with its due date: to the person it is assigned to, the people who may claim it (待领取), and
    for a unit's task everyone of the unit holding its permission (the operator's 待办 is also
    the leader's business). Keyed by task: calling it twice announces nothing twice. Returns the
    number of tasks announced. Statements: one to find the tasks, one or two for the people, three
    inserts, whatever the number of declarations."""
    declarations = {d.pk: d for d in declarations}
    if not declarations:
        return 0
    # viewflow's own task table by process: the TaskRow view, filtered on its declaration, scanned
    # every open task of every process (docs/benchmarks.md: the services). A declaration locked by a
    # service carries its process's id (`process_pk`, None: no process, no task).
    known = {d.pk: d.process_pk for d in declarations.values() if hasattr(d, "process_pk")}
    if len(known) == len(declarations):
        of_process = {process_pk: pk for pk, process_pk in known.items() if process_pk}
        if not of_process:
            return 0
        rows = _unannounced(of_process)
    else:
        of_process = None
        rows = list(
            Task.objects.filter(process__in=process.processes_of(declarations), status__in=OPEN, deadline__isnull=True)
            .annotate(declaration_id=F("process__artifact_object_id"), after=_gate_before(OuterRef("pk")))
            .only(*_UNANNOUNCED_FIELDS).order_by("pk")
        )
    if not rows:
        return 0
    for row in rows:
        if of_process is not None:
            row.declaration_id = of_process[row.process_id]
        row.unit_id = declarations[row.declaration_id].unit_id
    extensions = _extensions([declarations[row.declaration_id] for row in rows if row.flow_task.name in DRAFTING])
    deadlines, notes = [], []
    owners = {row.owner_id for row in rows if row.owner_id}
    away = substitutes_of(owners) if owners else {}  # 代理: their substitutes may act on it too
    for row, (audience, may_act) in zip(rows, task_audiences(rows), strict=True):
        may_act = may_act | (away.get(row.owner_id, set()) & audience)
        d = declarations[row.declaration_id]
        step = row.flow_task.name
        due = due_on(step, d, opened_on=timezone.localdate(row.created), extended_until=extensions.get(d.pk))
        deadlines.append(TaskDeadline(task_id=row.pk, due_on=due))
        title, body = _task_text(step, d, due=due, after=_node_name(row.after))
        task_url, page_url = reverse("workflow:task", kwargs={"task_pk": row.pk}), declaration_url(d.pk)
        for person in (audience | may_act) - {getattr(by, "pk", None)}:
            notes.append(Note(person, Kind.TASK, f"task:{row.pk}", title, body,
                              url=task_url if person in may_act else page_url, declaration_id=d.pk))
    TaskDeadline.objects.bulk_create(deadlines, ignore_conflicts=True)
    write(notes)
    return len(deadlines)


def due_dates_changed(declarations: Iterable[Declaration]) -> None:
    """Recompute the due dates of the announced open tasks of `declarations` (after a reschedule or
    a deadline extension)."""
    declarations = {d.pk: d for d in declarations}
    rows = TaskRow.objects.filter(declaration_id__in=list(declarations), status__in=OPEN, due_on__isnull=False).annotate(
        extended_until=_extension_of(OuterRef("unit_id"), OuterRef("declaration__programme_id")),
    ).only("flow_task", "created", "declaration", "unit_id", "due_on")
    for row in rows:
        due = due_on(row.flow_task.name, declarations[row.declaration_id], opened_on=timezone.localdate(row.created),
                     extended_until=row.extended_until)
        if due != row.due_on:
            TaskDeadline.objects.filter(pk=row.pk).update(due_on=due)


# ------------------------------------------------------------------ what happened to a declaration

def _to_unit(declaration: Declaration, *, by, kind: str, cause: str, title: str, body: str, url: str = "",
             required: bool = False) -> None:
    people = unit_people([declaration.unit_id]).get(declaration.unit_id, set()) - {getattr(by, "pk", None)}
    url = url or declaration_url(declaration.pk)
    write([Note(person, kind, cause, title, body, url=url, declaration_id=declaration.pk, required=required)
           for person in sorted(people)])


def transitioned(declaration: Declaration, *, action: str, by, reason: str = "") -> None:
    """After a transition (inside its transaction): tell the unit what the office decided that opens
    no task of theirs — approved, rescheduled (with the reason), cancelled (with the reason). The
    other transitions open a task, announced by `tasks_opened` (returned with the reason, scheduled
    with the month)."""
    theme = declaration.theme or "（未填主题）"
    cause = f"{action}:{declaration.pk}:{declaration.audit_seq}"  # the transition's place in the declaration's chain
    if action == "approve":
        _to_unit(declaration, by=by, kind=Kind.DECISION, cause=cause, title=f"申报已审核通过：《{theme}》",
                 body="区政务公开办已审核通过您单位的申报，将统一排入活动计划安排表并发布。")
    elif action == "reschedule":
        _to_unit(declaration, by=by, kind=Kind.DECISION, cause=cause,
                 title=f"活动排期已调整：《{theme}》改在{declaration.scheduled_month}月",
                 body=f"区政务公开办将您单位的活动调整到{declaration.scheduled_month}月举办。\n调整理由：{reason}")
        due_dates_changed([declaration])
    elif action == "cancel":
        _to_unit(declaration, by=by, kind=Kind.DECISION, cause=cause, title=f"申报已取消：《{theme}》",
                 body=f"区政务公开办取消了您单位的申报。\n取消理由：{reason}")


def deadline_extended(extension: DeadlineExtension, *, by) -> None:
    """The office let a unit submit later: the unit is told, its draft's tasks fall due later."""
    live = Declaration.objects.filter(programme=extension.programme, unit=extension.unit).exclude(
        state=State.CANCELLED).select_related("programme", "unit").first()
    people = unit_people([extension.unit_id]).get(extension.unit_id, set()) - {getattr(by, "pk", None)}
    write([
        Note(person, Kind.DECISION, f"extension:{extension.pk}:{extension.until:%Y%m%d}",
             f"申报截止日期已延至{extension.until:%Y-%m-%d}",
             f"区政务公开办批准{extension.unit.name}延期报送，截止日期延至{extension.until:%Y-%m-%d}（含当日）。\n理由：{extension.reason}",
             url=declaration_url(live.pk) if live else reverse("workflow:start"), declaration_id=live.pk if live else None)
        for person in sorted(people)
    ])
    if live:
        due_dates_changed([live])


def results_released(programme, *, number: int, by) -> None:
    """The office released the assessment (its `number`th release): every unit that took part may
    now read its breakdown."""
    units = dict(Declaration.objects.filter(programme=programme).exclude(state=State.CANCELLED)
                 .values_list("unit_id", "unit__code"))
    notes = []
    for unit_id, people in unit_people(units).items():
        url = reverse("workflow:assessment_unit", kwargs={"code": programme.code, "unit_code": units[unit_id]})
        notes += [Note(person, Kind.RESULTS, f"results:{programme.pk}:{number}", f"{programme.name}考核结果已发布（第{number}次发布）",
                       "区政务公开办已发布本年度主题日活动考核结果，可查看本单位的得分明细。", url=url)
                  for person in sorted(people - {getattr(by, "pk", None)})]
    write(notes)
