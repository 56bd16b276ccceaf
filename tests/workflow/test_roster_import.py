"""Roster import (花名册): a valid file loads units, people and roles, audited; one bad row
and nothing from the file is saved, and the message names the row."""
from __future__ import annotations

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from tests.factories import UserFactory
from units.models import Unit, UnitKind
from units.roles import Role
from workflow import selectors, services
from workflow.actions import Action
from workflow.errors import PermissionRefused, RuleViolation
from workflow.models import AuditEvent
from workflow.permissions import can
from workflow.roster import roster_import

User = get_user_model()

HEADER = "单位代码,单位名称,类型,姓名,电话,邮箱,角色"
ROWS = [
    "kf-edu,开福区教育局,区属单位,张三,13800000001,zhangsan@example.com,填报人",
    "kf-edu,开福区教育局,区属单位,李四,0731-84390001,,单位负责人",
    "kf-sfp,四方坪街道,街道,王五,13800000003,WangWu@Example.com,填报人、单位负责人",
    "kf-office,开福区政务公开政务服务工作领导小组办公室,办公室,余妙,0731-84390197,kfzwgk@163.com,审核（区政务公开办）",
    ",,,赵六,13800000006,zhaoliu@example.com,考核/第三方评估",
]


def csv_bytes(rows, *, header=HEADER, encoding="utf-8-sig") -> bytes:
    return ("\r\n".join([header, *rows]) + "\r\n").encode(encoding)


def xlsx_bytes(table) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in table:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def snapshot():
    return Unit.objects.count(), User.objects.count(), AuditEvent.objects.count()


@pytest.fixture
def admin(world):
    return world.administrator


def test_a_valid_csv_roster_loads_units_people_and_roles_with_audit_events(world, admin):
    events_before = AuditEvent.objects.count()

    result = roster_import(file=io.BytesIO(csv_bytes(ROWS)), filename="开福区花名册.csv", by=admin)

    assert (result.rows, result.units_created, result.units_updated) == (5, 2, 0)  # kf-edu existed already
    assert (result.users_created, result.roles_granted) == (5, 6)
    assert result.summary().startswith("花名册“开福区花名册.csv”导入完成：共5行；新建单位2个")
    assert Unit.objects.get(code="kf-sfp").kind == UnitKind.SUBDISTRICT
    assert Unit.objects.get(code="kf-office").kind == UnitKind.OFFICE

    zhang = User.objects.get(username="zhangsan@example.com")
    li = User.objects.get(username="tel-073184390001")
    wang = User.objects.get(username="wangwu@example.com")  # logins are lower case
    assert (zhang.first_name, li.first_name, wang.email) == ("张三", "李四", "WangWu@Example.com")
    assert not zhang.has_usable_password()  # they set it through the password reset

    grants = AuditEvent.objects.filter(action="grant_role", actor=admin).order_by("id")
    new_grants = [e.changed for e in grants if e.changed["user"] in {"zhangsan@example.com", "wangwu@example.com"}]
    assert {"user": "wangwu@example.com", "role": "leader", "unit": "kf-sfp"} in new_grants
    imported = AuditEvent.objects.get(action="import_roster")
    assert (imported.actor, imported.declaration, imported.unit) == (admin, None, None)
    assert imported.changed["filename"] == "开福区花名册.csv"
    assert imported.changed["users_created"] == 5 and imported.changed["roles_granted"] == 6
    # 6 grants, then the import itself, all after what was there before.
    assert list(AuditEvent.objects.order_by("-id").values_list("action", flat=True)[:7]) == (
        ["import_roster"] + ["grant_role"] * 6
    )
    assert AuditEvent.objects.count() == events_before + 7

    sfp = Unit.objects.get(code="kf-sfp")
    assert can(wang, Action.SUBMIT, unit=sfp) and can(wang, Action.EDIT, unit=sfp)
    assert can(li, Action.SUBMIT, unit=world.unit) and not can(zhang, Action.SUBMIT, unit=world.unit)
    submitted = world.declaration("submitted", unit=world.other_unit)
    assert selectors.declaration_get(User.objects.get(username="kfzwgk@163.com"), submitted.pk) == submitted
    assert selectors.audit_events_visible_to(User.objects.get(username="zhaoliu@example.com")).exists()


def test_a_valid_xlsx_roster_with_english_headers_and_codes_loads(world, admin):
    table = [
        ["Unit code", "Unit name", "Kind", "Person", "Phone", "Email", "Role"],
        ["kf-wjl", "伍家岭街道", "subdistrict", "钱七", 13800000007, None, "leader"],
        [None, None, None, None, None, None, None],  # a blank row is skipped
        ["kf-wjl", None, None, "孙八", 13800000008, "sunba@example.com", "operator"],
    ]

    result = roster_import(file=io.BytesIO(xlsx_bytes(table)), filename="roster.xlsx", by=admin)

    assert (result.units_created, result.users_created, result.roles_granted) == (1, 2, 2)
    qian = User.objects.get(username="tel-13800000007")  # the number typed as a number in Excel
    assert can(qian, Action.SUBMIT, unit=Unit.objects.get(code="kf-wjl"))
    assert Unit.objects.get(code="kf-wjl").name == "伍家岭街道"
    assert AuditEvent.objects.filter(action="import_roster", changed__filename="roster.xlsx").count() == 1


def test_a_gb18030_csv_from_excel_on_windows_is_read(world, admin):
    data = csv_bytes(["kf-dongfeng,东风路街道,街道,周九,13800000009,,填报人"], encoding="gb18030")

    result = roster_import(file=io.BytesIO(data), filename="名单.csv", by=admin)

    assert result.users_created == 1
    assert Unit.objects.get(code="kf-dongfeng").name == "东风路街道"


def test_importing_the_same_roster_twice_grants_nothing_new(world, admin):
    roster_import(file=csv_bytes(ROWS), filename="a.csv", by=admin)
    grants = AuditEvent.objects.filter(action="grant_role").count()

    again = roster_import(file=csv_bytes(ROWS), filename="a.csv", by=admin)

    assert (again.units_created, again.users_created, again.roles_granted, again.roles_unchanged) == (0, 0, 0, 6)
    assert AuditEvent.objects.filter(action="grant_role").count() == grants
    assert AuditEvent.objects.filter(action="import_roster").count() == 2


BAD_ROWS = {
    "unknown kind": ("kf-x,开福区甲局,县直单位,甲,13800000011,,填报人", "第4行：类型“县直单位”无法识别"),
    "duplicate code": ("kf-sfp,四方坪社区,街道,甲,13800000011,,填报人", "第4行：单位代码“kf-sfp”重复，且单位名称“四方坪社区”与第3行的“四方坪街道”不一致。"),
    "missing person name": ("kf-sfp,四方坪街道,街道,,13800000011,,填报人", "第4行：缺少姓名。"),
    "missing unit name": ("kf-new,,区属单位,甲,13800000011,,填报人", "第4行：单位代码“kf-new”缺少单位名称。"),
    "unknown role": ("kf-sfp,四方坪街道,街道,甲,13800000011,,主任", "第4行：角色“主任”无法识别"),
    "unit role without unit": (",,,甲,13800000011,,填报人", "第4行：“填报人”是单位角色，须填写所属单位的单位代码。"),
    "bad email": ("kf-sfp,四方坪街道,街道,甲,13800000011,jia@,填报人", "第4行：邮箱“jia@”格式不正确。"),
}


@pytest.mark.parametrize("case", list(BAD_ROWS), ids=[k.replace(" ", "-") for k in BAD_ROWS])
def test_one_bad_row_loads_nothing_and_names_the_row(world, admin, case):
    bad, message = BAD_ROWS[case]
    rows = [ROWS[0], ROWS[2], bad, ROWS[3]]  # the bad row is the 4th line of the file
    before = snapshot()

    with pytest.raises(RuleViolation) as refused:
        roster_import(file=csv_bytes(rows), filename="bad.csv", by=admin)

    assert refused.value.problems[0].message.startswith(message), refused.value.message
    assert snapshot() == before  # no unit, no user, no audit event
    assert not Unit.objects.filter(code="kf-sfp").exists()
    assert not User.objects.filter(username="zhangsan@example.com").exists()


def test_every_bad_row_is_reported_in_row_order(world, admin):
    rows = [ROWS[0], ",,,甲,13800000011,,填报人", "kf-y,乙局,部委,乙,13800000012,yi@,填报人"]

    with pytest.raises(RuleViolation) as refused:
        roster_import(file=csv_bytes(rows), filename="bad.csv", by=admin)

    assert [p.message.split("：")[0] for p in refused.value.problems] == ["第3行", "第4行", "第4行"]


def test_a_file_without_the_required_columns_is_refused_naming_them(world, admin):
    with pytest.raises(RuleViolation) as refused:
        roster_import(file=csv_bytes(["kf-edu,甲"], header="单位代码,姓名"), filename="x.csv", by=admin)
    assert refused.value.message.startswith("第1行（表头）：缺少列“单位名称”“类型”“角色”")


@pytest.mark.parametrize("who", ["leader", "reviewer", "assessor"])
def test_only_administrators_may_import(world, who):
    before = snapshot()
    with pytest.raises(PermissionRefused) as refused:
        roster_import(file=csv_bytes(ROWS), filename="a.csv", by=getattr(world, who))
    assert refused.value.message == "只有系统管理员可以导入单位与人员名单。"
    assert snapshot() == before


def test_the_command_imports_and_prints_a_chinese_summary(world, tmp_path):
    path = tmp_path / "roster.csv"
    path.write_bytes(csv_bytes(ROWS))
    out = io.StringIO()

    call_command("import_roster", str(path), "--by", "administrator", stdout=out)

    assert "花名册“roster.csv”导入完成：共5行；新建单位2个" in out.getvalue()
    assert "zhangsan@example.com" in out.getvalue()
    assert AuditEvent.objects.get(action="import_roster").actor == world.administrator


def test_the_command_fails_with_the_row_messages_and_saves_nothing(world, tmp_path):
    path = tmp_path / "roster.csv"
    path.write_bytes(csv_bytes([ROWS[0], "kf-x,甲局,县直单位,甲,13800000011,,填报人"]))
    before = snapshot()

    with pytest.raises(CommandError) as failed:
        call_command("import_roster", str(path), "--by", "administrator")

    assert "花名册有误，未导入任何数据" in str(failed.value)
    assert "第3行：类型“县直单位”无法识别" in str(failed.value)
    assert snapshot() == before


def test_the_command_refuses_a_non_administrator(world, tmp_path):
    path = tmp_path / "roster.csv"
    path.write_bytes(csv_bytes(ROWS))
    UserFactory(username="nobody")
    with pytest.raises(CommandError, match="只有系统管理员可以导入单位与人员名单。"):
        call_command("import_roster", str(path), "--by", "nobody")


def test_people_loaded_from_the_roster_can_work_at_once(world, admin):
    roster_import(file=csv_bytes(ROWS), filename="a.csv", by=admin)
    sfp = Unit.objects.get(code="kf-sfp")
    wang = User.objects.get(username="wangwu@example.com")

    d = services.declaration_create(programme=world.programme, unit=sfp, by=wang, data={"theme": "社区议事会"})

    assert d.state == "drafted"
    assert list(selectors.declarations_visible_to(wang)) == [d]
    assert Role.LEADER in {g.unit_role.role for g in wang.groups.filter(unit_role__isnull=False)}
