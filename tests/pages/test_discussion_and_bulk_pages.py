"""The declaration page's discussion, the reviewer's 批量审核 page and the dashboard's 批量催报:
what each person sees and what each click does, item by item."""
from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from notifications.models import Kind, Message
from tests.factories import unit_with_people
from tests.pages.conftest import login
from workflow import discussion, services
from workflow.models import AuditEvent, Comment, Declaration, State

pytestmark = pytest.mark.django_db


def test_a_comment_on_the_page_names_the_operator_and_the_unit_never_sees_office_notes(client, world):
    w = world
    d = w.declaration("submitted")
    login(client, w.reviewer)
    page = client.get(f"/declarations/{d.pk}/").content.decode()
    assert "审批意见与讨论" in page and 'name="office_only"' in page
    response = client.post(f"/declarations/{d.pk}/comments/", {"body": "请补充活动简介。@edu-op @health-op"}, follow=True)
    page = response.content.decode()
    assert "意见已发表。" in page and "@health-op 未收到通知：查无此人，或其无权查看这条意见。" in page
    assert "请补充活动简介。@edu-op @health-op" in page
    client.post(f"/declarations/{d.pk}/comments/", {"body": "单位材料待核实", "office_only": "yes"}, follow=True)
    assert Message.objects.filter(recipient=w.operator, kind=Kind.DISCUSSION).count() == 1

    login(client, w.operator)
    page = client.get(f"/declarations/{d.pk}/").content.decode()
    assert "请补充活动简介。" in page and "单位材料待核实" not in page and "内部备注" not in page
    assert 'name="office_only"' not in page
    refused = client.post(f"/declarations/{d.pk}/comments/", {"body": "我也想写内部备注", "office_only": "yes"})
    assert refused.status_code == 403 and Comment.objects.count() == 2


def test_an_empty_comment_is_refused_on_the_page(client, world):
    d = world.declaration("submitted")
    login(client, world.operator)
    page = client.post(f"/declarations/{d.pk}/comments/", {"body": "   "}, follow=True).content.decode()
    assert "请填写意见内容。" in page and not Comment.objects.exists()


def test_another_unit_and_the_public_cannot_comment_or_read(client, world):
    w = world
    d = w.declaration("submitted")
    discussion.comment_post(declaration=d, by=w.reviewer, body="仅本单位与区政务公开办可见")
    login(client, w.other_operator)
    assert client.post(f"/declarations/{d.pk}/comments/", {"body": "看看"}).status_code == 404
    assert client.get(f"/declarations/{d.pk}/comments/1/edit/").status_code == 404
    client.logout()
    response = client.post(f"/declarations/{d.pk}/comments/", {"body": "看看"})
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert Comment.objects.count() == 1


def test_the_author_edits_on_the_page_within_five_minutes(client, world):
    w = world
    d = w.declaration("submitted")
    fresh = discussion.comment_post(declaration=d, by=w.operator, body="已修改").comment
    old = discussion.comment_post(declaration=d, by=w.operator, body="旧意见", now=timezone.now() - dt.timedelta(minutes=6)).comment
    login(client, w.operator)
    page = client.get(f"/declarations/{d.pk}/").content.decode()
    assert f"/declarations/{d.pk}/comments/{fresh.pk}/edit/" in page
    assert f"/declarations/{d.pk}/comments/{old.pk}/edit/" not in page
    client.post(f"/declarations/{d.pk}/comments/{fresh.pk}/edit/", {"body": "已按要求修改联系人"})
    assert Comment.objects.get(pk=fresh.pk).body == "已按要求修改联系人"
    page = client.post(f"/declarations/{d.pk}/comments/{old.pk}/edit/", {"body": "改"}, follow=True).content.decode()
    assert "意见发表超过5分钟，不能再修改" in page and Comment.objects.get(pk=old.pk).body == "旧意见"
    assert AuditEvent.objects.filter(declaration=d, action="edit_comment").count() == 1


def _three_submitted(world) -> list[Declaration]:
    found = [world.declaration("submitted", month=5)]
    for i, month in ((1, 5), (2, 7)):
        unit, people = unit_with_people(f"kf-b{i}", f"开福区批量局{i}")
        services.deadline_extension_grant(programme=world.programme, unit=unit, until=dt.date(2099, 12, 31), reason="测试", by=world.reviewer)
        found.append(world.declaration("submitted", unit=unit, people=people, month=month))
    return found


def test_the_review_queue_filters_by_month_and_reads_a_constant_number_of_statements(client, world):
    may, may_too, july = _three_submitted(world)
    login(client, world.reviewer)
    page = client.get("/review/?month=5").content.decode()
    assert f'value="{may.pk}"' in page and f'value="{may_too.pk}"' in page and f'value="{july.pk}"' not in page
    assert "我已知晓" in page

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/review/").status_code == 200
        return len(queries)

    before = count()
    unit, people = unit_with_people("kf-b9", "开福区批量局9")
    services.deadline_extension_grant(programme=world.programme, unit=unit, until=dt.date(2099, 12, 31), reason="测试", by=world.reviewer)
    world.declaration("submitted", unit=unit, people=people)
    assert count() == before


def test_the_review_queue_is_the_reviewers(client, world):
    for person in (world.operator, world.leader, world.scheduler, world.assessor):
        login(client, person)
        assert client.get("/review/").status_code == 403
        assert client.post("/review/bulk/", {"ids": ["1"], "decision": "approve", "confirm": "yes"}).status_code == 403


def test_bulk_approve_asks_first_then_lists_each_outcome(client, world):
    first, second, third = _three_submitted(world)
    services.declaration_withdraw(declaration=second, by=Declaration.objects.get(pk=second.pk).submitted_by, reason="再改改")
    login(client, world.reviewer)
    ids = [str(d.pk) for d in (first, second, third)]
    page = client.post("/review/bulk/", {"ids": ids, "decision": "approve"}, follow=True).content.decode()
    assert "请先勾选“我已知晓”" in page and not AuditEvent.objects.filter(action="approve").exists()

    page = client.post("/review/bulk/", {"ids": ids, "decision": "approve", "confirm": "yes"}).content.decode()
    assert "批量审核通过结果" in page and "共3项：成功2项，未成功1项。" in page
    assert "当前状态为“草稿”，不能审核通过。" in page
    assert [Declaration.objects.get(pk=d.pk).state for d in (first, second, third)] == [State.REVIEWED, State.DRAFTED, State.REVIEWED]


def test_bulk_return_needs_its_one_reason(client, world):
    first, second, _third = _three_submitted(world)
    login(client, world.reviewer)
    page = client.post("/review/bulk/", {"ids": [first.pk, second.pk], "decision": "return", "confirm": "yes"}, follow=True).content.decode()
    assert "请填写退回理由。" in page and Declaration.objects.get(pk=first.pk).state == State.SUBMITTED
    page = client.post("/review/bulk/", {"ids": [first.pk, second.pk], "decision": "return", "reason": "请补充活动简介。",
                                         "confirm": "yes"}).content.decode()
    assert "共2项：成功2项，未成功0项。" in page
    assert Declaration.objects.get(pk=second.pk).return_reason == "请补充活动简介。"


def test_bulk_urge_from_the_dashboard_refuses_a_unit_urged_today(client, world):
    w = world
    login(client, w.reviewer)
    client.post(f"/dashboard/units/{w.unit.pk}/urge/")  # one at a time, earlier today
    page = client.get("/dashboard/").content.decode()
    assert 'form="bulk-urge"' in page and "批量催报所选单位" in page
    page = client.post("/dashboard/urge/", {"units": [w.unit.pk, w.other_unit.pk], "confirm": "yes"}).content.decode()
    assert "批量催报结果" in page and "共2项：成功1项，未成功1项。" in page
    assert "今天已经催办过开福区教育局。每个单位每天只能催办一次，请明天再试。" in page
    assert Message.objects.filter(recipient=w.other_operator, kind=Kind.REMINDER).exists()
    login(client, w.operator)
    assert client.post("/dashboard/urge/", {"units": [w.other_unit.pk], "confirm": "yes"}).status_code == 403


def test_a_refused_bulk_post_goes_back_to_the_filtered_queue(client, world):
    d = world.declaration("submitted")
    login(client, world.reviewer)
    response = client.post("/review/bulk/", {"ids": [d.pk], "decision": "approve", "query": "month=5&x=\r\nSet-Cookie: a=b"})
    assert response.status_code == 302 and response["Location"].startswith("/review/?month=5&x=")
    assert "\n" not in response["Location"]
    page = client.post("/review/bulk/", {"ids": ["abc"], "decision": "approve", "confirm": "yes"}, follow=True).content.decode()
    assert "申报编号须为整数。" in page


def test_the_declaration_page_reads_its_comments_in_a_constant_number_of_statements(client, world):
    w = world
    d = w.declaration("submitted")
    login(client, w.reviewer)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"/declarations/{d.pk}/").status_code == 200
        return len(queries)

    discussion.comment_post(declaration=d, by=w.operator, body="第一条")
    before = count()
    for n, author in enumerate((w.leader, w.scheduler, w.reviewer, w.assessor)):
        discussion.comment_post(declaration=d, by=author, body=f"第{n + 2}条", office_only=author == w.scheduler)
    assert count() == before
