"""取消申报 on the declaration page: the office reviewer cancels with a required reason and the
process ends as after the API's cancel; every refusal, and what another unit can NOT reach."""
from __future__ import annotations

import pytest
from django.test import Client
from viewflow.workflow.status import STATUS

from tests.pages.conftest import login
from workflow import inbox
from workflow.models import AuditEvent, Declaration, State
from workflow.process import OPEN, process_of

pytestmark = pytest.mark.django_db


def cancel(client, declaration, reason: str = "单位职能调整，本年度不再举办"):
    return client.post(f"/declarations/{declaration.pk}/cancel/", {"reason": reason, "confirm": "yes"}, follow=True)


def open_steps(declaration) -> list[str]:
    return sorted(t.flow_task.name for t in process_of(declaration).task_set.filter(status__in=OPEN))


def test_the_reviewer_cancels_with_a_reason_and_the_process_ends(client, world):
    declaration = world.declaration("reviewed")
    assert open_steps(declaration) == ["schedule"]
    login(client, world.reviewer)
    detail = client.get(f"/declarations/{declaration.pk}/").content.decode()
    assert "取消申报" in detail and 'required id="id_cancel_reason"' in detail

    response = cancel(client, declaration)

    page = response.content.decode()
    assert response.redirect_chain == [(f"/declarations/{declaration.pk}/", 302)]
    assert "申报已取消，流程已结束。" in page and "已取消" in page and "单位职能调整，本年度不再举办" in page
    cancelled = Declaration.objects.get(pk=declaration.pk)
    assert cancelled.state == State.CANCELLED and cancelled.cancel_reason == "单位职能调整，本年度不再举办"
    [event] = AuditEvent.objects.filter(declaration=declaration, action="cancel")
    assert (event.actor, event.from_state, event.to_state, event.reason) == (
        world.reviewer, State.REVIEWED, State.CANCELLED, "单位职能调整，本年度不再举办")
    assert open_steps(declaration) == [] and process_of(declaration).status == STATUS.CANCELED
    assert not inbox.queue_for(world.scheduler).exists()
    assert 'id="cancel"' not in page  # nothing left to cancel


def test_nothing_is_cancelled_until_the_reviewer_ticks_what_will_happen(client, world):
    declaration = world.declaration("reviewed")
    login(client, world.reviewer)
    detail = client.get(f"/declarations/{declaration.pk}/").content.decode()
    form = detail[detail.index('id="cancel"'):detail.index("</form>", detail.index('id="cancel"'))]
    assert '<input type="checkbox" name="confirm" value="yes" required>' in form
    assert "我已知晓：取消后该申报及其流程即告结束" in form and "取消不可撤回" in form

    response = client.post(f"/declarations/{declaration.pk}/cancel/", {"reason": "单位职能调整"}, follow=True)

    assert "请先勾选“我已知晓”，确认后再提交" in response.content.decode()
    assert Declaration.objects.get(pk=declaration.pk).state == State.REVIEWED
    assert not AuditEvent.objects.filter(action="cancel").exists() and open_steps(declaration) == ["schedule"]
    # without the box the unit's people still learn they may not cancel at all
    login(client, world.operator)
    assert client.post(f"/declarations/{declaration.pk}/cancel/", {"reason": "x"}).status_code == 403


def test_an_empty_reason_is_refused_in_chinese_and_nothing_is_saved(client, world):
    declaration = world.declaration("submitted")
    login(client, world.reviewer)
    page = cancel(client, declaration, reason="  ").content.decode()
    assert "请填写取消理由。" in page
    assert Declaration.objects.get(pk=declaration.pk).state == State.SUBMITTED
    assert not AuditEvent.objects.filter(action="cancel").exists()
    assert open_steps(declaration) == ["review"] and process_of(declaration).status != STATUS.CANCELED


def test_unit_people_and_other_office_roles_get_403_and_no_button(client, world):
    declaration = world.declaration("submitted")
    for person in (world.operator, world.leader, world.scheduler):
        login(client, person)
        assert 'id="cancel"' not in client.get(f"/declarations/{declaration.pk}/").content.decode()
        response = client.post(f"/declarations/{declaration.pk}/cancel/", {"reason": "x", "confirm": "yes"})
        assert response.status_code == 403 and "只有区政务公开办审核人员可以取消" in response.content.decode(), person
    assert Declaration.objects.get(pk=declaration.pk).state == State.SUBMITTED
    assert not AuditEvent.objects.filter(action="cancel").exists() and open_steps(declaration) == ["review"]


def test_another_unit_and_a_draft_the_office_may_not_see_get_404(client, world):
    submitted = world.declaration("submitted")
    login(client, world.other_leader)
    assert client.post(f"/declarations/{submitted.pk}/cancel/", {"reason": "x"}).status_code == 404
    draft = world.declaration("drafted", unit=world.other_unit)  # never submitted: only its unit sees it
    login(client, world.reviewer)
    assert client.post(f"/declarations/{draft.pk}/cancel/", {"reason": "x"}).status_code == 404
    assert client.post("/declarations/999999/cancel/", {"reason": "x"}).status_code == 404
    assert set(Declaration.objects.values_list("state", flat=True)) == {State.SUBMITTED, State.DRAFTED}
    assert not AuditEvent.objects.filter(action="cancel").exists()


def test_a_held_activity_cannot_be_cancelled_and_the_page_says_why(client, world):
    declaration = world.declaration("held")
    login(client, world.reviewer)
    assert 'id="cancel"' not in client.get(f"/declarations/{declaration.pk}/").content.decode()
    page = cancel(client, declaration).content.decode()
    assert "当前状态为“已举办”，不能取消。" in page
    assert Declaration.objects.get(pk=declaration.pk).state == State.HELD
    assert not AuditEvent.objects.filter(action="cancel").exists() and open_steps(declaration) == ["summarize"]


def test_cancel_is_post_only_and_needs_the_csrf_token(world):
    declaration = world.declaration("submitted")
    client = login(Client(enforce_csrf_checks=True), world.reviewer)
    assert client.get(f"/declarations/{declaration.pk}/cancel/").status_code == 405
    assert client.post(f"/declarations/{declaration.pk}/cancel/", {"reason": "x"}).status_code == 403
    assert Declaration.objects.get(pk=declaration.pk).state == State.SUBMITTED
