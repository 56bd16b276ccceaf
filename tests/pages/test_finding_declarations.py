"""Finding declarations on the list page: filters, sorting, the filter in the address, the
XLSX export of the filtered list, and what a filter can never reach."""
from __future__ import annotations

import io

import pytest
from django.db import connection
from django.utils import timezone
from openpyxl import load_workbook

from tests.factories import UnitFactory, unit_with_people
from tests.pages.conftest import login
from workflow import inbox, process
from workflow.filters import TaskRowFilter
from workflow.models import AuditEvent, Declaration, State

pytestmark = pytest.mark.django_db


@pytest.fixture
def four(world):
    """Four units' declarations the office can see, each different in unit, state, month, form and topic."""
    extra, extra_people = unit_with_people("kf-qingshuitang", "开福区清水塘街道")
    late, late_people = unit_with_people("kf-culture", "开福区文化旅游体育局")
    return {
        "edu": world.declaration("scheduled", month=5, theme="惠企政策面对面", form="forum", focus_topic="business_environment",
                                 description="邀请企业代表座谈，解读惠企政策。"),
        "health": world.declaration("submitted", unit=world.other_unit, month=7, theme="家庭医生签约服务", form="site_visit",
                                    focus_topic="livelihood", description="走进社区卫生服务中心，现场观摩签约流程。"),
        "street": world.declaration("reviewed", unit=extra, people=extra_people, month=9, theme="老旧小区改造议事会",
                                    form="forum", focus_topic="social_governance", description="居民代表座谈，公开改造方案。"),
        "culture": world.declaration("submitted", unit=late, people=late_people, month=5, theme="文旅惠民政策发布",
                                     form="policy_release", focus_topic="livelihood", description="发布文旅惠民消费券政策。"),
    }


def listed(client, **query) -> list[str]:
    """The units of the list's rows, in the order shown."""
    response = client.get("/declarations/", query)
    assert response.status_code == 200
    return [row.unit.name for row in response.context["declarations"]]


def test_the_office_filters_by_unit_state_month_form_topic_and_keyword(client, world, four):
    login(client, world.reviewer)

    assert listed(client, unit="kf-health") == ["开福区卫生健康局"]
    assert listed(client, unit="街道") == ["开福区清水塘街道"]  # part of a unit's name
    assert listed(client, state="submitted") == ["开福区文化旅游体育局", "开福区卫生健康局"]
    assert listed(client, month=5) == ["开福区文化旅游体育局", "开福区教育局"]
    assert listed(client, form="forum") == ["开福区教育局", "开福区清水塘街道"]
    assert listed(client, focus_topic="livelihood") == ["开福区文化旅游体育局", "开福区卫生健康局"]
    assert listed(client, q="座谈") == ["开福区教育局", "开福区清水塘街道"]  # in the description
    assert listed(client, q="惠民 消费券") == ["开福区文化旅游体育局"]  # every word, theme or description
    assert listed(client, month=5, state="scheduled", form="forum", q="惠企") == ["开福区教育局"]
    assert listed(client, month=5, state="held") == []


def test_the_month_is_the_scheduled_one_once_scheduled(client, world, four):
    from workflow import services

    edu = services.declaration_reschedule(declaration=four["edu"], by=world.scheduler, month=8, reason="与中考时间冲突")
    assert (edu.month, edu.scheduled_month) == (5, 8)
    login(client, world.reviewer)

    assert listed(client, month=8) == ["开福区教育局"]
    assert "开福区教育局" not in listed(client, month=5)
    assert "<td data-label=\"活动时间（月份）\">8月</td>" in client.get("/declarations/", {"unit": "kf-edu"}).content.decode()


def test_every_column_sorts_both_ways(client, world, four):
    login(client, world.reviewer)

    assert listed(client) == ["开福区文化旅游体育局", "开福区教育局", "开福区卫生健康局", "开福区清水塘街道"]  # by unit code
    if connection.vendor == "postgresql":  # by pinyin: 惠 hui, 家 jia, 老 lao, 文 wen
        assert listed(client, sort="theme") == ["开福区教育局", "开福区卫生健康局", "开福区清水塘街道", "开福区文化旅游体育局"]
    else:  # by code point
        assert listed(client, sort="theme") == ["开福区卫生健康局", "开福区教育局", "开福区文化旅游体育局", "开福区清水塘街道"]
    assert listed(client, sort="month") == ["开福区教育局", "开福区文化旅游体育局", "开福区卫生健康局", "开福区清水塘街道"]
    assert listed(client, sort="-month") == ["开福区清水塘街道", "开福区卫生健康局", "开福区教育局", "开福区文化旅游体育局"]
    # by the lifecycle (已报送, 已审核, 已排期), not the codes' alphabet
    assert listed(client, sort="state") == ["开福区卫生健康局", "开福区文化旅游体育局", "开福区清水塘街道", "开福区教育局"]
    assert listed(client, sort="-state")[0] == "开福区教育局"
    assert listed(client, sort="unit") == listed(client, sort="-unit")[::-1]
    # forms and topics in the programme's order (现场观摩, 座谈交流, 政策发布), not by their codes
    assert listed(client, sort="form") == ["开福区卫生健康局", "开福区教育局", "开福区清水塘街道", "开福区文化旅游体育局"]
    assert listed(client, sort="-focus_topic")[0] == "开福区清水塘街道"  # 社会治理 after 营商环境 and 民生实事


def test_the_filter_lives_in_the_address_and_every_link_keeps_it(client, world, four):
    login(client, world.reviewer)

    page = client.get("/declarations/", {"month": "5", "q": "惠", "sort": "-theme"}).content.decode()

    assert '<option value="5" selected>5月</option>' in page
    assert 'name="q" id="q" value="惠"' in page
    assert '<input type="hidden" name="sort" value="-theme">' in page
    assert 'href="/declarations/export.xlsx?month=5&amp;q=%E6%83%A0&amp;sort=-theme"' in page
    assert 'href="?month=5&amp;q=%E6%83%A0&amp;sort=theme"' in page  # the theme header flips the order
    assert 'aria-sort="descending"' in page
    main = page[page.index("<main>"):]
    assert "onchange=" not in main and "style=" not in main and "<script>" not in page  # under a strict CSP


def test_a_unit_filtering_by_another_units_code_or_name_gets_no_row(client, world, four):
    login(client, world.operator)

    assert listed(client) == ["开福区教育局"]
    for query in ({"unit": "kf-health"}, {"unit": "卫生健康"}, {"q": "家庭医生"}, {"unit": "kf-health", "state": "submitted"},
                  {"focus_topic": "livelihood"}, {"month": 7}):
        response = client.get("/declarations/", query)
        assert list(response.context["declarations"]) == [], query
        table = response.content.decode().split('id="declarations"')[1]
        assert "卫生健康局" not in table and "家庭医生签约" not in table and "没有符合条件的申报。" in table
    sheet = load_workbook(io.BytesIO(client.get("/declarations/export.xlsx", {"unit": "kf-health"}).content))["申报列表"]
    assert sheet.max_row == 1  # the header alone


def test_the_office_never_reaches_a_draft_through_a_filter(client, world):
    world.declaration("drafted", theme="尚未报送的草稿")
    login(client, world.reviewer)

    assert listed(client, state="drafted") == []
    assert listed(client, unit="kf-edu", q="草稿") == []


def test_a_bad_filter_value_is_named_in_chinese_and_left_out(client, world, four):
    login(client, world.reviewer)

    response = client.get("/declarations/", {"month": "13", "state": "approved", "form": "forum"})

    page = response.content.decode()
    assert "“13”不是合法选项。（该条件未使用）" in page and "“approved”不是合法选项。（该条件未使用）" in page
    assert [row.unit.name for row in response.context["declarations"]] == ["开福区教育局", "开福区清水塘街道"]  # form still applies


def _more_submitted(world, count: int) -> None:
    """Submitted declarations of `count` extra units, written directly: these tests only read."""
    units = [UnitFactory(code=f"bulk-{n}", name=f"开福区批量测试局{n}") for n in range(count)]
    now = timezone.now()
    Declaration.objects.bulk_create(
        Declaration(programme=world.programme, unit=unit, created_by=world.operator, theme=f"惠企政策{n}", month=5,
                    form="forum", focus_topic="livelihood", first_submitted_at=now, submitted_at=now, submitted_by=world.leader)
        for n, unit in enumerate(units)
    )
    Declaration.objects.filter(unit__in=units).update(state=State.SUBMITTED)


@pytest.mark.parametrize("rows", [5, 60])
def test_a_filtered_sorted_page_costs_the_same_statements_for_5_and_60_rows(client, world, django_assert_num_queries, rows):
    _more_submitted(world, rows)
    login(client, world.reviewer)
    query = {"state": "submitted", "month": "5", "q": "惠企", "unit": "批量", "form": "forum", "sort": "-theme"}

    # session, user, the programme, its permissions, the page's rows with their total, the bell
    with django_assert_num_queries(6):
        response = client.get("/declarations/", query)

    assert response.context["page"].paginator.count == rows
    assert len(response.context["declarations"]) == min(rows, 50)


@pytest.mark.parametrize("rows", [5, 60])
def test_the_export_costs_the_same_statements_for_5_and_60_rows(client, world, django_assert_num_queries, rows):
    _more_submitted(world, rows)
    login(client, world.reviewer)

    # session, user, the programme, its permissions; in one transaction (savepoint and release):
    # the rows, and the audit event (the global chain's head locked, the event, the head moved)
    with django_assert_num_queries(10):
        response = client.get("/declarations/export.xlsx", {"state": "submitted"})

    assert load_workbook(io.BytesIO(response.content))["申报列表"].max_row == rows + 1


def test_the_export_holds_every_filtered_row_and_is_audited(client, world, four):
    login(client, world.reviewer)

    response = client.get("/declarations/export.xlsx", {"month": "5", "sort": "theme"})

    assert response.status_code == 200
    assert 'filename="kaifu-2023-declarations.xlsx"' in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.content))
    sheet = book["申报列表"]
    assert [c.value for c in sheet[1]] == ["序号", "单位", "活动主题", "活动时间（月份）", "活动形式", "重点主题", "活动简介",
                                           "状态", "联系人", "联系电话", "首次报送时间"]
    assert [[c.value for c in row][:8] for row in sheet.iter_rows(min_row=2)] == [
        [1, "开福区教育局", "惠企政策面对面", "5月", "座谈交流", "营商环境", "邀请企业代表座谈，解读惠企政策。", "已排期"],
        [2, "开福区文化旅游体育局", "文旅惠民政策发布", "5月", "政策发布", "民生实事", "发布文旅惠民消费券政策。", "已报送"],
    ]
    notes = {row[0].value: row[1].value for row in book["说明"].iter_rows()}
    assert notes["筛选条件"] == "月份：5月" and notes["申报数"] == 2
    event = AuditEvent.objects.get(action="export")
    assert (event.actor, event.declaration) == (world.reviewer, None)
    assert event.changed == {"file": "declarations.xlsx", "rows": 2, "filters": {"month": "5", "sort": "theme"}}


def test_the_inbox_rows_take_the_same_filter_names(world, four):
    """TaskRowFilter: the list's filters on 待领取's rows (the reviewer's queue holds two reviews)."""
    queue = inbox.queue_for(world.reviewer)
    assert {row.unit_name for row in queue} == {"开福区卫生健康局", "开福区文化旅游体育局"}

    def units(**query):
        return [row.unit_name for row in TaskRowFilter(query, queryset=queue).qs]

    assert units(unit="kf-health") == ["开福区卫生健康局"]
    assert units(month="5", focus_topic="livelihood") == ["开福区文化旅游体育局"]
    assert units(q="签约") == ["开福区卫生健康局"]
    assert units(sort="-month") == ["开福区卫生健康局", "开福区文化旅游体育局"]
    assert units(state="reviewed") == []
    # The filter narrows the operator's rows, never widens them: nothing of the office's queue.
    assert list(TaskRowFilter({"unit": "kf-health"}, queryset=inbox.queue_for(world.operator)).qs) == []


# ------------------------------------------------------------------ the inbox tabs take the same filters

def tab_units(client, url, **query) -> list[str]:
    response = client.get(url, query)
    assert response.status_code == 200
    return [row.unit_name for row in response.context["rows"]]


@pytest.mark.usefixtures("pages_built")
def test_the_reviewers_queue_filters_and_sorts_by_the_lists_names_kept_in_the_address(client, world, four):
    login(client, world.reviewer)

    assert sorted(tab_units(client, "/queue/")) == ["开福区卫生健康局", "开福区文化旅游体育局"]  # two reviews wait
    assert tab_units(client, "/queue/", month="5") == ["开福区文化旅游体育局"]
    assert tab_units(client, "/queue/", q="签约") == ["开福区卫生健康局"]
    assert tab_units(client, "/queue/", sort="-month") == ["开福区卫生健康局", "开福区文化旅游体育局"]
    assert tab_units(client, "/queue/", sort="month") == ["开福区文化旅游体育局", "开福区卫生健康局"]
    assert tab_units(client, "/queue/", state="reviewed") == []
    page = client.get("/queue/", {"month": "5"})
    assert page.context["counts"]["queue"] == 2  # the badge counts the whole tab
    html = page.content.decode()
    assert '<details class="card" id="find-tasks" open>' in html and '<option value="5" selected>5月</option>' in html
    assert "没有符合条件的任务。" in client.get("/queue/", {"state": "reviewed"}).content.decode()
    refused = client.get("/queue/", {"month": "13"}).content.decode()
    assert "不是合法选项" in refused and "（该条件未使用）" in refused


def test_a_unit_filtering_its_tabs_never_reaches_another_units_task(client, world, four):
    login(client, world.other_operator)  # the health bureau's operator: its declaration is with the office
    for url in ("/", "/queue/", "/done/"):
        for query in ({"unit": "kf-edu"}, {"q": "惠企"}, {"unit": "教育"}):
            assert tab_units(client, url, **query) == []


@pytest.mark.parametrize("rows", [5, 60])
def test_a_filtered_tab_costs_the_same_statements_for_5_and_60_rows(client, world, django_assert_num_queries, rows):
    _more_submitted(world, rows)
    process.adopt_all()  # each its process, waiting for review in the reviewer's 待领取
    login(client, world.reviewer)
    # session, user, permissions, the two badges, the page's rows, their count, the programme (filters),
    # may-start, the bell
    with django_assert_num_queries(10):
        response = client.get("/queue/", {"month": "5", "q": "惠企", "sort": "-theme"})
    assert response.context["page"].paginator.count == rows
