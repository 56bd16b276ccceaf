"""Exports of issue 6: the district report for the city and the audit search as CSV/XLSX,
opened the way the office opens them (openpyxl, csv), each one audited; and a 2024 scheme
that is data, not code."""
from __future__ import annotations

import copy
import csv
import dataclasses
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.db import transaction
from openpyxl import load_workbook

from policies.models import Programme
from tests.factories import BEFORE_DEADLINE
from tests.workflow.test_assessment import year  # noqa: F401  (the scripted year of the assessment tests)
from workflow import reports, services
from workflow.assessment import assess_programme
from workflow.errors import RuleViolation
from workflow.models import AuditEvent
from workflow.selectors import audit_search
from workflow.trail.verify import verify

pytestmark = pytest.mark.django_db


def sheet_rows(content: bytes, title: str) -> list[tuple]:
    return list(load_workbook(io.BytesIO(content))[title].iter_rows(values_only=True))


@pytest.fixture
def report_year(year, world):  # noqa: F811
    """The scripted year plus 财政局, declared for July as a policy release, approved, not scheduled."""
    year.finance = year.unit("kf-finance", "开福区财政局")
    year.fin = year.declare(year.finance, month=7, form="policy_release")
    return year


def district_report(programme, by) -> bytes:
    with transaction.atomic():
        return reports.district_report_xlsx(programme, by=by)


# ------------------------------------------------------------------ the district report


def test_the_district_report_lists_every_units_score_as_computed(report_year, programme, world):
    board = assess_programme(programme)
    content = district_report(programme, world.scheduler)

    assert load_workbook(io.BytesIO(content)).sheetnames == ["考核得分", "得分明细", "典型经验", "按形式和月份统计"]
    rows = sheet_rows(content, "考核得分")
    assert rows[0][0] == "开福区2023年“政务公开主题日”活动实施方案考核得分（满分100分）"
    assert rows[1] == ("排名", "单位代码", "单位", "状态", "总分", *(f"{i.label}（{i.weight}）" for i in board.indicators))
    assert rows[1][5] == "按时申报（10）" and rows[1][-1] == "活动质量与实效（评估打分）（20）"
    assert [r[:5] for r in rows[2:]] == [
        (1, "kf-edu", "开福区教育局", "已评估", 98),
        (2, "kf-health", "开福区卫生健康局", "已评估", 45.33),
        (3, "kf-culture", "开福区文化旅游体育局", "已排期", 20),
        (3, "kf-finance", "开福区财政局", "已审核", 20),
        (5, "kf-market", "开福区市场监督管理局", "未申报", 0),
        (5, "kf-sifangping", "开福区四方坪街道", "未申报", 0),
    ]
    assert rows[2][5:] == (10, 10, 10, 10, 5, 15, 10, 5, 5, 18)
    assert rows[3][5:] == (10, 0, 0, 10, 5, 5, 3.33, 0, 0, 12)


def test_the_district_report_breakdown_names_the_basis_and_the_events_of_every_point(report_year, programme, world):
    board = assess_programme(programme)
    rows = sheet_rows(district_report(programme, world.scheduler), "得分明细")

    assert rows[0] == ("单位", "指标", "满分", "得分", "计分依据", "依据的审计事件编号")
    assert len(rows) == 1 + len(board.units) * len(board.indicators)
    lost = next(r for r in rows if r[:2] == ("开福区卫生健康局", "一次审核通过"))
    return_event = AuditEvent.objects.get(declaration=report_year.health, action="return")
    approve = AuditEvent.objects.get(declaration=report_year.health, action="approve")
    assert lost == ("开福区卫生健康局", "一次审核通过", 10, 0, "审核通过前被退回1次", f"{return_event.pk}、{approve.pk}")
    quality = next(r for r in rows if r[:2] == ("开福区教育局", "活动质量与实效（评估打分）"))
    assert quality[2:5] == (20, 18, "评估打分9/10")
    assert quality[5] == str(AuditEvent.objects.get(declaration=report_year.edu, action="evaluate").pk)


def test_the_district_report_carries_the_exemplary_experiences_and_the_counts_by_form_and_month(report_year, programme, world):
    content = district_report(programme, world.scheduler)

    exemplary = sheet_rows(content, "典型经验")
    assert exemplary == [
        ("单位", "活动主题", "活动形式", "举办日期", "做法", "成效", "经验"),
        ("开福区教育局", "惠企政策面对面", "座谈交流", "2023-05-18", "座谈交流", "收集建议10条", "闭环办理"),
    ]
    counts = sheet_rows(content, "按形式和月份统计")
    assert counts[0] == ("活动形式", "4月", "5月", "6月", "7月", "8月", "9月", "10月", "11月", "合计")
    # scheduled month where scheduled (教育局 and 卫生健康局 in May, 文化旅游体育局 in September), else the
    # declared one (财政局, July); the never-submitted draft of 市场监管局 does not count
    assert counts[1:] == [
        ("实地调研", 0, 0, 0, 0, 0, 0, 0, 0, 0),
        ("现场观摩", 0, 0, 0, 0, 0, 0, 0, 0, 0),
        ("座谈交流", 0, 2, 0, 0, 0, 1, 0, 0, 3),
        ("政策发布", 0, 0, 0, 1, 0, 0, 0, 0, 1),
        ("问卷调查", 0, 0, 0, 0, 0, 0, 0, 0, 0),
        ("合计", 0, 2, 0, 1, 0, 1, 0, 0, 4),
    ]


def test_the_district_report_is_audited_with_the_digest_of_the_scores(report_year, programme, world):
    district_report(programme, world.reviewer)
    export = AuditEvent.objects.get(action="export")
    assert (export.actor, export.programme, export.declaration_id) == (world.reviewer, programme, None)
    assert export.changed == {
        "file": "district-report.xlsx", "rows": 6, "exemplary": 1, "digest": assess_programme(programme).digest(),
    }
    assert verify().ok


# ------------------------------------------------------------------ the audit exports


def test_text_typed_by_people_is_never_a_formula_in_either_export(world, programme):
    d = world.declaration("submitted")
    services.declaration_return(declaration=d, by=world.reviewer, reason='=HYPERLINK("http://evil.example","点此")')
    events = audit_search(world.assessor, action="return")
    with transaction.atomic():
        text = reports.audit_csv(events, by=world.assessor, filters={"action": "return"}).decode("utf-8-sig")
        book = reports.audit_xlsx(events, by=world.assessor, filters={"action": "return"})
    row = list(csv.reader(io.StringIO(text)))[1]
    assert row[8] == "'=HYPERLINK(\"http://evil.example\",\"点此\")"
    cell = load_workbook(io.BytesIO(book)).active["I2"]
    assert cell.data_type == "s" and cell.value == '=HYPERLINK("http://evil.example","点此")'
    assert list(AuditEvent.objects.filter(action="export").values_list("changed__file", flat=True)) == ["audit.csv", "audit.xlsx"]


def test_an_export_over_the_limit_is_refused_and_nothing_is_recorded(world, programme, monkeypatch):
    world.declaration("reviewed")
    monkeypatch.setattr(reports, "EXPORT_LIMIT", 3)
    events = audit_search(world.assessor)
    with pytest.raises(RuleViolation) as refused, transaction.atomic():
        reports.audit_xlsx(events, by=world.assessor, filters={})
    assert refused.value.message == f"符合条件的审计事件有{events.count()}条，超过单次导出上限3条，请按单位、日期等缩小范围后再导出。"
    assert not AuditEvent.objects.filter(action="export").exists()


# ------------------------------------------------------------------ a 2024 scheme is data, not code


def test_a_2024_programme_with_its_own_indicators_scores_exactly_as_its_weights_say(world, programme):
    scheme = {"indicators": [
        {"code": "declared_on_time", "label": "按期报送申报表", "weight": 30, "kind": "auto"},
        {"code": "approved_without_return", "label": "申报质量（一次通过）", "weight": 45, "kind": "auto"},
        {"code": "openness", "label": "公开实效（第三方评估）", "weight": 25, "kind": "manual", "max": 5},
    ]}
    kaifu_2024 = copy.copy(programme)
    kaifu_2024.pk, kaifu_2024.code, kaifu_2024.year = None, "kaifu-2024", 2024
    kaifu_2024.declaration_due_date, kaifu_2024.assessment_scheme = dt.date(2024, 4, 3), scheme
    kaifu_2024.save()
    w24 = dataclasses.replace(world, programme=Programme.objects.get(code="kaifu-2024"))
    w24.declaration("reviewed")
    returned = w24.declaration("returned", unit=world.other_unit)
    returned = services.declaration_submit(declaration=returned, by=world.other_leader, now=BEFORE_DEADLINE)
    services.declaration_approve(declaration=returned, by=world.reviewer)

    board = assess_programme(w24.programme)
    assert board.problems == () and board.max_total == 100
    assert [(row.unit_code, row.total) for row in board.units] == [("kf-edu", Decimal("75.00")), ("kf-health", Decimal("30.00"))]
    assert [(s.label, s.points) for s in board.unit(world.other_unit.pk).indicators] == [
        ("按期报送申报表", 30), ("申报质量（一次通过）", 0), ("公开实效（第三方评估）", 0),
    ]
    assert all(row.total == 0 for row in assess_programme(programme).units)  # 2023 untouched
    rows = sheet_rows(district_report(w24.programme, world.scheduler), "考核得分")
    assert rows[1][5:] == ("按期报送申报表（30）", "申报质量（一次通过）（45）", "公开实效（第三方评估）（25）")
    assert rows[2][4:] == (75, 30, 45, 0)
