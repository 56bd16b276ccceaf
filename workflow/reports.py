"""Exports for assessors and the office: the audit search as CSV and XLSX, and the
district report (区级报告) for the city as XLSX.

Each export writes one `export` event on the global audit chain, like the schedule
spreadsheet (`workflow.exports.export_xlsx`): call these inside a transaction so the
file and its event go together. Who may export is the caller's check (the pages);
these functions only read what they are handed.

Spreadsheet cells typed by people are always text, never formulas (`=HYPERLINK(…)` stays
text); in the CSV such cells get a leading apostrophe, which Excel shows as text too.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from django.db.models import Count, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from policies.models import Programme
from policies.rules import SHANGHAI
from workflow import audit
from workflow.actions import EVENT_LABELS
from workflow.assessment import Scoreboard, assess_programme
from workflow.errors import RuleViolation
from workflow.exports import printable
from workflow.models import AuditEvent, Declaration, State, state_label

if TYPE_CHECKING:
    from django.contrib.auth.models import User

AUDIT_COLUMNS = (
    "事件编号", "时间（北京时间）", "单位", "申报编号", "操作", "操作人", "原状态", "新状态", "理由", "变更项目",
    "变更内容（JSON）", "请求编号", "哈希",
)
AUDIT_WIDTHS = (10, 20, 24, 10, 14, 20, 10, 10, 30, 30, 50, 20, 66)
# One export holds at most this many events; more must be narrowed by the filters first.
EXPORT_LIMIT = 100_000
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


# ------------------------------------------------------------------ the audit search


# What an audit event's `changed` may name besides the declaration's own fields (whose labels are
# the model's verbose names): extensions, exports, roles, imports, evidence, tasks, the release.
_CHANGED_LABELS = {
    "until": "延期至", "new": "首次批准", "file": "导出文件", "version": "版本", "rows": "行数", "filters": "筛选条件",
    "declaration": "申报编号", "digest": "摘要", "what": "导出内容", "format": "格式", "target": "导出位置",
    "units": "单位数", "user": "人员", "role": "角色", "unit": "单位", "filename": "文件名", "evidence": "举办证据",
    "step": "任务", "task": "任务编号", "owner": "办理人", "results_released_at": "考核结果发布时间", "totals": "各单位总分",
    "units_created": "新建单位数", "units_updated": "更新单位数", "users_created": "新建人员数", "users_updated": "更新人员数",
    "roles_granted": "授予角色数", "roles_unchanged": "未变角色数", "exemplary": "典型经验",
    "on_behalf_of": "代理办理", "person": "人员", "substitute": "代理人", "starts": "开始日期", "ends": "结束日期",
    "comment": "意见编号", "body": "意见内容",
}
_FIELD_LABELS = {field.name: str(field.verbose_name) for field in Declaration._meta.fields}
_FIELD_ORDER = {name: position for position, name in enumerate(_FIELD_LABELS)}


def changed_labels(changed: dict | None) -> list[str]:
    """The Chinese names of what an audit event changed: the declaration's fields by their labels,
    in the order of the 申报表 (PostgreSQL stores JSON keys in an order of its own), then the rest."""
    names = sorted(changed or {}, key=lambda name: _FIELD_ORDER.get(name, len(_FIELD_ORDER)))
    return [_FIELD_LABELS.get(name) or _CHANGED_LABELS.get(name, name) for name in names]


def _actor(event: AuditEvent) -> str:
    if event.actor is None:
        return "系统"
    name = event.actor.get_full_name() or event.actor.first_name
    return f"{name}（{event.actor.username}）" if name else event.actor.username


def audit_rows(events: QuerySet[AuditEvent]) -> Iterator[list]:
    """One row per event, in the columns of AUDIT_COLUMNS (events carry actor and unit joined)."""
    for event in events.select_related("actor", "unit").iterator(chunk_size=2000):
        yield [
            event.pk, beijing_time(event.created_at),
            event.unit.name if event.unit else "", event.declaration_id or "",
            EVENT_LABELS.get(event.action, event.action), _actor(event),
            state_label(event.from_state), state_label(event.to_state), event.reason, "、".join(changed_labels(event.changed)),
            audit.canonical_json(event.changed) if event.changed else "", event.request_id, event.hash,
        ]


def beijing_time(value) -> str:
    """A moment as Beijing time reads it (the audit trail stores UTC)."""
    return timezone.localtime(value, SHANGHAI).strftime("%Y-%m-%d %H:%M:%S")


def _checked(events: QuerySet[AuditEvent]) -> QuerySet[AuditEvent]:
    found = events.count()
    if found > EXPORT_LIMIT:
        raise RuleViolation.single(
            "", f"符合条件的审计事件有{found}条，超过单次导出上限{EXPORT_LIMIT}条，请按单位、日期等缩小范围后再导出。", "export_too_large",
        )
    return events


def _record(*, by: User, file: str, rows: int, programme: Programme | None = None, **details) -> None:
    audit.record(action="export", actor=by, programme=programme, changed={"file": file, "rows": rows, **details})


def _csv_cell(value):
    return f"'{value}" if isinstance(value, str) and value.startswith(FORMULA_START) else value


def audit_csv(events: QuerySet[AuditEvent], *, by: User, filters: dict) -> bytes:
    """The events as CSV, UTF-8 with a BOM (so Excel reads the Chinese); records the export."""
    events = _checked(events)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(AUDIT_COLUMNS)
    rows = 0
    for row in audit_rows(events):
        writer.writerow([_csv_cell(value) for value in row])
        rows += 1
    _record(by=by, file="audit.csv", rows=rows, filters=filters)
    return buffer.getvalue().encode("utf-8-sig")


def _cells(sheet, values: Sequence, *, bold: bool = False) -> list[WriteOnlyCell]:
    """A write-only row: text stays text (never a formula), numbers stay numbers."""
    cells = []
    for value in values:
        cell = WriteOnlyCell(sheet, value=printable(value) if isinstance(value, str) else value)
        if isinstance(value, str):
            cell.data_type = "s"
        if bold:
            cell.font = Font(bold=True)
        cells.append(cell)
    return cells


def _sheet(book: Workbook, title: str, widths: Sequence[int]):
    sheet = book.create_sheet(title)
    for index, width in enumerate(widths):
        sheet.column_dimensions[get_column_letter(index + 1)].width = width
    return sheet


def _save(book: Workbook) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def audit_xlsx(events: QuerySet[AuditEvent], *, by: User, filters: dict) -> bytes:
    """The events as a spreadsheet (sheet 审计日志, header in row 1); records the export."""
    events = _checked(events)  # before the write-only workbook opens its temporary files
    book = Workbook(write_only=True)
    sheet = _sheet(book, "审计日志", AUDIT_WIDTHS)
    sheet.append(_cells(sheet, AUDIT_COLUMNS, bold=True))
    rows = 0
    for row in audit_rows(events):
        sheet.append(_cells(sheet, row))
        rows += 1
    content = _save(book)
    _record(by=by, file="audit.xlsx", rows=rows, filters=filters)
    return content


# ------------------------------------------------------------------ the declaration list

DECLARATION_COLUMNS = ("序号", "单位", "活动主题", "活动时间（月份）", "活动形式", "重点主题", "活动简介", "状态",
                       "联系人", "联系电话", "首次报送时间")
DECLARATION_WIDTHS = (6, 24, 28, 10, 11, 16, 46, 9, 9, 15, 18)


def declaration_rows(declarations: QuerySet[Declaration], programme: Programme | None) -> Iterator[list]:
    """One row per declaration, in the columns of DECLARATION_COLUMNS; the month is the one the
    activity stands at (the scheduled one once scheduled), as the list shows it."""
    for number, d in enumerate(declarations.iterator(chunk_size=2000), start=1):
        labels = programme or d.programme
        month = d.scheduled_month or d.month
        yield [
            number, d.unit.name, d.theme, f"{month}月" if month else "",
            labels.label("forms", d.form) if d.form else "", labels.label("focus_topics", d.focus_topic) if d.focus_topic else "",
            d.description, state_label(d.state), d.contact_name, d.contact_phone,
            timezone.localtime(d.first_submitted_at).strftime("%Y-%m-%d %H:%M") if d.first_submitted_at else "",
        ]


def declarations_xlsx(declarations: QuerySet[Declaration], *, by: User, programme: Programme | None, filters: dict,
                      filter_labels: list[str]) -> bytes:
    """The filtered declaration list as a spreadsheet (sheet 申报列表, header in row 1; sheet 说明:
    the programme, the filters and the time); records the export with its filters and row count."""
    book = Workbook(write_only=True)
    sheet = _sheet(book, "申报列表", DECLARATION_WIDTHS)
    sheet.append(_cells(sheet, DECLARATION_COLUMNS, bold=True))
    rows = 0
    for row in declaration_rows(declarations, programme):
        sheet.append(_cells(sheet, row))
        rows += 1
    notes = _sheet(book, "说明", (14, 60))
    for label, value in (
        ("实施方案", programme.name if programme else "全部"), ("筛选条件", "；".join(filter_labels) or "无（全部可查看的申报）"),
        ("申报数", rows), ("导出时间", timezone.localtime().strftime("%Y-%m-%d %H:%M")),
    ):
        notes.append(_cells(notes, [label, value]))
    content = _save(book)
    _record(by=by, file="declarations.xlsx", rows=rows, programme=programme, filters=filters)
    return content


# ------------------------------------------------------------------ the district report


def _num(value):
    return int(value) if value == value.to_integral_value() else float(value)


def exemplary_declarations(programme: Programme) -> QuerySet[Declaration]:
    """The declarations the office marked as typical experience (典型经验), by unit code."""
    return (
        Declaration.objects.filter(programme=programme, exemplary=True).exclude(state=State.CANCELLED)
        .select_related("unit").order_by("unit__code")
    )


def counts_by_form_and_month(programme: Programme) -> dict[tuple[str, int], int]:
    """{(form, month): declarations} over every declaration submitted at least once and not
    cancelled; the month is the scheduled one, else the declared one. One GROUP BY."""
    rows = (
        Declaration.objects.filter(programme=programme, first_submitted_at__isnull=False).exclude(state=State.CANCELLED)
        .annotate(when=Coalesce("scheduled_month", "month")).order_by().values("form", "when").annotate(n=Count("pk"))
    )
    return {(row["form"], row["when"]): row["n"] for row in rows}


def _scores_sheet(book: Workbook, board: Scoreboard) -> None:
    indicators = board.indicators
    sheet = _sheet(book, "考核得分", (6, 16, 26, 10, 8, *([12] * len(indicators))))
    sheet.append(_cells(sheet, [f"{board.programme_name}考核得分（满分{_num(board.max_total)}分）"], bold=True))
    header = ["排名", "单位代码", "单位", "状态", "总分", *(f"{i.label}（{_num(i.weight)}）" for i in indicators)]
    sheet.append(_cells(sheet, header, bold=True))
    for row in board.units:
        sheet.append(_cells(sheet, [
            row.rank, row.unit_code, row.unit_name, row.state_label, _num(row.total), *(_num(s.points) for s in row.indicators),
        ]))
    for problem in board.problems:
        sheet.append(_cells(sheet, [f"注意：{problem}"]))


def _breakdown_sheet(book: Workbook, board: Scoreboard) -> None:
    sheet = _sheet(book, "得分明细", (26, 24, 10, 10, 50, 24))
    sheet.append(_cells(sheet, ["单位", "指标", "满分", "得分", "计分依据", "依据的审计事件编号"], bold=True))
    for row in board.units:
        for item in row.indicators:
            sheet.append(_cells(sheet, [
                row.unit_name, item.label, _num(item.weight), _num(item.points), item.basis,
                "、".join(str(pk) for pk in item.event_ids),
            ]))


def _exemplary_sheet(book: Workbook, programme: Programme) -> int:
    sheet = _sheet(book, "典型经验", (26, 30, 12, 12, 40, 40, 40))
    sheet.append(_cells(sheet, ["单位", "活动主题", "活动形式", "举办日期", "做法", "成效", "经验"], bold=True))
    rows = 0
    for d in exemplary_declarations(programme):
        sheet.append(_cells(sheet, [
            d.unit.name, d.theme, programme.label("forms", d.form), f"{d.held_on:%Y-%m-%d}" if d.held_on else "",
            d.summary_practice, d.summary_effect, d.summary_experience,
        ]))
        rows += 1
    return rows


def _counts_sheet(book: Workbook, programme: Programme) -> None:
    counts = counts_by_form_and_month(programme)
    months = sorted(set(programme.window_months) | {month for _, month in counts if month is not None})
    forms = [f["code"] for f in programme.forms] + sorted({form for form, _ in counts} - {f["code"] for f in programme.forms})
    sheet = _sheet(book, "按形式和月份统计", (14, *([7] * len(months)), 8))
    sheet.append(_cells(sheet, ["活动形式", *(f"{m}月" for m in months), "合计"], bold=True))
    for form in forms:
        per_month = [counts.get((form, m), 0) for m in months]
        sheet.append(_cells(sheet, [programme.label("forms", form) if form else "未填", *per_month, sum(per_month)]))
    totals = [sum(counts.get((form, m), 0) for form in forms) for m in months]
    sheet.append(_cells(sheet, ["合计", *totals, sum(totals)], bold=True))


def district_report_xlsx(programme: Programme, *, by: User) -> bytes:
    """The district's report for the city: every unit's score and breakdown, the exemplary
    experiences, the counts by form and month. Records the export with the scores' digest."""
    board = assess_programme(programme)
    book = Workbook(write_only=True)
    _scores_sheet(book, board)
    _breakdown_sheet(book, board)
    exemplary = _exemplary_sheet(book, programme)
    _counts_sheet(book, programme)
    content = _save(book)
    _record(
        by=by, file="district-report.xlsx", rows=len(board.units), programme=programme,
        exemplary=exemplary, digest=board.digest(),
    )
    return content
