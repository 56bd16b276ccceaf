"""`manage.py assess kaifu-2023` prints the scoreboard; `--json FILE` (or `-`) exports it.

Printing only reads. An export (`--json`) is recorded on the global audit chain
(action "export") with the scoreboard's digest, in the same transaction as the write.
"""
from __future__ import annotations

import json
import unicodedata
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from policies.models import Programme
from workflow import audit
from workflow.assessment import Scoreboard, assess_programme


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int, *, right: bool = False) -> str:
    gap = " " * (width - _width(text))
    return gap + text if right else text + gap


def _num(value: Decimal) -> str:
    return format(value.normalize(), "f") if value else "0"


def render_table(board: Scoreboard) -> str:
    """The scoreboard as a plain-text table, Chinese headers, one line per unit."""
    header = ["排名", "单位", "状态", "总分", *(f"{i.label}({_num(i.weight)})" for i in board.indicators)]
    lines = [
        [str(row.rank), row.unit_name, row.state_label, _num(row.total), *(_num(s.points) for s in row.indicators)]
        for row in board.units
    ]
    widths = [max(_width(cells[c]) for cells in [header, *lines]) for c in range(len(header))]
    numeric = {0, *range(3, len(header))}

    def fmt(cells: list[str]) -> str:
        return "  ".join(_pad(cell, widths[c], right=c in numeric and cells is not header) for c, cell in enumerate(cells)).rstrip()

    out = [f"{board.programme_name}（{board.programme_code}）考核得分，满分{_num(board.max_total)}分，共{len(board.units)}个单位", ""]
    out += [fmt(header), "  ".join("-" * w for w in widths), *(fmt(cells) for cells in lines)]
    out += [f"注意：{problem}" for problem in board.problems]
    return "\n".join(out)


class Command(BaseCommand):
    help = "计算并打印实施方案的考核得分表；--json FILE（或 - 表示标准输出）导出含各指标得分与依据审计事件的 JSON。"

    def add_arguments(self, parser):
        parser.add_argument("programme", help="实施方案代码，如 kaifu-2023")
        parser.add_argument("--json", dest="json_path", metavar="FILE", help="导出 JSON 到文件；“-”表示输出到标准输出")
        parser.add_argument("--by", metavar="USERNAME", help="导出人（记入审计日志），默认为系统")

    def handle(self, *args, programme: str, json_path: str | None = None, by: str | None = None, **options):
        try:
            found = Programme.objects.get(code=programme)
        except Programme.DoesNotExist:
            codes = "、".join(Programme.objects.order_by("code").values_list("code", flat=True)) or "无"
            raise CommandError(f"未找到实施方案“{programme}”。可用的方案代码：{codes}。") from None
        actor = None
        if by:
            actor = get_user_model().objects.filter(username=by, is_active=True).first()
            if actor is None:
                raise CommandError(f"未找到用户“{by}”。")
        board = assess_programme(found)
        if json_path is None:
            self.stdout.write(render_table(board))
            return
        data = board.as_dict()
        text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
        with transaction.atomic():  # the export and its audit event: both or neither
            audit.record(
                action="export", actor=actor, programme=found,
                changed={
                    "what": "assessment", "format": "json", "target": "stdout" if json_path == "-" else json_path,
                    "units": len(board.units), "digest": board.digest(),
                },
            )
            if json_path == "-":
                self.stdout.write(text, ending="")
            else:
                try:
                    with open(json_path, "w", encoding="utf-8") as handle:
                        handle.write(text)
                except OSError as error:
                    raise CommandError(f"无法写入“{json_path}”：{error.strerror or error}") from None
        if json_path != "-":
            self.stdout.write(render_table(board))
            self.stdout.write(self.style.SUCCESS(f"已导出到 {json_path}（{len(board.units)}个单位）。"))
