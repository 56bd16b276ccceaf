from django.apps import AppConfig


class UnitsConfig(AppConfig):
    name = "units"
    verbose_name = "单位与人员"
