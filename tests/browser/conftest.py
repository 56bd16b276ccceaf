"""What the browser tests share: the live server's world, Chromium, and a logged-in Person.

Each test module is marked `browser` (`pytestmark`): under CI=true it must run, never skip
(tests/conftest.py)."""
from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path

import pytest
from django.db import connections

from tests import factories
from tests.conftest import chromium_path
from workflow import services

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"  # screenshots
PASSWORD = "pw-for-tests-only"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]


@pytest.fixture
def chromium(year):
    """Started after, and stopped before, the database fixtures: Playwright's greenlets carry
    their own context, so Django would otherwise hand them a different connection than the
    one `audit_flushable` prepares for the final flush."""
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=ARGS)
        yield browser
        browser.close()
        connections.close_all()  # the connections opened in Playwright's context


@pytest.fixture
def year(live_server, audit_flushable):
    """The Kaifu programme's World (two units, the office) behind the live server; the deadline
    is past, so the office granted both units an extension."""
    world = factories.World.build(factories.kaifu_programme())
    for unit in (world.unit, world.other_unit):
        services.deadline_extension_grant(programme=world.programme, unit=unit, until=dt.date(2099, 12, 31),
                                          reason="测试：允许延期报送", by=world.reviewer)
    return world


class Person:
    """One person in their own browser context (own cookies), on a phone-width screen."""

    def __init__(self, browser, base: str, username: str):
        self.base = base
        self.context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
        self.page = self.context.new_page()
        self.page.goto(f"{base}/login/")
        assert "登录" in self.page.title()
        self.page.fill("#id_username", username)
        self.page.fill("#id_password", PASSWORD)
        self.page.click("button[type=submit]")
        # 待办, or 待领取 when only the queue holds their work (a unit leader's seal)
        self.page.wait_for_url(re.compile(rf"^{re.escape(base)}/(queue/)?$"))
        assert "我的待办" in self.page.content()

    def go(self, path: str):
        return self.page.goto(f"{self.base}{path}")

    def text(self) -> str:
        return self.page.inner_text("main")

    def open_first(self, tab: str, step: str):
        """Open (or claim and open) the task `step` from 待办 ("/") or 待领取 ("/queue/")."""
        self.go(tab)
        row = self.page.locator("table.list tr", has_text=step).first
        row.locator("a.button").click()
        if self.page.locator("button[name=claim]").count():
            self.page.click("button[name=claim]")
        assert step in self.page.inner_text("h1")

    def submit(self):
        self.page.click("main form button.primary")
        self.page.wait_for_load_state()

    def close(self):
        self.context.close()
