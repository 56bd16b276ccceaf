"""A Content-Security-Policy on every page, and the pages, the admin and the API docs still
work under it in Chromium: no violation is reported while they are used."""
from __future__ import annotations

import pytest

from tests import factories
from tests.browser.conftest import ARTIFACTS, PASSWORD

pytestmark = pytest.mark.browser

POLICY = {"default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:", "font-src 'self'",
          "connect-src 'self'", "object-src 'none'", "base-uri 'self'", "form-action 'self'", "frame-ancestors 'none'"}


def policy(response) -> set[str]:
    return {part.strip() for part in response.headers["content-security-policy"].split(";")}


def watch(page, violations: list[str]) -> None:
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)


@pytest.fixture
def person_factory(chromium, live_server):
    made = []

    def make(username: str):
        context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
        page = context.new_page()
        violations: list[str] = []
        watch(page, violations)
        page.goto(f"{live_server.url}/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", PASSWORD)
        page.click("main button[type=submit]")
        page.wait_for_url(f"{live_server.url}/")
        made.append(context)
        return page, violations

    yield make
    for context in made:
        context.close()


def test_every_page_carries_the_policy_and_the_filter_still_submits(live_server, year, person_factory):
    year.declaration("submitted")
    page, violations = person_factory(year.reviewer.username)

    response = page.goto(f"{live_server.url}/declarations/")
    assert policy(response) == POLICY
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"
    page.select_option("#state", "submitted")  # static/js/site.js submits the filter
    page.wait_for_url(f"{live_server.url}/declarations/?state=submitted")
    assert year.unit.name in page.inner_text("main")
    for path in ("/", "/queue/", "/dashboard/", "/calendar/", "/account/"):
        assert page.goto(f"{live_server.url}{path}").status == 200, path
    assert violations == []


def test_the_admin_works_under_the_policy(live_server, year, person_factory):
    page, violations = person_factory(factories.admin_user().username)

    page.goto(f"{live_server.url}/admin/")
    assert "政务公开主题日" in page.inner_text("#site-name")
    page.goto(f"{live_server.url}/admin/auth/user/{year.operator.pk}/change/")
    page.wait_for_selector(".selector-available, #id_first_name")
    page.goto(f"{live_server.url}/admin/workflow/deadlineextension/add/")
    page.wait_for_selector(".datetimeshortcuts")  # the date shortcuts are drawn by the admin's script
    page.screenshot(path=str(ARTIFACTS / "admin-under-csp.png"))
    assert violations == []


def test_the_api_docs_work_under_the_policy(live_server, year, person_factory):
    page, violations = person_factory(year.operator.username)

    response = page.goto(f"{live_server.url}/api/docs/")
    assert policy(response) == POLICY
    page.wait_for_selector(".opblock-summary-path >> text=/api/auth/token/")
    page.click(".opblock-summary-path >> text=/api/declarations/ >> nth=0")
    page.wait_for_selector("text=Try it out")
    page.screenshot(path=str(ARTIFACTS / "api-docs-under-csp.png"))
    assert violations == []
