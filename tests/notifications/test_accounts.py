"""Accounts: the roster's welcome mail lets a new person set a password; 忘记密码 sends a reset
link; both go out through the outbox, and the links work once."""
from __future__ import annotations

import re

from django.contrib.auth import get_user_model
from django.core import mail

from notifications.models import Profile
from tests.factories import admin_user
from workflow.roster import roster_import

ROSTER = "单位代码,单位名称,类型,姓名,电话,邮箱,角色\nkf-new,开福区新设局,区属单位,赵新,13800000003,zhao@example.com,填报人\n"


def link_in(letter) -> str:
    return re.search(r"http://127\.0\.0\.1:8000(/password/reset/\S+/)", letter.body).group(1)


def test_a_person_imported_with_the_roster_gets_a_welcome_mail_and_sets_a_password(db, client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        roster_import(file=ROSTER.encode("utf-8-sig"), filename="roster.csv", by=admin_user())
    person = get_user_model().objects.get(username="zhao@example.com")
    assert Profile.objects.get(user=person).mobile == "13800000003"  # kept for SMS
    [welcome] = [m for m in mail.outbox if m.to == ["zhao@example.com"]]
    assert welcome.subject == "【政务公开主题日】欢迎使用政务公开主题日工作流程系统" and "登录名：zhao@example.com" in welcome.body
    form = client.get(link_in(welcome), follow=True)
    assert "设置新密码" in form.content.decode()
    done = client.post(form.redirect_chain[-1][0], {"new_password1": "Kaifu-2023-xin", "new_password2": "Kaifu-2023-xin"})
    assert done.status_code == 302
    assert client.post("/login/", {"username": "zhao@example.com", "password": "Kaifu-2023-xin"}).status_code == 302  # logged in
    assert "这个链接已失效" in client.get(link_in(welcome), follow=True).content.decode()  # once only


def test_forgotten_password_sends_a_link_only_to_a_known_address_and_once_per_quarter_hour(
        world, client, django_capture_on_commit_callbacks):
    world.operator.email = "edu-op@example.com"
    world.operator.save(update_fields=["email"])
    assert "忘记密码？" in client.get("/login/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        unknown = client.post("/password/reset/", {"email": "nobody@example.com"}, follow=True)
        known = client.post("/password/reset/", {"email": "EDU-OP@example.com"}, follow=True)
        client.post("/password/reset/", {"email": "edu-op@example.com"})  # asked again at once
    def page(response) -> str:  # without the CSRF token, which differs per response
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())

    assert page(unknown) == page(known)  # the page does not tell who exists
    assert "重置链接已发送" in known.content.decode()
    [letter] = mail.outbox
    assert letter.to == ["edu-op@example.com"] and letter.subject == "【政务公开主题日】重置密码"
    form = client.get(link_in(letter), follow=True)
    client.post(form.redirect_chain[-1][0], {"new_password1": "Kaifu-2023-new", "new_password2": "Kaifu-2023-new"})
    assert client.post("/login/", {"username": "edu-op", "password": "Kaifu-2023-new"}).status_code == 302  # logged in
