# The Celery application is loaded with Django, so `@shared_task` jobs use its settings.
from config.celery import app as celery_app

__all__ = ("celery_app",)
