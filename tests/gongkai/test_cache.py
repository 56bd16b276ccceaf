"""Fast under internet traffic (issue 19): ETag, Last-Modified, Cache-Control: public, 304, pages
kept in Django's cache (a second request runs no SQL), query counts that do not grow with the
number of activities, and a change that shows at once, only where it shows."""
from __future__ import annotations

import gzip

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.http import http_date

from policies.models import Programme
from tests.factories import evidence
from tests.gongkai.conftest import activities
from tests.pages.conftest import login
from workflow import services
from workflow.errors import RuleViolation
from workflow.models import Declaration
from workflow.trail.checkpoints import checkpoint

CODE = "kaifu-2023"


def leader():
    """The leader of every unit `activities` made."""
    return get_user_model().objects.get(username="many-lead")


def urls(first: Declaration) -> list[str]:
    return [
        "/gongkai/", f"/gongkai/{CODE}/", f"/gongkai/{CODE}/plan.xlsx", f"/gongkai/{CODE}/activities/{first.pk}/",
        f"/gongkai/{CODE}/exemplary/", "/gongkai/feed.xml", "/gongkai/feed.json", "/gongkai/embed/",
        "/gongkai/embed/snippet.html", "/gongkai/sitemap.xml", "/gongkai/audit-anchors/", "/gongkai/audit-anchors.json",
        f"/gongkai/{CODE}/results/", "/gongkai/no-such-programme/",
    ]


@pytest.fixture
def planned(world):
    return activities(world, 3, held=1)


def test_every_public_page_sends_etag_last_modified_and_cache_control_public_and_no_cookie(client, planned):
    for url in urls(planned[0]):
        response = client.get(url)
        assert response.status_code in (200, 302, 404), url
        assert response["Cache-Control"] == "public, max-age=60", url
        assert response["ETag"].startswith('"') and response["Last-Modified"], url
        assert "Set-Cookie" not in response and not response.cookies, url
        assert "Cookie" not in response.get("Vary", ""), url


def test_a_conditional_request_for_an_unchanged_page_gets_304_without_sql(client, planned, django_assert_num_queries):
    url = f"/gongkai/{CODE}/"
    first = client.get(url)
    with django_assert_num_queries(0):
        unchanged = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
        since = client.get(url, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
        other = client.get(url, HTTP_IF_NONE_MATCH='"something-else"')
    assert unchanged.status_code == since.status_code == 304 and unchanged.content == b""
    assert unchanged["ETag"] == first["ETag"] and unchanged["Cache-Control"] == "public, max-age=60"
    assert other.status_code == 200 and other.content == first.content


def test_a_browser_that_accepts_gzip_gets_the_same_page_compressed_under_its_own_etag(client, planned):
    for url in (f"/gongkai/{CODE}/", "/gongkai/feed.xml", "/gongkai/feed.json"):
        plain = client.get(url)
        packed = client.get(url, HTTP_ACCEPT_ENCODING="gzip, deflate, br")
        assert "Content-Encoding" not in plain and packed["Content-Encoding"] == "gzip", url
        assert gzip.decompress(packed.content) == plain.content and len(packed.content) < len(plain.content), url
        assert "Accept-Encoding" in plain["Vary"] and "Accept-Encoding" in packed["Vary"], url  # shared caches keep both
        assert packed["ETag"] != plain["ETag"], url
        unchanged = client.get(url, HTTP_ACCEPT_ENCODING="gzip", HTTP_IF_NONE_MATCH=packed["ETag"])
        assert unchanged.status_code == 304, url
    workbook = client.get(f"/gongkai/{CODE}/plan.xlsx", HTTP_ACCEPT_ENCODING="gzip")
    assert workbook.status_code == 200 and "Content-Encoding" not in workbook  # a ZIP already


def test_a_second_request_runs_no_sql(client, planned, django_assert_num_queries):
    for url in urls(planned[0]):
        first = client.get(url)
        with django_assert_num_queries(0):
            again = client.get(url)
        assert (again.status_code, again.content, again["ETag"]) == (first.status_code, first.content, first["ETag"]), url


PATHS = (
    f"/gongkai/{CODE}/", f"/gongkai/{CODE}/plan.xlsx", f"/gongkai/{CODE}/exemplary/", "/gongkai/feed.xml",
    "/gongkai/feed.json", "/gongkai/embed/", "/gongkai/sitemap.xml", "/gongkai/audit-anchors/",
)


def test_every_page_costs_the_same_few_queries_for_3_and_for_24_activities(client, world):
    from django.core.cache import cache

    def counts() -> dict[str, int]:
        cache.clear()
        found = {}
        for path in PATHS:
            with CaptureQueriesContext(connection) as queries:
                assert client.get(path).status_code == 200, path
            found[path] = len(queries.captured_queries)
        return found

    activities(world, 3, held=1)
    checkpoint()
    few = counts()
    activities(world, 21, start=3, held=7)
    checkpoint()
    assert counts() == few
    assert set(few.values()) <= {1, 2, 3, 4, 5}, few  # every page reads the database when built, a few times at most
    assert few[f"/gongkai/{CODE}/"] == 5  # the plan: programme, version, states, the programmes listed, amendments


def test_an_activity_page_costs_three_queries_whatever_it_shows(client, planned, django_assert_num_queries):
    for d in planned:  # held with photos' query, and scheduled without
        with django_assert_num_queries(3 if d.state == "held" else 2):
            assert client.get(f"/gongkai/{CODE}/activities/{d.pk}/").status_code == 200


def test_a_change_appears_at_once_and_only_on_the_pages_that_show_it(client, world, planned, committed, django_assert_num_queries):
    held, scheduled, third = planned
    plan = client.get(f"/gongkai/{CODE}/")
    client.get(f"/gongkai/{CODE}/activities/{third.pk}/")
    client.get("/gongkai/audit-anchors/")
    client.get(f"/gongkai/{CODE}/exemplary/")
    assert "区政务服务中心" not in client.get(f"/gongkai/{CODE}/activities/{scheduled.pk}/").content.decode()

    with committed():
        services.declaration_hold(declaration=scheduled, by=leader(), evidence=evidence(
            world.programme, scheduled.unit, held_on="2023-05-18"))

    changed = client.get(f"/gongkai/{CODE}/", HTTP_IF_NONE_MATCH=plan["ETag"])
    assert changed.status_code == 200 and changed["ETag"] != plan["ETag"]
    assert changed.content.decode().count("已举办") == 2
    assert "区政务服务中心" in client.get(f"/gongkai/{CODE}/activities/{scheduled.pk}/").content.decode()
    assert "活动举办】" in client.get("/gongkai/feed.json").content.decode()
    with django_assert_num_queries(0):  # not shown there: still cached
        client.get(f"/gongkai/{CODE}/activities/{third.pk}/")
        client.get("/gongkai/audit-anchors/")
        client.get(f"/gongkai/{CODE}/exemplary/")


def test_a_refused_action_changes_nothing_on_the_column(client, world, planned, committed, django_assert_num_queries):
    _held, scheduled, _third = planned
    page = client.get(f"/gongkai/{CODE}/")
    with committed(), pytest.raises(RuleViolation):
        services.declaration_hold(declaration=scheduled, by=leader(), evidence=evidence(
            world.programme, scheduled.unit, place=""))
    with django_assert_num_queries(0):
        assert client.get(f"/gongkai/{CODE}/").content == page.content


def test_a_new_checkpoint_shows_at_once_on_the_anchors_page(client, world, committed):
    assert "尚未记录检查点" in client.get("/gongkai/audit-anchors/").content.decode()
    with committed():
        cp = checkpoint()
    assert f'data-anchor="{cp.pk}"' in client.get("/gongkai/audit-anchors/").content.decode()


def test_last_modified_is_when_what_the_page_shows_last_changed(client, world, planned, committed):
    first = client.get(f"/gongkai/{CODE}/")
    assert first["Last-Modified"] <= http_date()
    with committed():
        Programme.objects.filter(pk=world.programme.pk).update(name="开福区2023年“政务公开主题日”活动实施方案（修订）")
        from workflow import publication

        publication.changed(publication.programme(CODE))  # what the programme's admin page does on save
    after = client.get(f"/gongkai/{CODE}/")
    assert "（修订）" in after.content.decode() and after["ETag"] != first["ETag"]


def test_a_logged_in_visitor_gets_the_same_page_as_everyone(client, world, planned):
    anonymous = client.get(f"/gongkai/{CODE}/activities/{planned[0].pk}/")
    login(client, world.operator)
    logged_in = client.get(f"/gongkai/{CODE}/activities/{planned[0].pk}/")
    assert logged_in.content == anonymous.content and "Set-Cookie" not in logged_in
    assert world.operator.username not in logged_in.content.decode()


def test_a_process_keeps_one_page_per_address_and_never_past_its_expiry():
    import time

    from workflow.recent_pages import RecentPages

    pages = RecentPages(size=10)
    old, new = {"expires": time.time() + 60}, {"expires": time.time() + 60}
    pages.put("http\x1ftestserver\x1f/gongkai/", "key-v1", old)
    pages.put("http\x1ftestserver\x1f/gongkai/", "key-v2", new)  # the address's new version replaces the old
    assert pages.get("http\x1ftestserver\x1f/gongkai/", "key-v1") is None
    assert pages.get("http\x1ftestserver\x1f/gongkai/", "key-v2") is new and len(pages._pages) == 1
    pages.put("http\x1ftestserver\x1f/gongkai/feed.xml", "key-f", {"expires": time.time() - 1})
    assert pages.get("http\x1ftestserver\x1f/gongkai/feed.xml", "key-f") is None  # expired in the shared cache too
