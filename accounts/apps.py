from axes import apps as axes_apps
from django.apps import AppConfig
from django_otp.plugins.otp_totp import apps as totp_apps


class AccountsConfig(AppConfig):
    """Who may log in and how: lockout, second factor, API tokens, passwords, login audit."""

    name = "accounts"
    verbose_name = "账号与登录安全"

    def ready(self):
        from accounts import events  # noqa: F401  (connects the login audit receivers)


class LockoutConfig(axes_apps.AppConfig):
    """django-axes under its Chinese name in the admin."""

    verbose_name = "登录失败与锁定"


class TotpConfig(totp_apps.DefaultConfig):
    """django-otp's TOTP devices under their Chinese name in the admin."""

    verbose_name = "动态验证码设备"
