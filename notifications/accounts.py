"""Account mail: the roster's welcome message and 忘记密码, both through the outbox (retried,
visible when failing), with the link to set a password made when the mail is sent."""
from __future__ import annotations

import time
from collections.abc import Iterable

from django.contrib.auth import forms as auth_forms
from django.contrib.auth import get_user_model
from django.db import transaction

from notifications.models import PASSWORD_LINK, Kind, Profile
from notifications.outbox import MOBILE, Note, write

RESET_WINDOW_SECONDS = 15 * 60  # one reset mail per person in such a window, however often asked


def welcome(users: Iterable) -> None:
    """People just imported with the roster: a welcome message with a link to set their password
    (by e-mail, and SMS where they have a mobile number). Inside the import's transaction."""
    write([
        Note(user.pk, Kind.ACCOUNT, f"welcome:{user.pk}", "欢迎使用政务公开主题日工作流程系统",
             f"您的账号已开通，登录名：{user.username}。请通过邮件中的链接设置密码后登录。",
             url=PASSWORD_LINK, required=True)
        for user in users
    ])


def mobiles_save(mobiles: dict[int, str]) -> None:
    """Keep the mobile numbers among `mobiles` (person id → phone from the roster) for SMS; a
    landline is not kept. One statement."""
    rows = [Profile(user_id=pk, mobile=phone) for pk, phone in mobiles.items() if MOBILE.fullmatch(phone or "")]
    if rows:
        Profile.objects.bulk_create(rows, update_conflicts=True, unique_fields=["user"], update_fields=["mobile"])


class PasswordResetForm(auth_forms.PasswordResetForm):
    """忘记密码: the link goes out through the outbox like every other mail. Also for people who
    have never set a password (imported with the roster), which Django's form leaves out. The page
    answers the same whether or not the address is known."""

    def get_users(self, email):
        return get_user_model()._default_manager.filter(email__iexact=email, is_active=True)

    def save(self, **kwargs) -> None:
        window = int(time.time() // RESET_WINDOW_SECONDS)
        with transaction.atomic():
            write([
                Note(user.pk, Kind.ACCOUNT, f"reset:{user.pk}:{window}", "重置密码",
                     f"有人（希望是您本人）申请重置登录名“{user.username}”的密码。请通过邮件中的链接设置新密码；"
                     "如果不是您本人操作，请忽略。", url=PASSWORD_LINK, required=True)
                for user in self.get_users(self.cleaned_data["email"])
            ])
