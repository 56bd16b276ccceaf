"""Feeds for the government website and new media (issue 19): RSS 2.0, JSON Feed, an embeddable
snippet with no script, the sitemap and robots.txt."""
from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from email.utils import parsedate_to_datetime

import pytest

CODE = "kaifu-2023"


@pytest.fixture
def news(column_year):
    return column_year


def test_the_rss_feed_lists_scheduled_held_and_exemplary_activities_newest_first(client, news):
    planned, edu = news
    response = client.get("/gongkai/feed.xml")
    assert response["Content-Type"].startswith("application/rss+xml")
    channel = ET.fromstring(response.content).find("channel")
    assert channel.findtext("title") == "政务公开主题日专栏" and channel.findtext("language") == "zh-cn"
    items = channel.findall("item")
    titles = [item.findtext("title") for item in items]
    assert titles[0] == f"【典型经验】开福区教育局：{edu.theme}"
    assert f"【活动举办】开福区教育局：{edu.theme}" in titles and f"【活动安排】开福区教育局：{edu.theme}" in titles
    assert f"【活动举办】{planned[0].unit.name}：{planned[0].theme}" in titles
    assert not any("已取消的活动" in title for title in titles)
    dates = [parsedate_to_datetime(item.findtext("pubDate")) for item in items]
    assert dates == sorted(dates, reverse=True)
    assert len({item.findtext("guid") for item in items}) == len(items) == 4 + 3  # 3 scheduled, 1 of them held; 教育局 scheduled, held, exemplary
    assert items[0].findtext("link") == f"http://testserver/gongkai/{CODE}/activities/{edu.pk}/"


def test_the_json_feed_is_json_feed_1_1_with_the_same_items(client, news):
    response = client.get("/gongkai/feed.json")
    assert response["Content-Type"].startswith("application/feed+json")
    feed = json.loads(response.content)
    assert feed["version"] == "https://jsonfeed.org/version/1.1" and feed["language"] == "zh-CN"
    assert feed["feed_url"] == "http://testserver/gongkai/feed.json"
    rss = [item.findtext("title") for item in ET.fromstring(client.get("/gongkai/feed.xml").content).iter("item")]
    assert [item["title"] for item in feed["items"]] == rss
    assert all(item["url"].startswith("http://testserver/gongkai/") and item["date_published"] for item in feed["items"])


def test_the_embeddable_snippet_needs_no_script_and_any_website_may_frame_it(client, news):
    _planned, edu = news
    for url in ("/gongkai/embed/", "/gongkai/embed/snippet.html"):
        response = client.get(url)
        html = response.content.decode()
        assert "<script" not in html.lower() and " on" not in html.lower().replace(" one", "")
        assert "X-Frame-Options" not in response
        assert f'href="http://testserver/gongkai/{CODE}/activities/{edu.pk}/"' in html  # absolute: shown on another site
    assert client.get(f"/gongkai/{CODE}/")["X-Frame-Options"] == "DENY"  # the column itself is not framed


def test_the_sitemap_lists_the_public_pages_and_robots_points_to_it(client, news):
    planned, edu = news
    sitemap = ET.fromstring(client.get("/gongkai/sitemap.xml").content)
    locations = {loc.text for loc in sitemap.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")}
    assert f"http://testserver/gongkai/{CODE}/" in locations and f"http://testserver/gongkai/{CODE}/exemplary/" in locations
    assert {f"http://testserver/gongkai/{CODE}/activities/{d.pk}/" for d in [*planned, edu]} <= locations
    assert len(locations) == 2 + 4 and f"http://testserver/gongkai/{CODE}/results/" not in locations
    robots = client.get("/robots.txt").content.decode()
    assert "Allow: /gongkai/" in robots and "Disallow: /\n" in robots
    assert "Sitemap: http://testserver/gongkai/sitemap.xml" in robots
