"""Shared fixtures. Under CI=true, PostgreSQL and browser tests must run, never skip."""
from __future__ import annotations

import os

import pytest
from django.db import connection

from tests import factories

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


def chromium_path() -> str:
    return os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


def browser_missing() -> str | None:
    """Why the browser tests cannot run here, or None."""
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "需要 playwright：pip install -r requirements-test.txt"
    if not os.path.exists(chromium_path()):
        return f"需要 Chromium（{chromium_path()}）：apt-get install chromium fonts-wqy-microhei，或设置 CHROMIUM_PATH"
    return None


def pytest_collection_modifyitems(config, items):
    """Outside CI, PostgreSQL-only tests skip on SQLite and browser tests skip without
    Chromium, with a reason. In CI they fail."""
    browser_items = [item for item in items if item.get_closest_marker("browser")]
    missing = browser_missing() if browser_items else None
    if missing:
        if IN_CI:
            raise pytest.UsageError(f"CI=true 但浏览器测试无法运行：{missing}")
        for item in browser_items:
            item.add_marker(pytest.mark.skip(reason=missing))
    if is_postgres():
        return
    for item in items:
        if item.get_closest_marker("postgres"):
            if IN_CI:
                item.add_marker(pytest.mark.xfail(reason="never", run=False, strict=True))
                raise pytest.UsageError("CI=true 但 DATABASE_URL 不是 PostgreSQL：PostgreSQL 测试不能跳过。")
            item.add_marker(pytest.mark.skip(reason="需要 PostgreSQL：设置 DATABASE_URL=postgres://… 运行"))


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if IN_CI and terminalreporter.stats.get("skipped"):
        terminalreporter.write_line("CI=true：有测试被跳过，视为失败。", red=True)


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session, exitstatus):
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if IN_CI and reporter and reporter.stats.get("skipped"):
        session.exitstatus = 1


@pytest.fixture(autouse=True, scope="session")
def _fast_password_hashing():
    """Tests hash passwords with MD5: the product's hasher is Django's default (PBKDF2)."""
    from django.conf import settings

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    yield


@pytest.fixture(autouse=True)
def _pages_kept(settings):
    """Signed-in pages are kept in every test, as in production (workflow.page_cache): the suite
    runs in one process, whose memory cache every request shares as servers share Redis."""
    settings.PRIVATE_CACHE_SECONDS = 60


@pytest.fixture
def pages_built(settings):
    """Every signed-in page is built, none answered from the page cache (workflow.page_cache): for
    tests that read a built page's template context or count its statements."""
    settings.PRIVATE_CACHE_SECONDS = 0


@pytest.fixture(autouse=True)
def _password_only_logins(settings):
    """People log in with their password alone, as in the demo; the second factor has its own
    tests (tests/accounts), which turn it on."""
    settings.TWO_FACTOR_ROLES = []


@pytest.fixture
def audit_flushable(transactional_db):
    """Transactional PostgreSQL tests end with a flush (TRUNCATE) that the audit trigger
    refuses. Flush on this session with triggers off (superuser-only, session-only); the
    trigger itself stays in place for every other session.
    """
    yield
    if is_postgres():
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = replica")


@pytest.fixture(autouse=True)
def _triggers_on_for_this_session(django_db_blocker):
    with django_db_blocker.unblock():
        if is_postgres() and connection.connection is not None:
            with connection.cursor() as cursor:
                cursor.execute("RESET session_replication_role")
    yield


@pytest.fixture(autouse=True)
def _sessions_renewed_only_where_tested(request, monkeypatch):
    """A page's statements must not depend on how long a test took: the session is renewed at most
    once a minute (accounts.sessions), which a slow test would cross. Tests marked
    `session_renewal` keep the real interval."""
    if request.node.get_closest_marker("session_renewal") is None:
        monkeypatch.setattr("accounts.sessions.RENEW_EVERY", 10**9)


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Uploaded evidence goes to a fresh directory per test, never into var/media."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def programme(db):
    return factories.kaifu_programme()


@pytest.fixture
def world(programme):
    """The Kaifu programme, two units with an operator and a leader each, and the office."""
    return factories.World.build(programme)
