from django.core.management.base import BaseCommand, CommandError

from workflow.audit import verify


class Command(BaseCommand):
    help = "校验审计日志哈希链：输出 OK 与事件数，或第一条哈希/链接不符的事件（非零退出）。"

    def handle(self, *args, **options):
        result = verify()
        if not result.ok:
            raise CommandError(result.message)
        self.stdout.write(self.style.SUCCESS(result.message))
