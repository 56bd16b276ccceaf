"""The declaration lifecycle through the services: the main line, the ways back, and
every refusal of issue 2 — each a clear Chinese message with nothing saved."""
from __future__ import annotations

import datetime as dt

import pytest

from tests.factories import AFTER_DEADLINE, BEFORE_DEADLINE, SUMMARY, content, evidence
from workflow import services
from workflow.errors import RuleViolation, TransitionConflict
from workflow.models import AuditEvent, Declaration, ScheduleVersion, State
from workflow.trail.verify import verify


def snapshot(d: Declaration) -> tuple:
    """What a user would notice changing: the row as stored and its audit trail."""
    row = Declaration.objects.values().get(pk=d.pk)
    row.pop("updated_at")
    return row, AuditEvent.objects.count()


def refused(call, *, code: str | None = None, field: str | None = None, contains: str = ""):
    with pytest.raises(RuleViolation) as info:
        call()
    error = info.value
    if code:
        assert code in [p.code for p in error.problems], error.problems
    if field:
        assert field in error.by_field(), error.by_field()
    assert contains in error.message
    return error


# ------------------------------------------------------------------ the main line

def test_main_line_records_one_event_per_step_with_states(world):
    d = world.declaration("evaluated")
    events = list(AuditEvent.objects.filter(declaration=d).order_by("seq"))
    assert [(e.action, e.from_state, e.to_state) for e in events] == [
        ("create", "", "drafted"), ("submit", "drafted", "submitted"), ("approve", "submitted", "reviewed"),
        ("schedule", "reviewed", "scheduled"), ("hold", "scheduled", "held"), ("summarize", "held", "summarized"),
        ("evaluate", "summarized", "evaluated"),
    ]
    assert [e.actor for e in events] == [world.operator, world.leader, world.reviewer, world.scheduler,
                                         world.operator, world.operator, world.assessor]
    assert all(e.unit_id == world.unit.pk and e.programme_id == world.programme.pk for e in events)
    d.refresh_from_db()
    assert d.scores == {"quality": 8.0} and d.evaluated_by == world.assessor
    assert verify().ok


def test_withdraw_returns_a_submitted_declaration_to_draft_with_reason(world):
    d = world.declaration("submitted")
    d = services.declaration_withdraw(declaration=d, by=world.leader, reason="需补充活动简介")
    assert d.state == State.DRAFTED
    event = AuditEvent.objects.get(declaration=d, action="withdraw")
    assert (event.from_state, event.to_state, event.reason) == ("submitted", "drafted", "需补充活动简介")


def test_return_sends_back_with_reason_and_counts_it(world):
    d = world.declaration("submitted")
    d = services.declaration_return(declaration=d, by=world.reviewer, reason="活动简介过于简略")
    assert (d.state, d.return_reason, d.return_count) == (State.DRAFTED, "活动简介过于简略", 1)
    assert AuditEvent.objects.get(declaration=d, action="return").reason == "活动简介过于简略"
    # revised and submitted again: still visible to the office, approved on the second pass
    d = services.declaration_update(declaration=d, by=world.operator, data={"description": "邀请企业代表座谈，逐条解读。"})
    d = services.declaration_submit(declaration=d, by=world.leader, now=BEFORE_DEADLINE)
    assert services.declaration_approve(declaration=d, by=world.reviewer).state == State.REVIEWED


def test_reschedule_moves_the_month_with_reason_and_publishes_a_new_version(world):
    d = world.declaration("scheduled")
    assert ScheduleVersion.objects.get(programme=world.programme).entries == [
        {"declaration": d.pk, "unit": world.unit.pk, "month": 5}
    ]
    d = services.declaration_reschedule(declaration=d, by=world.scheduler, month=9, reason="与区级重点活动错开")
    assert (d.state, d.scheduled_month) == (State.SCHEDULED, 9)
    event = AuditEvent.objects.get(declaration=d, action="reschedule")
    assert event.changed == {"scheduled_month": [5, 9]} and event.reason == "与区级重点活动错开"
    latest = ScheduleVersion.objects.filter(programme=world.programme).order_by("-number").first()
    assert latest.number == 2 and latest.entries[0]["month"] == 9 and latest.reason == "与区级重点活动错开"


@pytest.mark.parametrize("state", ["drafted", "submitted", "reviewed", "scheduled"])
def test_cancel_before_held_with_reason(world, state):
    d = world.declaration(state)
    if state == "drafted":  # the office cannot see a never-submitted draft: submit, return first
        d = services.declaration_submit(declaration=d, by=world.leader, now=BEFORE_DEADLINE)
        d = services.declaration_return(declaration=d, by=world.reviewer, reason="请修改")
    d = services.declaration_cancel(declaration=d, by=world.reviewer, reason="单位职能调整，活动取消")
    assert d.state == State.CANCELLED
    assert AuditEvent.objects.get(declaration=d, action="cancel").reason == "单位职能调整，活动取消"


def test_a_cancelled_declaration_frees_the_unit_to_declare_again(world):
    d = world.declaration("submitted")
    services.declaration_cancel(declaration=d, by=world.reviewer, reason="重新申报")
    again = services.declaration_create(programme=world.programme, unit=world.unit, by=world.operator, data={"theme": "新主题"})
    assert again.state == State.DRAFTED


def test_content_edits_are_audited_with_changed_fields(world):
    d = world.declaration()
    d = services.declaration_update(declaration=d, by=world.operator, data={"theme": "新的主题", "month": "6"})
    event = AuditEvent.objects.filter(declaration=d).order_by("-seq").first()
    assert event.action == "edit"
    assert event.changed == {"theme": ["惠企政策面对面", "新的主题"], "month": [5, 6]}
    before = AuditEvent.objects.count()
    services.declaration_update(declaration=d, by=world.operator, data={"theme": "新的主题"})  # no change, no event
    assert AuditEvent.objects.count() == before


def test_create_records_the_filled_fields(world):
    d = world.declaration()
    event = AuditEvent.objects.get(declaration=d, action="create")
    assert event.changed["theme"] == [None, "惠企政策面对面"] and event.actor == world.operator


# ------------------------------------------------------------------ refusals

def test_submit_after_deadline_is_refused_without_extension(world):
    d = world.declaration()
    before = snapshot(d)
    refused(lambda: services.declaration_submit(declaration=d, by=world.leader, now=AFTER_DEADLINE),
            code="deadline_passed", contains="2023年4月3日")
    assert snapshot(d) == before


def test_submit_after_deadline_is_accepted_with_an_extension(world):
    d = world.declaration()
    services.deadline_extension_grant(programme=world.programme, unit=world.unit, until=dt.date(2023, 4, 10),
                                      reason="因机构调整延期", by=world.reviewer)
    assert AuditEvent.objects.filter(action="grant_extension", unit=world.unit, declaration=None).count() == 1
    d = services.declaration_submit(declaration=d, by=world.leader, now=AFTER_DEADLINE)
    assert d.state == State.SUBMITTED
    # another unit has no extension
    other = world.declaration(unit=world.other_unit)
    refused(lambda: services.declaration_submit(declaration=other, by=world.other_leader, now=AFTER_DEADLINE), code="deadline_passed")


@pytest.mark.parametrize("banner,code", [
    ("开福区教育局2023年“政务公开主题日”活动暨校园开放日", "banner_forbidden_name"),
    ("开福区教育局2023年“司法开放日”活动", "banner_forbidden_name"),
    ("警务开放日", "banner_forbidden_name"),
    ("开福区教育局2023年政务服务开放日", "banner_forbidden_name"),
    ("开福区卫生健康局2023年“政务公开主题日”活动", "banner_wrong_unit"),
    ("开福区教育局2022年“政务公开主题日”活动", "banner_wrong_year"),
])
def test_bad_banner_is_refused_on_save_and_nothing_is_saved(world, banner, code):
    d = world.declaration()
    before = snapshot(d)
    error = refused(lambda: services.declaration_update(declaration=d, by=world.operator, data={"banner": banner}),
                    code=code, field="banner")
    assert "开福区教育局2023年“政务公开主题日”活动" in error.by_field()["banner"][0]  # the canonical form is shown
    assert snapshot(d) == before
    with pytest.raises(RuleViolation):
        services.declaration_create(programme=world.programme, unit=world.other_unit, by=world.other_operator,
                                    data=content(world.programme, world.other_unit, banner=banner.replace("教育局", "卫生健康局")) if code != "banner_wrong_unit" else content(world.programme, world.other_unit, banner="开福区教育局2023年“政务公开主题日”活动"))
    assert not Declaration.objects.filter(unit=world.other_unit).exists()


@pytest.mark.parametrize("month", [1, 3, 12, "13", "abc"])
def test_month_outside_april_to_november_is_refused(world, month):
    d = world.declaration()
    before = snapshot(d)
    refused(lambda: services.declaration_update(declaration=d, by=world.operator, data={"month": month}), field="month")
    assert snapshot(d) == before


@pytest.mark.parametrize("field,value", [("form", "open_day"), ("focus_topic", "sports")])
def test_form_or_topic_not_in_programme_is_refused(world, field, value):
    d = world.declaration()
    before = snapshot(d)
    error = refused(lambda: services.declaration_update(declaration=d, by=world.operator, data={field: value}),
                    code=f"{field}_not_allowed", field=field)
    assert value in error.message
    assert snapshot(d) == before


def test_second_live_declaration_for_the_same_unit_is_refused(world):
    world.declaration("submitted")
    events = AuditEvent.objects.count()
    refused(lambda: services.declaration_create(programme=world.programme, unit=world.unit, by=world.leader, data={"theme": "第二个"}),
            code="duplicate_declaration", contains="已有一份有效申报")
    assert Declaration.objects.filter(unit=world.unit).count() == 1
    assert AuditEvent.objects.count() == events


def test_the_database_itself_refuses_a_second_live_declaration(world):
    from django.db import IntegrityError, transaction

    d = world.declaration()
    with pytest.raises(IntegrityError), transaction.atomic():
        Declaration.objects.create(programme=world.programme, unit=world.unit, created_by=world.operator)
    assert Declaration.objects.filter(unit=world.unit).count() == 1 and d.pk


def test_submit_requires_every_field_of_the_declaration_form(world):
    d = services.declaration_create(programme=world.programme, unit=world.unit, by=world.operator, data={"theme": "只有主题"})
    error = refused(lambda: services.declaration_submit(declaration=d, by=world.leader, now=BEFORE_DEADLINE))
    assert set(error.by_field()) >= {"month", "form", "focus_topic", "description", "banner", "contact_name", "contact_phone"}
    assert "请填写会标" in error.message
    assert Declaration.objects.get(pk=d.pk).state == State.DRAFTED


@pytest.mark.parametrize("service,what", [("declaration_return", "退回"), ("declaration_cancel", "取消")])
@pytest.mark.parametrize("reason", ["", "   ", None])
def test_return_or_cancel_without_reason_is_refused(world, service, what, reason):
    d = world.declaration("submitted")
    before = snapshot(d)
    refused(lambda: getattr(services, service)(declaration=d, by=world.reviewer, reason=reason),
            code="reason_required", field="reason", contains=f"请填写{what}理由")
    assert snapshot(d) == before


def test_reschedule_without_reason_or_outside_window_is_refused(world):
    d = world.declaration("scheduled")
    before = snapshot(d)
    refused(lambda: services.declaration_reschedule(declaration=d, by=world.scheduler, month=6, reason=""), code="reason_required")
    refused(lambda: services.declaration_reschedule(declaration=d, by=world.scheduler, month=12, reason="调整"), code="month_out_of_window")
    assert snapshot(d) == before
    assert ScheduleVersion.objects.count() == 1


def test_publishing_a_schedule_with_a_month_outside_the_window_moves_nothing(world):
    a = world.declaration("reviewed")
    b = world.declaration("reviewed", unit=world.other_unit)
    refused(lambda: services.schedule_publish(programme=world.programme, by=world.scheduler, months={a.pk: 5, b.pk: 12}),
            code="month_out_of_window", field=f"month.{b.pk}")
    assert set(Declaration.objects.values_list("state", flat=True)) == {State.REVIEWED}
    assert not ScheduleVersion.objects.exists()
    version = services.schedule_publish(programme=world.programme, by=world.scheduler)
    assert version.number == 1 and len(version.entries) == 2
    assert AuditEvent.objects.filter(action="schedule").count() == 2


@pytest.mark.parametrize("scores,code", [
    ({"quality": 11}, "score_out_of_range"), ({"quality": -0.5}, "score_out_of_range"),
    ({"quality": "很好"}, "score_invalid"), ({}, "score_required"), ({"quality": 5, "speed": 3}, "score_unknown"),
])
def test_evaluation_scores_out_of_range_are_refused(world, scores, code):
    d = world.declaration("summarized")
    before = snapshot(d)
    refused(lambda: services.declaration_evaluate(declaration=d, by=world.assessor, scores=scores, comment="意见"), code=code, field="scores")
    assert snapshot(d) == before


def test_evaluation_needs_a_comment(world):
    d = world.declaration("summarized")
    refused(lambda: services.declaration_evaluate(declaration=d, by=world.assessor, scores={"quality": 9}, comment=" "), code="comment_required")


def test_holding_with_a_forbidden_banner_or_without_logo_is_refused(world):
    d = world.declaration("scheduled")
    before = snapshot(d)
    bad = evidence(world.programme, world.unit, banner_used="开福区教育局2023年“政务公开主题日”活动暨校园开放日", logo_shown=False)
    error = refused(lambda: services.declaration_hold(declaration=d, by=world.operator, evidence=bad), field="banner_used")
    assert "logo_shown" in error.by_field()
    assert snapshot(d) == before


def test_summary_needs_all_three_parts(world):
    d = world.declaration("held")
    refused(lambda: services.declaration_summarize(declaration=d, by=world.operator, summary={**SUMMARY, "summary_experience": ""}),
            code="summary_experience_required")


# Every transition from every state that does not allow it: a conflict, nothing saved.
TRANSITIONS = {
    "submit": (["drafted"], lambda w, d: services.declaration_submit(declaration=d, by=w.leader, now=BEFORE_DEADLINE)),
    "withdraw": (["submitted"], lambda w, d: services.declaration_withdraw(declaration=d, by=w.leader)),
    "return": (["submitted"], lambda w, d: services.declaration_return(declaration=d, by=w.reviewer, reason="理由")),
    "approve": (["submitted"], lambda w, d: services.declaration_approve(declaration=d, by=w.reviewer)),
    "reschedule": (["scheduled"], lambda w, d: services.declaration_reschedule(declaration=d, by=w.scheduler, month=6, reason="理由")),
    "hold": (["scheduled"], lambda w, d: services.declaration_hold(declaration=d, by=w.operator, evidence=evidence(w.programme, w.unit))),
    "summarize": (["held"], lambda w, d: services.declaration_summarize(declaration=d, by=w.operator, summary=SUMMARY)),
    "evaluate": (["summarized"], lambda w, d: services.declaration_evaluate(declaration=d, by=w.assessor, scores={"quality": 8}, comment="好")),
    "cancel": (["drafted", "submitted", "reviewed", "scheduled"], lambda w, d: services.declaration_cancel(declaration=d, by=w.reviewer, reason="理由")),
}
STATES = ["drafted", "submitted", "reviewed", "scheduled", "held", "summarized", "evaluated"]
WRONG = [(name, state) for name, (allowed, _) in TRANSITIONS.items() for state in STATES if state not in allowed]


@pytest.mark.parametrize("name,state", WRONG, ids=[f"{n}-from-{s}" for n, s in WRONG])
def test_transition_from_a_state_that_does_not_allow_it_is_a_conflict(world, name, state):
    d = world.declaration(state)
    if state == "drafted" and name != "submit":  # make the draft visible to the office first
        d = services.declaration_submit(declaration=d, by=world.leader, now=BEFORE_DEADLINE)
        d = services.declaration_return(declaration=d, by=world.reviewer, reason="请修改")
    before = snapshot(d)
    with pytest.raises(TransitionConflict) as info:
        TRANSITIONS[name][1](world, d)
    assert "当前状态为“" in info.value.message and "不能" in info.value.message
    assert snapshot(d) == before


def test_schedule_publish_of_a_declaration_not_reviewed_is_a_conflict(world):
    d = world.declaration("submitted")
    with pytest.raises(TransitionConflict):
        services.schedule_publish(programme=world.programme, by=world.scheduler, months={d.pk: 5})
    assert Declaration.objects.get(pk=d.pk).state == State.SUBMITTED


def test_a_stale_copy_gets_a_conflict_not_a_second_transition(world):
    d = world.declaration("submitted")
    stale = Declaration.objects.get(pk=d.pk)
    services.declaration_approve(declaration=d, by=world.reviewer)
    with pytest.raises(TransitionConflict) as info:
        services.declaration_return(declaration=stale, by=world.reviewer, reason="退回")
    assert "已被他人处理" in info.value.message and "已审核" in info.value.message
    assert AuditEvent.objects.filter(declaration=d, action__in=["approve", "return"]).count() == 1


def test_refusal_order_is_visibility_then_role_then_state_then_rules(world):
    """Who you are is answered before what you typed: a unit person returning without a
    reason learns they may not return, not that the reason is missing."""
    from workflow.errors import NotFound, PermissionRefused

    d = world.declaration("submitted")
    with pytest.raises(PermissionRefused):
        services.declaration_return(declaration=d, by=world.leader, reason="")
    with pytest.raises(NotFound):
        services.declaration_return(declaration=d, by=world.other_leader, reason="")
    approved = services.declaration_approve(declaration=d, by=world.reviewer)
    with pytest.raises(TransitionConflict):
        services.declaration_cancel(declaration=world.declaration("held", unit=world.other_unit), by=world.reviewer, reason="")
    assert approved.state == State.REVIEWED


def test_withdraw_reason_and_holding_place_have_length_limits(world):
    d = world.declaration("submitted")
    refused(lambda: services.declaration_withdraw(declaration=d, by=world.leader, reason="长" * 2001), code="reason_too_long")
    s = world.declaration("scheduled", unit=world.other_unit)
    refused(lambda: services.declaration_hold(declaration=s, by=world.other_operator,
                                              evidence=evidence(world.programme, world.other_unit, place="地" * 201)),
            code="place_too_long", field="place")
