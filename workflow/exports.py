"""Official documents read by real programs: the 活动计划安排表 (XLSX) and each 申报表 (DOCX).

Who may read a published schedule: office roles and every unit's people (it is a public
document of the district); anybody else gets 404, like an unknown programme code. A
declaration's 申报表 is readable by whoever may see the declaration (`selectors`). Every
export writes one `export` event on the global audit chain, with the unit and programme,
so the caller must run it inside a transaction. The pages and the API serve the same files.
"""
from __future__ import annotations

import io
from typing import TYPE_CHECKING

from django.template.loader import render_to_string
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from policies.models import Programme
from workflow import audit
from workflow.errors import NotFound
from workflow.models import Declaration, ScheduleVersion
from workflow.permissions import is_office
from workflow.selectors import units_of

if TYPE_CHECKING:
    from django.contrib.auth.models import User

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF = "application/pdf"
COLUMNS = ("序号", "单位", "活动主题", "活动时间（月份）", "活动形式", "活动简介", "联系人", "联系电话")
# The public column's copy (政务公开主题日专栏): no person's name, no phone number.
PUBLIC_COLUMNS = ("序号", "单位", "活动主题", "活动时间（月份）", "活动形式", "重点主题", "活动简介")
# Character widths that print on one landscape A4 page (fit to width) without cutting a column.
WIDTHS = {"序号": 6, "单位": 22, "活动主题": 28, "活动时间（月份）": 10, "活动形式": 11, "重点主题": 14, "活动简介": 46,
          "联系人": 9, "联系电话": 15}
CENTRED = {"序号", "活动时间（月份）", "活动形式", "重点主题", "联系人"}
FORM_COLUMNS = ("序号", "活动主题", "活动时间（月份）", "活动形式", "活动简介")  # the notice's 附表
FORM_WIDTHS_CM = (1.5, 6.0, 3.0, 3.0, 12.0)
BODY_FONT = "仿宋_GB2312"
TITLE_FONT = "方正小标宋简体"


def may_read_schedule(user: User) -> bool:
    return bool(user and user.is_authenticated and user.is_active) and (is_office(user) or units_of(user).exists())


def published_version(user: User, code: str, number: int | None = None) -> ScheduleVersion:
    """A published version (the latest when `number` is None) with its title and rows.

    NotFound for an unknown programme or version, and for anybody who may not read it.
    """
    missing = NotFound("未找到该实施方案已发布的活动计划安排表，或您无权查看。")
    if not may_read_schedule(user):
        raise missing
    versions = ScheduleVersion.objects.select_related("programme", "published_by").filter(programme__code=code)
    if number is not None:
        versions = versions.filter(number=number)
    version = versions.order_by("-number").first()
    if version is None:
        raise missing
    version.title = schedule_title(version.programme)
    version.rows = rows(version)
    return version


def _renamed(programme: Programme, document: str) -> str:
    """The programme's name with 活动实施方案 replaced by the document's name."""
    if "活动实施方案" in programme.name:
        return programme.name.replace("活动实施方案", document)
    return f"{programme.name}{document}"


def schedule_title(programme: Programme) -> str:
    return _renamed(programme, "活动计划安排表")


def declaration_form_title(programme: Programme) -> str:
    return _renamed(programme, "活动主题申报表")


def rows(version: ScheduleVersion) -> list[dict]:
    """The version's rows as stored when it was published (`workflow.schedule_versions`)."""
    return [dict(row) for row in version.rows or []]


def schedule_filename(version: ScheduleVersion) -> str:
    return f"{version.programme.code}-schedule-v{version.number}.xlsx"


def declaration_filename(declaration: Declaration, extension: str = "docx") -> str:
    return f"{declaration.programme.code}-{declaration.unit.code}-declaration.{extension}"


def printable(value) -> str:
    """Text a cell or a paragraph can hold: control characters (which XML refuses) removed."""
    return ILLEGAL_CHARACTERS_RE.sub("", str(value or ""))


# ------------------------------------------------------------------ the schedule (XLSX)

def export_xlsx(version: ScheduleVersion, *, by: User) -> bytes:
    """The official spreadsheet of `version` (with `.title` and `.rows`); records the export.
    Call inside a transaction."""
    content = schedule_workbook(title=version.title, number=version.number, rows=version.rows)
    audit.record(
        action="export", actor=by, programme=version.programme,
        changed={"file": "schedule.xlsx", "version": version.number, "rows": len(version.rows)},
    )
    return content


def schedule_workbook(*, title: str, number: int, rows: list[dict], columns: tuple[str, ...] = COLUMNS) -> bytes:
    """The 活动计划安排表 as an XLSX file: `rows` (stored version rows) under `columns`.

    Row 1 is the title, row 2 the columns; both repeat on every printed page, which is
    landscape A4 fitted to one page wide. The public column passes `PUBLIC_COLUMNS` (no
    contact person, no phone number).
    """
    book = Workbook()
    sheet = book.active
    sheet.title = "活动计划安排表"
    thin = Side(style="thin")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    wrap = Alignment(wrap_text=True, vertical="center")
    centred = Alignment(wrap_text=True, vertical="center", horizontal="center")

    sheet.append([title])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(columns))
    sheet["A1"].font = Font(name=TITLE_FONT, bold=True, size=16)
    sheet["A1"].alignment = Alignment(horizontal="center", vertical="center")
    sheet.row_dimensions[1].height = 36
    sheet.append(list(columns))
    for cell in sheet[2]:
        cell.font, cell.alignment, cell.border = Font(name="黑体", bold=True, size=11), centred, border
    for row in rows:
        theme = row["theme"] if row["state"] != "cancelled" else f"{row['theme']}（已取消）"
        values = {
            "序号": row["number"], "单位": row["unit_name"], "活动主题": theme, "活动时间（月份）": f"{row['month']}月",
            "活动形式": row["form_label"], "重点主题": row.get("focus_label", ""), "活动简介": row["description"],
            "联系人": row["contact_name"], "联系电话": row["contact_phone"],
        }
        sheet.append([values[column] if column == "序号" else printable(values[column]) for column in columns])
        for column, cell in zip(columns, sheet[sheet.max_row], strict=True):
            if column != "序号":
                cell.data_type = "s"  # text typed by units is never a formula (=HYPERLINK(…) stays text)
            cell.font, cell.border = Font(name=BODY_FONT, size=11), border
            cell.alignment = centred if column in CENTRED else wrap
    for index, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = WIDTHS[column]

    sheet.freeze_panes = "A3"
    sheet.print_title_rows = "1:2"
    setup = sheet.page_setup
    setup.orientation, setup.paperSize = "landscape", sheet.PAPERSIZE_A4
    setup.fitToWidth, setup.fitToHeight = 1, 0  # one page wide, as many pages tall as needed
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_options.horizontalCentered = True
    sheet.page_margins.left = sheet.page_margins.right = 0.4
    sheet.oddFooter.center.text = "第 &P 页，共 &N 页"
    sheet.oddHeader.right.text = f"第{number}版"

    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# ------------------------------------------------------------------ one 申报表 (DOCX)

def _font(run, name: str, size: float, *, bold: bool = False) -> None:
    run.font.name, run.font.size, run.font.bold = name, Pt(size), bold
    run.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), name)  # CJK text uses it too


def form_content(declaration: Declaration) -> dict:
    """What the 申报表 says, the same in the DOCX and the PDF: the title, the header line's
    labels and values, and the table's one row (in FORM_COLUMNS' order), typed text made printable."""
    programme = declaration.programme
    return {
        "title": declaration_form_title(programme),
        "header": [("填报单位（公章）：", printable(declaration.unit.name)), ("联系人：", printable(declaration.contact_name)),
                   ("联系电话：", printable(declaration.contact_phone))],
        "columns": FORM_COLUMNS,
        "row": ["1", printable(declaration.theme), f"{declaration.month}月" if declaration.month else "",
                printable(programme.label("forms", declaration.form)) if declaration.form else "", printable(declaration.description)],
    }


def export_docx(declaration: Declaration, *, by: User) -> bytes:
    """The declaration's 申报表 as the notice's 附表 lays it out; records the export.

    附表 · title · 填报单位（公章）/联系人/联系电话 · a table with 序号, 活动主题,
    活动时间（月份）, 活动形式, 活动简介. The caller already may see the declaration.
    Call inside a transaction.
    """
    programme = declaration.programme
    document = Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Cm(29.7), Cm(21.0)
    for side in ("left_margin", "right_margin"):
        setattr(section, side, Cm(2.0))

    content = form_content(declaration)
    _font(document.add_paragraph().add_run("附表"), "黑体", 14)
    title = document.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _font(title.add_run(content["title"]), TITLE_FONT, 18, bold=True)
    header = document.add_paragraph()
    for label, value in content["header"]:
        _font(header.add_run(label), BODY_FONT, 14)
        _font(header.add_run(value + "    "), BODY_FONT, 14)

    table = document.add_table(rows=2, cols=len(FORM_COLUMNS))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for index, (column, value, width) in enumerate(zip(FORM_COLUMNS, content["row"], FORM_WIDTHS_CM, strict=True)):
        for row, text, bold in ((0, column, True), (1, value, False)):
            cell = table.cell(row, index)
            cell.width = Cm(width)
            paragraph = cell.paragraphs[0]
            if index != 4 or row == 0:
                paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            _font(paragraph.add_run(text), BODY_FONT, 12, bold=bold)

    buffer = io.BytesIO()
    document.save(buffer)
    audit.record(
        action="export", actor=by, unit=declaration.unit, programme=programme,
        changed={"file": "declaration.docx", "declaration": declaration.pk},
    )
    return buffer.getvalue()


# ------------------------------------------------------------------ one 申报表 (PDF)

def export_pdf(declaration: Declaration, *, by: User) -> bytes:
    """The same 申报表 as `export_docx` (`form_content`), laid out like the notice's 附表 on a
    landscape A4 page and drawn by WeasyPrint with the system's CJK fonts; records the export.
    The caller already may see the declaration. Call inside a transaction.
    """
    from weasyprint import HTML  # loads Pango: only when a PDF is asked for

    html = render_to_string("workflow/declaration_form_pdf.html", {
        **form_content(declaration), "widths": FORM_WIDTHS_CM, "declaration": declaration,
    })
    content = HTML(string=html).write_pdf()
    audit.record(
        action="export", actor=by, unit=declaration.unit, programme=declaration.programme,
        changed={"file": "declaration.pdf", "declaration": declaration.pk},
    )
    return content
