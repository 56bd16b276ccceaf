"""The declaration page's step bar (where it stands, at a glance) and its print: the print
stylesheet and the 申报表 as a PDF with the declaration's Chinese text in it."""
from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader

from tests.pages.conftest import login
from workflow import services
from workflow.models import AuditEvent

pytestmark = pytest.mark.django_db


def bar_of(client, declaration) -> dict[str, dict]:
    """The step bar as a person reads it: each step's label → its status, who/when and marks."""
    response = client.get(f"/declarations/{declaration.pk}/")
    assert response.status_code == 200
    return {step.label: step for step in response.context["bar"].steps}


def test_a_returned_declaration_shows_the_return_and_whose_turn_it_is(client, world):
    declaration = world.declaration("returned")  # submitted by the leader, returned by the office
    login(client, world.operator)

    bar = bar_of(client, declaration)

    assert [(label, step.status) for label, step in bar.items()] == [
        ("填报", "done"), ("盖章报送", "current"), ("审核", "todo"), ("排期", "todo"), ("举办", "todo"), ("总结", "todo"),
        ("评估", "todo")]
    assert bar["填报"].actor == world.operator.first_name
    # the revise task went back to the operator who drafted it: named, not a role
    assert bar["盖章报送"].turn == world.operator.first_name and bar["盖章报送"].task == "修改申报表"
    assert [(m.label, m.actor, m.reason) for m in bar["审核"].marks] == [("退回", world.reviewer.first_name, "请补充活动简介。")]
    page = client.get(f"/declarations/{declaration.pk}/").content.decode()
    stepbar = page[page.index('id="stepbar"'):page.index("</nav>", page.index('id="stepbar"'))]
    assert 'aria-current="step"' in stepbar and f"轮到：{world.operator.first_name}（修改申报表）" in stepbar
    assert "退回 1次" in stepbar and "请补充活动简介。" in stepbar


def test_done_steps_say_who_and_when_and_the_office_has_the_turn(client, world):
    declaration = world.declaration("reviewed")
    login(client, world.leader)

    bar = bar_of(client, declaration)

    assert [step.status for step in bar.values()] == ["done", "done", "done", "current", "todo", "todo", "todo"]
    assert (bar["填报"].actor, bar["盖章报送"].actor, bar["审核"].actor) == (
        world.operator.first_name, world.leader.first_name, world.reviewer.first_name)
    approve = AuditEvent.objects.get(declaration=declaration, action="approve")
    assert bar["审核"].at == approve.created_at
    assert bar["排期"].turn == "区政务公开办统筹人员" and bar["排期"].task == "排期"


def test_a_withdrawal_is_marked_on_the_seal_step(client, world):
    declaration = world.declaration("submitted")
    services.declaration_withdraw(declaration=declaration, by=world.leader, reason="补充材料")
    login(client, world.operator)

    bar = bar_of(client, declaration)

    assert [(m.label, m.reason) for m in bar["盖章报送"].marks] == [("撤回", "补充材料")]
    assert bar["盖章报送"].status == "current" and bar["审核"].marks == []
    assert bar["盖章报送"].turn  # someone of the unit has it


def test_a_cancelled_declaration_stops_where_it_was_cancelled(client, world):
    declaration = world.declaration("scheduled")
    services.declaration_cancel(declaration=declaration, by=world.reviewer, reason="活动场地无法使用")
    login(client, world.operator)

    response = client.get(f"/declarations/{declaration.pk}/")

    steps = response.context["bar"].steps
    assert [s.status for s in steps] == ["done", "done", "done", "done", "cancelled", "todo", "todo"]
    assert "活动场地无法使用" in response.content.decode().split('id="stepbar"')[1].split("</nav>")[0]


def test_an_evaluated_declaration_has_every_step_done(client, world):
    declaration = world.declaration("evaluated")
    login(client, world.operator)

    bar = bar_of(client, declaration)

    assert {step.status for step in bar.values()} == {"done"}
    assert bar["评估"].actor == world.assessor.first_name


def test_the_full_process_chart_is_one_click_away_and_the_page_prints_plainly(client, world):
    declaration = world.declaration("submitted")
    login(client, world.operator)

    page = client.get(f"/declarations/{declaration.pk}/").content.decode()

    details = page[page.index('<details class="card" id="process">'):page.index("</details>")]
    assert "<summary>完整流程图与各步骤任务</summary>" in details and "<svg" in details
    assert re.search(r'<link rel="stylesheet" href="/static/css/print\.css" media="print">', page)
    assert f'href="/declarations/{declaration.pk}/declaration.pdf"' in page and ">打印</a>" in page


def test_the_pdf_is_the_notices_annex_with_the_declarations_chinese_text(client, world):
    declaration = world.declaration("submitted", month=6, form="survey", theme="营商环境满意度问卷",
                                    description="面向辖区企业开展问卷调查，公开调查结果。")
    login(client, world.operator)

    response = client.get(f"/declarations/{declaration.pk}/declaration.pdf")

    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert 'filename="kaifu-2023-kf-edu-declaration.pdf"' in response["Content-Disposition"]
    assert response.content.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(response.content))
    (page,) = reader.pages
    assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (842, 595)  # A4 landscape
    text = page.extract_text()
    for expected in ("附表", "开福区2023年“政务公开主题日”活动主题申报表", "填报单位（公章）：开福区教育局", "联系人：张三",
                     "联系电话：0731-84390001", "序号", "活动主题", "活动形式", "活动简介", "营商环境满意度问卷", "6月",
                     "问卷调查", "面向辖区企业开展问卷调查，公开调查结果。"):
        assert expected in text.replace("\n", ""), expected
    fonts = {str(font.get("/BaseFont", "")) for font in (page["/Resources"]["/Font"].get_object()[name].get_object()
                                                        for name in page["/Resources"]["/Font"].get_object())}
    assert any("WenQuanYi" in font or "CJK" in font or "Fang" in font for font in fonts), fonts  # a CJK font, embedded
    export = AuditEvent.objects.get(action="export")
    assert (export.actor, export.unit) == (world.operator, world.unit)
    assert export.changed == {"file": "declaration.pdf", "declaration": declaration.pk}


def test_the_office_prints_a_submitted_form_and_another_unit_gets_404(client, world):
    declaration = world.declaration("submitted")
    draft = world.declaration("drafted", unit=world.other_unit)

    login(client, world.reviewer)
    assert client.get(f"/declarations/{declaration.pk}/declaration.pdf").status_code == 200
    assert client.get(f"/declarations/{draft.pk}/declaration.pdf").status_code == 404  # a draft stays in its unit
    login(client, world.other_operator)
    assert client.get(f"/declarations/{declaration.pk}/declaration.pdf").status_code == 404
    assert client.get("/declarations/999999/declaration.pdf").status_code == 404
    assert AuditEvent.objects.filter(action="export").count() == 1  # only the office's download
