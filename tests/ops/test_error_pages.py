"""The product's own Chinese 400/403/404/413/500 pages, JSON for every status under /api/ (500
included), and server errors mailed to ADMINS through a real SMTP server."""
from __future__ import annotations

import pytest
from aiosmtpd.controller import Controller
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from rest_framework.authtoken.models import Token

from workflow import selectors
from workflow.views import inbox as inbox_views

ENGLISH = ("Bad Request", "Not Found", "Server Error", "Forbidden", "Page not found")


def english_free(html: str) -> bool:
    return not any(word in html for word in ENGLISH)


def broken(*args, **kwargs):
    raise RuntimeError("a bug")


@pytest.fixture
def quiet_client():
    return Client(raise_request_exception=False)


def test_a_missing_page_is_the_chinese_404(client, db):
    response = client.get("/no-such-page/")
    html = response.content.decode()
    assert response.status_code == 404 and "<h1>未找到</h1>" in html and english_free(html)


def test_a_bad_host_is_the_chinese_400(client, db):
    response = client.get("/login/", HTTP_HOST="attacker.example")
    html = response.content.decode()
    assert response.status_code == 400 and "<h1>请求有误</h1>" in html and english_free(html)


def test_a_page_one_may_not_use_is_the_chinese_403(client, world):
    client.force_login(world.operator)
    response = client.get("/audit/")
    html = response.content.decode()
    assert response.status_code == 403 and "<h1>无权操作</h1>" in html


def test_a_form_without_its_csrf_token_is_the_chinese_403(world):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/login/", {"username": "edu-op", "password": "x"})
    html = response.content.decode()
    assert response.status_code == 403 and "<h1>表单已失效</h1>" in html and english_free(html)


def test_an_oversized_form_is_the_chinese_413(client, db, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    response = client.post("/login/", {"username": "x" * 20_000, "password": "y"})
    html = response.content.decode()
    assert response.status_code == 413 and "<h1>提交的内容过大</h1>" in html and english_free(html)


def test_an_oversized_api_body_is_a_json_413(world, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    d = world.declaration("scheduled")
    client = Client(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=world.operator).key}")
    response = client.post(f"/api/declarations/{d.pk}/evidence/", {
        "kind": "x" * 20_000, "file": SimpleUploadedFile("a.png", b"png"),
    })
    assert response.status_code == 413
    assert response.json() == {"detail": "提交的内容过大或字段过多，已拒绝；请缩减后重试（上传证据请逐个文件提交）。"}


def test_a_server_error_is_the_chinese_500_page(quiet_client, world, monkeypatch):
    monkeypatch.setattr(inbox_views, "inbox_tab", broken)
    quiet_client.force_login(world.operator)
    response = quiet_client.get("/")
    html = response.content.decode()
    assert response.status_code == 500 and "<h1>服务器内部错误</h1>" in html and english_free(html)


def test_a_server_error_in_the_api_is_json(quiet_client, world, monkeypatch):
    monkeypatch.setattr(selectors, "declarations_visible_to", broken)
    quiet_client.force_login(world.operator)
    response = quiet_client.get("/api/declarations/")
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "服务器内部错误，已记录；请稍后再试，或联系系统管理员。"}


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, envelope.content.decode("utf-8", "replace")))
        return "250 OK"


@pytest.fixture
def smtp():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=18210)
    controller.start()
    yield inbox
    controller.stop()


def test_a_server_error_is_mailed_to_the_admins(quiet_client, world, monkeypatch, settings, smtp):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 18210
    settings.ADMINS = [("值班运维", "ops@example.gov.cn")]
    monkeypatch.setattr(inbox_views, "inbox_tab", broken)
    quiet_client.force_login(world.operator)

    assert quiet_client.get("/").status_code == 500

    [(to, message)] = smtp.messages
    assert to == ["ops@example.gov.cn"]
    assert "Internal Server Error: /" in message
    assert "Exception Type: RuntimeError at /" in message and "Exception Value: a bug" in message
