"""The permission matrix: every role × every service action × three targets.

Targets are the unit whose declaration (or, for create and grant_extension, whose unit)
the action is aimed at:
- own:    开福区教育局, where the operator and the leader hold their role;
- other:  开福区卫生健康局, where the actor holds no role;
- office: the district office's own unit (kind office), with its own operator and leader.
Office roles and the administrator hold no unit role, so for them the three targets
differ only in whose declaration it is — which must not matter.

Each case first walks the target's declaration, through the real services, into the
state the action needs (edit and submit use a draft the office returned, so the office
can see it and the refusal comes from the role, not from visibility). Then the actor
tries the action, and the case asserts one of:
- allowed: the service returns and the audit trail gains the actor's event;
- NotFound: the actor may not see the declaration (same message as a missing id);
- PermissionRefused: the actor sees it (or the action has no declaration to hide,
  like create, grant_extension and publishing the schedule) but their role may not.
A refusal leaves the declaration's state and audit trail untouched.
"""
from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.contrib.auth.models import AnonymousUser

from tests import factories
from tests.factories import BEFORE_DEADLINE, SUMMARY, content, evidence, person
from units.models import UnitKind
from units.roles import Role
from workflow import bulk, discussion, services
from workflow.actions import Action
from workflow.errors import NotFound, PermissionRefused
from workflow.models import AuditEvent, Comment, DeadlineExtension, Declaration, State

ROLES = ["operator", "leader", "reviewer", "scheduler", "assessor", "administrator"]
ACTIONS = [
    "create", "edit", "hand_over", "submit", "send_back", "withdraw", "return", "approve", "cancel", "grant_extension",
    "schedule", "reschedule", "hold", "summarize", "mark_exemplary", "evaluate",
]
TARGETS = ["own", "other", "office"]

# What each role may do (unit roles only on their own unit).
MAY: dict[str, set[str]] = {
    "operator": {"create", "edit", "hand_over", "hold", "summarize"},
    "leader": {"create", "edit", "hand_over", "hold", "summarize", "submit", "send_back", "withdraw"},
    "reviewer": {"return", "approve", "cancel", "grant_extension"},
    "scheduler": {"schedule", "reschedule", "mark_exemplary"},
    "assessor": {"evaluate"},
    "administrator": set(),
}
UNIT_ROLE_NAMES = {"operator", "leader"}
OFFICE_ROLE_NAMES = {"reviewer", "scheduler", "assessor"}
# Actions aimed at a unit or the programme, not at one declaration: nothing to hide.
NO_DECLARATION = {"create", "grant_extension", "schedule"}

# The state each action needs, reached through the services.
NEEDS = {
    "create": None, "grant_extension": None,
    "edit": "returned", "hand_over": "returned", "submit": "returned", "send_back": "returned",
    "withdraw": "submitted", "return": "submitted", "approve": "submitted", "cancel": "submitted",
    "schedule": "reviewed", "reschedule": "scheduled", "hold": "scheduled",
    "summarize": "held", "mark_exemplary": "summarized", "evaluate": "summarized",
}


def expected(role: str, action: str, target: str) -> type[Exception] | None:
    """None when allowed, else the refusal the service must raise."""
    if action in MAY[role] and (role not in UNIT_ROLE_NAMES or target == "own"):
        return None
    if action in NO_DECLARATION:
        return PermissionRefused
    visible = target == "own" if role in UNIT_ROLE_NAMES else role in OFFICE_ROLE_NAMES
    return PermissionRefused if visible else NotFound


CASES = list(itertools.product(ROLES, ACTIONS, TARGETS))


class Matrix:
    def __init__(self, world):
        self.w = world
        office = factories.UnitFactory(code="kf-office", name="开福区政务公开政务服务工作领导小组办公室",
                                       short_name="区政务公开办", kind=UnitKind.OFFICE)
        self.units = {"own": world.unit, "other": world.other_unit, "office": office}
        self.people = {
            world.unit: (world.operator, world.leader),
            world.other_unit: (world.other_operator, world.other_leader),
            office: (person("office-op", Role.OPERATOR, office), person("office-lead", Role.LEADER, office)),
        }
        self.actors = {
            "operator": world.operator, "leader": world.leader, "reviewer": world.reviewer,
            "scheduler": world.scheduler, "assessor": world.assessor, "administrator": world.administrator,
        }

    def walk(self, unit, state: str) -> Declaration:
        """The unit's declaration in `state`, every step by the person whose job it is."""
        return self.w.declaration(state, unit=unit, people=self.people[unit])

    def perform(self, action: str, by, unit, d: Declaration | None):
        p = self.w.programme
        match action:
            case "create":
                return services.declaration_create(programme=p, unit=unit, by=by, data=content(p, unit))
            case "edit":
                return services.declaration_update(declaration=d, by=by, data={"theme": "惠企政策面对面（修订）"})
            case "hand_over":
                return services.declaration_hand_over(declaration=d, by=by, data={"theme": "惠企政策面对面（修订）"})
            case "submit":
                return services.declaration_submit(declaration=d, by=by, now=BEFORE_DEADLINE)
            case "send_back":
                return services.declaration_send_back(declaration=d, by=by, reason="请补充联系人")
            case "withdraw":
                return services.declaration_withdraw(declaration=d, by=by, reason="需要修改")
            case "return":
                return services.declaration_return(declaration=d, by=by, reason="请补充活动简介。")
            case "approve":
                return services.declaration_approve(declaration=d, by=by)
            case "cancel":
                return services.declaration_cancel(declaration=d, by=by, reason="单位撤并")
            case "grant_extension":
                return services.deadline_extension_grant(programme=p, unit=unit, until=dt.date(2023, 4, 10), reason="材料需补盖公章", by=by)
            case "schedule":
                return services.schedule_publish(programme=p, by=by, months={d.pk: d.month})
            case "reschedule":
                return services.declaration_reschedule(declaration=d, by=by, month=6, reason="与区级会议冲突")
            case "hold":
                return services.declaration_hold(declaration=d, by=by, evidence=evidence(p, unit))
            case "summarize":
                return services.declaration_summarize(declaration=d, by=by, summary=SUMMARY)
            case "mark_exemplary":
                return services.declaration_mark_exemplary(declaration=d, by=by)
            case "evaluate":
                return services.declaration_evaluate(declaration=d, by=by, scores={"quality": 8}, comment="组织有序")
        raise AssertionError(action)


@pytest.mark.parametrize(("role", "action", "target"), CASES, ids=[f"{r}-{a}-{t}" for r, a, t in CASES])
def test_permission_matrix(world, role, action, target):
    m = Matrix(world)
    unit, actor = m.units[target], m.actors[role]
    d = m.walk(unit, NEEDS[action]) if NEEDS[action] else None
    state_before = d.state if d else None
    events_before = AuditEvent.objects.count()
    outcome = expected(role, action, target)

    if outcome is None:
        m.perform(action, actor, unit, d)
        last = AuditEvent.objects.order_by("-id").first()
        assert (last.action, last.actor_id, last.unit_id) == (action, actor.pk, unit.pk)
        if action == "create":
            assert Declaration.objects.get(unit=unit).state == State.DRAFTED
        elif action == "grant_extension":
            assert DeadlineExtension.objects.get(unit=unit).until == dt.date(2023, 4, 10)
        return

    with pytest.raises(outcome) as refused:
        m.perform(action, actor, unit, d)
    if outcome is NotFound:
        assert refused.value.message == NotFound().message == "未找到该申报，或您无权查看。"
    else:
        assert refused.value.message.startswith("只有"), refused.value.message
    assert AuditEvent.objects.count() == events_before
    if d is not None:
        assert Declaration.objects.get(pk=d.pk).state == state_before
    if action == "create":
        assert not Declaration.objects.filter(unit=unit).exists()


# ------------------------------------------------------------------ 转办, 抄送, 代理 (issue 21)
#
# The same roles and targets for the handover services (workflow.handover):
# - transfer: the target unit's returned draft, whose revise task its operator holds, handed to the
#   unit's leader (who holds the task's role): its holder and the office's reviewers may;
# - copy_in: the target unit's submitted declaration, copied to its operator (who sees it): the
#   unit's leader and the office's reviewers may;
# - substitute: the actor names a colleague holding exactly their roles — in the target unit for
#   unit roles, so another unit's colleague is refused (RuleViolation) — office roles anywhere.

from workflow import handover  # noqa: E402
from workflow.errors import RuleViolation  # noqa: E402
from workflow.process import process_of  # noqa: E402

HANDOVER_ACTIONS = ["transfer", "copy_in", "substitute"]
HANDOVER_MAY = {"operator": {"transfer"}, "leader": {"copy_in"}, "reviewer": {"transfer", "copy_in"}}
HANDOVER_CASES = list(itertools.product(ROLES, HANDOVER_ACTIONS, TARGETS))


def handover_expected(role: str, action: str, target: str) -> type[Exception] | None:
    if action == "substitute":
        if role == "administrator":
            return RuleViolation  # no role to hand on
        return None if role in OFFICE_ROLE_NAMES or target == "own" else RuleViolation
    if action in HANDOVER_MAY.get(role, set()) and (role not in UNIT_ROLE_NAMES or target == "own"):
        return None
    visible = target == "own" if role in UNIT_ROLE_NAMES else role in OFFICE_ROLE_NAMES
    return PermissionRefused if visible else NotFound


def twin(m: Matrix, role: str, unit):
    """Someone holding exactly `role` (in `unit` for a unit role)."""
    if role in UNIT_ROLE_NAMES:
        return person(f"twin-{role}-{unit.code}", Role.OPERATOR if role == "operator" else Role.LEADER, unit)
    if role in OFFICE_ROLE_NAMES:
        return person(f"twin-{role}", {"reviewer": Role.REVIEWER, "scheduler": Role.SCHEDULER, "assessor": Role.ASSESSOR}[role])
    return person("twin-nobody", Role.ADMINISTRATOR)


@pytest.mark.parametrize(("role", "action", "target"), HANDOVER_CASES, ids=[f"{r}-{a}-{t}" for r, a, t in HANDOVER_CASES])
def test_handover_permission_matrix(world, role, action, target):
    m = Matrix(world)
    unit, actor = m.units[target], m.actors[role]
    operator, leader = m.people[unit]
    if action == "transfer":
        d = m.walk(unit, "returned")
        task = process_of(d).task_set.get(flow_task__endswith=".revise", status="ASSIGNED")
        assert task.owner_id == operator.pk  # the operator holds it: the world's operator only in their own unit

        def perform():
            return handover.task_transfer(task=task.pk, to=leader, by=actor, reason="外出")
    elif action == "copy_in":
        d = m.walk(unit, "submitted")

        def perform():
            return handover.copy_in(declaration=d, to=operator, by=actor)
    else:
        substitute, today = twin(m, role, unit), dt.date.today()

        def perform():
            return handover.substitute_name(person=actor, substitute=substitute, starts=today, ends=today)
    events_before = AuditEvent.objects.count()
    outcome = handover_expected(role, action, target)

    if outcome is None:
        perform()
        last = AuditEvent.objects.order_by("-id").first()
        assert (last.action, last.actor_id) == ({"substitute": "name_substitute"}.get(action, action), actor.pk)
        return
    with pytest.raises(outcome):
        perform()
    assert AuditEvent.objects.count() == events_before


def test_a_substitute_whose_range_has_ended_sees_and_does_nothing_for_the_person(world, client):
    """Pages and API alike: the person's task is neither listed nor opened for an expired substitute,
    and what they do in their own right is not recorded on the person's behalf."""
    from rest_framework.authtoken.models import Token

    from workflow import inbox
    from workflow.models import Substitution

    today = dt.date.today()
    op2 = person("edu-op2", Role.OPERATOR, world.unit)
    d = world.declaration("returned")
    task = process_of(d).task_set.get(flow_task__endswith=".revise", status="ASSIGNED")
    Substitution.objects.create(person=world.operator, substitute=op2, starts=today - dt.timedelta(days=10),
                                ends=today - dt.timedelta(days=1))
    client.force_login(op2)
    assert client.get(f"/tasks/{task.pk}/").status_code == 404
    assert f"/tasks/{task.pk}/" not in client.get("/inbox/").content.decode()
    token, _ = Token.objects.get_or_create(user=op2)
    listed = client.get("/api/tasks/", HTTP_AUTHORIZATION=f"Token {token.key}").json()
    assert task.pk not in [row["id"] for row in listed["results"]]
    with pytest.raises(PermissionRefused):
        handover.task_transfer(task=task.pk, to=world.leader, by=op2, reason="代办")
    assert not inbox.tasks_for(op2).exists()

    Substitution.objects.create(person=world.operator, substitute=op2, starts=today, ends=today)  # in force: it shows
    assert client.get(f"/tasks/{task.pk}/").status_code == 200


def test_a_substitute_in_force_for_one_unit_gains_nothing_in_another(world):
    """A substitution never crosses units: another unit's leader cannot be named, and a person's
    substitute sees only the tasks of declarations they could see anyway."""
    from viewflow.workflow.models import Task

    from workflow import inbox
    from workflow.models import Substitution

    today = dt.date.today()
    with pytest.raises(RuleViolation):
        handover.substitute_name(person=world.operator, substitute=world.other_operator, starts=today, ends=today)
    # Even a substitution written around the service (say, by hand in the database) shows nothing.
    Substitution.objects.create(person=world.operator, substitute=world.other_operator, starts=today, ends=today)
    d = world.declaration("returned")
    task = process_of(d).task_set.get(flow_task__endswith=".revise", status="ASSIGNED")
    assert not inbox.tasks_for(world.other_operator).exists()
    with pytest.raises(Task.DoesNotExist):
        inbox.task_for(world.other_operator, task.pk)
    with pytest.raises(NotFound):
        handover.task_transfer(task=task.pk, to=world.leader, by=world.other_operator, reason="代办")
    with pytest.raises(NotFound):
        services.declaration_hand_over(declaration=d, by=world.other_operator)


@pytest.mark.parametrize("path", ["/substitutes/", "/copied/", "/tasks/1/transfer/"])
def test_the_handover_pages_send_anonymous_visitors_to_the_login_page(client, db, path):
    response = client.get(path)
    assert response.status_code == 302 and response.url.startswith("/login/")


@pytest.mark.parametrize("path", ["/api/tasks/1/transfer/", "/api/declarations/1/copy-in/"])
def test_the_handover_api_answers_anonymous_callers_401(client, db, path):
    assert client.post(path, {}, content_type="application/json").status_code == 401
# ------------------------------------------------------------------ comments and bulk (issue 21)

# Every role × comments, office-only notes and the bulk actions × the three targets. A comment is
# for whoever may see the declaration; an office-only note for the office alone; the bulk review
# and 催报 for reviewers, refused as a whole (403) to anyone else before any item is touched.
DISCUSSION_ACTIONS = ["comment", "read_comments", "office_note", "bulk_approve", "bulk_return", "bulk_urge"]
BULK = {"bulk_approve", "bulk_return", "bulk_urge"}
DISCUSSION_CASES = list(itertools.product(ROLES, DISCUSSION_ACTIONS, TARGETS))


def discussion_expected(role: str, action: str, target: str) -> type[Exception] | None:
    if action in BULK:
        return None if role == "reviewer" else PermissionRefused
    visible = target == "own" if role in UNIT_ROLE_NAMES else role in OFFICE_ROLE_NAMES
    if not visible:
        return NotFound
    if action == "office_note" and role not in OFFICE_ROLE_NAMES:
        return PermissionRefused
    return None


def _discuss(action: str, by, m: Matrix, unit, d: Declaration):
    match action:
        case "comment":
            return discussion.comment_post(declaration=d, by=by, body="请补充活动简介。")
        case "office_note":
            return discussion.comment_post(declaration=d, by=by, body="内部：材料待核实", office_only=True)
        case "read_comments":
            return list(discussion.comments_of(by, d.pk))
        case "bulk_approve":
            return bulk.review(ids=[d.pk], by=by, action=Action.APPROVE)
        case "bulk_return":
            return bulk.review(ids=[d.pk], by=by, action=Action.RETURN, reason="请补充活动简介。")
        case "bulk_urge":  # a unit that has not declared yet: the 催报 list's kind
            return bulk.urge(unit_ids=[m.undeclared.pk], by=by, programme=m.w.programme)
    raise AssertionError(action)


@pytest.mark.parametrize(("role", "action", "target"), DISCUSSION_CASES, ids=[f"{r}-{a}-{t}" for r, a, t in DISCUSSION_CASES])
def test_permission_matrix_of_comments_and_bulk(world, role, action, target):
    m = Matrix(world)
    unit, actor = m.units[target], m.actors[role]
    d = m.walk(unit, "submitted")
    note = discussion.comment_post(declaration=d, by=world.reviewer, body="内部备注：仅办公室可见", office_only=True).comment
    m.undeclared, _people = factories.unit_with_people("kf-fresh", "开福区未申报局")
    comments_before, events_before = Comment.objects.count(), AuditEvent.objects.count()
    outcome = discussion_expected(role, action, target)

    if outcome is None:
        result = _discuss(action, actor, m, unit, d)
        if action == "read_comments":  # the unit reads no office-only note; the office reads it
            assert (note in result) == (role in OFFICE_ROLE_NAMES)
        elif action in BULK:
            [item] = result
            assert item.ok, item.message
        else:
            assert Comment.objects.count() == comments_before + 1
            assert AuditEvent.objects.latest("id").actor_id == actor.pk
        return

    with pytest.raises(outcome) as refused:
        _discuss(action, actor, m, unit, d)
    if outcome is NotFound:
        assert refused.value.message == "未找到该申报，或您无权查看。"
    else:
        assert refused.value.message.startswith("只有"), refused.value.message
    assert Comment.objects.count() == comments_before and AuditEvent.objects.count() == events_before
    assert Declaration.objects.get(pk=d.pk).state == State.SUBMITTED


def test_the_public_may_neither_comment_nor_act_in_bulk(world):

    d = world.declaration("submitted")
    with pytest.raises(NotFound):
        discussion.comment_post(declaration=d, by=AnonymousUser(), body="看看")
    with pytest.raises(NotFound):
        discussion.comments_of(AnonymousUser(), d.pk)
    with pytest.raises(PermissionRefused, match="请先登录"):
        bulk.review(ids=[d.pk], by=AnonymousUser(), action=Action.APPROVE)
    with pytest.raises(PermissionRefused, match="请先登录"):
        bulk.urge(unit_ids=[world.unit.pk], by=AnonymousUser(), programme=world.programme)
