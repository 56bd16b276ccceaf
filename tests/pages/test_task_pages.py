"""HTTP tests of the task pages: each step through the browser-facing views, and what
another unit can NOT reach (404)."""
from __future__ import annotations

import pytest

from tests.factories import content, evidence
from tests.pages.conftest import login
from workflow import inbox
from workflow.models import AuditEvent, Declaration, State

pytestmark = pytest.mark.django_db


def open_task(user, declaration):
    return inbox.open_tasks(user).get(declaration=declaration)


def claim(client, user, declaration):
    task = open_task(user, declaration)
    if task.owner_id is None:
        assert client.post(f"/tasks/{task.pk}/", {"claim": "1"}).status_code == 302
    return task


def test_operator_drafts_on_the_declaration_form_and_the_leader_gets_the_seal_task(client, world):
    login(client, world.operator)
    page = client.get("/declarations/new/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "填报申报表" in text and world.programme.canonical_banner(world.unit.name) in text
    response = client.post("/declarations/new/", content(world.programme, world.unit))
    assert response.status_code == 302
    declaration = Declaration.objects.get(unit=world.unit)
    assert declaration.state == State.DRAFTED
    assert [t.flow_task.name for t in inbox.queue_for(world.leader)] == ["seal"]
    assert not inbox.queue_for(world.other_leader).exists()


def test_a_wrong_banner_is_a_chinese_field_error_not_an_error_page(client, world):
    login(client, world.operator)
    response = client.post("/declarations/new/", content(world.programme, world.unit, banner="开福区教育局校园开放日"))
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["banner"] and "会标" in form.errors["banner"][0]
    assert world.programme.canonical_banner(world.unit.name) in response.content.decode()
    assert not Declaration.objects.exists()


def test_someone_without_a_unit_may_not_start_a_declaration(client, world):
    login(client, world.reviewer)
    response = client.get("/declarations/new/")
    assert response.status_code == 403
    assert "只有本单位的填报人或负责人可以填报申报表" in response.content.decode()


def test_leader_submits_then_reviewer_returns_with_reason_and_operator_sees_it(client, world):
    declaration = world.declaration("drafted")
    login(client, world.leader)
    task = claim(client, world.leader, declaration)
    assert "盖章报送" in client.get(f"/tasks/{task.pk}/").content.decode()
    assert client.post(f"/tasks/{task.pk}/", {"decision": "submit"}).status_code == 302
    assert Declaration.objects.get(pk=declaration.pk).state == State.SUBMITTED

    login(client, world.reviewer)
    task = claim(client, world.reviewer, declaration)
    missing = client.post(f"/tasks/{task.pk}/", {"decision": "return", "reason": "", "confirm": "yes"})
    assert missing.status_code == 200 and "请填写退回理由" in missing.content.decode()
    assert Declaration.objects.get(pk=declaration.pk).state == State.SUBMITTED
    client.post(f"/tasks/{task.pk}/", {"decision": "return", "reason": "请补充活动简介", "confirm": "yes"})
    assert Declaration.objects.get(pk=declaration.pk).state == State.DRAFTED

    login(client, world.operator)
    revise = inbox.tasks_for(world.operator).get()
    assert revise.flow_task.name == "revise"
    page = client.get(f"/tasks/{revise.pk}/").content.decode()
    assert "区政务公开办退回，理由：" in page and "请补充活动简介" in page


def test_leader_sends_back_to_the_operator_with_a_note(client, world):
    declaration = world.declaration("drafted")
    login(client, world.leader)
    task = claim(client, world.leader, declaration)
    client.post(f"/tasks/{task.pk}/", {"decision": "back", "note": "联系电话写错了"})
    assert Declaration.objects.get(pk=declaration.pk).state == State.DRAFTED
    assert inbox.tasks_for(world.operator).get().flow_task.name == "revise"
    assert AuditEvent.objects.filter(declaration=declaration, action="send_back", reason="联系电话写错了").exists()


def test_revise_saves_the_changes_and_goes_back_to_the_leader(client, world):
    declaration = world.declaration("drafted")
    login(client, world.leader)
    client.post(f"/tasks/{claim(client, world.leader, declaration).pk}/", {"decision": "back", "note": "请改主题"})
    login(client, world.operator)
    task = inbox.tasks_for(world.operator).get()
    data = content(world.programme, world.unit, theme="政策面对面（修改）")
    assert client.post(f"/tasks/{task.pk}/", data).status_code == 302
    assert Declaration.objects.get(pk=declaration.pk).theme == "政策面对面（修改）"
    assert inbox.queue_for(world.leader).get().flow_task.name == "seal"


def test_approve_schedule_hold_summarize_evaluate_through_the_pages(client, world):
    declaration = world.declaration("submitted")
    login(client, world.reviewer)
    client.post(f"/tasks/{claim(client, world.reviewer, declaration).pk}/", {"decision": "approve"})
    assert Declaration.objects.get(pk=declaration.pk).state == State.REVIEWED

    login(client, world.scheduler)
    client.post(f"/tasks/{claim(client, world.scheduler, declaration).pk}/", {"month": "5"})
    assert Declaration.objects.get(pk=declaration.pk).scheduled_month == 5

    login(client, world.operator)
    task = open_task(world.operator, declaration)
    page = client.get(f"/tasks/{task.pk}/").content.decode()
    assert "参与人员（按类别）" in page and "座谈会参会人数" in page
    ev = evidence(world.programme, world.unit)
    bad = client.post(f"/tasks/{task.pk}/", {"held_on": "2023-05-18", "place": "区政务服务中心", "p_citizen": "20",
                                             "banner_used": "开福区教育局政务服务开放日", "logo_shown": "on",
                                             "pub_gov_website_url": "https://www.kaifu.gov.cn/a", "pub_gov_website_date": "2023-05-19",
                                             "fact_attendance": "25"})
    assert bad.status_code == 200 and bad.context["form"].errors.get("banner_used")
    client.post(f"/tasks/{task.pk}/", {"held_on": "2023-05-18", "place": "区政务服务中心", "p_citizen": "20", "p_enterprise": "5",
                                       "banner_used": ev["banner_used"], "logo_shown": "on",
                                       "pub_gov_website_url": "https://www.kaifu.gov.cn/a", "pub_gov_website_date": "2023-05-19", "fact_attendance": "25"})
    held = Declaration.objects.get(pk=declaration.pk)
    assert held.state == State.HELD and held.participants == {"npc_deputy": 0, "cppcc_member": 0, "expert": 0, "media": 0, "citizen": 20, "enterprise": 5}

    task = open_task(world.operator, declaration)
    client.post(f"/tasks/{task.pk}/", {"summary_practice": "座谈", "summary_effect": "建议10条", "summary_experience": "闭环办理"})
    assert Declaration.objects.get(pk=declaration.pk).state == State.SUMMARIZED

    login(client, world.assessor)
    task = claim(client, world.assessor, declaration)
    out_of_range = client.post(f"/tasks/{task.pk}/", {"score_quality": "11", "comment": "好"})
    assert out_of_range.status_code == 200 and out_of_range.context["form"].errors.get("score_quality")
    client.post(f"/tasks/{task.pk}/", {"score_quality": "8", "comment": "组织有序"})
    done = Declaration.objects.get(pk=declaration.pk)
    assert done.state == State.EVALUATED and done.scores == {"quality": 8.0}
    assert not (inbox.tasks_for(world.assessor) | inbox.queue_for(world.assessor)).exists()


def test_another_units_person_gets_404_on_the_task_and_cannot_claim_it(client, world):
    declaration = world.declaration("drafted")
    task = open_task(world.leader, declaration)
    login(client, world.other_leader)
    assert client.get(f"/tasks/{task.pk}/").status_code == 404
    assert client.post(f"/tasks/{task.pk}/", {"claim": "1"}).status_code == 404
    assert client.post(f"/tasks/{task.pk}/", {"decision": "submit"}).status_code == 404
    assert Declaration.objects.get(pk=declaration.pk).state == State.DRAFTED
    assert "未找到" in client.get(f"/tasks/{task.pk}/").content.decode()


def test_an_operator_cannot_open_the_leaders_seal_task(client, world):
    declaration = world.declaration("drafted")
    task = open_task(world.leader, declaration)
    login(client, world.operator)
    assert client.get(f"/tasks/{task.pk}/").status_code == 404


def test_a_task_claimed_by_one_reviewer_leaves_the_others_queue(client, world):
    from tests.factories import person
    from units.roles import Role

    colleague = person("reviewer-2", Role.REVIEWER)
    declaration = world.declaration("submitted")
    login(client, world.reviewer)
    task = claim(client, world.reviewer, declaration)
    assert not inbox.queue_for(colleague).exists()
    login(client, colleague)
    assert client.get(f"/tasks/{task.pk}/").status_code == 404
