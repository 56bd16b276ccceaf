from django.apps import AppConfig


class WorkflowConfig(AppConfig):
    name = "workflow"
    verbose_name = "申报与流程"

    def ready(self):
        from workflow import data_version

        data_version.install()  # every write changes the version the signed-in pages are kept for
