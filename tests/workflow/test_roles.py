"""Roles: granted and revoked only through the audited services; several roles at once;
separation of duties (nobody approves or evaluates what they submitted)."""
from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from tests.factories import BEFORE_DEADLINE, SUMMARY, UnitFactory, UserFactory, admin_user, content, person
from units.roles import Role
from workflow import selectors, services
from workflow.actions import Action
from workflow.errors import NotFound, PermissionRefused, RuleViolation
from workflow.models import AuditEvent, Declaration, State
from workflow.permissions import can
from workflow.roles import role_grant, role_revoke


def fresh(user):
    return get_user_model().objects.get(pk=user.pk)


# ------------------------------------------------------------------ grant and revoke are audited

def test_granting_a_unit_role_is_audited_and_takes_effect(world):
    root = admin_user()
    newcomer = UserFactory(username="edu-new")
    draft = world.declaration("drafted")

    assert role_grant(user=newcomer, role=Role.OPERATOR, unit=world.unit, by=root) is True

    event = AuditEvent.objects.order_by("-id").first()
    assert (event.action, event.actor, event.unit, event.declaration) == ("grant_role", root, world.unit, None)
    assert event.changed == {"user": "edu-new", "role": "operator", "unit": "kf-edu"}
    assert selectors.declaration_get(fresh(newcomer), draft.pk) == draft


def test_revoking_a_role_is_audited_and_the_unit_disappears_for_that_person(world):
    draft = world.declaration("drafted")
    assert selectors.declaration_get(world.operator, draft.pk) == draft

    assert role_revoke(user=world.operator, role=Role.OPERATOR, unit=world.unit, by=world.administrator) is True

    event = AuditEvent.objects.order_by("-id").first()
    assert (event.action, event.actor, event.unit) == ("revoke_role", world.administrator, world.unit)
    assert event.changed == {"user": "edu-op", "role": "operator", "unit": "kf-edu"}
    with pytest.raises(NotFound) as gone:
        selectors.declaration_get(fresh(world.operator), draft.pk)
    assert gone.value.message == "未找到该申报，或您无权查看。"


def test_an_office_role_is_granted_on_the_global_chain_without_a_unit(world):
    analyst = UserFactory(username="analyst")
    submitted = world.declaration("submitted")

    role_grant(user=analyst, role=Role.REVIEWER, by=world.administrator)

    event = AuditEvent.objects.order_by("-id").first()
    assert (event.action, event.unit, event.changed["role"], event.changed["unit"]) == ("grant_role", None, "reviewer", None)
    approved = services.declaration_approve(declaration=submitted, by=fresh(analyst))
    assert approved.state == State.REVIEWED


def test_granting_a_role_someone_already_holds_changes_nothing_and_writes_no_event(world):
    before = AuditEvent.objects.count()
    assert role_grant(user=world.operator, role=Role.OPERATOR, unit=world.unit, by=world.administrator) is False
    assert role_revoke(user=world.reviewer, role=Role.SCHEDULER, by=world.administrator) is False
    assert AuditEvent.objects.count() == before


@pytest.mark.parametrize("who", ["leader", "reviewer", "assessor"])
def test_only_administrators_grant_or_revoke_roles(world, who):
    before = AuditEvent.objects.count()
    stranger = UserFactory(username="stranger")

    with pytest.raises(PermissionRefused) as refused:
        role_grant(user=stranger, role=Role.LEADER, unit=world.unit, by=getattr(world, who))
    assert refused.value.message == "只有系统管理员可以授予或撤销角色。"
    with pytest.raises(PermissionRefused):
        role_revoke(user=world.operator, role=Role.OPERATOR, unit=world.unit, by=getattr(world, who))
    assert AuditEvent.objects.count() == before
    assert not stranger.groups.exists()


def test_a_unit_role_needs_a_unit(world):
    with pytest.raises(RuleViolation) as refused:
        role_grant(user=UserFactory(username="x"), role=Role.LEADER, unit=None, by=world.administrator)
    assert refused.value.message == "“单位负责人”须指定所属单位。"


# ------------------------------------------------------------------ separation of duties

def test_a_leader_who_is_also_reviewer_cannot_approve_what_they_submitted(world):
    role_grant(user=world.leader, role=Role.REVIEWER, by=world.administrator)
    both = fresh(world.leader)
    d = services.declaration_create(programme=world.programme, unit=world.unit, by=world.operator, data=content(world.programme, world.unit))
    d = services.declaration_submit(declaration=d, by=both, now=BEFORE_DEADLINE)

    with pytest.raises(PermissionRefused) as refused:
        services.declaration_approve(declaration=d, by=both)

    assert refused.value.message == "您报送了这份申报，不能再对其审核通过（职责分离）。"
    assert Declaration.objects.get(pk=d.pk).state == State.SUBMITTED
    assert not can(both, Action.APPROVE, d)
    # Another reviewer approves it.
    assert services.declaration_approve(declaration=d, by=world.reviewer).state == State.REVIEWED


def test_the_same_person_still_approves_other_units_declarations(world):
    role_grant(user=world.leader, role=Role.REVIEWER, by=world.administrator)
    both = fresh(world.leader)
    theirs = world.declaration("submitted", unit=world.other_unit)

    approved = services.declaration_approve(declaration=theirs, by=both)

    assert approved.state == State.REVIEWED
    event = AuditEvent.objects.filter(declaration=theirs).order_by("-seq").first()
    assert (event.action, event.actor) == ("approve", both)


def test_a_leader_who_is_also_assessor_cannot_evaluate_what_they_submitted(world):
    role_grant(user=world.leader, role=Role.ASSESSOR, by=world.administrator)
    both = fresh(world.leader)
    mine = world.declaration("summarized")
    theirs = world.declaration("summarized", unit=world.other_unit)

    with pytest.raises(PermissionRefused) as refused:
        services.declaration_evaluate(declaration=mine, by=both, scores={"quality": 8}, comment="好")
    assert refused.value.message == "您报送了这份申报，不能再对其评估打分（职责分离）。"
    assert Declaration.objects.get(pk=mine.pk).state == State.SUMMARIZED

    assert services.declaration_evaluate(declaration=theirs, by=both, scores={"quality": 8}, comment="好").state == State.EVALUATED


# ------------------------------------------------------------------ several roles at once

def test_a_person_with_roles_in_two_units_and_the_office_sees_both_units_and_the_office_view(world):
    third = UnitFactory(code="kf-sifangping", name="四方坪街道", short_name="四方坪", kind="subdistrict")
    third_op, third_lead = person("sfp-op", Role.OPERATOR, third), person("sfp-lead", Role.LEADER, third)
    many = UserFactory(username="many-hats")
    for role, unit in ((Role.OPERATOR, world.unit), (Role.LEADER, world.other_unit), (Role.REVIEWER, None)):
        role_grant(user=many, role=role, unit=unit, by=world.administrator)
    many = fresh(many)

    edu_draft = world.declaration("drafted")
    health_draft = world.declaration("drafted", unit=world.other_unit)
    third_draft = services.declaration_create(programme=world.programme, unit=third, by=third_op, data=content(world.programme, third))
    fourth = UnitFactory(code="kf-x", name="开福区甲局")
    fourth_op, fourth_lead = person("x-op", Role.OPERATOR, fourth), person("x-lead", Role.LEADER, fourth)
    submitted = services.declaration_submit(
        declaration=services.declaration_create(programme=world.programme, unit=fourth, by=fourth_op, data=content(world.programme, fourth)),
        by=fourth_lead, now=BEFORE_DEADLINE,
    )

    visible = set(selectors.declarations_visible_to(many))
    # Both units' drafts (as a unit person), every submitted declaration (as reviewer), not a third unit's draft.
    assert visible == {edu_draft, health_draft, submitted}
    assert third_draft not in visible
    with pytest.raises(NotFound) as hidden:
        selectors.declaration_get(many, third_draft.pk)
    assert hidden.value.message == "未找到该申报，或您无权查看。"
    assert not can(many, Action.SUBMIT, third_draft) and can(third_lead, Action.SUBMIT, third_draft)

    # Each role acts where it holds: leader in health, operator only in education, reviewer everywhere.
    sealed = services.declaration_submit(declaration=health_draft, by=many, now=BEFORE_DEADLINE)
    assert sealed.state == State.SUBMITTED
    with pytest.raises(PermissionRefused) as refused:
        services.declaration_submit(declaration=edu_draft, by=many, now=BEFORE_DEADLINE)
    assert refused.value.message == "只有本单位负责人（公章）可以盖章报送。"
    assert services.declaration_update(declaration=edu_draft, by=many, data={"theme": "新主题"}).theme == "新主题"
    assert services.declaration_approve(declaration=submitted, by=many).state == State.REVIEWED
    # ...but not the one they sealed themselves.
    with pytest.raises(PermissionRefused):
        services.declaration_approve(declaration=sealed, by=many)


def test_summarize_and_hold_are_unit_work_the_office_cannot_do(world):
    d = world.declaration("held")
    with pytest.raises(PermissionRefused) as refused:
        services.declaration_summarize(declaration=d, by=world.reviewer, summary=SUMMARY)
    assert refused.value.message == "只有本单位的填报人或负责人可以提交总结。"
    assert services.declaration_summarize(declaration=d, by=world.leader, summary=SUMMARY).state == State.SUMMARIZED
