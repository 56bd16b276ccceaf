"""The official files, opened by the programs that read them: openpyxl and python-docx."""
from __future__ import annotations

import io

import pytest
from docx import Document
from openpyxl import load_workbook

from tests.pages.conftest import login
from workflow.models import AuditEvent, Declaration

pytestmark = pytest.mark.django_db

COLUMNS = ["序号", "单位", "活动主题", "活动时间（月份）", "活动形式", "活动简介", "联系人", "联系电话"]


def test_the_schedule_spreadsheet_has_the_official_layout_and_prints_on_landscape_pages(client, world):
    edu = world.declaration("scheduled", month=7)
    health = world.declaration("scheduled", unit=world.other_unit, month=5, theme="家庭医生签约服务", form="site_visit")

    login(client, world.scheduler)
    response = client.get("/programmes/kaifu-2023/schedule/v2.xlsx")  # the second publication lists both
    sheet = load_workbook(io.BytesIO(response.content)).active

    assert sheet["A1"].value == "开福区2023年“政务公开主题日”活动计划安排表"
    assert "A1:H1" in {str(r) for r in sheet.merged_cells.ranges}
    assert [c.value for c in sheet[2]] == COLUMNS
    assert [[c.value for c in row] for row in sheet.iter_rows(min_row=3)] == [
        [1, "开福区卫生健康局", "家庭医生签约服务", "5月", "现场观摩", health.description, "张三", "0731-84390001"],
        [2, "开福区教育局", "惠企政策面对面", "7月", "座谈交流", edu.description, "张三", "0731-84390001"],
    ]
    widths = [sheet.column_dimensions[letter].width for letter in "ABCDEFGH"]
    assert widths == [6, 22, 28, 10, 11, 46, 9, 15]
    assert sheet["F3"].alignment.wrap_text
    assert (sheet.page_setup.orientation, sheet.page_setup.paperSize) == ("landscape", 9)
    assert (sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight, sheet.sheet_properties.pageSetUpPr.fitToPage) == (1, 0, True)
    assert sheet.print_title_rows == "$1:$2"  # title and column headers on every printed page
    assert sheet.freeze_panes == "A3"


def test_the_declaration_form_mirrors_the_notices_annex(client, world):
    declaration = world.declaration("submitted", month=6, form="survey", description="面向社会开展问卷调查。")

    login(client, world.operator)
    response = client.get(f"/declarations/{declaration.pk}/declaration.docx")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    assert 'filename="kaifu-2023-kf-edu-declaration.docx"' in response["Content-Disposition"]
    document = Document(io.BytesIO(response.content))
    lines = [p.text for p in document.paragraphs]
    assert lines[:2] == ["附表", "开福区2023年“政务公开主题日”活动主题申报表"]
    assert "填报单位（公章）：开福区教育局" in lines[2] and "联系人：张三" in lines[2] and "联系电话：0731-84390001" in lines[2]
    (table,) = document.tables
    assert [[c.text for c in row.cells] for row in table.rows] == [
        ["序号", "活动主题", "活动时间（月份）", "活动形式", "活动简介"],
        ["1", "惠企政策面对面", "6月", "问卷调查", "面向社会开展问卷调查。"],
    ]
    export = AuditEvent.objects.get(action="export")
    assert (export.actor, export.unit, export.declaration) == (world.operator, world.unit, None)
    assert export.changed == {"file": "declaration.docx", "declaration": declaration.pk}


def test_control_characters_saved_before_the_form_refused_them_do_not_break_the_document(client, world):
    declaration = world.declaration("drafted")
    # a row from before the 申报表 refused control characters (services.content_problems)
    Declaration.objects.filter(pk=declaration.pk).update(description="第一行\x07响铃\x0b第二行")

    login(client, world.operator)
    document = Document(io.BytesIO(client.get(f"/declarations/{declaration.pk}/declaration.docx").content))

    assert document.tables[0].rows[1].cells[4].text == "第一行响铃第二行"


def test_the_office_downloads_a_submitted_form_and_another_unit_gets_404(client, world):
    declaration = world.declaration("submitted")
    draft = world.declaration("drafted", unit=world.other_unit)

    login(client, world.reviewer)
    assert client.get(f"/declarations/{declaration.pk}/declaration.docx").status_code == 200
    assert client.get(f"/declarations/{draft.pk}/declaration.docx").status_code == 404  # a draft stays in its unit
    login(client, world.other_operator)
    assert client.get(f"/declarations/{declaration.pk}/declaration.docx").status_code == 404
    assert [e.actor for e in AuditEvent.objects.filter(action="export")] == [world.reviewer]


def test_the_detail_page_links_the_declaration_form(client, world):
    declaration = world.declaration("drafted")

    login(client, world.operator)
    page = client.get(f"/declarations/{declaration.pk}/").content.decode()

    assert f'href="/declarations/{declaration.pk}/declaration.docx"' in page and "下载申报表（Word）" in page
