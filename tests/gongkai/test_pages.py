"""The public column's pages (issue 19): the year's plan by month, each activity, 典型经验,
released results where public, earlier programmes, the public spreadsheet, link previews."""
from __future__ import annotations

import datetime as dt
import io
import re
from html.parser import HTMLParser

import pytest
from django.forms.models import model_to_dict
from openpyxl import load_workbook

from policies.models import Programme
from tests.factories import SUMMARY
from workflow import programme_services, services
from workflow.models import Declaration
from workflow.releases import assessment_release

CODE = "kaifu-2023"


class Outline(HTMLParser):
    """The headings, images and links of a page, as a screen reader lists them."""

    def __init__(self):
        super().__init__()
        self.headings, self.images, self.meta, self.lang = [], [], {}, None
        self._in = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "html":
            self.lang = attrs.get("lang")
        if re.fullmatch(r"h[1-6]", tag):
            self._in = [int(tag[1]), ""]
            self.headings.append(self._in)
        if tag == "img":
            self.images.append(attrs)
        if tag == "meta" and "property" in attrs:
            self.meta[attrs["property"]] = attrs.get("content", "")

    def handle_endtag(self, tag):
        if re.fullmatch(r"h[1-6]", tag):
            self._in = None

    def handle_data(self, data):
        if self._in is not None:
            self._in[1] += data


def outline(html: str) -> Outline:
    parser = Outline()
    parser.feed(html)
    return parser


def assert_accessible_structure(html: str) -> Outline:
    page = outline(html)
    levels = [level for level, _text in page.headings]
    assert page.lang == "zh-Hans" and levels[0] == 1 and levels.count(1) == 1
    assert all(later <= earlier + 1 for earlier, later in zip(levels, levels[1:], strict=False)), levels  # no level skipped
    assert all(img.get("alt") for img in page.images)
    assert 'href="#main"' in html and 'id="main"' in html
    return page


@pytest.fixture
def year(column_year):
    return column_year


def test_the_plan_lists_every_activity_by_month_with_the_official_columns(client, year):
    planned, edu = year
    html = client.get(f"/gongkai/{CODE}/").content.decode()
    page = assert_accessible_structure(html)
    months = [text for level, text in page.headings if level == 2 and text.endswith("月")]
    assert months == sorted(months, key=lambda m: int(m[:-1])) and "5月" in months
    for d in [*planned, edu]:
        assert f'href="/gongkai/{CODE}/activities/{d.pk}/"' in html and d.theme in html and d.unit.name in html
    assert "座谈交流" in html and "营商环境" in html  # form and focus topic, as the programme names them
    assert "第3版" in html and f'href="/gongkai/{CODE}/plan.xlsx"' in html
    assert "已取消的活动" not in html  # listed by version 3, cancelled since: never public


def test_the_public_spreadsheet_has_no_contact_person_and_no_phone(client, year):
    response = client.get(f"/gongkai/{CODE}/plan.xlsx")
    assert response.status_code == 200 and 'filename="kaifu-2023-plan-v3.xlsx"' in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert [c.value for c in sheet[2]] == ["序号", "单位", "活动主题", "活动时间（月份）", "活动形式", "重点主题", "活动简介"]
    text = "".join(str(c.value) for row in sheet.iter_rows() for c in row if c.value)
    assert "张三" not in text and "0731" not in text and "公开活动000" in text and "（第3版·公开）" in text
    assert "已取消的活动" not in text


def test_an_activity_page_shows_the_plan_then_the_holding_then_the_experience(client, world, year):
    planned, edu = year
    scheduled = planned[1]
    html = client.get(f"/gongkai/{CODE}/activities/{scheduled.pk}/").content.decode()
    page = assert_accessible_structure(html)
    assert scheduled.theme in html and [t for level, t in page.headings if level == 2] == ["活动安排"]
    html = client.get(f"/gongkai/{CODE}/activities/{edu.pk}/").content.decode()
    page = assert_accessible_structure(html)
    assert [t for level, t in page.headings if level == 2] == ["活动安排", "举办情况", "典型经验"]
    assert "2023年5月18日" in html and "区政务服务中心" in html and "共25人" in html and "市民群众" in html
    assert 'href="https://www.kaifu.gov.cn/a"' in html
    assert all(text in html for text in SUMMARY.values())


def test_a_nominated_but_not_exemplary_summary_stays_private(client, world):
    d = world.declaration("held")
    d = services.declaration_summarize(declaration=d, by=world.operator, summary=SUMMARY, nominate=True)
    html = client.get(f"/gongkai/{CODE}/activities/{d.pk}/").content.decode()
    assert SUMMARY["summary_effect"] not in html and "典型经验</h2>" not in html
    assert SUMMARY["summary_effect"] not in client.get(f"/gongkai/{CODE}/exemplary/").content.decode()


def test_the_exemplary_page_lists_each_experience_with_its_unit_and_activity(client, year):
    _planned, edu = year
    html = client.get(f"/gongkai/{CODE}/exemplary/").content.decode()
    assert_accessible_structure(html)
    assert f"开福区教育局：<a href=\"/gongkai/{CODE}/activities/{edu.pk}/\">{edu.theme}</a>" in html
    assert SUMMARY["summary_effect"] in html


def test_results_show_only_where_the_programme_makes_them_public_and_only_the_latest_release(client, world, year, committed):
    url = f"/gongkai/{CODE}/results/"
    assessment_release(programme=world.programme, by=world.reviewer)
    assert client.get(url).status_code == 404  # off by default
    assert "考核结果" not in client.get(f"/gongkai/{CODE}/").content.decode()
    with committed():  # the office ticks 考核结果在专栏公开 in the programme editor
        programme_services.programme_update(programme=world.programme, by=world.administrator, values={"results_public": True})
    html = client.get(url).content.decode()
    assert_accessible_structure(html)
    assert "第1次发布" in html and "开福区教育局" in html and f'href="{url}"' in client.get(f"/gongkai/{CODE}/").content.decode()
    edu = Declaration.objects.get(unit=world.unit)
    with committed():
        services.declaration_evaluate(declaration=edu, by=world.assessor, scores={"quality": 10}, comment="优秀")
    assert client.get(url).content.decode() == html  # an evaluation is not public before the next release
    with committed():
        assessment_release(programme=world.programme, by=world.scheduler)
    assert "第2次发布" in client.get(url).content.decode()


def test_earlier_programmes_stay_reachable_and_the_index_opens_the_current_one(client, world, year):
    fields = model_to_dict(world.programme, exclude=["id", "parent"])
    Programme.objects.create(**{**fields, "code": "kaifu-2024", "name": "开福区2024年“政务公开主题日”活动实施方案", "year": 2024})
    assert client.get("/gongkai/")["Location"] == "/gongkai/kaifu-2024/"
    current = client.get("/gongkai/kaifu-2024/").content.decode()
    assert "本年度活动计划安排表尚未发布" in current and f'href="/gongkai/{CODE}/"' in current
    assert client.get(f"/gongkai/{CODE}/").status_code == 200


def test_what_is_missing_or_not_public_is_the_same_404_page(client, world, year):
    draft = world.declaration("reviewed", unit=world.other_unit)
    bodies = {re.search(r"<main.*</main>", client.get(url).content.decode(), re.S).group(0) for url in (
        f"/gongkai/{CODE}/activities/{draft.pk}/", f"/gongkai/{CODE}/activities/999999/", "/gongkai/hunan-2023/",
        f"/gongkai/hunan-2023/activities/{draft.pk}/",
    )}
    assert len(bodies) == 1 and "未找到该页面" in bodies.pop()
    assert client.post(f"/gongkai/{CODE}/").status_code == 405


def test_a_shared_link_shows_a_title_a_text_and_a_picture(client, year):
    planned, edu = year
    page = outline(client.get(f"/gongkai/{CODE}/activities/{planned[0].pk}/").content.decode())
    assert page.meta["og:title"] == f"{planned[0].unit.name}：{planned[0].theme}"
    assert page.meta["og:description"].startswith("邀请企业代表座谈")
    assert page.meta["og:url"] == f"http://testserver/gongkai/{CODE}/activities/{planned[0].pk}/"
    assert page.meta["og:image"] == "http://testserver/static/public/og-default.png" and page.meta["og:image:alt"]
    assert page.meta["og:type"] == "article" and page.meta["og:locale"] == "zh_CN"


def test_an_amendment_of_the_rules_is_published_on_the_plan_at_once_without_the_name_of_who_made_it(client, world, year, committed):
    assert "方案调整" not in client.get(f"/gongkai/{CODE}/").content.decode()
    names = ["校园开放周", *world.programme.forbidden_banner_names[1:]]
    with committed():
        programme_services.programme_amend(
            programme=world.programme, by=world.administrator, rule="banner", values={"forbidden_banner_names": names},
            reason="市里通知增加“校园开放周”", effective_on=dt.date(2023, 5, 6), today=dt.date(2023, 5, 6),
        )
    html = client.get(f"/gongkai/{CODE}/").content.decode()
    assert "方案调整" in html and "2023年05月06日起" in html and "校园开放周" in html and "市里通知增加" in html
    assert world.administrator.username not in html and (world.administrator.first_name or "—") not in html
