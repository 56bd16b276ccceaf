"""A schedule version lists the whole plan (issue 17, item 1): every activity scheduled or later,
at its month in that version, with rows stored when it is published."""
from __future__ import annotations

import io

from openpyxl import load_workbook

from tests.pages.conftest import login
from workflow import services
from workflow.models import Declaration, ScheduleVersion, State

URL = "/programmes/kaifu-2023/schedule/"


def rows_of(client, number: int) -> list[list]:
    """The data rows of version `number`'s official spreadsheet, as the office downloads it."""
    response = client.get(f"{URL}v{number}.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    return [[cell.value for cell in row] for row in sheet.iter_rows(min_row=3)]


def test_a_later_version_lists_the_held_and_summarized_activities_too(client, world):
    edu = world.declaration("summarized")  # version 1, then held and summarized
    health = world.declaration("reviewed", unit=world.other_unit, month=7)
    services.schedule_publish(programme=world.programme, by=world.scheduler, months={health.pk: 7})
    services.declaration_reschedule(declaration=Declaration.objects.get(pk=health.pk), by=world.scheduler, month=8, reason="错峰")

    login(client, world.scheduler)
    assert [(row[1], row[3]) for row in rows_of(client, 2)] == [("开福区教育局", "5月"), ("开福区卫生健康局", "7月")]
    assert [(row[1], row[3]) for row in rows_of(client, 3)] == [("开福区教育局", "5月"), ("开福区卫生健康局", "8月")]
    v2, v3 = ScheduleVersion.objects.filter(number__in=[2, 3]).order_by("number")
    assert [(r["unit_name"], r["month"], r["state"]) for r in v2.rows] == [
        ("开福区教育局", 5, State.SUMMARIZED), ("开福区卫生健康局", 7, State.SCHEDULED)]
    assert [r["declaration"] for r in v3.rows] == [edu.pk, health.pk]


def test_version_1_downloaded_in_december_says_what_it_said_in_april(client, world):
    edu = world.declaration("scheduled")  # version 1: 教育局 in May
    services.declaration_reschedule(declaration=edu, by=world.scheduler, month=6, reason="与区级活动错开")  # version 2
    world.unit.name = "开福区教育局（更名后）"  # the unit is renamed later in the year
    world.unit.save(update_fields=["name"])
    services.declaration_cancel(declaration=Declaration.objects.get(pk=edu.pk), by=world.reviewer, reason="单位撤并")

    login(client, world.scheduler)
    assert rows_of(client, 1) == [[1, "开福区教育局", "惠企政策面对面", "5月", "座谈交流", "邀请企业代表座谈，解读惠企政策。", "张三", "0731-84390001"]]
    assert [row[1:4] for row in rows_of(client, 2)] == [["开福区教育局", "惠企政策面对面", "6月"]]
    api = client.get("/api/programmes/kaifu-2023/schedule/").json()  # the latest version, version 2, as published
    assert [(r["unit_name"], r["month"], r["state"]) for r in api["rows"]] == [("开福区教育局", 6, "scheduled")]
