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
