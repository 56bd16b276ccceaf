"""The published 活动计划安排表: who may read it, its rows, and its official spreadsheet.

Office roles and every unit's people see the latest published version (it is a public
document of the district); anybody else gets 404, like an unknown programme code. The
rows are read in one query from the version's snapshot; the spreadsheet uses the
official columns and writes one `export` event on the global audit chain.
"""
from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font

from policies.models import Programme
from workflow import audit
from workflow.errors import NotFound
from workflow.models import Declaration, ScheduleVersion
from workflow.permissions import is_office
from workflow.selectors import units_of

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
COLUMNS = ("序号", "单位", "活动主题", "活动时间（月份）", "活动形式", "活动简介", "联系人", "联系电话")
WIDTHS = (6, 24, 30, 14, 12, 50, 10, 16)


def may_read_schedule(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active) and (is_office(user) or units_of(user).exists())


def latest_for(user, code: str) -> ScheduleVersion:
    """The latest published version with its rows, or NotFound (also when `user` may not read it)."""
    missing = NotFound("未找到该实施方案已发布的活动计划安排表，或您无权查看。")
    if not may_read_schedule(user):
        raise missing
    version = (
        ScheduleVersion.objects.select_related("programme", "published_by")
        .filter(programme__code=code).order_by("-number").first()
    )
    if version is None:
        raise missing
    version.title = schedule_title(version.programme)
    version.rows = rows(version)
    return version


def schedule_title(programme: Programme) -> str:
    if "活动实施方案" in programme.name:
        return programme.name.replace("活动实施方案", "活动计划安排表")
    return f"{programme.name}活动计划安排表"


def rows(version: ScheduleVersion) -> list[dict]:
    entries = version.entries or []
    declarations = Declaration.objects.select_related("unit").in_bulk([e["declaration"] for e in entries])
    programme = version.programme
    result = []
    for entry in entries:
        d = declarations.get(entry["declaration"])
        if d is None:
            continue
        result.append({
            "number": len(result) + 1, "declaration": d.pk, "unit": d.unit.code, "unit_name": d.unit.name,
            "theme": d.theme, "month": entry["month"], "form": d.form, "form_label": programme.label("forms", d.form),
            "description": d.description, "contact_name": d.contact_name, "contact_phone": d.contact_phone,
            "state": d.state,
        })
    return result


def cell_text(value) -> str:
    """Text a spreadsheet cell can hold: control characters (which openpyxl refuses) removed."""
    return ILLEGAL_CHARACTERS_RE.sub("", str(value or ""))


def export_xlsx(version: ScheduleVersion, *, by) -> bytes:
    """The spreadsheet of `version` (with `.rows`); records the export. Call inside a transaction."""
    book = Workbook()
    sheet = book.active
    sheet.title = "活动计划安排表"
    sheet.append([version.title])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(COLUMNS))
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A1"].alignment = Alignment(horizontal="center")
    sheet.append(list(COLUMNS))
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for row in version.rows:
        theme = row["theme"] if row["state"] != "cancelled" else f"{row['theme']}（已取消）"
        sheet.append([row["number"], *(cell_text(v) for v in (
            row["unit_name"], theme, f"{row['month']}月", row["form_label"],
            row["description"], row["contact_name"], row["contact_phone"],
        ))])
        for cell in sheet[sheet.max_row][1:]:
            cell.data_type = "s"  # text typed by units is never a formula (=HYPERLINK(…) stays text)
    for index, width in enumerate(WIDTHS):
        sheet.column_dimensions[chr(ord("A") + index)].width = width
    buffer = io.BytesIO()
    book.save(buffer)
    audit.record(
        action="export", actor=by, programme=version.programme,
        changed={"file": "schedule.xlsx", "version": version.number, "rows": len(version.rows)},
    )
    return buffer.getvalue()
