from django.apps import AppConfig


class BareConfig(AppConfig):
    name = "bench.bare"
    label = "bare"
    verbose_name = "bare stack baseline"
