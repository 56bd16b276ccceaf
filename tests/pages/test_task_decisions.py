"""Deciding on a task page (issue 17, items 3, 4 and 5): the leader's note reaches the operator,
an incomplete form never reaches the leader, and the seal, review and evaluation pages show the
whole declaration above the decision."""
from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from viewflow.workflow.status import STATUS

from tests.factories import BEFORE_DEADLINE, content
from tests.pages.conftest import login
from tests.pages.test_task_pages import claim, open_task
from workflow import inbox, services
from workflow.errors import RuleViolation
from workflow.evidence import Upload
from workflow.models import AuditEvent, Declaration, EvidenceKind, State
from workflow.process import process_of

pytestmark = pytest.mark.django_db


def _open_steps(declaration) -> list[str]:
    return [t.flow_task.name for t in process_of(declaration).task_set.filter(status__in=[STATUS.NEW, STATUS.ASSIGNED])]


# ------------------------------------------------------------------ item 3: the leader's note


def test_sending_back_needs_a_note_and_the_operator_sees_it_on_the_revise_page(client, world):
    declaration = world.declaration("drafted")
    login(client, world.leader)
    task = claim(client, world.leader, declaration)

    refused = client.post(f"/tasks/{task.pk}/", {"decision": "back", "note": "  "})
    assert refused.status_code == 200 and "请填写退回填报人理由。" in refused.content.decode()
    assert _open_steps(declaration) == ["seal"] and not AuditEvent.objects.filter(action="send_back").exists()

    client.post(f"/tasks/{task.pk}/", {"decision": "back", "note": "联系电话请写全区号"})
    login(client, world.operator)
    revise = inbox.tasks_for(world.operator).get()
    page = client.get(f"/tasks/{revise.pk}/").content.decode()
    assert "单位负责人退回意见：" in page and "联系电话请写全区号" in page
    assert "单位负责人退回意见：" in client.get(f"/declarations/{declaration.pk}/").content.decode()

    # handed over again, the old note no longer shows as the reason to revise
    client.post(f"/tasks/{revise.pk}/", content(world.programme, world.unit, contact_phone="0731-84390002"))
    assert "单位负责人退回意见：" not in client.get(f"/declarations/{declaration.pk}/").content.decode()


def test_the_service_refuses_a_send_back_without_a_note(world):
    declaration = world.declaration("drafted")
    for note in ("", " ", "\u200b"):
        with pytest.raises(RuleViolation) as refused:
            services.declaration_send_back(declaration=declaration, by=world.leader, reason=note)
        assert refused.value.by_field() == {"reason": ["请填写退回填报人理由。"]}


# ------------------------------------------------------------------ item 4: an incomplete form


def test_the_hand_over_checks_the_form_with_the_seals_messages_and_keeps_the_draft_with_the_operator(client, world):
    declaration = world.declaration("drafted")
    services.declaration_send_back(declaration=declaration, by=world.leader, reason="请补充")
    login(client, world.operator)
    revise = inbox.tasks_for(world.operator).get()

    data = content(world.programme, world.unit, description="", contact_name="")
    response = client.post(f"/tasks/{revise.pk}/", data)

    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["description"] == ["请填写活动简介。"] and form.errors["contact_name"] == ["请填写联系人。"]
    assert _open_steps(declaration) == ["revise"] and not inbox.queue_for(world.leader).exists()
    assert Declaration.objects.get(pk=declaration.pk).description  # refused: nothing saved
    # the same rule, word for word, as the leader's seal would apply
    Declaration.objects.filter(pk=declaration.pk).update(description="", contact_name="")
    with pytest.raises(RuleViolation) as by_hand_over:
        services.declaration_hand_over(declaration=declaration, by=world.operator)
    with pytest.raises(RuleViolation) as by_seal:
        services.declaration_submit(declaration=declaration, by=world.leader, now=BEFORE_DEADLINE)
    assert by_hand_over.value.by_field() == by_seal.value.by_field()


def test_an_incomplete_new_form_is_kept_as_a_draft_in_the_operators_inbox(client, world):
    login(client, world.operator)
    response = client.post("/declarations/new/", {"theme": "惠企政策面对面", "month": "5"}, follow=True)

    declaration = Declaration.objects.get(unit=world.unit)
    assert declaration.state == State.DRAFTED and declaration.theme == "惠企政策面对面"
    page = response.content.decode()
    assert "已保存为草稿，尚未交负责人盖章" in page and "请填写活动简介。" in page
    assert [t.flow_task.name for t in inbox.tasks_for(world.operator)] == ["revise"]
    assert not inbox.queue_for(world.leader).exists() and not inbox.tasks_for(world.leader).exists()

    # completed on the revise page, it reaches the leader
    revise = inbox.tasks_for(world.operator).get()
    assert client.post(f"/tasks/{revise.pk}/", content(world.programme, world.unit)).status_code == 302
    assert [t.flow_task.name for t in inbox.queue_for(world.leader)] == ["seal"]


# ------------------------------------------------------------------ item 5: the content in view


def _png() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, format="PNG")
    return SimpleUploadedFile("现场照片.png", buffer.getvalue(), content_type="image/png")


def _everything_shown(page: str, world, declaration) -> None:
    before_decision = page[: page.index('name="decision"')] if 'name="decision"' in page else page[: page.index('id="id_comment"')]
    for text in (
        declaration.description, declaration.banner, declaration.contact_name, declaration.contact_phone,
        "营商环境", "座谈交流", "5月", "盖章报送",  # focus topic and form by their labels, the month, the history
    ):
        assert text in before_decision, text


def test_the_seal_and_review_pages_show_the_whole_form_and_history_above_the_decision(client, world):
    declaration = world.declaration("drafted", description="邀请二十家企业代表座谈，现场解读三项惠企政策。")
    login(client, world.leader)
    seal = claim(client, world.leader, declaration)
    page = client.get(f"/tasks/{seal.pk}/").content.decode()
    for text in (declaration.description, declaration.contact_phone, "营商环境", "填报"):
        assert text in page[: page.index('name="decision"')], text

    services.declaration_submit(declaration=declaration, by=world.leader, now=BEFORE_DEADLINE)
    login(client, world.reviewer)
    review = claim(client, world.reviewer, declaration)
    _everything_shown(client.get(f"/tasks/{review.pk}/").content.decode(), world, Declaration.objects.get(pk=declaration.pk))


def test_the_evaluation_page_shows_the_holding_the_summary_and_the_evidence(client, world):
    declaration = world.declaration("held")
    services.evidence_upload(declaration=declaration, by=world.operator,
                             uploads=[Upload(file=_png(), kind=EvidenceKind.HOLDING_PHOTO)])
    services.declaration_summarize(declaration=declaration, by=world.operator, summary={
        "summary_practice": "企业代表现场提问", "summary_effect": "收集建议12条", "summary_experience": "政策解读进园区"})
    login(client, world.assessor)
    task = claim(client, world.assessor, declaration)
    page = client.get(f"/tasks/{task.pk}/").content.decode()
    before = page[: page.index('id="id_comment"')]
    for text in ("现场照片.png", "区政务服务中心", "企业代表现场提问", "收集建议12条", "提交总结", "登记举办"):
        assert text in before, text
    assert open_task(world.assessor, declaration).pk == task.pk
