from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from workflow.trail.anchors import AnchorFileError, load
from workflow.trail.verify import verify


class Command(BaseCommand):
    help = ("校验审计日志哈希链与检查点签名：输出 OK 与事件数，或第一条哈希/链接/签名不符之处（非零退出）。"
            "--anchors 文件：同时核对此前从 /gongkai/audit-anchors.json 保存的锚点。")

    def add_arguments(self, parser):
        parser.add_argument("--workers", type=int, default=None,
                            help="并行校验的进程数（PostgreSQL，20万条事件起；默认 AUDIT_VERIFY_WORKERS）")
        parser.add_argument("--anchors", metavar="FILE", default=None,
                            help="此前保存的审计锚点 JSON 文件（政务公开主题日专栏 /gongkai/audit-anchors.json）")

    def handle(self, *args, workers=None, anchors=None, **options):
        saved = None
        if anchors:
            try:
                saved = load(Path(anchors).read_text(encoding="utf-8"))
            except OSError as error:
                raise CommandError(f"无法读取锚点文件 {anchors}：{error.strerror or error}") from None
            except AnchorFileError as error:
                raise CommandError(str(error)) from None
        result = verify(workers=workers, anchors=saved)
        if not result.ok:
            raise CommandError(result.message)
        self.stdout.write(self.style.SUCCESS(result.message))
