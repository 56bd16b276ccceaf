"""Sessions end after 30 minutes idle (SESSION_IDLE_MINUTES); passwords need 8 characters with
letters, digits and symbols, refused in Chinese."""
from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import password_validation
from django.contrib.sessions.backends import db as session_db
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from tests.factories import UserFactory

PASSWORD = "pw-for-tests-only"


pytestmark = pytest.mark.session_renewal


@pytest.fixture
def clock(monkeypatch):
    """Moves the sessions' clock (the database backend compares expiry dates with it)."""
    start = timezone.now()

    def at(minutes: float):
        monkeypatch.setattr(session_db.timezone, "now", lambda: start + dt.timedelta(minutes=minutes))

    return at


def test_a_session_ends_after_thirty_idle_minutes(client, world, clock):
    client.post("/login/", {"username": "edu-op", "password": PASSWORD})
    clock(0)
    assert client.get("/").status_code == 200

    clock(30.5)
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_the_idle_limit_holds_where_the_store_still_keeps_the_session(client, world, clock):
    """Under cached_db (CACHE_URL) Redis's time to live expires a session: the limit does not
    depend on it, the session's own last renewal is checked too."""
    client.post("/login/", {"username": "edu-op", "password": PASSWORD})
    Session.objects.filter(pk=client.session.session_key).update(expire_date=timezone.now() + dt.timedelta(days=1))

    clock(30.5)
    response = client.get("/")

    assert response.status_code == 302 and response["Location"].startswith("/login/")
    assert client.get("/declarations/").status_code == 302  # the session itself is gone


def test_each_request_renews_the_session(client, world, clock):
    client.post("/login/", {"username": "edu-op", "password": PASSWORD})
    for minutes in (0, 25, 50, 75):  # never 30 minutes without a request
        clock(minutes)
        assert client.get("/").status_code == 200, minutes


def test_the_idle_time_is_configurable(client, world, clock, settings):
    settings.SESSION_COOKIE_AGE = 10 * 60  # SESSION_IDLE_MINUTES=10
    client.post("/login/", {"username": "edu-op", "password": PASSWORD})
    clock(9)
    assert client.get("/").status_code == 200
    clock(19.5)
    assert client.get("/").status_code == 302


def session_writes(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/").status_code == 200
    return sum('UPDATE "django_session"' in q["sql"] for q in queries.captured_queries)


def test_a_request_within_a_minute_of_the_last_renewal_writes_nothing(client, world, clock):
    client.post("/login/", {"username": "edu-op", "password": PASSWORD})
    clock(0.5)
    assert session_writes(client) == 0
    clock(2)
    assert session_writes(client) == 1
    assert session_writes(client) == 0


@pytest.mark.parametrize(("password", "message"), [
    ("ab1!", "密码太短：至少需要 8 个字符。"),
    ("abcdefgh", "密码必须同时包含字母、数字和符号（如 ! @ # _ - 等）。"),
    ("abcd1234", "密码必须同时包含字母、数字和符号（如 ! @ # _ - 等）。"),
    ("abcd!@#$", "密码必须同时包含字母、数字和符号（如 ! @ # _ - 等）。"),
])
def test_weak_passwords_are_refused_in_chinese(db, password, message):
    with translation.override("zh-hans"), pytest.raises(ValidationError) as refused:  # as the pages run
        password_validation.validate_password(password, UserFactory(username="someone"))
    assert message in refused.value.messages


def test_a_strong_password_passes(db):
    password_validation.validate_password("Kaifu#2023gk", UserFactory(username="someone"))


def test_changing_ones_password_refuses_a_weak_one_in_chinese(client, world):
    client.force_login(world.operator)
    page = client.post("/account/password/", {
        "old_password": PASSWORD, "new_password1": "abcdefgh", "new_password2": "abcdefgh",
    }).content.decode()
    assert "密码必须同时包含字母、数字和符号" in page

    done = client.post("/account/password/", {
        "old_password": PASSWORD, "new_password1": "Kaifu#2023gk", "new_password2": "Kaifu#2023gk",
    }, follow=True)
    assert "密码已修改。" in done.content.decode()
    world.operator.refresh_from_db()
    assert world.operator.check_password("Kaifu#2023gk")


def test_the_admin_refuses_a_weak_password_for_a_new_person(client, db):
    client.force_login(UserFactory(username="boss", is_staff=True, is_superuser=True))
    page = client.post("/admin/auth/user/add/", {
        "username": "newbie", "password1": "12345678", "password2": "12345678", "usable_password": "true",
    }).content.decode()
    assert "密码必须同时包含字母、数字和符号" in page


UNREACHABLE_REDIS = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1/0",
                                 "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2}}}


@pytest.mark.django_db
def test_sessions_read_through_redis_go_on_from_the_database_while_redis_is_down(settings):
    from accounts.session_store import SessionStore

    settings.CACHES = UNREACHABLE_REDIS
    session = SessionStore()
    session["who"] = "edu-op"
    session.save()  # into the database; Redis is not there

    assert Session.objects.filter(pk=session.session_key).exists()
    assert SessionStore(session.session_key)["who"] == "edu-op"  # read back from the database
