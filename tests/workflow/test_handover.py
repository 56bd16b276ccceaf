"""转办, 代理 and 抄送 through their services (workflow.handover): who may, what each refusal says,
what the new holder, the substitute and the copied-in person see, and what the audit trail keeps."""
from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from notifications.models import Kind, Message
from tests.factories import BEFORE_DEADLINE, person
from units.roles import Role
from workflow import handover, inbox, services
from workflow.errors import NotFound, PermissionRefused, RuleViolation, TransitionConflict
from workflow.models import AuditEvent, CopyIn, Substitution
from workflow.process import process_of
from workflow.views.content import history_rows

pytestmark = pytest.mark.django_db


def open_task(declaration, step: str) -> Task:
    return process_of(declaration).task_set.get(flow_task__endswith=f".{step}", status__in=(STATUS.NEW, STATUS.ASSIGNED))


def refused(call) -> dict:
    with pytest.raises(RuleViolation) as error:
        call()
    return error.value.by_field()


# ------------------------------------------------------------------ 转办

def test_the_holder_transfers_a_task_to_a_colleague_of_the_same_unit_and_role(world):
    colleague = person("edu-op2", Role.OPERATOR, world.unit)
    d = world.declaration("returned")
    revise = open_task(d, "revise")
    assert revise.owner_id == world.operator.pk

    handover.task_transfer(task=revise.pk, to="edu-op2", by=world.operator, reason="本人出差一周")

    assert [t.pk for t in inbox.tasks_for(colleague)] == [revise.pk]
    assert not inbox.tasks_for(world.operator).exists()
    event = AuditEvent.objects.filter(declaration=d).latest("seq")
    assert (event.action, event.actor_id, event.reason) == ("transfer", world.operator.pk, "本人出差一周")
    assert event.changed["owner"] == ["edu-op", "edu-op2"]
    message = Message.objects.get(recipient=colleague, cause__startswith="transfer:")
    assert message.kind == Kind.TASK and message.url == f"/tasks/{revise.pk}/" and "本人出差一周" in message.body
    assert [row["label"] for row in history_rows(d)][-1] == "转办"
    # the colleague completes it: the flow moves on as usual
    services.declaration_hand_over(declaration=d, by=colleague)


def test_a_transfer_is_refused_with_a_chinese_reason_for_each_wrong_target(world):
    inactive = person("edu-op-gone", Role.OPERATOR, world.unit)
    inactive.is_active = False
    inactive.save()
    d = world.declaration("returned")
    revise = open_task(d, "revise")
    count = AuditEvent.objects.count()

    def attempt(to, reason="出差"):
        return refused(lambda: handover.task_transfer(task=revise.pk, to=to, by=world.operator, reason=reason))

    assert "不是该单位人员" in attempt("health-op")["to"][0]
    assert "不能转办给自己" in attempt("edu-op")["to"][0]
    assert "已停用" in attempt("edu-op-gone")["to"][0]
    assert "不是区政务公开办" not in attempt("reviewer")["to"][0]  # the office holds no role in the unit
    assert "未找到人员" in attempt("nobody-here")["to"][0]
    assert attempt("edu-lead", reason="  ") == {"reason": ["请填写转办理由。"]}
    assert AuditEvent.objects.count() == count
    assert open_task(d, "revise").owner_id == world.operator.pk


def test_a_seal_goes_only_to_another_leader_and_a_review_never_to_its_submitter(world):
    d = world.declaration("drafted")
    seal = open_task(d, "seal")
    seal.flow_task.activation_class(seal).assign(world.leader)
    assert "不是开福区教育局的单位负责人" in refused(
        lambda: handover.task_transfer(task=seal.pk, to=world.operator, by=world.leader, reason="外出"))["to"][0]

    submitted = world.declaration("submitted", unit=world.other_unit)
    review = open_task(submitted, "review")
    review.flow_task.activation_class(review).assign(world.reviewer)
    assert "不是区政务公开办审核人员" in refused(
        lambda: handover.task_transfer(task=review.pk, to=world.scheduler, by=world.reviewer, reason="回避"))["to"][0]
    reviewer2 = person("reviewer-2", Role.REVIEWER)
    handover.task_transfer(task=review.pk, to=reviewer2, by=world.reviewer, reason="回避")
    assert [t.pk for t in inbox.tasks_for(reviewer2)] == [review.pk]


def test_who_does_not_hold_the_task_gets_404_or_403_and_a_finished_task_409(world):
    person("edu-op2", Role.OPERATOR, world.unit)
    d = world.declaration("returned")
    revise = open_task(d, "revise")
    with pytest.raises(NotFound):
        handover.task_transfer(task=revise.pk, to="edu-op2", by=world.other_operator, reason="x")
    with pytest.raises(PermissionRefused):
        handover.task_transfer(task=revise.pk, to="edu-op2", by=world.leader, reason="x")
    with pytest.raises(NotFound):
        handover.task_transfer(task=999999, to="edu-op2", by=world.operator, reason="x")
    services.declaration_hand_over(declaration=d, by=world.operator)
    with pytest.raises(TransitionConflict):
        handover.task_transfer(task=revise.pk, to="edu-op2", by=world.operator, reason="x")


def test_the_office_transfers_a_stuck_unit_task_and_its_holder_is_told(world):
    colleague = person("edu-op2", Role.OPERATOR, world.unit)
    d = world.declaration("returned")
    revise = open_task(d, "revise")

    handover.task_transfer(task=revise.pk, to=colleague.pk, by=world.reviewer, reason="逾期未办，改由他人办理")

    assert open_task(d, "revise").owner_id == colleague.pk
    assert Message.objects.filter(recipient=world.operator, cause__startswith="transfer:", title__startswith="您的任务已转办").exists()


# ------------------------------------------------------------------ 代理

def test_naming_a_substitute_is_refused_for_another_role_oneself_a_bad_range_or_an_overlap(world):
    today = timezone.localdate()
    lead2 = person("edu-lead2", Role.LEADER, world.unit)

    def attempt(substitute, starts=today, ends=today + dt.timedelta(days=3)):
        return refused(lambda: handover.substitute_name(person=world.leader, substitute=substitute, starts=starts, ends=ends))

    assert "不是开福区教育局单位负责人" in attempt("edu-op")["substitute"][0]
    assert "不是开福区教育局单位负责人" in attempt("health-lead")["substitute"][0]
    assert attempt("edu-lead") == {"substitute": ["不能指定自己为代理人。"]}
    assert attempt("edu-lead2", ends=today - dt.timedelta(days=1)) == {"ends": ["结束日期不能早于开始日期。"]}
    handover.substitute_name(person=world.leader, substitute=lead2, starts=today, ends=today + dt.timedelta(days=3))
    assert "时间重叠" in attempt("edu-lead2", starts=today + dt.timedelta(days=2))["__all__"][0]
    assert AuditEvent.objects.filter(action="name_substitute", actor=world.leader).count() == 1
    assert Message.objects.filter(recipient=lead2, cause__startswith="substitute:").exists()


def test_a_substitute_sees_and_does_the_persons_tasks_on_their_behalf_only_during_the_range(world):
    today = timezone.localdate()
    op2 = person("edu-op2", Role.OPERATOR, world.unit)
    d = world.declaration("returned")
    revise = open_task(d, "revise")
    assert not inbox.tasks_for(op2).exists()

    made = handover.substitute_name(person=world.operator, substitute=op2, starts=today, ends=today + dt.timedelta(days=5))

    assert [t.pk for t in inbox.tasks_for(op2)] == [revise.pk]
    assert inbox.task_for(op2, revise.pk).pk == revise.pk
    assert inbox.tab_counts(op2)["inbox"] == 1
    handover.substitute_end(substitution=made.pk, by=world.operator)
    assert not inbox.tasks_for(op2).exists()
    with pytest.raises(Task.DoesNotExist):
        inbox.task_for(op2, revise.pk)

    # a range that has passed: nothing either
    Substitution.objects.create(person=world.operator, substitute=op2, starts=today - dt.timedelta(days=9),
                                ends=today - dt.timedelta(days=1))
    assert not inbox.tasks_for(op2).exists()
    assert handover.acting_for(op2, services.Action.HAND_OVER, d) is None
    services.declaration_hand_over(declaration=d, by=op2)  # in their own right: not on anyone's behalf
    assert "on_behalf_of" not in AuditEvent.objects.filter(declaration=d, action="hand_over").get().changed


def test_a_leader_away_has_a_substitute_seal_on_their_behalf(world):
    today = timezone.localdate()
    lead2 = person("edu-lead2", Role.LEADER, world.unit)
    lead2.first_name = "李副局长"
    lead2.save()
    world.leader.first_name = "王局长"
    world.leader.save()
    d = world.declaration("drafted")
    handover.substitute_name(person=world.leader, substitute=lead2, starts=today, ends=today)

    services.declaration_submit(declaration=d, by=lead2, now=BEFORE_DEADLINE)

    event = AuditEvent.objects.get(declaration=d, action="submit")
    assert event.actor_id == lead2.pk
    assert event.changed["on_behalf_of"] == {"id": world.leader.pk, "username": "edu-lead", "name": "王局长"}
    row = next(r for r in history_rows(d) if r["event"].action == "submit")
    assert row["actor"] == "李副局长（代王局长办理）" and "代理" not in row["fields"]


def test_the_persons_new_tasks_are_also_sent_to_their_substitute_with_the_task_link(world):
    today = timezone.localdate()
    op2 = person("edu-op2", Role.OPERATOR, world.unit)
    d = world.declaration("reviewed")
    handover.substitute_name(person=world.operator, substitute=op2, starts=today, ends=today + dt.timedelta(days=1))

    services.schedule_publish(programme=world.programme, by=world.scheduler, months={d.pk: d.month})

    hold = open_task(d, "hold")
    assert hold.owner_id == world.operator.pk
    assert Message.objects.get(recipient=op2, cause=f"task:{hold.pk}").url == f"/tasks/{hold.pk}/"
    assert not Message.objects.filter(recipient__in=[world.other_operator, world.other_leader], declaration=d).exists()


# ------------------------------------------------------------------ 抄送

def test_the_leader_copies_in_a_colleague_who_finds_it_in_copied_to_me(world):
    d = world.declaration("drafted")
    made = handover.copy_in(declaration=d, to="edu-op", by=world.leader, note="请关注会标")

    assert list(handover.copied_to(world.operator)) == [made]
    event = AuditEvent.objects.filter(declaration=d).latest("seq")
    assert (event.action, event.actor_id, event.changed, event.reason) == ("copy_in", world.leader.pk, {"person": [None, "edu-op"]}, "请关注会标")
    message = Message.objects.get(recipient=world.operator, cause__startswith="copy_in:")
    assert message.kind == Kind.DECISION and message.url == f"/declarations/{d.pk}/"
    assert refused(lambda: handover.copy_in(declaration=d, to="edu-op", by=world.leader)) == {"to": ["已抄送给" + handover.name_of(world.operator) + "。"]}


def test_nobody_is_copied_in_on_a_unit_they_may_not_see(world):
    draft = world.declaration("drafted")
    count = AuditEvent.objects.count()
    assert "无权查看" in refused(lambda: handover.copy_in(declaration=draft, to="health-op", by=world.leader))["to"][0]
    assert "无权查看" in refused(lambda: handover.copy_in(declaration=draft, to="reviewer", by=world.leader))["to"][0]  # never submitted
    with pytest.raises(PermissionRefused):
        handover.copy_in(declaration=draft, to="edu-lead", by=world.operator)
    with pytest.raises(NotFound):
        handover.copy_in(declaration=draft, to="health-op", by=world.other_leader)
    assert AuditEvent.objects.count() == count and not CopyIn.objects.exists()

    submitted = world.declaration("submitted", unit=world.other_unit)
    handover.copy_in(declaration=submitted, to="scheduler", by=world.reviewer)
    assert [c.declaration_id for c in handover.copied_to(world.scheduler)] == [submitted.pk]
    assert "无权查看" in refused(lambda: handover.copy_in(declaration=submitted, to="edu-op", by=world.reviewer))["to"][0]
