"""The office's picture: the dashboard's SVG charts show the data's own numbers, each beside a
table of them, readable by screen readers, with a constant number of SQL statements."""
from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.db.models import Count

from tests.factories import UnitFactory, unit_with_people
from tests.pages.conftest import login
from workflow import charts, services
from workflow.assessment import assess_programme
from workflow.models import Declaration, State

pytestmark = pytest.mark.django_db


@pytest.fixture
def year(world):
    """Declarations in several states, months, forms and topics; one cancelled, one a draft."""
    street, street_people = unit_with_people("kf-qingshuitang", "开福区清水塘街道")
    culture, culture_people = unit_with_people("kf-culture", "开福区文化旅游体育局")
    world.declaration("evaluated", month=5, form="forum", focus_topic="business_environment")
    world.declaration("submitted", unit=world.other_unit, month=7, form="site_visit", focus_topic="livelihood")
    cancelled = world.declaration("reviewed", unit=street, people=street_people, month=9, form="survey", focus_topic="livelihood")
    services.declaration_cancel(declaration=cancelled, by=world.reviewer, reason="场地调整")
    world.declaration("drafted", unit=culture, people=culture_people, month=6, form="policy_release")
    return world


def chart_of(response, key: str) -> charts.Chart:
    return next(chart for chart in response.context["charts"] if chart.key == key)


def numbers(chart: charts.Chart) -> dict[str, int]:
    return {bar.label: bar.value for bar in chart.bars}


def figure(page: str, key: str) -> str:
    start = page.index(f'id="chart-{key}"')
    return page[start:page.index("</figure>", start)]


def test_each_chart_shows_the_numbers_of_the_data(client, year):
    login(client, year.reviewer)

    response = client.get("/dashboard/")

    by_state = dict(Declaration.objects.values_list("state").annotate(n=Count("pk")))
    assert numbers(chart_of(response, "states")) == {label: by_state.get(value, 0) for value, label in State.choices}
    # the activities: submitted at least once and not cancelled (the draft and the cancelled one are left out)
    assert numbers(chart_of(response, "months")) == {"4月": 0, "5月": 1, "6月": 0, "7月": 1, "8月": 0, "9月": 0, "10月": 0, "11月": 0}
    assert numbers(chart_of(response, "forms")) == {"实地调研": 0, "现场观摩": 1, "座谈交流": 1, "政策发布": 0, "问卷调查": 0}
    topics = numbers(chart_of(response, "topics"))
    assert (topics["营商环境"], topics["民生实事"], sum(topics.values())) == (1, 1, 2)
    board = assess_programme(year.programme)
    expected = charts.score_bands([float(row.total) for row in board.units], float(board.max_total))
    assert numbers(chart_of(response, "scores")) == dict(expected)
    assert sum(numbers(chart_of(response, "scores")).values()) == len(board.units)


def test_a_chart_draws_its_bars_to_scale_with_a_table_of_the_same_numbers(client, year):
    login(client, year.reviewer)

    page = client.get("/dashboard/").content.decode()

    states = figure(page, "states")
    assert '<svg class="bar-chart horizontal"' in states and 'role="img"' in states
    assert '<title id="chart-states-title">各状态申报数</title>' in states
    assert re.search(r'<desc id="chart-states-desc">各状态申报数：共4份。草稿1份、已报送1份、.*已评估1份、已取消1份。</desc>', states)
    widths = [float(w) for w in re.findall(r'<rect class="bar-fill" x="[\d.]+" y="[\d.]+" width="([\d.]+)"', states)]
    assert len(widths) == 8 and max(widths) > 0 and all(w in (0.0, max(widths)) for w in widths)  # every count is 0 or 1
    table = dict(re.findall(r'<tr><th scope="row">([^<]+)</th><td>(\d+)</td></tr>', states))
    assert table == {"草稿": "1", "已报送": "1", "已审核": "0", "已排期": "0", "已举办": "0", "已总结": "0", "已评估": "1", "已取消": "1"}
    assert '<tr class="total"><th scope="row">合计</th><td>4</td></tr>' in states
    main = page[page.index('id="charts"'):]
    assert ' style="' not in main and "<script" not in main  # colours come from static/css/charts.css
    assert '<link rel="stylesheet" href="/static/css/charts.css">' in page


def test_bars_scale_to_the_largest_value():
    chart = charts.horizontal("t", "测试", [("甲", 4), ("乙", 2), ("丙", 0)], category="项")
    full = chart.bars[0].width
    assert (chart.bars[1].width, chart.bars[2].width) == (full / 2, 0)
    empty = charts.vertical("e", "测试", [("4月", 0), ("5月", 0)], category="月份")
    assert empty.empty and {bar.height for bar in empty.bars} == {0}
    assert charts.score_bands([0, 9.99, 10, 55, 100], 100) == [
        ("0–10", 2), ("10–20", 1), ("20–30", 0), ("30–40", 0), ("40–50", 0), ("50–60", 1), ("60–70", 0), ("70–80", 0),
        ("80–90", 0), ("90–100", 1)]
    assert charts.score_bands([float(Decimal("7.5"))], 15, bands=3) == [("0–5", 0), ("5–10", 1), ("10–15", 0)]


@pytest.mark.parametrize("extra", [0, 25])
def test_the_dashboard_costs_the_same_statements_whatever_the_declarations(client, world, django_assert_num_queries, extra):
    for n in range(extra):
        unit = UnitFactory(code=f"many-{n}", name=f"开福区批量测试局{n}")
        Declaration.objects.create(programme=world.programme, unit=unit, created_by=world.operator, theme=f"主题{n}",
                                   month=4 + n % 8, form="forum", focus_topic="livelihood")
    world.declaration("submitted")
    login(client, world.reviewer)

    # session, user, permissions (2), the programme; the dashboard: counts, units yet to declare,
    # flagged; the assessment's statements; the overdue tasks; the bell; and, once the 催报 list shows
    # drafts, one statement for which of them wait for the seal (whatever their number)
    with django_assert_num_queries(14 if extra else 13):
        response = client.get("/dashboard/")

    assert sum(numbers(chart_of(response, "states")).values()) == extra + 1
