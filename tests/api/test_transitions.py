"""POST /api/declarations/{id}/{transition}/ for every transition of DESIGN §4.

For each: the right person in the right state moves the declaration and leaves one audit
event; the wrong state answers 409, the wrong role 403, another unit's person 404 (the
same answer as for an id that does not exist).
"""
from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests.factories import SUMMARY, evidence
from workflow.models import AuditEvent, Declaration, State


@dataclass(frozen=True)
class Case:
    name: str
    state: str  # where the declaration must be
    actor: str  # World attribute of the person allowed to act
    to: str  # the state after
    wrong_state: str  # a state the transition is not allowed from (visible to `actor`)
    wrong_role: str  # sees the declaration, may not do this
    other_unit: str  # a person of the other unit


def payload_for(name: str, world) -> dict:
    return {
        "withdraw": {"reason": "补充活动简介"},
        "return": {"reason": "活动主题不够具体"},
        "schedule": {"month": 6},
        "reschedule": {"month": 7, "reason": "场地调整"},
        "hold": evidence(world.programme, world.unit),
        "summarize": {**SUMMARY, "nominate": True},
        "evaluate": {"scores": {"quality": 9}, "comment": "组织有序，宣传充分"},
        "cancel": {"reason": "单位机构调整，活动取消"},
    }.get(name, {})


CASES = [
    Case("submit", "drafted", "leader", State.SUBMITTED, "submitted", "operator", "other_leader"),
    Case("withdraw", "submitted", "leader", State.DRAFTED, "reviewed", "operator", "other_leader"),
    Case("return", "submitted", "reviewer", State.DRAFTED, "reviewed", "scheduler", "other_operator"),
    Case("approve", "submitted", "reviewer", State.REVIEWED, "reviewed", "leader", "other_leader"),
    Case("schedule", "reviewed", "scheduler", State.SCHEDULED, "submitted", "reviewer", "other_operator"),
    Case("reschedule", "scheduled", "scheduler", State.SCHEDULED, "reviewed", "operator", "other_operator"),
    Case("hold", "scheduled", "operator", State.HELD, "reviewed", "reviewer", "other_operator"),
    Case("summarize", "held", "operator", State.SUMMARIZED, "scheduled", "assessor", "other_operator"),
    Case("evaluate", "summarized", "assessor", State.EVALUATED, "held", "reviewer", "other_operator"),
    Case("cancel", "reviewed", "reviewer", State.CANCELLED, "held", "scheduler", "other_leader"),
]
IDS = [c.name for c in CASES]


def post(api, user, declaration_id, name, payload):
    return api(user).post(f"/api/declarations/{declaration_id}/{name}/", payload, format="json")


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_transition_by_the_right_person_moves_the_declaration_and_is_audited(extended, api, case):
    world = extended
    d = world.declaration(case.state)
    actor = getattr(world, case.actor)
    before = AuditEvent.objects.filter(declaration=d).count()

    response = post(api, actor, d.pk, case.name, payload_for(case.name, world))

    assert response.status_code == 200, response.json()
    assert response.json()["state"] == case.to
    assert Declaration.objects.get(pk=d.pk).state == case.to
    events = AuditEvent.objects.filter(declaration=d).order_by("seq")
    assert events.count() == before + 1
    last = events.last()
    assert (last.action, last.actor, last.from_state, last.to_state) == (case.name, actor, case.state, case.to)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_transition_in_the_wrong_state_is_a_conflict(extended, api, case):
    world = extended
    d = world.declaration(case.wrong_state)
    before = AuditEvent.objects.filter(declaration=d).count()

    response = post(api, getattr(world, case.actor), d.pk, case.name, payload_for(case.name, world))

    assert response.status_code == 409, response.json()
    assert "不能" in response.json()["detail"] or "状态" in response.json()["detail"]
    assert Declaration.objects.get(pk=d.pk).state == case.wrong_state
    assert AuditEvent.objects.filter(declaration=d).count() == before


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_transition_by_the_wrong_role_is_forbidden_with_the_reason(extended, api, case):
    world = extended
    d = world.declaration(case.state)

    response = post(api, getattr(world, case.wrong_role), d.pk, case.name, payload_for(case.name, world))

    assert response.status_code == 403, response.json()
    assert response.json()["detail"].startswith(("只有", "您报送了"))
    assert Declaration.objects.get(pk=d.pk).state == case.state


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_transition_on_another_units_declaration_looks_like_a_missing_id(extended, api, case):
    world = extended
    d = world.declaration(case.state)
    outsider = getattr(world, case.other_unit)

    response = post(api, outsider, d.pk, case.name, payload_for(case.name, world))
    missing = post(api, outsider, d.pk + 1000, case.name, payload_for(case.name, world))

    assert response.status_code == missing.status_code == 404
    assert response.json() == missing.json() == {"detail": "未找到该申报，或您无权查看。"}
    assert Declaration.objects.get(pk=d.pk).state == case.state


def test_return_without_a_reason_is_refused_with_the_services_message(extended, api):
    d = extended.declaration("submitted")

    response = post(api, extended.reviewer, d.pk, "return", {"reason": "  "})

    assert response.status_code == 400
    assert response.json() == {"reason": ["请填写退回理由。"]}
    assert Declaration.objects.get(pk=d.pk).state == State.SUBMITTED


def test_schedule_outside_the_window_names_the_month_field(extended, api):
    d = extended.declaration("reviewed")

    response = post(api, extended.scheduler, d.pk, "schedule", {"month": 12})

    assert response.status_code == 400
    assert list(response.json()) == ["month"]
    assert "4-11月" in response.json()["month"][0]
    assert Declaration.objects.get(pk=d.pk).state == State.REVIEWED


def test_hold_without_evidence_lists_every_missing_item_per_field(extended, api):
    d = extended.declaration("scheduled")

    response = post(api, extended.operator, d.pk, "hold", {})

    assert response.status_code == 400
    body = response.json()
    assert {"held_on", "place", "participants", "banner_used", "logo_shown", "publicity"} <= set(body)
    assert body["logo_shown"][0].startswith("活动现场须设置、显示“政务公开主题日”LOGO")


def test_evaluate_with_a_score_out_of_range_is_refused(extended, api):
    d = extended.declaration("summarized")

    response = post(api, extended.assessor, d.pk, "evaluate", {"scores": {"quality": 11}, "comment": "好"})

    assert response.status_code == 400
    assert response.json()["scores"] == ["“活动质量与实效（评估打分）”的分数须在0至10分之间，11.0超出范围。"]


def test_submit_after_the_deadline_without_extension_is_refused(world, api):
    d = world.declaration("drafted")

    response = post(api, world.leader, d.pk, "submit", {})

    assert response.status_code == 400
    assert "申报截止时间2023年4月3日已过" in response.json()["__all__"][0]
    assert Declaration.objects.get(pk=d.pk).state == State.DRAFTED


def test_unknown_field_in_a_transition_payload_is_refused(extended, api):
    d = extended.declaration("submitted")

    response = post(api, extended.reviewer, d.pk, "approve", {"state": "evaluated"})

    assert response.status_code == 400
    assert response.json() == {"state": ["不支持该字段。"]}
    assert Declaration.objects.get(pk=d.pk).state == State.SUBMITTED
