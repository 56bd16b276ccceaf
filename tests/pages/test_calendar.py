"""The year's calendar (April–November): the office sees every unit, a unit its own activities."""
from __future__ import annotations

import pytest

from tests.factories import UnitFactory, UserFactory, person
from tests.pages.conftest import login
from units.roles import Role

pytestmark = pytest.mark.django_db

URL = "/programmes/kaifu-2023/calendar/"


def _month(page: str, month: int) -> str:
    start = page.index(f'id="month-{month}"')
    return page[start: page.index("</section>", start)]


def test_the_office_sees_every_scheduled_activity_and_reviewed_ones_as_tentative(client, world):
    world.declaration("scheduled", month=6, theme="惠企政策面对面")
    world.declaration("reviewed", unit=world.other_unit, month=9, theme="家庭医生签约服务")

    login(client, world.reviewer)
    response = client.get(URL)

    assert response.status_code == 200
    page = response.content.decode()
    assert [m for m, _a in response.context["months"]] == [4, 5, 6, 7, 8, 9, 10, 11]
    assert "2023年6月" in page and "2023年11月" in page
    june, september = _month(page, 6), _month(page, 9)
    assert "惠企政策面对面" in june and "开福区教育局" in june and "已排期" in june and "待定" not in june
    assert "家庭医生签约服务" in september and "待定" in september and 'class="tentative"' in september
    assert "暂无活动。" in _month(page, 4)
    assert "/programmes/kaifu-2023/schedule/v1.xlsx" in page  # the published schedule


def test_a_unit_sees_only_its_own_activities(client, world):
    world.declaration("scheduled", month=6, theme="惠企政策面对面")
    world.declaration("scheduled", unit=world.other_unit, month=6, theme="家庭医生签约服务")

    login(client, world.operator)
    page = client.get("/calendar/").content.decode()

    assert "惠企政策面对面" in _month(page, 6)
    assert "家庭医生签约服务" not in page and "开福区卫生健康局" not in page
    login(client, world.other_leader)
    page = client.get(URL).content.decode()
    assert "家庭医生签约服务" in page and "惠企政策面对面" not in page


def test_drafts_and_submitted_declarations_are_not_on_the_calendar(client, world):
    world.declaration("submitted", month=6, theme="尚未审核的主题")

    for user in (world.reviewer, world.operator):
        login(client, user)
        assert "尚未审核的主题" not in client.get(URL).content.decode()


def test_someone_without_a_role_sees_an_empty_calendar_and_no_download(client, world):
    world.declaration("scheduled", month=6, theme="惠企政策面对面")

    login(client, UserFactory(username="stranger"))
    response = client.get(URL)

    assert response.status_code == 200
    page = response.content.decode()
    assert "惠企政策面对面" not in page and ".xlsx" not in page
    assert client.get("/programmes/nowhere/calendar/").status_code == 404


def _scheduled_units(world, start: int, stop: int) -> None:
    for i in range(start, stop):
        unit = UnitFactory(code=f"cal-{i}", name=f"开福区日历测试局{i}", short_name=f"日历{i}")
        people = (person(f"cal-op-{i}", Role.OPERATOR, unit), person(f"cal-lead-{i}", Role.LEADER, unit))
        world.declaration("scheduled" if i % 2 else "reviewed", unit=unit, people=people, month=4 + i % 8)


def test_the_calendar_issues_the_same_number_of_queries_for_few_and_many_activities(client, world, django_assert_num_queries):
    _scheduled_units(world, 0, 2)
    for user, queries in ((world.scheduler, 7), (world.operator, 8)):  # each with the bell's one statement
        login(client, user)
        with django_assert_num_queries(queries):
            client.get(URL)
    _scheduled_units(world, 2, 20)
    login(client, world.scheduler)
    with django_assert_num_queries(7):
        response = client.get(URL)
    assert sum(len(a) for _m, a in response.context["months"]) == 20
    login(client, world.operator)
    with django_assert_num_queries(8):
        client.get(URL)
