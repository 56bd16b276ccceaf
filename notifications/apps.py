from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = "消息与提醒"
    default_auto_field = "django.db.models.BigAutoField"
