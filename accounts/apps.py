from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """Who may log in and how: lockout, second factor, API tokens, passwords, login audit."""

    name = "accounts"
    verbose_name = "账号与登录安全"

    def ready(self):
        from accounts import events  # noqa: F401  (connects the login audit receivers)
