"""The office scheduler's schedule page: rows, load and warnings, publish, reschedule, versions."""
from __future__ import annotations

import re

import pytest
from viewflow.workflow.status import STATUS

from tests.factories import UnitFactory, UserFactory, person
from tests.pages.conftest import login
from units.models import UnitKind
from units.roles import Role
from workflow import inbox
from workflow.models import AuditEvent, Declaration, ScheduleVersion, State
from workflow.process import process_of

pytestmark = pytest.mark.django_db

URL = "/programmes/kaifu-2023/schedule/"
OUT_OF_WINDOW = "活动须安排在2023年4-11月开展（《实施方案》四），12月不在此范围内。"


def schedule_task(declaration):
    return next(t for t in process_of(declaration).task_set.all() if t.flow_task.name == "schedule")


def test_the_scheduler_sees_each_reviewed_row_the_load_per_month_and_the_warnings(client, world):
    edu = world.declaration("reviewed", month=5)
    health = world.declaration("reviewed", unit=world.other_unit, month=5, theme="家庭医生签约服务")
    UnitFactory(code="kf-civil", name="开福区民政局", kind=UnitKind.SUBDISTRICT)
    UnitFactory(code="kf-office", name="开福区政务公开办", kind=UnitKind.OFFICE)

    login(client, world.scheduler)
    response = client.get(URL)

    assert response.status_code == 200
    page = response.content.decode()
    assert "待排期的申报（已审核）" in page
    assert f'id="row-{edu.pk}"' in page and f'id="row-{health.pk}"' in page and "家庭医生签约服务" in page
    assert [(m.month, m.count) for m in response.context["load"]] == [(4, 0), (5, 2), (6, 0), (7, 0), (8, 0), (9, 0), (10, 0), (11, 0)]
    assert "5月安排了2项活动，超过各月平均数（0.2项）的1.5倍，建议分散到其他月份。" in page
    assert "开福区民政局没有列入安排表的活动（尚未申报）。" in page
    assert "开福区政务公开办没有" not in page  # the office does not declare


def test_a_unit_with_a_declaration_still_in_review_is_named_with_its_state(client, world):
    world.declaration("reviewed")
    world.declaration("submitted", unit=world.other_unit)

    login(client, world.scheduler)
    page = client.get(URL).content.decode()

    assert "开福区卫生健康局没有列入安排表的活动（申报状态：已报送）。" in page


def test_publishing_schedules_every_row_completes_each_task_and_keeps_a_version(client, world):
    edu = world.declaration("reviewed", month=5)
    health = world.declaration("reviewed", unit=world.other_unit, month=5)

    login(client, world.scheduler)
    response = client.post(f"{URL}publish/", {"confirm": "yes", f"month_{edu.pk}": "6", f"month_{health.pk}": "7"})

    assert response.status_code == 302 and response["Location"] == URL
    assert {d.pk: (d.state, d.scheduled_month) for d in Declaration.objects.all()} == {
        edu.pk: (State.SCHEDULED, 6), health.pk: (State.SCHEDULED, 7),
    }
    events = AuditEvent.objects.filter(action="schedule")
    assert sorted((e.declaration_id, e.actor, e.changed["scheduled_month"][1]) for e in events) == [
        (edu.pk, world.scheduler, 6), (health.pk, world.scheduler, 7),
    ]
    version = ScheduleVersion.objects.get()
    assert (version.number, sorted(e["month"] for e in version.entries)) == (1, [6, 7])
    for declaration in (edu, health):
        task = schedule_task(declaration)
        assert (task.status, task.owner) == (STATUS.DONE, world.scheduler)
    assert [t.flow_task.name for t in inbox.tasks_for(world.operator)] == ["hold"]
    assert [t.flow_task.name for t in inbox.tasks_for(world.other_operator)] == ["hold"]
    assert not inbox.queue_for(world.scheduler).exists()
    page = client.get(URL).content.decode()
    assert "已发布第1版活动计划安排表。" in page and "第1版" in page
    assert "没有待排期的申报。" in page


def test_a_month_outside_the_window_is_refused_next_to_its_row_and_nothing_is_saved(client, world):
    edu = world.declaration("reviewed", month=5)
    health = world.declaration("reviewed", unit=world.other_unit, month=5)
    login(client, world.scheduler)  # a login is an audit event of its own
    events_before = AuditEvent.objects.count()

    response = client.post(f"{URL}publish/", {"confirm": "yes", f"month_{edu.pk}": "6", f"month_{health.pk}": "12"})

    assert response.status_code == 200
    page = response.content.decode()
    row = page[page.index(f'id="row-{health.pk}"'):]
    assert OUT_OF_WINDOW in row[: row.index("</tr>")]
    assert OUT_OF_WINDOW not in page[page.index(f'id="row-{edu.pk}"'):page.index(f'id="row-{health.pk}"')]
    assert set(Declaration.objects.values_list("state", flat=True)) == {State.REVIEWED}
    assert AuditEvent.objects.count() == events_before
    assert not ScheduleVersion.objects.exists()
    assert {schedule_task(d).status for d in (edu, health)} == {STATUS.NEW}


def test_a_month_that_is_not_a_number_is_refused_in_chinese(client, world):
    edu = world.declaration("reviewed")

    login(client, world.scheduler)
    response = client.post(f"{URL}publish/", {"confirm": "yes", f"month_{edu.pk}": "五月"})

    assert response.status_code == 200 and "输入整数。" in response.content.decode()
    assert Declaration.objects.get(pk=edu.pk).state == State.REVIEWED


def test_a_reschedule_with_a_reason_moves_the_month_and_publishes_the_next_version(client, world):
    edu = world.declaration("scheduled", month=5)

    login(client, world.scheduler)
    response = client.post(f"{URL}{edu.pk}/reschedule/", {f"r{edu.pk}-month": "9", f"r{edu.pk}-reason": "与区两会时间冲突"})

    assert response.status_code == 302
    assert Declaration.objects.get(pk=edu.pk).scheduled_month == 9
    event = AuditEvent.objects.get(action="reschedule")
    assert (event.reason, event.changed) == ("与区两会时间冲突", {"scheduled_month": [5, 9]})
    latest = ScheduleVersion.objects.order_by("-number").first()
    assert (latest.number, latest.reason, latest.entries[0]["month"]) == (2, "与区两会时间冲突", 9)
    page = client.get(URL).content.decode()
    assert "第2版" in page and "与区两会时间冲突" in page


def test_a_reschedule_without_a_reason_is_refused_in_chinese_and_nothing_is_saved(client, world):
    edu = world.declaration("scheduled", month=5)
    login(client, world.scheduler)  # a login is an audit event of its own
    events_before = AuditEvent.objects.count()

    response = client.post(f"{URL}{edu.pk}/reschedule/", {f"r{edu.pk}-month": "9", f"r{edu.pk}-reason": "  "})

    assert response.status_code == 200
    page = response.content.decode()
    row = page[page.index(f'id="placed-{edu.pk}"'):]
    assert "请填写调整排期理由。" in row[: row.index("</tr>")]
    assert Declaration.objects.get(pk=edu.pk).scheduled_month == 5
    assert AuditEvent.objects.count() == events_before
    assert ScheduleVersion.objects.count() == 1


def test_a_reschedule_outside_the_window_is_refused(client, world):
    edu = world.declaration("scheduled", month=5)

    login(client, world.scheduler)
    response = client.post(f"{URL}{edu.pk}/reschedule/", {f"r{edu.pk}-month": "12", f"r{edu.pk}-reason": "推迟"})

    assert response.status_code == 200 and OUT_OF_WINDOW in response.content.decode()
    assert Declaration.objects.get(pk=edu.pk).scheduled_month == 5
    assert ScheduleVersion.objects.count() == 1


def test_only_the_scheduler_may_use_the_page(client, world):
    edu = world.declaration("reviewed")
    for user in (world.reviewer, world.assessor, world.operator, world.leader):
        login(client, user)
        response = client.get(URL)
        assert response.status_code == 403 and "只有区政务公开办统筹人员可以排期。" in response.content.decode(), user
        assert client.post(f"{URL}publish/", {"confirm": "yes", f"month_{edu.pk}": "6"}).status_code == 403
    assert Declaration.objects.get(pk=edu.pk).state == State.REVIEWED
    assert not ScheduleVersion.objects.exists()
    client.logout()
    assert client.get(URL).status_code == 302  # to the login page
    login(client, world.scheduler)
    assert client.get("/programmes/nowhere-2023/schedule/").status_code == 404
    assert client.get("/schedule/").status_code == 200  # the navigation's link: the current programme


def test_another_unit_cannot_reschedule_and_sees_404(client, world):
    edu = world.declaration("scheduled", month=5)

    login(client, world.other_operator)
    response = client.post(f"{URL}{edu.pk}/reschedule/", {f"r{edu.pk}-month": "9", f"r{edu.pk}-reason": "x"})

    assert response.status_code == 404
    login(client, world.operator)  # may see it, may not schedule
    assert client.post(f"{URL}{edu.pk}/reschedule/", {f"r{edu.pk}-month": "9", f"r{edu.pk}-reason": "x"}).status_code == 403
    assert Declaration.objects.get(pk=edu.pk).scheduled_month == 5


def test_each_published_version_downloads_and_the_download_is_audited(client, world):
    edu = world.declaration("scheduled", month=5)
    login(client, world.scheduler)
    client.post(f"{URL}{edu.pk}/reschedule/", {f"r{edu.pk}-month": "8", f"r{edu.pk}-reason": "错峰"})
    page = client.get(URL).content.decode()
    assert f"{URL}v1.xlsx" in page and f"{URL}v2.xlsx" in page

    response = client.get(f"{URL}v1.xlsx")

    assert response.status_code == 200
    assert 'filename="kaifu-2023-schedule-v1.xlsx"' in response["Content-Disposition"]
    assert AuditEvent.objects.get(action="export").changed == {"file": "schedule.xlsx", "version": 1, "rows": 1}
    assert client.get(f"{URL}v3.xlsx").status_code == 404
    login(client, UserFactory(username="stranger"))
    assert client.get(f"{URL}v1.xlsx").status_code == 404
    assert AuditEvent.objects.filter(action="export").count() == 1


def test_the_navigation_shows_the_schedule_to_the_scheduler_and_the_calendar_to_everyone(client, world):
    login(client, world.scheduler)
    page = client.get("/").content.decode()
    assert 'href="/schedule/"' in page and 'href="/calendar/"' in page
    login(client, world.operator)
    page = client.get("/").content.decode()
    assert 'href="/schedule/"' not in page and 'href="/calendar/"' in page


def _reviewed_units(world, start: int, stop: int, *, scheduled: bool = False) -> None:
    for i in range(start, stop):
        unit = UnitFactory(code=f"sched-{i}", name=f"开福区排期测试局{i}", short_name=f"排期{i}")
        people = (person(f"sched-op-{i}", Role.OPERATOR, unit), person(f"sched-lead-{i}", Role.LEADER, unit))
        world.declaration("scheduled" if scheduled else "reviewed", unit=unit, people=people, month=4 + i % 8)
    UnitFactory(code=f"sched-none-{stop}", name=f"开福区未申报局{stop}")


def test_the_page_issues_the_same_number_of_queries_for_few_and_many_rows(client, world, django_assert_num_queries):
    _reviewed_units(world, 0, 2)
    _reviewed_units(world, 2, 3, scheduled=True)
    login(client, world.scheduler)
    with django_assert_num_queries(9):  # with the bell's unread messages
        response = client.get(URL)
    assert len(response.context["publish_form"].rows()) == 2

    _reviewed_units(world, 3, 15)
    _reviewed_units(world, 15, 20, scheduled=True)
    with django_assert_num_queries(9):
        response = client.get(URL)
    assert len(response.context["publish_form"].rows()) == 14
    assert len(response.context["placed"]) == 6


def _chosen(page: str, row_id: str) -> list[str]:
    row = page[page.index(f'id="{row_id}"'):]
    return re.findall(r'<option value="(\d+)" selected>', row[: row.index("</tr>")])


def test_a_refused_publication_keeps_every_month_the_scheduler_chose(client, world):
    """Issue 17, item 6: the refused row shows its own (refused) month, every other row its choice."""
    edu = world.declaration("reviewed", month=5)
    health = world.declaration("reviewed", unit=world.other_unit, month=5)
    login(client, world.scheduler)

    page = client.post(f"{URL}publish/", {f"month_{edu.pk}": "9", f"month_{health.pk}": "12", "confirm": "yes"}).content.decode()

    assert OUT_OF_WINDOW in page
    assert _chosen(page, f"row-{edu.pk}") == ["9"] and _chosen(page, f"row-{health.pk}") == ["12"]
    assert set(Declaration.objects.values_list("state", flat=True)) == {State.REVIEWED}
