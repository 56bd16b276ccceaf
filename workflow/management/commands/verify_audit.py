from django.core.management.base import BaseCommand, CommandError

from workflow.trail.verify import verify


class Command(BaseCommand):
    help = "校验审计日志哈希链：输出 OK 与事件数，或第一条哈希/链接不符的事件（非零退出）。"

    def add_arguments(self, parser):
        parser.add_argument("--workers", type=int, default=None,
                            help="并行校验的进程数（PostgreSQL，20万条事件起；默认 AUDIT_VERIFY_WORKERS）")

    def handle(self, *args, workers=None, **options):
        result = verify(workers=workers)
        if not result.ok:
            raise CommandError(result.message)
        self.stdout.write(self.style.SUCCESS(result.message))
