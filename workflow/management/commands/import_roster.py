"""`manage.py import_roster FILE [--by USERNAME]`: the admin upload's service, from a shell."""
from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from workflow.errors import PermissionRefused, RuleViolation
from workflow.roster import roster_import


class Command(BaseCommand):
    help = (
        "导入单位与人员名单（XLSX或CSV，列：单位代码、单位名称、类型、姓名、电话、邮箱、角色）。"
        "任何一行有误则整个文件都不导入。"
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="花名册文件（.xlsx 或 .csv）")
        parser.add_argument(
            "--by", default=None,
            help="以哪个管理员的名义导入（审计日志记录此人）；省略时使用第一个超级用户。",
        )

    def handle(self, *args, file: str, by: str | None, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"找不到文件：{file}")
        User = get_user_model()
        if by:
            actor = User.objects.filter(username=by).first()
            if actor is None:
                raise CommandError(f"找不到用户“{by}”。")
        else:
            actor = User.objects.filter(is_superuser=True, is_active=True).order_by("pk").first()
            if actor is None:
                raise CommandError("系统中没有超级用户：请先运行 createsuperuser，或用 --by 指定管理员。")
        try:
            with path.open("rb") as handle:
                result = roster_import(file=handle, filename=path.name, by=actor)
        except RuleViolation as exc:
            lines = "\n".join(f"  {p.message}" for p in exc.problems)
            raise CommandError(f"花名册有误，未导入任何数据：\n{lines}") from None
        except PermissionRefused as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(self.style.SUCCESS(result.summary()))
        if result.new_logins:
            self.stdout.write("新建账号（未设置密码，请通过“忘记密码”或在管理后台设置）：")
            for username in result.new_logins:
                self.stdout.write(f"  {username}")
