"""GET /api/tasks/ (the pages' inbox) and GET /api/programmes/{code}/schedule/ (JSON and .xlsx)."""
from __future__ import annotations

import io

from openpyxl import load_workbook

from tests.factories import UserFactory
from workflow.models import AuditChain, AuditEvent

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# ------------------------------------------------------------------ tasks


def test_the_review_task_waits_in_the_reviewers_queue(world, api):
    d = world.declaration("submitted")

    queue = api(world.reviewer).get("/api/tasks/", {"box": "queue"})

    assert queue.status_code == 200
    rows = queue.json()["results"]
    assert [(r["declaration"], r["task"], r["declaration_state"], r["unit_name"]) for r in rows] == [
        (d.pk, "review", "submitted", "开福区教育局"),
    ]
    assert api(world.reviewer).get("/api/tasks/").json()["count"] == 0  # nothing claimed yet


def test_unit_work_lands_in_the_authors_inbox_and_nowhere_else(world, api):
    d = world.declaration("scheduled")

    mine = api(world.operator).get("/api/tasks/").json()["results"]
    other = api(world.other_operator).get("/api/tasks/", {"box": "queue"}).json()["results"]

    assert [(r["declaration"], r["task"], r["owner"]) for r in mine] == [(d.pk, "hold", "edu-op")]
    assert other == []


def test_task_list_queries_do_not_grow_with_the_number_of_tasks(world, api, django_assert_num_queries):
    world.declaration("submitted")
    client = api(world.reviewer)
    # the token with its user, its unit roles, its permissions, the count, the page
    with django_assert_num_queries(5):
        assert client.get("/api/tasks/", {"box": "queue"}).json()["count"] == 1
    world.declaration("submitted", unit=world.other_unit)
    with django_assert_num_queries(5):
        assert client.get("/api/tasks/", {"box": "queue"}).json()["count"] == 2


def test_an_unknown_box_is_a_400(world, api):
    response = api(world.operator).get("/api/tasks/", {"box": "trash"})

    assert response.status_code == 400
    assert list(response.json()) == ["box"]


# ------------------------------------------------------------------ schedule


def test_office_and_units_read_the_published_schedule(extended, api):
    d = extended.declaration("scheduled", month=6)
    extended.declaration("reviewed", unit=extended.other_unit)  # not in the schedule

    for person in (extended.scheduler, extended.reviewer, extended.assessor, extended.operator, extended.other_leader):
        response = api(person).get("/api/programmes/kaifu-2023/schedule/")
        assert response.status_code == 200, person
        body = response.json()
        assert (body["number"], body["title"]) == (1, "开福区2023年“政务公开主题日”活动计划安排表")
        assert [(r["declaration"], r["unit_name"], r["month"], r["form_label"]) for r in body["rows"]] == [
            (d.pk, "开福区教育局", 6, "座谈交流"),
        ]


def test_someone_without_a_role_sees_no_schedule(extended, api, db):
    extended.declaration("scheduled")
    stranger = UserFactory(username="stranger")

    response = api(stranger).get("/api/programmes/kaifu-2023/schedule/")

    assert response.status_code == 404
    assert api(stranger).get("/api/programmes/kaifu-2023/schedule.xlsx").status_code == 404


def test_no_published_schedule_yet_is_404(world, api):
    response = api(world.scheduler).get("/api/programmes/kaifu-2023/schedule/")

    assert response.status_code == 404
    assert "活动计划安排表" in response.json()["detail"]


def test_the_spreadsheet_has_the_official_title_and_columns_and_the_export_is_audited(extended, api):
    d = extended.declaration("scheduled", month=7, theme="=HYPERLINK(\"http://x\")")
    before = AuditChain.objects.filter(key="global").values_list("seq", flat=True).first() or 0

    response = api(extended.scheduler).get("/api/programmes/kaifu-2023/schedule.xlsx")

    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert 'filename="kaifu-2023-schedule-v1.xlsx"' in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet["A1"].value == "开福区2023年“政务公开主题日”活动计划安排表"
    assert [c.value for c in sheet[2]] == ["序号", "单位", "活动主题", "活动时间（月份）", "活动形式", "活动简介", "联系人", "联系电话"]
    assert [c.value for c in sheet[3]] == [
        1, "开福区教育局", "=HYPERLINK(\"http://x\")", "7月", "座谈交流", d.description, "张三", "0731-84390001",
    ]
    assert sheet["C3"].data_type == "s"  # a unit's text is never a formula in the office's spreadsheet
    assert (sheet.page_setup.orientation, sheet.print_title_rows) == ("landscape", "$1:$2")  # the pages' print-ready writer
    export = AuditEvent.objects.get(action="export")
    assert (export.actor, export.declaration, export.seq) == (extended.scheduler, None, before + 1)
    assert export.changed == {"file": "schedule.xlsx", "version": 1, "rows": 1}


def test_a_unit_may_download_the_published_schedule_too(extended, api):
    extended.declaration("scheduled")

    response = api(extended.other_operator).get("/api/programmes/kaifu-2023/schedule.xlsx")

    assert response.status_code == 200
    assert AuditEvent.objects.get(action="export").actor == extended.other_operator
