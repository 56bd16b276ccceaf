"""The admin: the roster upload and role pages call the audited services; declarations,
audit events and schedules are read-only there; people outside the admin are kept out."""
from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.factories import UserFactory, admin_user
from units.models import Unit
from workflow.models import AuditEvent, DeadlineExtension, Declaration, State

User = get_user_model()
UPLOAD = "/admin/units/unit/import-roster/"
ROSTER = (
    "单位代码,单位名称,类型,姓名,电话,邮箱,角色\n"
    "kf-sfp,四方坪街道,街道,王五,13800000003,wangwu@example.com,单位负责人\n"
).encode("utf-8-sig")


@pytest.fixture
def admin_client_for(client):
    def login(user):
        client.force_login(user)
        return client
    return login


# ------------------------------------------------------------------ roster upload

def test_an_administrator_uploads_a_roster_in_the_admin(world, admin_client_for):
    client = admin_client_for(world.administrator)
    page = client.get(UPLOAD)
    assert page.status_code == 200
    assert "导入花名册" in page.content.decode()

    response = client.post(UPLOAD, {"file": SimpleUploadedFile("名单.csv", ROSTER, content_type="text/csv")}, follow=True)

    assert response.redirect_chain[-1][0] == reverse("admin:units_unit_changelist")
    text = response.content.decode()
    assert "花名册“名单.csv”导入完成：共1行；新建单位1个" in text
    assert "wangwu@example.com" in text  # the new login is listed
    assert Unit.objects.get(code="kf-sfp").name == "四方坪街道"
    event = AuditEvent.objects.get(action="import_roster")
    assert event.actor == world.administrator and event.request_id  # the request's id is on the event
    assert AuditEvent.objects.filter(action="grant_role", changed__user="wangwu@example.com", actor=world.administrator).count() == 1
    # The unit list links to the upload.
    assert UPLOAD in client.get(reverse("admin:units_unit_changelist")).content.decode()


def test_a_bad_roster_shows_the_row_and_saves_nothing(world, admin_client_for):
    client = admin_client_for(world.administrator)
    bad = ROSTER + "kf-x,甲局,县直单位,甲,13800000011,,填报人\n".encode()
    before = (Unit.objects.count(), User.objects.count(), AuditEvent.objects.count())

    response = client.post(UPLOAD, {"file": SimpleUploadedFile("bad.csv", bad)})

    assert response.status_code == 200
    text = response.content.decode()
    assert "花名册“bad.csv”有误，未导入任何数据" in text
    assert "第3行：类型“县直单位”无法识别" in text
    assert (Unit.objects.count(), User.objects.count(), AuditEvent.objects.count()) == before


def test_people_outside_the_admin_are_sent_to_the_login_and_staff_without_the_role_are_refused(world, client):
    client.force_login(world.operator)  # not staff
    response = client.get(UPLOAD)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    response = client.post(UPLOAD, {"file": SimpleUploadedFile("a.csv", ROSTER)})
    assert response.status_code == 302
    assert not Unit.objects.filter(code="kf-sfp").exists()

    staff = UserFactory(username="clerk", is_staff=True)  # in the admin, but no administrator role
    client.force_login(staff)
    assert client.post(UPLOAD, {"file": SimpleUploadedFile("a.csv", ROSTER)}).status_code == 403
    assert client.get(reverse("admin:auth_user_roles", args=[world.operator.pk])).status_code == 403
    assert not Unit.objects.filter(code="kf-sfp").exists()


# ------------------------------------------------------------------ roles

def test_an_administrator_grants_and_revokes_a_role_in_the_admin_and_both_are_audited(world, admin_client_for):
    client = admin_client_for(world.administrator)
    newcomer = UserFactory(username="edu-new")
    url = reverse("admin:auth_user_roles", args=[newcomer.pk])
    assert "目前没有任何角色" in client.get(url).content.decode()

    response = client.post(url, {"role": "leader", "unit": world.unit.pk, "_grant": "授予"}, follow=True)

    assert "已授予edu-new的角色：单位负责人（开福区教育局）（已记入审计日志）。" in response.content.decode()
    grant = AuditEvent.objects.filter(action="grant_role").order_by("-id").first()
    assert (grant.actor, grant.unit, grant.changed) == (world.administrator, world.unit, {"user": "edu-new", "role": "leader", "unit": "kf-edu"})
    assert User.objects.get(pk=newcomer.pk).has_perm("units.seal_unit", world.unit)

    response = client.post(url, {"role": "leader", "unit": world.unit.pk, "_revoke": "撤销"}, follow=True)

    assert "已撤销edu-new的角色：单位负责人（开福区教育局）" in response.content.decode()
    revoke = AuditEvent.objects.filter(action="revoke_role").get()
    assert (revoke.actor, revoke.unit) == (world.administrator, world.unit)
    assert not User.objects.get(pk=newcomer.pk).has_perm("units.seal_unit", world.unit)


def test_a_unit_role_without_a_unit_is_refused_with_a_message(world, admin_client_for):
    client = admin_client_for(world.administrator)
    url = reverse("admin:auth_user_roles", args=[world.reviewer.pk])
    before = AuditEvent.objects.count()

    response = client.post(url, {"role": "operator", "unit": "", "_grant": "授予"})

    assert "“填报人”须指定所属单位。" in response.content.decode()
    assert AuditEvent.objects.count() == before


def test_groups_cannot_be_edited_on_the_user_page_so_no_grant_escapes_the_audit(world, admin_client_for):
    client = admin_client_for(world.administrator)
    url = reverse("admin:auth_user_change", args=[world.operator.pk])
    page = client.get(url).content.decode()
    assert 'name="groups"' not in page and 'name="is_superuser"' not in page
    assert "填报人（开福区教育局）" in page  # the roles are shown, with the link to the roles page

    office_group = world.reviewer.groups.get()
    client.post(url, {
        "username": "edu-op", "first_name": "改名", "last_name": "", "email": "", "is_active": "on",
        "groups": [office_group.pk], "is_superuser": "on", "date_joined_0": "2023-01-01", "date_joined_1": "00:00:00",
    })

    operator = User.objects.get(pk=world.operator.pk)
    assert operator.first_name == "改名"  # the edit itself went through
    assert not operator.is_superuser
    assert not operator.groups.filter(pk=office_group.pk).exists()
    assert client.post(reverse("admin:auth_group_change", args=[office_group.pk]), {"name": "x"}).status_code == 403


# ------------------------------------------------------------------ declarations

def test_declarations_are_read_only_and_the_approve_action_calls_the_service(world, admin_client_for):
    root = admin_user()
    client = admin_client_for(root)
    d = world.declaration("submitted")

    page = client.get(reverse("admin:workflow_declaration_change", args=[d.pk])).content.decode()
    assert 'name="state"' not in page and 'name="theme"' not in page
    assert client.post(reverse("admin:workflow_declaration_change", args=[d.pk]), {"theme": "改"}).status_code == 403
    assert client.get(reverse("admin:workflow_declaration_add")).status_code == 403

    changelist = reverse("admin:workflow_declaration_changelist")
    ask = client.post(changelist, {"action": "approve", "_selected_action": [d.pk], "index": 0})
    assert ask.status_code == 200 and "审核通过后，这些申报进入待排期" in ask.content.decode()
    assert Declaration.objects.get(pk=d.pk).state == State.SUBMITTED  # nothing yet: the page asks to be sure
    response = client.post(changelist, {"action": "approve", "_selected_action": [d.pk], "index": 0, "_confirm": "1"},
                           follow=True)

    assert "已审核通过1份申报（已记入审计日志）。" in response.content.decode()
    d.refresh_from_db()
    assert d.state == State.REVIEWED
    assert AuditEvent.objects.filter(declaration=d).order_by("-seq").values_list("action", "actor")[0] == ("approve", root.pk)


def test_the_return_action_asks_for_the_reason_first(world, admin_client_for):
    client = admin_client_for(admin_user())
    d = world.declaration("submitted")
    changelist = reverse("admin:workflow_declaration_changelist")

    ask = client.post(changelist, {"action": "return", "_selected_action": [d.pk], "index": 0})
    assert ask.status_code == 200 and "确认退回这1份申报" in ask.content.decode()
    assert "退回后，这些申报回到各单位草稿" in ask.content.decode()
    assert Declaration.objects.get(pk=d.pk).state == State.SUBMITTED

    done = client.post(changelist, {"action": "return", "_selected_action": [d.pk], "reason": "请补充活动简介。", "_confirm": "1"}, follow=True)

    assert "已退回1份申报" in done.content.decode()
    d.refresh_from_db()
    assert (d.state, d.return_reason) == (State.DRAFTED, "请补充活动简介。")


def test_an_action_the_state_does_not_allow_is_reported_not_applied(world, admin_client_for):
    client = admin_client_for(admin_user())
    d = world.declaration("reviewed")

    response = client.post(reverse("admin:workflow_declaration_changelist"),
                           {"action": "approve", "_selected_action": [d.pk], "index": 0, "_confirm": "1"}, follow=True)

    assert "未能审核通过：当前状态为“已审核”，不能审核通过。" in response.content.decode()
    assert Declaration.objects.get(pk=d.pk).state == State.REVIEWED


# ------------------------------------------------------------------ audit, extensions

def test_audit_events_cannot_be_added_changed_or_deleted_in_the_admin(world, admin_client_for):
    client = admin_client_for(admin_user())
    d = world.declaration("submitted")
    event = AuditEvent.objects.filter(declaration=d).first()

    assert client.get(reverse("admin:workflow_auditevent_add")).status_code == 403
    assert client.post(reverse("admin:workflow_auditevent_change", args=[event.pk]), {"action": "x"}).status_code == 403
    assert client.post(reverse("admin:workflow_auditevent_delete", args=[event.pk]), {"post": "yes"}).status_code == 403
    assert AuditEvent.objects.get(pk=event.pk).action == "create"

    listing = client.get(reverse("admin:workflow_auditevent_changelist"), {"q": str(d.pk)})
    assert [e.declaration_id for e in listing.context["cl"].result_list] == [d.pk, d.pk]
    by_action = client.get(reverse("admin:workflow_auditevent_changelist"), {"action": "grant_role"})
    assert {e.action for e in by_action.context["cl"].result_list} == {"grant_role"}


def test_an_extension_added_in_the_admin_goes_through_the_service(world, admin_client_for):
    client = admin_client_for(admin_user())
    add = reverse("admin:workflow_deadlineextension_add")

    too_early = client.post(add, {"programme": world.programme.pk, "unit": world.unit.pk, "until": "2023-04-01", "reason": "补材料"})
    assert "延期日期须晚于申报截止日期2023-04-03。" in too_early.content.decode()
    assert not DeadlineExtension.objects.exists()

    response = client.post(add, {"programme": world.programme.pk, "unit": world.unit.pk, "until": "2023-04-10", "reason": "补材料"})

    assert response.status_code == 302
    extension = DeadlineExtension.objects.get()
    assert extension.until == dt.date(2023, 4, 10)
    event = AuditEvent.objects.get(action="grant_extension")
    assert (event.unit, event.reason, event.changed["until"]) == (world.unit, "补材料", "2023-04-10")

    again = client.post(add, {"programme": world.programme.pk, "unit": world.unit.pk, "until": "2023-04-15", "reason": "再延期"})

    assert again.status_code == 302  # a later extension replaces the earlier one, audited again
    assert DeadlineExtension.objects.get().until == dt.date(2023, 4, 15)
    assert AuditEvent.objects.filter(action="grant_extension").count() == 2


def test_an_admin_action_moves_the_process_like_the_task_page(world, admin_client_for):
    """Approving in the admin completes the open review task: no stale task in any inbox."""
    from workflow.inbox import queue_for

    root = admin_user()
    d = world.declaration("submitted")
    assert [t.declaration_id for t in queue_for(world.reviewer)] == [d.pk]

    client = admin_client_for(root)
    client.post(reverse("admin:workflow_declaration_changelist"), {"action": "approve", "_selected_action": [d.pk], "index": 0,
                                                                   "_confirm": "1"})

    assert list(queue_for(world.reviewer)) == []
    assert [t.declaration_id for t in queue_for(world.scheduler)] == [d.pk]


def test_the_admin_lists_keep_a_never_submitted_draft_inside_its_unit(world, admin_client_for):
    """Not even a superuser sees a unit's draft (or its events) in the admin before the unit submits it."""
    client = admin_client_for(admin_user())
    draft = world.declaration("drafted", theme="尚未报送的草稿")
    submitted = world.declaration("submitted", unit=world.other_unit, theme="已报送的申报")

    declarations = client.get(reverse("admin:workflow_declaration_changelist")).content.decode()
    assert "已报送的申报" in declarations and "尚未报送的草稿" not in declarations
    assert client.get(reverse("admin:workflow_declaration_change", args=[draft.pk])).status_code in (302, 404)

    events = client.get(reverse("admin:workflow_auditevent_changelist") + f"?q={draft.pk}").content.decode()
    assert f"#{draft.pk}" not in events
    assert f"#{submitted.pk}" in client.get(reverse("admin:workflow_auditevent_changelist") + f"?q={submitted.pk}").content.decode()
