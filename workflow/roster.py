"""Loading the district's units and people from a spreadsheet (花名册导入).

One service, `roster_import`, used by `manage.py import_roster` and the admin upload.

The file is XLSX (first sheet) or CSV (UTF-8 with or without BOM, else GB18030, which
Excel on Chinese Windows writes). The first non-blank row is the header; columns may
come in any order, named in Chinese or English:

    单位代码 unit code · 单位名称 unit name · 类型 kind · 姓名 person ·
    电话 phone · 邮箱 email · 角色 role

Each further row is one person holding one role (several roles in one cell may be
separated by 、，,；;). A row with a unit and no person only creates or renames the unit.
Office roles (审核, 统筹, 考核/第三方评估, 系统管理员) need no unit; unit roles (填报人,
单位负责人) do.

Invariants:
- All or nothing. Every row is validated before anything is written; any problem raises
  `RuleViolation` whose messages start with the row number as the user sees it in Excel
  (the header is 第1行), and nothing from the file is saved. The writes run in one
  transaction, so a failure half-way (e.g. a concurrent edit) saves nothing either.
- Additive. The import creates and updates units and people and grants roles; it never
  revokes a role or deletes anything (revoke in the admin, which audits it).
- Every grant goes through `workflow.roles.role_grant` (one audit event each), and the
  import itself writes one `import_roster` event on the global chain.

Login names (documented for administrators): a person with an email logs in with the
email in lower case (an existing user with that email keeps their login name); a person
with only a phone logs in with `tel-` followed by the phone's digits. A mobile number is
also kept for SMS reminders (`notifications.Profile`). New people get an unusable password
and a welcome message with a link to set it (`notifications.accounts.welcome`: by e-mail,
and SMS to a mobile number); an administrator may also set one in the admin. A person's
name (`first_name`) and email follow the roster.
"""
from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email, validate_slug
from django.db import transaction
from openpyxl import load_workbook

from notifications import accounts
from policies import rules
from policies.rules import Problem
from units.models import Unit, UnitKind
from units.roles import UNIT_ROLES, Role
from workflow import audit
from workflow.errors import PermissionRefused, RuleViolation
from workflow.roles import may_manage_roles, role_grant

if TYPE_CHECKING:
    from django.contrib.auth.models import User

MAX_ROWS = 5000
MAX_BYTES = 5 * 1024 * 1024

COLUMNS: dict[str, tuple[str, ...]] = {
    "unit_code": ("单位代码", "单位编码", "代码", "unit code", "unit_code", "code"),
    "unit_name": ("单位名称", "单位", "unit name", "unit_name", "unit"),
    "kind": ("类型", "单位类型", "kind", "type", "unit kind"),
    "person": ("姓名", "人员", "人员姓名", "person", "name", "person name"),
    "phone": ("电话", "联系电话", "手机", "手机号", "phone", "telephone", "mobile"),
    "email": ("邮箱", "电子邮箱", "电子邮件", "email", "e-mail", "mail"),
    "role": ("角色", "role", "roles"),
}
REQUIRED_COLUMNS = ("unit_code", "unit_name", "kind", "person", "role")
COLUMN_LABELS = {
    "unit_code": "单位代码", "unit_name": "单位名称", "kind": "类型", "person": "姓名",
    "phone": "电话", "email": "邮箱", "role": "角色",
}

KINDS: dict[str, str] = {}
for _kind in UnitKind:
    KINDS[_kind.value] = _kind.value
    KINDS[_kind.label] = _kind.value
KINDS.update({"部门": UnitKind.DEPARTMENT, "区直单位": UnitKind.DEPARTMENT, "dept": UnitKind.DEPARTMENT})

ROLES: dict[str, str] = {}
for _role in Role:
    ROLES[_role.value] = _role.value
    ROLES[_role.label] = _role.value
    ROLES[_role.label.split("（")[0]] = _role.value  # 审核（区政务公开办） → 审核
    for _part in _role.label.split("/"):  # 考核/第三方评估 → 考核, 第三方评估
        ROLES[_part] = _role.value
ROLES.update({"负责人": Role.LEADER, "管理员": Role.ADMINISTRATOR, "admin": Role.ADMINISTRATOR})

_ROLE_SEPARATORS = re.compile(r"[、,，;；\n]+")
_SPACES = re.compile(r"\s+")


@dataclass
class RosterRow:
    number: int  # as the user sees it in Excel: the header is row 1
    unit_code: str = ""
    unit_name: str = ""
    kind: str = ""
    person: str = ""
    phone: str = ""
    email: str = ""
    roles: list[str] = field(default_factory=list)
    username: str = ""


@dataclass
class RosterResult:
    filename: str
    rows: int = 0
    units_created: int = 0
    units_updated: int = 0
    users_created: int = 0
    users_updated: int = 0
    roles_granted: int = 0
    roles_unchanged: int = 0
    new_logins: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {
            "rows": self.rows, "units_created": self.units_created, "units_updated": self.units_updated,
            "users_created": self.users_created, "users_updated": self.users_updated,
            "roles_granted": self.roles_granted, "roles_unchanged": self.roles_unchanged,
        }

    def summary(self) -> str:
        return (
            f"花名册“{self.filename}”导入完成：共{self.rows}行；新建单位{self.units_created}个、更新{self.units_updated}个；"
            f"新建人员{self.users_created}人、更新{self.users_updated}人；授予角色{self.roles_granted}项"
            f"（{self.roles_unchanged}项原已具有）。"
        )


# ------------------------------------------------------------------ reading the file

def _cell(value) -> str:
    """A cell as text: numbers typed into Excel (phones, codes) lose their `.0`."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).replace("\u3000", " ").strip()


def _read_xlsx(data: bytes) -> list[list[str]]:
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a broken file
        raise _file_problem("无法读取该Excel文件：请确认是 .xlsx 格式且未损坏。", "file_unreadable") from None
    try:
        sheet = workbook.worksheets[0]
        return [[_cell(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    finally:
        workbook.close()


def _read_csv(data: bytes) -> list[list[str]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        break
    else:
        raise _file_problem("无法识别CSV文件的编码：请另存为UTF-8或GB18030编码。", "file_encoding")
    try:
        return [[_cell(v) for v in row] for row in csv.reader(io.StringIO(text, newline=""))]
    except csv.Error as exc:
        raise _file_problem(f"CSV文件格式有误：{exc}", "file_unreadable") from None


def _file_problem(message: str, code: str) -> RuleViolation:
    return RuleViolation.single("file", message, code)


def read_table(data: bytes, filename: str) -> list[list[str]]:
    """The file's rows as text cells. XLSX is recognised by its content, not only its name."""
    name = (filename or "").lower()
    if data[:4] == b"PK\x03\x04" or name.endswith((".xlsx", ".xlsm")):
        return _read_xlsx(data)
    if name.endswith(".xls"):
        raise _file_problem("不支持旧版 .xls 文件：请在Excel中另存为 .xlsx 或 CSV。", "file_format")
    return _read_csv(data)


def _header_key(text: str) -> str:
    return _SPACES.sub(" ", text.replace("（", "(").split("(")[0]).strip().lower()


_HEADER_INDEX = {_header_key(alias): column for column, aliases in COLUMNS.items() for alias in aliases}


# ------------------------------------------------------------------ validating

def parse_rows(table: list[list[str]]) -> list[RosterRow]:
    """Map the header, then every non-blank row to a `RosterRow`; RuleViolation lists every problem."""
    start = next((i for i, row in enumerate(table) if any(row)), None)
    if start is None:
        raise _file_problem("文件是空的：第1行应为表头（单位代码、单位名称、类型、姓名、电话、邮箱、角色）。", "file_empty")
    header = table[start]
    positions: dict[str, int] = {}
    for index, title in enumerate(header):
        column = _HEADER_INDEX.get(_header_key(title))
        if column and column not in positions:
            positions[column] = index
    missing = [COLUMN_LABELS[c] for c in REQUIRED_COLUMNS if c not in positions]
    if missing:
        raise _file_problem(
            f"第{start + 1}行（表头）：缺少列“{'”“'.join(missing)}”。表头应为：单位代码、单位名称、类型、姓名、电话、邮箱、角色。",
            "header_missing",
        )
    rows: list[RosterRow] = []
    for index in range(start + 1, len(table)):
        raw = table[index]
        if not any(raw):
            continue
        values = {c: (raw[p] if p < len(raw) else "") for c, p in positions.items()}
        row = RosterRow(number=index + 1, **{k: values.get(k, "") for k in ("unit_code", "unit_name", "kind", "person", "phone", "email")})
        row.roles = [r.strip() for r in _ROLE_SEPARATORS.split(values.get("role", "")) if r.strip()]
        rows.append(row)
    if not rows:
        raise _file_problem("文件中没有数据行：表头下方至少需要一行。", "file_empty")
    if len(rows) > MAX_ROWS:
        raise _file_problem(f"文件行数过多（{len(rows)}行）：一次最多导入{MAX_ROWS}行。", "file_too_long")
    return rows


def _username(row: RosterRow, existing_by_email: dict[str, str]) -> str:
    if row.email:
        return existing_by_email.get(row.email.lower(), row.email.lower())
    digits = re.sub(r"\D", "", row.phone)
    return f"tel-{digits}" if digits else ""


def validate_rows(rows: list[RosterRow]) -> list[Problem]:
    """Check every row against the others and the database. Normalises `kind`, `roles`, fills `username`."""
    found: list[tuple[int, Problem]] = []
    units: dict[str, RosterRow] = {}  # code → the first row with that code (gathers name and kind)
    names: dict[str, tuple[str, int]] = {}  # unit name → (code, row number)
    people: dict[str, RosterRow] = {}  # username → first row
    unknown_kind: set[str] = set()  # codes whose kind was given but not understood (reported once)
    db_units = set(Unit.objects.filter(code__in={r.unit_code for r in rows if r.unit_code}).values_list("code", flat=True))
    db_names = dict(Unit.objects.filter(name__in={r.unit_name for r in rows if r.unit_name}).values_list("name", "code"))
    existing_by_email: dict[str, str] = {}
    emails = {r.email.lower() for r in rows if r.email}
    for email, username in get_user_model().objects.filter(email__in=emails).order_by("pk").values_list("email", "username"):
        existing_by_email.setdefault(email.lower(), username)

    for row in rows:
        mine: list[Problem] = []

        def bad(column: str, message: str, code: str, mine=mine, row=row) -> None:
            mine.append(Problem(column, f"第{row.number}行：{message}", code))

        # -- the unit
        if row.kind:
            kind = KINDS.get(row.kind) or KINDS.get(row.kind.lower())
            if kind is None:
                bad("kind", f"类型“{row.kind}”无法识别，应为区属单位、街道或办公室（department / subdistrict / office）。", "kind_unknown")
                unknown_kind.add(row.unit_code)
            row.kind = kind or ""
        if row.unit_code:
            try:
                validate_slug(row.unit_code)
                if len(row.unit_code) > 64:
                    raise ValidationError("too long")
            except ValidationError:
                bad("unit_code", f"单位代码“{row.unit_code}”只能由字母、数字、连字符和下划线组成（不超过64个字符）。", "unit_code_invalid")
        elif row.unit_name:
            bad("unit_code", f"填写了单位“{row.unit_name}”但缺少单位代码。", "unit_code_missing")
        if len(row.unit_name) > 100:
            bad("unit_name", "单位名称不能超过100个字。", "unit_name_too_long")
        if row.unit_code:
            first = units.setdefault(row.unit_code, row)
            if first is not row:
                for attr, label in (("unit_name", "单位名称"), ("kind", "类型")):
                    now, before = getattr(row, attr), getattr(first, attr)
                    if now and before and now != before:
                        shown = (UnitKind(now).label, UnitKind(before).label) if attr == "kind" else (now, before)
                        bad(attr, f"单位代码“{row.unit_code}”重复，且{label}“{shown[0]}”与第{first.number}行的“{shown[1]}”不一致。", "unit_code_conflict")
                    elif now and not before:
                        setattr(first, attr, now)
            if row.unit_name:
                seen = names.setdefault(row.unit_name, (row.unit_code, row.number))
                if seen[0] != row.unit_code:
                    bad("unit_name", f"单位名称“{row.unit_name}”与第{seen[1]}行（单位代码“{seen[0]}”）重复。", "unit_name_duplicate")
                elif db_names.get(row.unit_name, row.unit_code) != row.unit_code:
                    bad("unit_name", f"单位名称“{row.unit_name}”已被系统中的单位（代码“{db_names[row.unit_name]}”）使用。", "unit_name_taken")

        # -- the roles
        labels, row.roles = row.roles, []
        for label in labels:
            role = ROLES.get(label) or ROLES.get(label.lower())
            if role is None:
                bad("role", f"角色“{label}”无法识别，应为：{'、'.join(r.label for r in Role)}。", "role_unknown")
            elif role in UNIT_ROLES and not row.unit_code:
                bad("role", f"“{Role(role).label}”是单位角色，须填写所属单位的单位代码。", "unit_required")
            elif role not in row.roles:
                row.roles.append(role)

        # -- the person
        if row.email:
            try:
                validate_email(row.email)
            except ValidationError:
                bad("email", f"邮箱“{row.email}”格式不正确。", "email_invalid")
        if row.phone:
            mine += [Problem("phone", f"第{row.number}行：{p.message}", p.code) for p in rules.check_phone(row.phone, field="phone")]
        if len(row.person) > 150:
            bad("person", "姓名不能超过150个字。", "person_too_long")
        if not row.person and (labels or row.phone or row.email):
            bad("person", "缺少姓名。", "person_missing")
        elif row.person and not labels:
            bad("role", f"缺少“{row.person}”的角色。", "role_missing")
        if row.person and not mine:
            row.username = _username(row, existing_by_email)
            first = people.setdefault(row.username, row) if row.username else None
            if not row.username:
                bad("email", f"“{row.person}”须填写邮箱或电话（用于生成登录名）。", "login_missing")
            elif first is not row and first.person != row.person:
                bad("person", f"“{row.person}”与第{first.number}行的“{first.person}”邮箱或电话相同，无法区分两人：请分别填写各自的邮箱。", "person_conflict")
        found += [(row.number, p) for p in mine]

    # -- every unit ends up with a name and a kind, from this file or the database
    for code, first in units.items():
        if code in db_units:
            continue
        if not first.unit_name:
            found.append((first.number, Problem("unit_name", f"第{first.number}行：单位代码“{code}”缺少单位名称。", "unit_name_missing")))
        if not first.kind and code not in unknown_kind:
            found.append((first.number, Problem("kind", f"第{first.number}行：单位代码“{code}”缺少类型（区属单位、街道或办公室）。", "kind_missing")))
    return [p for _n, p in sorted(found, key=lambda item: item[0])]


# ------------------------------------------------------------------ the service

def _read(file) -> bytes:
    if isinstance(file, (bytes, bytearray)):
        data = bytes(file)
    else:
        if hasattr(file, "seek"):
            file.seek(0)
        data = file.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise _file_problem(f"文件过大：不能超过{MAX_BYTES // 1024 // 1024}MB。", "file_too_large")
    return data


def roster_import(*, file, filename: str, by: User) -> RosterResult:
    """Load units, people and their roles from a roster file; all rows or none.

    `file` is a binary file object (an upload, an open file) or bytes. Only people who
    may manage roles (administrators) may import. Raises RuleViolation naming every bad
    row; PermissionRefused for anyone else.
    """
    if not may_manage_roles(by):
        raise PermissionRefused("只有系统管理员可以导入单位与人员名单。")
    filename = (filename or "").replace("\\", "/").rsplit("/", 1)[-1][:200] or "roster"
    rows = parse_rows(read_table(_read(file), filename))
    problems = validate_rows(rows)
    if problems:
        raise RuleViolation(problems)
    result = RosterResult(filename=filename, rows=len(rows))
    with transaction.atomic():
        units = _save_units(rows, result)
        users = _save_people(rows, result)
        for row in rows:
            for role in row.roles:
                unit = units[row.unit_code] if role in UNIT_ROLES else None
                if role_grant(user=users[row.username], role=role, unit=unit, by=by):
                    result.roles_granted += 1
                else:
                    result.roles_unchanged += 1
        audit.record(action="import_roster", actor=by, changed={"filename": filename, **result.counts()})
        accounts.mobiles_save({users[row.username].pk: re.sub(r"\D", "", row.phone) for row in rows if row.username and row.phone})
        accounts.welcome(users[username] for username in result.new_logins)
    return result


def _save_units(rows: Iterable[RosterRow], result: RosterResult) -> dict[str, Unit]:
    wanted: dict[str, dict] = {}
    for row in rows:
        if row.unit_code:
            entry = wanted.setdefault(row.unit_code, {})
            if row.unit_name:
                entry.setdefault("name", row.unit_name)
            if row.kind:
                entry.setdefault("kind", row.kind)
    units = {u.code: u for u in Unit.objects.select_for_update().filter(code__in=wanted)}
    for code, values in wanted.items():
        unit = units.get(code)
        if unit is None:
            units[code] = Unit.objects.create(code=code, **values)
            result.units_created += 1
        elif any(getattr(unit, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(unit, k, v)
            unit.save(update_fields=list(values))
            result.units_updated += 1
    return units


def _save_people(rows: Iterable[RosterRow], result: RosterResult) -> dict:
    User = get_user_model()
    people = {row.username: row for row in rows if row.username}
    users = {u.username: u for u in User.objects.filter(username__in=people)}
    for username, row in people.items():
        user = users.get(username)
        if user is None:
            user = User(username=username, first_name=row.person, email=row.email)
            user.set_unusable_password()
            user.save()
            users[username] = user
            result.users_created += 1
            result.new_logins.append(username)
            continue
        changes = {"first_name": row.person}
        if row.email:
            changes["email"] = row.email
        changes = {k: v for k, v in changes.items() if getattr(user, k) != v}
        if changes:
            for k, v in changes.items():
                setattr(user, k, v)
            user.save(update_fields=list(changes))
            result.users_updated += 1
    return users
