from django.apps import AppConfig


class PublicConfig(AppConfig):
    """政务公开主题日专栏: what the public sees under /gongkai/, without logging in (issue 19)."""

    name = "gongkai"
    verbose_name = "政务公开主题日专栏"
