from django.apps import AppConfig


class OpsConfig(AppConfig):
    """Running the product: health and readiness, error pages."""

    name = "ops"
    verbose_name = "运行"
