"""Two-factor authentication (TOTP, django-otp): required for administrators, configurable for
office roles (TWO_FACTOR_ROLES), off in the demo."""
from __future__ import annotations

import re

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from tests.factories import UserFactory
from workflow.models import AuditEvent

PASSWORD = "pw-for-tests-only"


@pytest.fixture
def two_factor(settings):
    settings.TWO_FACTOR_ROLES = ["administrator"]
    return settings


def code_of(device: TOTPDevice, *, later: int = 0) -> str:
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = totp.time + later * device.step
    return f"{totp.token():06d}"


def unthrottled(device: TOTPDevice) -> None:
    """As if the wait after a wrong code had passed (django-otp doubles it after each failure)."""
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0, throttling_failure_timestamp=None)


def bound(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="验证器应用", confirmed=True)


def log_in(client, username):
    return client.post("/login/", {"username": username, "password": PASSWORD})


def test_an_administrator_binds_an_authenticator_app_at_the_first_login(client, two_factor, db):
    boss = UserFactory(username="boss", is_staff=True, is_superuser=True)
    log_in(client, "boss")

    response = client.get("/admin/")
    assert response.status_code == 302 and response["Location"].startswith("/account/2fa/setup/")
    page = client.get(response["Location"]).content.decode()
    assert "绑定验证器应用" in page and 'src="/account/2fa/setup/qr.svg"' in page
    key = re.search(r'id="totp-key">([A-Z2-7 ]+)<', page).group(1)
    qr = client.get("/account/2fa/setup/qr.svg")
    assert qr["Content-Type"] == "image/svg+xml" and b"<svg" in qr.content
    device = TOTPDevice.objects.get(user=boss)
    assert not device.confirmed and key.replace(" ", "")

    wrong = client.post("/account/2fa/setup/", {"code": "000000", "next": "/admin/"}).content.decode()
    assert "动态验证码不正确或已过期" in wrong
    unthrottled(device)
    done = client.post("/account/2fa/setup/", {"code": code_of(device), "next": "/admin/"})
    assert done.status_code == 302 and done["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
    device.refresh_from_db()
    assert device.confirmed
    assert list(AuditEvent.objects.filter(action__startswith="otp").values_list("action", flat=True)) == ["otp_enrolled"]


def test_each_later_login_asks_for_the_code(client, two_factor, db):
    boss = UserFactory(username="boss", is_staff=True)
    device = bound(boss)
    log_in(client, "boss")

    response = client.get("/admin/")
    assert response.status_code == 302 and response["Location"] == "/account/2fa/?next=%2Fadmin%2F"
    assert client.get("/").status_code == 302  # every page waits for the code
    page = client.post("/account/2fa/", {"code": "12345", "next": "/admin/"}).content.decode()
    assert "动态验证码是 6 位数字。" in page
    page = client.post("/account/2fa/", {"code": code_of(device, later=-20), "next": "/admin/"}).content.decode()
    assert "动态验证码不正确或已过期" in page

    unthrottled(device)
    ok = client.post("/account/2fa/", {"code": code_of(device), "next": "/admin/"})
    assert ok.status_code == 302 and ok["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
    assert list(AuditEvent.objects.filter(action__startswith="otp").values_list("action", flat=True)) == ["otp_failed", "otp_verified"]


def test_repeated_wrong_codes_are_throttled(client, two_factor, db):
    device = bound(UserFactory(username="boss", is_staff=True))
    log_in(client, "boss")
    client.post("/account/2fa/", {"code": "000000"})

    page = client.post("/account/2fa/", {"code": code_of(device)}).content.decode()  # right, but too soon
    assert "尝试过于频繁" in page
    assert client.get("/admin/").status_code == 302


def test_the_api_refuses_an_unconfirmed_session(client, two_factor, world):
    UserFactory(username="boss", is_staff=True)
    log_in(client, "boss")

    response = client.get("/api/declarations/")
    assert response.status_code == 403
    assert response.json() == {"detail": "需要先完成双因素认证：请在页面上输入验证器应用中的动态验证码。"}


def test_an_administrators_api_token_needs_the_code(two_factor, db):
    device = bound(UserFactory(username="boss", is_staff=True))
    api = APIClient()

    missing = api.post("/api/auth/token/", {"username": "boss", "password": PASSWORD}, format="json")
    assert missing.status_code == 400 and missing.json() == {"otp": ["请填写验证器应用中当前显示的 6 位动态验证码。"]}
    ok = api.post("/api/auth/token/", {"username": "boss", "password": PASSWORD, "otp": code_of(device)}, format="json")
    assert ok.status_code == 200 and ok.json()["token"]


def test_office_roles_need_it_only_when_configured(client, two_factor, world):
    log_in(client, world.reviewer.username)
    assert client.get("/").status_code == 200  # administrators only, by default

    two_factor.TWO_FACTOR_ROLES = ["administrator", "reviewer"]
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/account/2fa/setup/")
    client.post("/logout/")
    log_in(client, world.operator.username)
    assert client.get("/").status_code == 200  # unit roles never


def test_the_demo_turns_it_off(client, settings, db):
    settings.TWO_FACTOR_ROLES = []  # `make demo` runs with TWO_FACTOR_ROLES empty
    UserFactory(username="boss", is_staff=True, is_superuser=True)
    log_in(client, "boss")

    assert client.get("/admin/").status_code == 200


def test_an_administrator_resets_a_lost_authenticator_and_it_is_audited(client, world):
    lost = bound(world.administrator)
    root = UserFactory(username="root-admin-2fa", is_superuser=True, is_staff=True)
    client.force_login(root)
    response = client.post("/admin/auth/user/", {"action": "reset_two_factor", "_selected_action": [world.administrator.pk]},
                           follow=True)
    assert "已为1人重置动态验证码，共移除1个验证器" in response.content.decode()
    assert not TOTPDevice.objects.filter(pk=lost.pk).exists()
    event = AuditEvent.objects.get(action="otp_reset")
    assert (event.actor, event.changed) == (root, {"user": world.administrator.username, "devices": 1})
    assert client.get("/admin/otp_totp/totpdevice/").status_code == 404  # the device admin (and its keys) is not shown
