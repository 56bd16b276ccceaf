"""The assessor's audit search page (issue 6): filters, scope, paging, CSV/XLSX exports, chain verification."""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from tests.conftest import is_postgres
from tests.factories import UnitFactory, person
from tests.pages.conftest import login
from units.roles import Role
from workflow import services
from workflow.models import AuditEvent, Declaration
from workflow.reports import AUDIT_COLUMNS

pytestmark = pytest.mark.django_db


def listed(response) -> list[int]:
    assert response.status_code == 200
    return [int(pk) for pk in re.findall(r'<tr data-event="(\d+)">', response.content.decode())]


def newest_first(qs) -> list[int]:
    return list(qs.order_by("-pk").values_list("pk", flat=True))


@pytest.fixture
def trail(world):
    """教育局 scheduled; 卫生健康局 returned; a never-submitted draft of a third unit stays inside it."""
    edu = world.declaration("scheduled")
    health = world.declaration("returned", unit=world.other_unit)
    return edu, health


# ------------------------------------------------------------------ filters and scope


def test_every_filter_narrows_to_exactly_the_matching_events(client, world, trail):
    edu, health = trail
    login(client, world.assessor)
    visible = AuditEvent.objects.exclude(declaration__first_submitted_at__isnull=True, declaration__isnull=False)
    assert listed(client.get("/audit/")) == newest_first(visible)
    assert listed(client.get("/audit/", {"unit": "kf-health"})) == newest_first(visible.filter(unit=world.other_unit))
    assert listed(client.get("/audit/", {"declaration": edu.pk})) == newest_first(AuditEvent.objects.filter(declaration=edu))
    assert listed(client.get("/audit/", {"actor": "reviewer"})) == newest_first(visible.filter(actor=world.reviewer))
    returned = listed(client.get("/audit/", {"action": "return"}))
    assert returned == newest_first(AuditEvent.objects.filter(action="return")) and len(returned) == 1
    both = listed(client.get("/audit/", {"unit": "kf-edu", "action": "approve", "actor": "reviewer"}))
    assert both == newest_first(AuditEvent.objects.filter(declaration=edu, action="approve"))


def test_the_date_range_is_inclusive_local_days(client, world, trail):
    """The factories submit at 2023-03-30 10:00 Beijing time (BEFORE_DEADLINE); everything else is stamped now."""
    login(client, world.assessor)
    submits = newest_first(AuditEvent.objects.filter(action="submit"))
    assert len(submits) == 2
    assert listed(client.get("/audit/", {"date_from": "2023-03-30", "date_to": "2023-03-30"})) == submits
    assert listed(client.get("/audit/", {"date_to": "2023-03-29"})) == []
    later = listed(client.get("/audit/", {"date_from": "2023-03-31"}))
    assert later and not set(later) & set(submits)
    assert sorted(later + submits) == sorted(listed(client.get("/audit/")))


def test_bad_filters_are_chinese_field_errors_not_error_pages(client, world, trail):
    login(client, world.assessor)
    backwards = client.get("/audit/", {"date_from": "2023-05-02", "date_to": "2023-05-01"})
    assert backwards.status_code == 200 and "截止日期不能早于起始日期" in backwards.content.decode()
    assert 'data-event="' not in backwards.content.decode()
    for params, message in (
        ({"ids": "1,abc"}, "审计事件编号应为以逗号分隔的数字"),
        ({"declaration": "x"}, "输入整数"),
        ({"unit": "no-such-unit"}, "选择一个有效的选项"),
        ({"date_from": "2023-13-45"}, "输入一个有效的日期"),
    ):
        response = client.get("/audit/", params)
        assert response.status_code == 200 and message in response.content.decode(), params
    assert client.get("/audit/", {"page": "9999"}).status_code == 200  # past the end: the last page


def test_only_assessors_read_the_trail_and_a_draft_never_submitted_stays_inside_its_unit(client, world, trail):
    third = UnitFactory(code="kf-third", name="开福区第三局", short_name="")
    op = person("third-op", Role.OPERATOR, third)
    draft = services.declaration_create(programme=world.programme, unit=third, by=op, data={"theme": "尚未报送"})
    login(client, world.assessor)
    assert listed(client.get("/audit/", {"declaration": draft.pk})) == []
    assert listed(client.get("/audit/", {"unit": "kf-third", "action": "create"})) == []
    grant = AuditEvent.objects.get(unit=third, action="grant_role")  # outside any declaration: visible
    assert listed(client.get("/audit/", {"unit": "kf-third"})) == [grant.pk]

    for who in (world.operator, world.leader, world.reviewer, world.scheduler, op):
        login(client, who)
        for url in ("/audit/", "/audit/export.csv", "/audit/export.xlsx"):
            response = client.get(url, {"unit": "kf-edu"})
            assert response.status_code == 403, (who, url)
            assert "只有考核评估人员可以查看审计日志" in response.content.decode()
        assert client.post("/audit/verify/").status_code == 403
    assert not AuditEvent.objects.filter(action="export").exists()
    client.logout()
    assert client.get("/audit/").status_code == 302


# ------------------------------------------------------------------ paging and query counts


def test_the_search_pages_by_50_with_the_filters_kept(client, world):
    other = world.declaration("returned", unit=world.other_unit)
    for i in range(60):
        other = services.declaration_update(declaration=other, by=world.other_operator, data={"description": f"第{i}稿"})
    login(client, world.assessor)
    first = client.get("/audit/", {"unit": "kf-health", "action": "edit"})
    assert len(listed(first)) == 50 and "共找到60条审计事件" in first.content.decode()
    assert "第1页，共2页" in first.content.decode()
    assert "?unit=kf-health&amp;action=edit&amp;page=2" in first.content.decode()
    second = listed(client.get("/audit/", {"unit": "kf-health", "action": "edit", "page": 2}))
    assert len(second) == 10 and not set(second) & set(listed(first))
    assert sorted(listed(first) + second) == sorted(AuditEvent.objects.filter(declaration=other, action="edit").values_list("pk", flat=True))


def test_the_search_costs_the_same_queries_for_few_and_many_events(client, world, django_assert_num_queries):
    world.declaration("reviewed")
    login(client, world.assessor)
    with CaptureQueriesContext(connection) as few:
        few_events = len(listed(client.get("/audit/")))
    world.declaration("evaluated", unit=world.other_unit)
    other = Declaration.objects.get(unit=world.other_unit)
    assert other.audit_seq >= 7
    with django_assert_num_queries(len(few.captured_queries)):
        assert len(listed(client.get("/audit/"))) >= few_events + 7


# ------------------------------------------------------------------ exports


def test_the_csv_export_has_a_bom_the_filtered_rows_and_is_audited(client, world, trail):
    edu, _ = trail
    login(client, world.assessor)
    response = client.get("/audit/export.csv", {"declaration": edu.pk})
    assert response.status_code == 200 and response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="audit.csv"' in response["Content-Disposition"]
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert tuple(rows[0]) == AUDIT_COLUMNS
    events = list(AuditEvent.objects.filter(declaration=edu).order_by("-pk"))
    assert [int(r[0]) for r in rows[1:]] == [e.pk for e in events]
    approve = next(r for r in rows[1:] if r[4] == "审核通过")
    assert approve[2] == "开福区教育局" and approve[3] == str(edu.pk) and approve[5].endswith("（reviewer）")
    assert approve[6:8] == ["已报送", "已审核"]

    export = AuditEvent.objects.get(action="export")
    assert (export.actor, export.declaration_id, export.unit_id) == (world.assessor, None, None)
    assert export.changed == {"file": "audit.csv", "rows": len(events), "filters": {"declaration": edu.pk}}


def test_the_xlsx_export_opens_in_openpyxl_with_the_filtered_rows_and_is_audited(client, world, trail):
    login(client, world.assessor)
    response = client.get("/audit/export.xlsx", {"unit": "kf-health", "action": "return"})
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert sheet.title == "审计日志" and rows[0] == AUDIT_COLUMNS
    event = AuditEvent.objects.get(action="return")
    assert len(rows) == 2 and rows[1][0] == event.pk
    assert rows[1][2] == "开福区卫生健康局" and rows[1][4] == "退回" and rows[1][8] == "请补充活动简介。"
    export = AuditEvent.objects.get(action="export")
    assert export.changed == {"file": "audit.xlsx", "rows": 1, "filters": {"unit": "kf-health", "action": "return"}}


def test_an_export_with_bad_filters_exports_nothing(client, world, trail):
    login(client, world.assessor)
    response = client.get("/audit/export.csv", {"date_from": "2023-05-02", "date_to": "2023-05-01"}, follow=True)
    assert "请先修正查询条件，再导出" in response.content.decode()
    assert not AuditEvent.objects.filter(action="export").exists()


# ------------------------------------------------------------------ chain verification


def test_the_verify_button_shows_the_same_result_as_verify_audit(client, world, trail):
    login(client, world.assessor)
    response = client.post("/audit/verify/", follow=True)
    count = AuditEvent.objects.count()
    assert f"OK：{count}条审计事件" in response.content.decode() and "校验通过" in response.content.decode()


@pytest.mark.postgres
def test_the_verify_button_names_the_first_tampered_event(client, world, trail):
    assert is_postgres()
    edu, _ = trail
    target = AuditEvent.objects.get(declaration=edu, action="approve")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute("UPDATE workflow_auditevent SET reason = '事后补写' WHERE id = %s", [target.pk])
    login(client, world.assessor)
    html = client.post("/audit/verify/", follow=True).content.decode()
    assert f"审计事件 #{target.pk}" in html and "被改动" in html and 'class="error"' in html


# ------------------------------------------------------------------ readable by a civil servant (issue 17, item 13)


def test_the_page_and_both_exports_name_changed_fields_in_chinese_at_beijing_time(client, world, trail, settings):
    edu, _ = trail
    settings.TIME_ZONE = "UTC"  # the server's zone must not matter: the trail is read in Beijing time
    services.declaration_reschedule(declaration=edu, by=world.scheduler, month=7, reason="场地调整")
    event = AuditEvent.objects.get(action="reschedule")
    beijing = event.created_at.astimezone(dt.timezone(dt.timedelta(hours=8))).strftime("%Y-%m-%d %H:%M:%S")
    login(client, world.assessor)

    page = client.get("/audit/", {"action": "reschedule"}).content.decode()
    assert "时间（北京时间）" in page and beijing in page and "变更：安排月份" in page
    assert "scheduled_month" not in page[page.index('id="events"'):]

    rows = list(csv.reader(io.StringIO(client.get("/audit/export.csv", {"action": "reschedule"}).content.decode("utf-8-sig"))))
    header, row = rows[0], rows[1]
    assert header[1] == "时间（北京时间）" and row[1] == beijing
    assert row[header.index("变更项目")] == "安排月份"
    assert json.loads(row[header.index("变更内容（JSON）")]) == {"scheduled_month": [5, 7]}  # kept for machines

    sheet = load_workbook(io.BytesIO(client.get("/audit/export.xlsx", {"action": "create"}).content)).active
    header, *rows = list(sheet.iter_rows(values_only=True))
    create = next(r for r in rows if r[header.index("申报编号")] == edu.pk)
    assert create[header.index("变更项目")].split("、")[:3] == ["活动主题", "活动时间（月份）", "活动形式"]
