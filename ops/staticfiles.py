"""Which static files the product serves."""
from __future__ import annotations

from django.apps import apps
from django.contrib.staticfiles.finders import AppDirectoriesFinder

# viewflow's own frontend (Material fonts and scripts, 146 MB) serves none of our pages: the
# process chart is drawn on the server. Collecting it made every `collectstatic` take minutes.
NOT_SERVED = frozenset({"viewflow", "viewflow.workflow"})


class ServedAppsFinder(AppDirectoriesFinder):
    """Django's app-directories finder over every installed app but those in NOT_SERVED."""

    def __init__(self, app_names=None, *args, **kwargs):
        if app_names is None:
            app_names = [config.name for config in apps.get_app_configs() if config.name not in NOT_SERVED]
        super().__init__(app_names, *args, **kwargs)
