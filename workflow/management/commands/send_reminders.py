"""`manage.py send_reminders [--date 2023-03-27]`: the daily reminders now (what `celery -A config beat`
runs every morning), for a machine without the scheduler or to catch up a day."""
from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from workflow.reminders import send_reminders

KINDS = {"declare": "催报", "task": "催办", "hold": "举办提醒", "summary": "总结提醒"}


class Command(BaseCommand):
    help = "发送今天到期的催报、催办、举办与总结提醒（每条提醒只发送一次）。"

    def add_arguments(self, parser):
        parser.add_argument("--date", help="按这一天计算（YYYY-MM-DD），默认今天")

    def handle(self, *args, date: str | None = None, **options):
        try:
            today = dt.date.fromisoformat(date) if date else None
        except ValueError:
            raise CommandError(f"日期“{date}”格式不正确，应为 YYYY-MM-DD。") from None
        sent = send_reminders(today=today)
        self.stdout.write("已发送：" + "，".join(f"{KINDS[k]} {n} 条" for k, n in sent.items()) if sent else "没有到期的提醒。")
