"""Another unit's declaration is not found — the same error, word for word, as a missing
one — through every selector; a unit's never-submitted draft stays inside the unit."""
from __future__ import annotations

import pytest

from tests.factories import BEFORE_DEADLINE, admin_user
from units.roles import PERM_OPERATE
from workflow import selectors, services
from workflow.errors import NotFound
from workflow.models import AuditEvent, Declaration
from workflow.permissions import has_unit_perm

MISSING = 999_999


def _not_found_message(call) -> str:
    with pytest.raises(NotFound) as refused:
        call()
    return refused.value.message


@pytest.mark.parametrize("state", ["drafted", "submitted", "evaluated"])
def test_another_units_declaration_is_not_found_like_a_missing_one_through_every_selector(world, state):
    theirs = world.declaration(state, unit=world.other_unit)
    op = world.operator

    missing = _not_found_message(lambda: selectors.declaration_get(op, MISSING))
    assert missing == "未找到该申报，或您无权查看。"
    assert _not_found_message(lambda: selectors.declaration_get(op, theirs.pk)) == missing
    assert _not_found_message(lambda: selectors.declaration_get(op, theirs.pk, for_update=True)) == missing
    assert _not_found_message(lambda: selectors.declaration_history(op, theirs.pk)) == missing
    assert _not_found_message(lambda: selectors.declaration_history(op, MISSING)) == missing
    assert theirs.pk not in set(selectors.declarations_visible_to(op).values_list("pk", flat=True))
    assert theirs.pk not in set(selectors.declarations_visible_to(op, programme=world.programme).values_list("pk", flat=True))
    assert not selectors.audit_events_visible_to(op).filter(declaration=theirs).exists()
    assert not selectors.audit_events_visible_to(op).exists()  # unit people read no audit list at all


def test_the_own_unit_sees_its_declaration_through_every_selector(world):
    mine = world.declaration("submitted")

    assert selectors.declaration_get(world.operator, str(mine.pk)) == mine
    assert [e.action for e in selectors.declaration_history(world.operator, mine.pk)] == ["create", "submit"]
    assert list(selectors.declarations_visible_to(world.operator)) == [mine]


@pytest.mark.parametrize("bad_id", ["abc", "", None, "1.5", "1 OR 1=1", -1, 2**70])
def test_ids_that_are_not_ids_are_simply_not_found(world, bad_id):
    world.declaration("submitted")
    assert _not_found_message(lambda: selectors.declaration_get(world.reviewer, bad_id)) == "未找到该申报，或您无权查看。"


def test_a_draft_never_submitted_stays_inside_its_unit_even_for_the_office(world):
    draft = world.declaration("drafted")
    office = [world.reviewer, world.scheduler, world.assessor]

    for person in office:
        assert _not_found_message(lambda p=person: selectors.declaration_get(p, draft.pk)) == "未找到该申报，或您无权查看。"
        assert _not_found_message(lambda p=person: selectors.declaration_history(p, draft.pk)) == "未找到该申报，或您无权查看。"
        assert not selectors.declarations_visible_to(person).filter(pk=draft.pk).exists()
    # The assessor's audit list agrees with declaration_history: the draft's events stay hidden too.
    assert AuditEvent.objects.filter(declaration=draft).exists()
    assert not selectors.audit_events_visible_to(world.assessor).filter(declaration=draft).exists()

    submitted = services.declaration_submit(declaration=draft, by=world.leader, now=BEFORE_DEADLINE)
    returned = services.declaration_return(declaration=submitted, by=world.reviewer, reason="请补充活动简介。")

    assert returned.state == "drafted"  # back with the unit, but the office has seen it once
    assert selectors.declaration_get(world.reviewer, draft.pk).pk == draft.pk
    assert [e.action for e in selectors.audit_events_visible_to(world.assessor).filter(declaration=draft).order_by("seq")] == [
        "create", "submit", "return",
    ]


def test_the_office_sees_every_submitted_declaration_and_the_assessor_the_global_chain(world):
    edu = world.declaration("submitted")
    health = world.declaration("reviewed", unit=world.other_unit)

    for person in (world.reviewer, world.scheduler, world.assessor):
        assert set(selectors.declarations_visible_to(person)) == {edu, health}
    grants = selectors.audit_events_visible_to(world.assessor).filter(declaration__isnull=True, action="grant_role")
    assert grants.count() == 8  # the world's eight people


def test_a_superuser_is_not_a_member_of_every_unit(world):
    """Superuser status is no unit role: the unit's draft and its seal stay with the unit,
    and the permission layer agrees with the selectors about it."""
    root = admin_user()
    draft = world.declaration("drafted")

    assert _not_found_message(lambda: selectors.declaration_get(root, draft.pk)) == "未找到该申报，或您无权查看。"
    assert _not_found_message(lambda: services.declaration_update(declaration=draft, by=root, data={"theme": "改"})) == (
        "未找到该申报，或您无权查看。"
    )
    assert Declaration.objects.get(pk=draft.pk).theme == "惠企政策面对面"
    assert not has_unit_perm(root, PERM_OPERATE, world.unit)
    assert has_unit_perm(world.operator, PERM_OPERATE, world.unit)
