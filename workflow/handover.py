"""转办, 代理 and 抄送: handing work to a colleague who may already do it (issue 21).

Each is one service, in one transaction, audited, with its messages written in that transaction:
- `task_transfer` (转办): the holder of an open human task (or the office's reviewers, for any
  stuck task) hands it to a named colleague holding the task's own role for the declaration's
  unit (or the same office role), with a reason.
- `substitute_name` / `substitute_end` (代理): a person names a substitute holding the same roles
  for a date range; during it the person's assigned tasks also show in the substitute's 待办
  (`holder_ids`, read by `workflow.inbox`), and what the substitute does in those roles is
  recorded as done on the person's behalf (`acting_for`, read by `workflow.services._perform`).
- `copy_in` (抄送): the unit's leader or the office's reviewers copy in someone who may already see
  the declaration.

None of them lets anyone see or act on a unit they could not before: a transfer target and a
substitute must already hold the role, a copied-in person must already see the declaration, and
the services still authorise every action by the actor's own roles.
"""
from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models.expressions import RawSQL
from django.urls import reverse
from django.utils import timezone
from viewflow.workflow.status import STATUS

from notifications.models import Kind
from notifications.outbox import Note, write
from policies.rules import NON_FIELD, Problem
from units.models import UnitRoleGroup
from units.roles import OPERATE, REVIEW, SCHEDULE, SEAL, Role
from workflow import audit, locking, process
from workflow.actions import ACTIONS, Action
from workflow.errors import NotFound, PermissionRefused, RuleViolation, TransitionConflict
from workflow.models import CopyIn, Declaration, Substitution
from workflow.permissions import OFFICE_PERMS, can, can_view, has_unit_perm, may_take

if TYPE_CHECKING:
    from django.contrib.auth.models import User

TASK_NOT_FOUND = "未找到该任务，或您无权查看。"
OPEN = (STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED)
# Who may hold a task, by the permission viewflow gives it (workflow.flows), as the refusals name them.
HOLDERS = {
    OPERATE: "填报人或负责人", SEAL: "单位负责人（公章）",
    REVIEW: "区政务公开办审核人员", SCHEDULE: "区政务公开办统筹人员", "workflow.evaluate_declaration": "考核评估人员",
}
ROLE_LABELS = {role.value: role.label for role in Role}


def step_label(task) -> str:
    """The task's step as people call it (盖章报送, 审核 …)."""
    from workflow.notify import STEP_LABELS  # notify tells substitutes through this module

    return STEP_LABELS.get(task.flow_task.name, str(task.flow_task.task_title))


def name_of(user) -> str:
    return (user.get_full_name() or user.first_name or user.username) if user else "—"


def _today(today: dt.date | None = None) -> dt.date:
    return today or timezone.localdate()


def find_person(value, *, field: str = "to") -> User:
    """The person named by a username or an id, as typed into a form or sent to the API."""
    User = get_user_model()
    text = str(value or "").strip()
    if not text:
        raise RuleViolation.single(field, "请填写人员（用户名）。", f"{field}_required")
    found = User.objects.filter(username=text).first()
    if found is None and text.isdigit() and len(text) < 12:
        found = User.objects.filter(pk=int(text)).first()
    if found is None:
        raise RuleViolation.single(field, f"未找到人员“{text[:50]}”，请核对用户名。", f"{field}_unknown")
    return found


def _reason(reason: str, label: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise RuleViolation.single("reason", f"请填写{label}理由。", "reason_required")
    if len(reason) > 2000:
        raise RuleViolation.single("reason", f"{label}理由不能超过2000个字。", "reason_too_long")
    return reason


# ------------------------------------------------------------------ 代理: who acts for whom

def holder_ids(person_id: int, today) -> RawSQL:
    """`person_id` and the people whose substitute they are on `today`, as a subquery: the inbox's
    待办 takes their assigned tasks too, in the same one statement. One `IN` over this small set
    lets PostgreSQL read the tasks by owner; `owner = me OR owner IN (…)` made it read every
    assigned task of the district (docs/benchmarks.md: the inbox page)."""
    table = Substitution._meta.db_table
    return RawSQL(
        f"SELECT %s UNION ALL SELECT s.person_id FROM {table} s WHERE s.substitute_id = %s AND s.starts <= %s "
        "AND s.ends >= %s AND s.ended_at IS NULL", [person_id, person_id, today, today],
    )


def active(today: dt.date | None = None):
    day = _today(today)
    return Substitution.objects.filter(starts__lte=day, ends__gte=day, ended_at__isnull=True)


def principals_of(user: User, today: dt.date | None = None) -> list[User]:
    """The people `user` substitutes for today (active people only), by id."""
    if not (user and user.is_authenticated and user.is_active):
        return []
    ids = active(today).filter(substitute=user).values("person_id")
    return list(get_user_model().objects.filter(pk__in=ids, is_active=True).order_by("pk"))


def substitutes_of(person_ids, today: dt.date | None = None) -> dict[int, set[int]]:
    """Person id → the ids of their substitutes today: one statement."""
    found: dict[int, set[int]] = {}
    for person, substitute in active(today).filter(person_id__in=list(person_ids), substitute__is_active=True) \
            .values_list("person_id", "substitute_id"):
        found.setdefault(person, set()).add(substitute)
    return found


def acting_for(by: User, action: Action, declaration: Declaration, *, step: str | None = None) -> User | None:
    """Whom `by` acts for when doing `action` on `declaration`: the person they substitute for today
    who may do it themselves (the one the action's open task is assigned to first), or None.

    During the range, whatever the substitute does in a role they share with the person is done on
    the person's behalf (代…办理); they need (and are checked for) that role themselves.
    """
    if not getattr(declaration, "by_substitutes", True):  # read with the locked row (services._lock)
        return None
    principals = principals_of(by)
    if not principals:
        return None
    owner_id = None
    if step and (process_pk := getattr(declaration, "process_pk", None)):
        owner_id = process.open_task_owner(process_pk, step)
    principals.sort(key=lambda p: p.pk != owner_id)
    return next((p for p in principals if can(p, action, declaration)), None)


def behalf(principal: User | None) -> dict:
    """What an audit event's payload (`changed`) carries for an action done on someone's behalf."""
    return {"on_behalf_of": {"id": principal.pk, "username": principal.username, "name": name_of(principal)}} if principal else {}


def roles_of(user: User) -> set[tuple]:
    """The roles `user` holds: (unit id, role) for unit roles, ("office", permission) for office roles."""
    units = {(unit_id, role) for unit_id, role in
             UnitRoleGroup.objects.filter(group__user=user).values_list("unit_id", "role")}
    perms = user.get_all_permissions() if not user.is_superuser else set()
    return units | {("office", perm) for perm in OFFICE_PERMS if perm in perms}


def _role_text(role: tuple, units: dict) -> str:
    where, what = role
    if where == "office":
        return HOLDERS.get(what, what)
    return f"{units.get(where, '')}{ROLE_LABELS.get(what, what)}"


def substitute_name(*, person: User, substitute, starts, ends, by: User | None = None,
                    today: dt.date | None = None) -> Substitution:
    """The person names a substitute for `starts`–`ends` (both included). Refused, with a Chinese
    message per field: an unknown, inactive or same person; a substitute without every role the
    person holds (same unit for unit roles); an end before the start or before today; a range
    overlapping one of the person's other substitutions."""
    by = by or person
    if by.pk != person.pk:
        raise PermissionRefused("只能为自己设置代理人。")
    day = _today(today)
    problems: list[Problem] = []
    try:
        substitute = substitute if hasattr(substitute, "pk") else find_person(substitute, field="substitute")
    except RuleViolation as error:
        problems += error.problems
        substitute = None
    if not starts:
        problems.append(Problem("starts", "请填写开始日期。", "starts_required"))
    if not ends:
        problems.append(Problem("ends", "请填写结束日期。", "ends_required"))
    if starts and ends and ends < starts:
        problems.append(Problem("ends", "结束日期不能早于开始日期。", "ends_before_starts"))
    elif ends and ends < day:
        problems.append(Problem("ends", "结束日期不能早于今天。", "ends_past"))
    with transaction.atomic():
        get_user_model().objects.select_for_update().filter(pk=person.pk).exists()  # one naming at a time
        if substitute is not None:
            problems += _substitute_problems(person, substitute)
        if starts and ends and not problems:
            clash = (Substitution.objects.filter(person=person, ended_at__isnull=True, ends__gte=day)
                     .filter(starts__lte=ends, ends__gte=starts).select_related("substitute").first())
            if clash:
                problems.append(Problem(NON_FIELD, f"与已有的代理设置（{clash.starts:%Y-%m-%d}至{clash.ends:%Y-%m-%d}，"
                                                   f"代理人{name_of(clash.substitute)}）时间重叠。", "substitution_overlap"))
        if problems:
            raise RuleViolation(problems)
        made = Substitution.objects.create(person=person, substitute=substitute, starts=starts, ends=ends)
        audit.record(action="name_substitute", actor=by, changed={
            "person": person.username, "substitute": substitute.username, "starts": starts, "ends": ends,
        })
        write([Note(substitute.pk, Kind.TASK, f"substitute:{made.pk}", f"{name_of(person)}请您代理办理",
                    f"{name_of(person)}在{starts:%Y-%m-%d}至{ends:%Y-%m-%d}期间请您代为办理其待办任务；"
                    f"期间其任务也会出现在您的待办中，您办理的事项记为“代{name_of(person)}办理”。",
                    url=reverse("workflow:substitutes"))])
    return made


def _substitute_problems(person: User, substitute: User) -> list[Problem]:
    if substitute.pk == person.pk:
        return [Problem("substitute", "不能指定自己为代理人。", "substitute_self")]
    if not substitute.is_active:
        return [Problem("substitute", f"{name_of(substitute)}的账号已停用，不能担任代理人。", "substitute_inactive")]
    mine = roles_of(person)
    if not mine:
        return [Problem("substitute", "您没有需要代理的角色。", "no_roles")]
    missing = mine - roles_of(substitute)
    if missing:
        units = dict(UnitRoleGroup.objects.filter(unit_id__in=[u for u, _ in missing if u != "office"])
                     .values_list("unit_id", "unit__name"))
        what = "、".join(sorted(_role_text(role, units) for role in missing))
        return [Problem("substitute", f"代理人须与您担任相同的角色：{name_of(substitute)}不是{what}。", "substitute_role")]
    return []


def substitute_end(*, substitution, by: User, today: dt.date | None = None) -> Substitution:
    """The person ends a substitution now (one not yet over); from then on the substitute sees and
    may do nothing more on their behalf."""
    with transaction.atomic():
        found = Substitution.objects.select_for_update().filter(pk=getattr(substitution, "pk", substitution)).first()
        if found is None or found.person_id != getattr(by, "pk", None):
            raise NotFound("未找到该代理设置。")
        if found.ended_at is not None or found.ends < _today(today):
            raise TransitionConflict("该代理已结束。")
        found.ended_at = timezone.now()
        found.save(update_fields=["ended_at"])
        audit.record(action="end_substitute", actor=by, changed={
            "person": by.username, "substitute": found.substitute.username, "starts": found.starts, "ends": found.ends,
        })
    return found


# ------------------------------------------------------------------ 转办

def transferable(user: User, task_id):
    """The open task `user` may transfer and its declaration (for the transfer page); NotFound when
    they may not see it, PermissionRefused when they see it but do not hold it (nor are the office)."""
    found = process.task_of(task_id)
    if found is None:
        raise NotFound(TASK_NOT_FOUND)
    declaration = Declaration.objects.select_related("unit", "programme").filter(pk=found.process.artifact_object_id).first()
    if declaration is None or not can_view(user, declaration):
        raise NotFound(TASK_NOT_FOUND)
    _may_transfer(user, found)
    return found, declaration


def _may_transfer(user: User, task) -> None:
    if task.status not in OPEN:
        raise TransitionConflict("该任务已办结，不能转办。")
    if task.owner_id is not None and (task.owner_id == user.pk or task.owner_id in {p.pk for p in principals_of(user)}):
        return
    if user.has_perm(REVIEW):
        return
    raise PermissionRefused("只有正在办理该任务的人（或区政务公开办审核人员）可以转办。")


def candidates(task, declaration: Declaration) -> list[User]:
    """The colleagues the task may go to (the transfer page's suggestions)."""
    User = get_user_model()
    perm = task.owner_permission
    if perm in (OPERATE, SEAL):
        roles = (Role.LEADER,) if perm == SEAL else (Role.OPERATOR, Role.LEADER)
        people = User.objects.filter(groups__unit_role__unit=declaration.unit, groups__unit_role__role__in=roles)
    else:
        code = (perm or "").split(".", 1)[-1]
        people = User.objects.filter(groups__permissions__codename=code)
    return list(people.filter(is_active=True).exclude(pk=task.owner_id).distinct().order_by("username"))


def _target_problems(target: User, *, by: User, task, declaration: Declaration) -> list[Problem]:
    step = step_label(task)
    name, perm, unit = name_of(target), task.owner_permission, declaration.unit
    if target.pk == by.pk:
        return [Problem("to", "不能转办给自己。", "transfer_self")]
    if not target.is_active:
        return [Problem("to", f"{name}的账号已停用，不能接收转办。", "transfer_inactive")]
    if target.pk == task.owner_id:
        return [Problem("to", f"该任务已由{name}办理，无需转办。", "transfer_same_holder")]
    if perm in (OPERATE, SEAL):
        if not UnitRoleGroup.objects.filter(unit=unit, group__user=target).exists():
            return [Problem("to", f"只能转办给{unit.name}的同事：{name}不是该单位人员。", "transfer_other_unit")]
        if not has_unit_perm(target, perm.split(".", 1)[1], unit):
            return [Problem("to", f"{name}不是{unit.name}的{HOLDERS[perm]}，不能办理“{step}”。", "transfer_role")]
    elif not (perm and target.has_perm(perm)):
        return [Problem("to", f"{name}不是{HOLDERS.get(perm, '有权办理的人员')}，不能办理“{step}”。", "transfer_role")]
    if not may_take(target, task.flow_task.name, declaration):
        return [Problem("to", f"{name}报送了这份申报，不能办理“{step}”（职责分离）。", "transfer_separation")]
    return []


def task_transfer(*, task, to, by: User, reason: str = "") -> int:
    """转办: the open task goes to `to` (a username, an id or a person), assigned to them, with the
    reason; audited on the declaration's chain (`transfer`: the step, the task, from whom to whom)
    and told to the new holder (and to the one it was taken from, when the office moved it).
    Returns the task's id."""
    found = process.task_of(task)
    if found is None:
        raise NotFound(TASK_NOT_FOUND)
    with transaction.atomic():
        locked = locking.declaration_for_update(found.process.artifact_object_id)
        if not can_view(by, locked):
            raise NotFound(TASK_NOT_FOUND)
        with process.locked({locked.pk: locked.process_pk}):
            held = process.task_of(found.pk)  # as it is now that nobody else may move it
            _may_transfer(by, held)
            problems: list[Problem] = []
            try:
                reason = _reason(reason, ACTIONS[Action.TRANSFER].label)
            except RuleViolation as error:
                problems += error.problems
            try:
                target = to if hasattr(to, "pk") else find_person(to)
            except RuleViolation as error:
                problems += error.problems
            else:
                problems += _target_problems(target, by=by, task=held, declaration=locked)
            if problems:
                raise RuleViolation(problems)
            previous = held.owner
            step = step_label(held)
            on_behalf = previous if previous and previous.pk != by.pk and previous.pk in {p.pk for p in principals_of(by)} else None
            audit.record(
                action=Action.TRANSFER.value, actor=by, declaration=locked, from_state=locked.state, to_state=locked.state,
                reason=reason, changed={"step": step, "task": held.pk,
                                        "owner": [previous.username if previous else None, target.username], **behalf(on_behalf)},
            )
            locked.save(update_fields=["updated_at", *audit.AUDIT_HEAD_FIELDS])
            process.hand_to(held, target)
            theme, cause = locked.theme or "（未填主题）", f"transfer:{held.pk}:{locked.audit_seq}"
            notes = [Note(target.pk, Kind.TASK, cause, f"转办给您：{step}《{theme}》",
                          f"{name_of(by)}将{locked.unit.name}申报的“{step}”任务转办给您。\n转办理由：{reason}",
                          url=reverse("workflow:task", kwargs={"task_pk": held.pk}), declaration_id=locked.pk)]
            if previous and previous.pk not in (by.pk, target.pk):
                notes.append(Note(previous.pk, Kind.TASK, cause, f"您的任务已转办：{step}《{theme}》",
                                  f"{name_of(by)}将您的“{step}”任务转办给{name_of(target)}。\n转办理由：{reason}",
                                  url=reverse("workflow:declaration", args=[locked.pk]), declaration_id=locked.pk))
            write(notes)
    return found.pk


# ------------------------------------------------------------------ 抄送

def may_copy_in(user: User, declaration: Declaration) -> bool:
    """The unit's leader (`ACTIONS[COPY_IN]`), or the office's reviewers (who see the declaration)."""
    return can(user, Action.COPY_IN, declaration) or (can_view(user, declaration) and user.has_perm(REVIEW))


def copy_in(*, declaration, to, by: User, note: str = "") -> CopyIn:
    """抄送: `to` (who may already see the declaration) finds it in their 抄送我的 tab and gets a
    message; audited on the declaration's chain (`copy_in`). Refused: anyone who may not see that
    unit's declarations, oneself, someone already copied in."""
    with transaction.atomic():
        locked = locking.declaration_for_update(declaration)
        if not can_view(by, locked):
            raise NotFound()
        if not may_copy_in(by, locked):
            raise PermissionRefused("只有本单位负责人或区政务公开办审核人员可以抄送。")
        note = (note or "").strip()
        if len(note) > 500:
            raise RuleViolation.single("note", "附言不能超过500个字。", "note_too_long")
        target = to if hasattr(to, "pk") else find_person(to)
        name = name_of(target)
        if target.pk == by.pk:
            raise RuleViolation.single("to", "不能抄送给自己。", "copy_self")
        if not can_view(target, locked):
            raise RuleViolation.single("to", f"{name}无权查看{locked.unit.name}的这份申报，不能抄送（只能抄送本单位同事或区政务公开办人员）。",
                                       "copy_not_visible")
        if CopyIn.objects.filter(declaration=locked, person=target).exists():
            raise RuleViolation.single("to", f"已抄送给{name}。", "copy_exists")
        made = CopyIn.objects.create(declaration=locked, person=target, by=by, note=note)
        audit.record(action=Action.COPY_IN.value, actor=by, declaration=locked, from_state=locked.state,
                     to_state=locked.state, reason=note, changed={"person": [None, target.username]})
        locked.save(update_fields=["updated_at", *audit.AUDIT_HEAD_FIELDS])
        theme = locked.theme or "（未填主题）"
        write([Note(target.pk, Kind.DECISION, f"copy_in:{locked.pk}:{target.pk}", f"抄送：{locked.unit.name}《{theme}》",
                    f"{name_of(by)}将这份申报抄送给您，请知悉。" + (f"\n附言：{note}" if note else ""),
                    url=reverse("workflow:declaration", args=[locked.pk]), declaration_id=locked.pk)])
    return made


def mark_read(user: User, declaration: Declaration) -> None:
    """The person opened a declaration they were copied in on: 抄送我的 shows it as read."""
    CopyIn.objects.filter(declaration=declaration, person=user, read_at__isnull=True).update(read_at=timezone.now())


def copied_to(user: User):
    """抄送我的: the copies to `user` of declarations they may (still) see, newest first; one statement."""
    from workflow.selectors import declarations_visible_to  # selectors read this module's models only

    visible = declarations_visible_to(user).values("pk")
    return (CopyIn.objects.filter(person=user, declaration__in=visible)
            .select_related("declaration__unit", "by").order_by("-at", "-pk"))
