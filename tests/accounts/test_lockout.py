"""Login lockout (django-axes): 5 failures for one login name, or from one address, lock further
attempts for 15 minutes on the login page, the admin's login and POST /api/auth/token/; every
login, logout, failure and lockout is an audit event."""
from __future__ import annotations

import datetime as dt

from axes.models import AccessAttempt
from rest_framework.test import APIClient

from tests.factories import UserFactory
from workflow.models import AuditEvent

PASSWORD = "pw-for-tests-only"
LOCKED = "登录失败次数过多，该登录名或该地址已被锁定 15 分钟"


def fail(client, path, username, *, times, **extra):
    for _ in range(times):
        response = client.post(path, {"username": username, "password": "wrong-password"}, **extra)
    return response


def events(*actions):
    return list(AuditEvent.objects.filter(action__in=actions).order_by("id").values_list("action", "reason", "changed"))


def test_five_failures_lock_the_login_page_even_for_the_right_password(client, world):
    fourth = fail(client, "/login/", "edu-op", times=4)
    assert fourth.status_code == 200 and "用户名或密码错误" in fourth.content.decode()

    fifth = fail(client, "/login/", "edu-op", times=1)
    assert fifth.status_code == 429 and LOCKED in fifth.content.decode()
    right = client.post("/login/", {"username": "edu-op", "password": PASSWORD})
    assert right.status_code == 429 and LOCKED in right.content.decode()
    assert client.get("/").status_code == 302  # not logged in

    recorded = events("login_failed", "lockout", "login")
    assert [a for a, _, _ in recorded] == ["login_failed"] * 5 + ["lockout", "login_failed"]
    assert recorded[5][1] == "连续登录失败 5 次，锁定 15 分钟"
    assert recorded[5][2] == {"ip": "127.0.0.1", "channel": "page", "username": "edu-op"}
    assert recorded[6][1] == "已锁定，拒绝登录"


def test_the_lockout_ends_after_fifteen_minutes(client, world):
    fail(client, "/login/", "edu-op", times=5)
    AccessAttempt.objects.update(attempt_time=AccessAttempt.objects.get().attempt_time - dt.timedelta(minutes=15, seconds=1))

    response = client.post("/login/", {"username": "edu-op", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/"


def test_one_address_is_locked_across_login_names(client, world):
    for name in ("a1", "a2", "a3", "a4", "a5"):
        fail(client, "/login/", name, times=1)

    response = client.post("/login/", {"username": "edu-op", "password": PASSWORD})
    assert response.status_code == 429
    # from another address the same person still logs in
    other = client.post("/login/", {"username": "edu-op", "password": PASSWORD}, REMOTE_ADDR="10.0.0.9")
    assert other.status_code == 302


def test_a_login_name_is_locked_across_addresses(client, world):
    for i in range(5):
        fail(client, "/login/", "edu-op", times=1, REMOTE_ADDR=f"10.0.0.{i + 1}")

    response = client.post("/login/", {"username": "edu-op", "password": PASSWORD}, REMOTE_ADDR="10.0.0.99")
    assert response.status_code == 429 and LOCKED in response.content.decode()


def test_an_address_header_from_the_client_is_ignored_without_a_trusted_proxy(client, world):
    for i in range(5):
        fail(client, "/login/", f"x{i}", times=1, HTTP_X_REAL_IP=f"10.1.0.{i}")

    assert client.post("/login/", {"username": "edu-op", "password": PASSWORD}).status_code == 429


def test_behind_a_trusted_proxy_the_address_it_sets_is_counted(client, world, settings):
    settings.TRUSTED_PROXY = True
    for i in range(5):
        fail(client, "/login/", f"x{i}", times=1, HTTP_X_REAL_IP="203.0.113.7")

    assert client.post("/login/", {"username": "edu-op", "password": PASSWORD}, HTTP_X_REAL_IP="203.0.113.8").status_code == 302


def test_the_admin_login_is_locked_too(client, db):
    UserFactory(username="boss", is_staff=True, is_superuser=True)
    fail(client, "/admin/login/", "boss", times=5)

    response = client.post("/admin/login/", {"username": "boss", "password": PASSWORD})
    assert response.status_code == 429 and LOCKED in response.content.decode()
    assert [c["channel"] for _, _, c in events("lockout")] == ["admin"]


def test_the_api_token_endpoint_is_locked_with_a_json_answer(world):
    api = APIClient()
    for _ in range(4):
        assert api.post("/api/auth/token/", {"username": "edu-op", "password": "nope"}, format="json").status_code == 400

    fifth = api.post("/api/auth/token/", {"username": "edu-op", "password": "nope"}, format="json")
    right = api.post("/api/auth/token/", {"username": "edu-op", "password": PASSWORD}, format="json")

    assert fifth.status_code == 429 and right.status_code == 429
    assert right.json()["detail"].startswith(LOCKED)
    assert [c["channel"] for _, _, c in events("lockout")] == ["api"]


def test_login_and_logout_are_audit_events(client, world):
    client.post("/login/", {"username": "edu-op", "password": PASSWORD})
    client.post("/logout/")

    rows = list(AuditEvent.objects.filter(action__in=["login", "logout"]).order_by("id").values_list("action", "actor__username", "changed"))
    assert rows == [("login", "edu-op", {"ip": "127.0.0.1", "channel": "page"}),
                    ("logout", "edu-op", {"ip": "127.0.0.1", "channel": "page"})]


def test_an_api_token_login_is_an_audit_event(world):
    APIClient().post("/api/auth/token/", {"username": "edu-op", "password": PASSWORD}, format="json")

    assert list(AuditEvent.objects.filter(action="login").values_list("actor__username", "changed__channel")) == [("edu-op", "api")]


def test_the_audit_search_names_login_events_in_chinese(client, world):
    from workflow.actions import EVENT_LABELS

    assert {EVENT_LABELS[a] for a in ("login", "logout", "login_failed", "lockout")} == {"登录", "退出登录", "登录失败", "登录锁定"}
