"""The assessment pages (issue 6): the scoreboard, a unit's breakdown with the events behind
every point, the release button, the district report link, the evaluation form."""
from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.db import connection
from django.template.defaultfilters import floatformat
from django.test.utils import CaptureQueriesContext

from tests.factories import BEFORE_DEADLINE, UnitFactory, content, person
from tests.pages.conftest import login
from tests.pages.test_task_pages import claim
from units.roles import Role
from workflow import services
from workflow.assessment import assess_programme
from workflow.models import AuditEvent, Declaration
from workflow.roles import role_grant

pytestmark = pytest.mark.django_db

BOARD = "/programmes/kaifu-2023/assessment/"


def unit_url(code: str) -> str:
    return f"{BOARD}units/{code}/"


@pytest.fixture
def scored(world):
    """教育局 evaluated and exemplary; 卫生健康局 returned once, then approved."""
    edu = world.declaration("summarized")
    services.declaration_mark_exemplary(declaration=edu, by=world.scheduler)
    edu = services.declaration_evaluate(declaration=Declaration.objects.get(pk=edu.pk), by=world.assessor, scores={"quality": 8}, comment="组织有序")
    health = world.declaration("returned", unit=world.other_unit)
    health = services.declaration_submit(declaration=health, by=world.other_leader)
    health = services.declaration_approve(declaration=health, by=world.reviewer)
    return edu, health


def row_html(html: str, code: str) -> str:
    match = re.search(rf'<tr data-unit="{code}">(.*?)</tr>', html, re.S)
    assert match, code
    return match.group(1)


def rendered_points(html: str) -> dict[str, str]:
    """{indicator code: the points shown} of one scoreboard row."""
    return {
        code: re.sub(r"<[^>]+>", "", cell).strip()
        for code, cell in re.findall(r'<td data-label="[^"]*" data-indicator="([^"]+)">(.*?)</td>', html, re.S)
    }


def breakdown_points(html: str) -> dict[str, str]:
    """{indicator code: the points shown} of a unit's breakdown table."""
    return dict(re.findall(r'<tr data-indicator="([^"]+)">.*?class="points"><strong>([^<]*)</strong>', html, re.S))


def shown(value: Decimal) -> str:
    return floatformat(value, "-2")


def event_ids_listed(html: str) -> list[int]:
    return sorted(int(pk) for pk in re.findall(r'<tr data-event="(\d+)">', html))


# ------------------------------------------------------------------ the scoreboard


def test_the_assessor_sees_every_unit_with_the_computed_scores(client, world, scored):
    board = assess_programme(world.programme)
    login(client, world.assessor)
    response = client.get(BOARD)
    assert response.status_code == 200
    html = response.content.decode()
    assert "考核得分" in html and "满分100" in html
    assert [row.unit_code for row in board.units] == re.findall(r'<tr data-unit="([^"]+)">', html)
    for row in board.units:
        cells = row_html(html, row.unit_code)
        assert f"<strong>{shown(row.total)}</strong>" in cells
        assert rendered_points(cells) == {item.code: shown(item.points) for item in row.indicators}
    health = board.unit(world.other_unit.pk)
    assert health.indicator("approved_without_return").points == 0 and health.total > 0
    assert "发布考核结果" not in html  # assessors score; the office releases


def test_every_point_links_to_the_audit_events_it_stands_on(client, world, scored):
    edu, health = scored
    board = assess_programme(world.programme)
    login(client, world.assessor)
    html = client.get(unit_url("kf-health")).content.decode()
    links = dict(re.findall(r'<tr data-indicator="([^"]+)">.*?<a href="/audit/\?ids=([\d,]+)" class="trace">', html, re.S))
    row = board.unit(world.other_unit.pk)
    assert links == {item.code: ",".join(map(str, item.event_ids)) for item in row.indicators if item.event_ids}

    page = client.get(f"/audit/?ids={links['approved_without_return']}").content.decode()
    expected = AuditEvent.objects.filter(declaration=health, action__in=["return", "approve"])
    assert event_ids_listed(page) == sorted(expected.values_list("pk", flat=True))
    assert "退回" in page and "审核通过" in page

    html = client.get(unit_url("kf-edu")).content.decode()
    quality = re.search(r'<tr data-indicator="quality">(.*?)</tr>', html, re.S).group(1)
    evaluate = AuditEvent.objects.get(declaration=edu, action="evaluate")
    assert f'href="/audit/?ids={evaluate.pk}"' in quality and "评估打分" in quality and "评估打分8/10" in quality
    assert breakdown_points(html)["quality"] == "16"


def test_the_breakdown_shows_weight_points_and_basis_of_every_indicator(client, world, scored):
    row = assess_programme(world.programme).unit(world.unit.pk)
    login(client, world.reviewer)
    html = client.get(unit_url("kf-edu")).content.decode()
    for item in row.indicators:
        cells = re.search(rf'<tr data-indicator="{item.code}">(.*?)</tr>', html, re.S).group(1)
        assert item.label in cells and item.basis in cells
        assert f"<strong>{shown(item.points)}</strong>" in cells
    assert "由考核人员评分，0至10分" in html
    assert "/audit/?ids=" not in html  # reviewers do not read the audit trail; the events are shown inline
    assert "一次审核通过" in html


# ------------------------------------------------------------------ release, and what a unit sees


def test_before_release_a_unit_gets_a_not_released_page_and_never_another_units_breakdown(client, world, scored):
    login(client, world.operator)
    for url in (BOARD, unit_url("kf-edu")):
        response = client.get(url)
        assert response.status_code == 404
        assert "区政务公开办尚未发布本年度考核结果" in response.content.decode()
    other = client.get(unit_url("kf-health"))
    assert other.status_code == 404 and "尚未发布" not in other.content.decode()


def test_after_release_a_unit_sees_its_own_breakdown_and_404_for_another_units(client, world, scored):
    login(client, world.scheduler)
    page = client.get(BOARD).content.decode()
    assert "发布考核结果" in page
    response = client.post(f"{BOARD}release/", {"confirm": "yes"}, follow=True)
    assert "考核结果已发布" in response.content.decode()
    released = AuditEvent.objects.get(action="release_results")
    assert released.actor == world.scheduler and set(released.changed["totals"]) == {"kf-edu", "kf-health"}

    login(client, world.operator)
    board = client.get(BOARD).content.decode()
    assert re.findall(r'<tr data-unit="([^"]+)">', board) == ["kf-edu"]
    mine = client.get(unit_url("kf-edu"))
    assert mine.status_code == 200
    edu = assess_programme(world.programme).unit(world.unit.pk)
    assert breakdown_points(mine.content.decode()) == {item.code: shown(item.points) for item in edu.indicators}
    evaluate = AuditEvent.objects.get(unit=world.unit, action="evaluate")
    assert f'<li data-event="{evaluate.pk}">' in mine.content.decode()  # readable inline, no audit-search link
    assert "/audit/" not in mine.content.decode()

    for url in (unit_url("kf-health"), unit_url("no-such-unit"), "/programmes/nope/assessment/"):
        assert client.get(url).status_code == 404
    login(client, world.other_leader)
    assert client.get(unit_url("kf-edu")).status_code == 404
    assert client.get(unit_url("kf-health")).status_code == 200


def test_only_the_office_releases_and_the_release_is_recorded_once(client, world, scored):
    for who in (world.leader, world.assessor):
        login(client, who)
        response = client.post(f"{BOARD}release/", {"confirm": "yes"})
        assert response.status_code == 403
        assert "只有区政务公开办审核或统筹人员可以发布考核结果" in response.content.decode()
    assert not AuditEvent.objects.filter(action="release_results").exists()
    login(client, world.reviewer)
    client.post(f"{BOARD}release/", {"confirm": "yes"})
    again = client.post(f"{BOARD}release/", {"confirm": "yes"}, follow=True)
    assert "考核结果此前已发布" in again.content.decode()
    assert AuditEvent.objects.filter(action="release_results").count() == 1
    assert client.get(f"{BOARD}release/").status_code == 405


def test_the_nav_link_opens_this_years_scoreboard(client, world, scored):
    login(client, world.assessor)
    page = client.get("/").content.decode()
    assert 'href="/assessment/"' in page and 'href="/audit/"' in page
    assert client.get("/assessment/").url == BOARD
    login(client, world.operator)
    page = client.get("/").content.decode()
    assert 'href="/assessment/"' in page and 'href="/audit/"' not in page


def test_the_district_report_link_is_for_the_office_only(client, world, scored):
    login(client, world.scheduler)
    assert 'href="/programmes/kaifu-2023/report.xlsx"' in client.get(BOARD).content.decode()
    response = client.get("/programmes/kaifu-2023/report.xlsx")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert AuditEvent.objects.filter(action="export", changed__file="district-report.xlsx", actor=world.scheduler).count() == 1
    login(client, world.leader)
    denied = client.get("/programmes/kaifu-2023/report.xlsx")
    assert denied.status_code == 403 and "区级报告仅供区政务公开办导出" in denied.content.decode()
    assert AuditEvent.objects.filter(action="export").count() == 1


# ------------------------------------------------------------------ the evaluation form


def test_the_evaluation_form_shows_the_computed_indicators_beside_the_scores(client, world):
    declaration = world.declaration("summarized")
    login(client, world.assessor)
    task = claim(client, world.assessor, declaration)
    html = client.get(f"/tasks/{task.pk}/").content.decode()
    computed = re.search(r'<div class="card" id="computed">(.*?)</div>', html, re.S).group(1)
    assert "按审计日志计算的指标" in computed
    for item in assess_programme(world.programme).unit(world.unit.pk).indicators:
        assert f'<tr data-indicator="{item.code}">' in computed and item.basis in computed
    assert "一次审核通过" in computed and "尚未评估打分" in computed
    assert 'name="score_quality"' in html and 'name="comment"' in html

    done = client.post(f"/tasks/{task.pk}/", {"score_quality": "7", "comment": "有特色"})
    assert done.status_code == 302
    assert assess_programme(world.programme).unit(world.unit.pk).indicator("quality").points == 14


# ------------------------------------------------------------------ query counts


def test_the_scoreboard_page_costs_the_same_queries_for_2_and_for_12_units(client, world, scored, django_assert_num_queries):
    login(client, world.assessor)
    with CaptureQueriesContext(connection) as few:
        assert client.get(BOARD).status_code == 200
    leader = person("many-lead", Role.LEADER, world.unit)
    for i in range(10):
        unit = UnitFactory(code=f"kf-n{i:02d}", name=f"开福区测试单位{i:02d}", short_name="")
        role_grant(user=leader, role=Role.LEADER, unit=unit, by=world.administrator)
        d = services.declaration_create(programme=world.programme, unit=unit, by=leader, data=content(world.programme, unit))
        d = services.declaration_submit(declaration=d, by=leader, now=BEFORE_DEADLINE)
        if i % 2:
            services.declaration_approve(declaration=d, by=world.reviewer)
    with django_assert_num_queries(len(few.captured_queries)):
        html = client.get(BOARD).content.decode()
    assert len(re.findall(r'<tr data-unit="', html)) == 12
