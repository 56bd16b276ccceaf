"""The pages of 转办, 代理 and 抄送 (issue 21): each form calls its service, shows the service's
Chinese refusal next to the field, and lists stay at a constant number of statements."""
from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from viewflow.workflow.status import STATUS

from tests.factories import person
from tests.pages.conftest import login
from units.roles import Role
from workflow import handover
from workflow.models import AuditEvent, Substitution
from workflow.process import process_of

pytestmark = pytest.mark.django_db


def revise_task(declaration):
    return process_of(declaration).task_set.get(flow_task__endswith=".revise", status=STATUS.ASSIGNED)


def test_the_task_page_offers_transfer_and_the_form_hands_the_task_over(client, world):
    op2 = person("edu-op2", Role.OPERATOR, world.unit)
    d = world.declaration("returned")
    task = revise_task(d)
    login(client, world.operator)
    assert f"/tasks/{task.pk}/transfer/" in client.get(f"/tasks/{task.pk}/").content.decode()
    page = client.get(f"/tasks/{task.pk}/transfer/").content.decode()
    assert "edu-op2" in page and "health-op" not in page  # the suggestions: colleagues of the same role only

    refused = client.post(f"/tasks/{task.pk}/transfer/", {"to": "health-op", "reason": "出差"})
    assert refused.status_code == 400 and "不是该单位人员" in refused.content.decode()
    missing = client.post(f"/tasks/{task.pk}/transfer/", {"to": "edu-op2", "reason": ""})
    assert "请填写转办理由。" in missing.content.decode()

    response = client.post(f"/tasks/{task.pk}/transfer/", {"to": "edu-op2", "reason": "出差"})

    assert response.status_code == 302
    login(client, op2)
    assert f"/tasks/{task.pk}/" in client.get("/inbox/").content.decode()
    assert "转办" in client.get(f"/declarations/{d.pk}/").content.decode()


def test_the_transfer_page_is_404_for_another_unit_and_403_for_a_colleague_who_does_not_hold_it(client, world):
    d = world.declaration("returned")
    task = revise_task(d)
    login(client, world.other_operator)
    assert client.get(f"/tasks/{task.pk}/transfer/").status_code == 404
    login(client, world.leader)
    assert client.post(f"/tasks/{task.pk}/transfer/", {"to": "edu-lead", "reason": "x"}).status_code == 403
    client.logout()
    assert client.get(f"/tasks/{task.pk}/transfer/").status_code == 302  # to the login page


def test_the_dashboards_overdue_list_offers_the_office_a_transfer(client, world):
    d = world.declaration("returned")
    task = revise_task(d)
    from workflow.models import TaskDeadline

    TaskDeadline.objects.filter(task_id=task.pk).update(due_on=dt.date(2023, 4, 1))
    login(client, world.reviewer)
    assert f"/tasks/{task.pk}/transfer/" in client.get("/dashboard/").content.decode()
    assert client.get(f"/tasks/{task.pk}/transfer/").status_code == 200


def test_the_substitutes_page_names_refuses_and_ends_a_substitute(client, world):
    today = timezone.localdate()
    person("edu-lead2", Role.LEADER, world.unit)
    login(client, world.leader)
    assert "代理设置" in client.get("/inbox/").content.decode()

    wrong = client.post("/substitutes/", {"substitute": "edu-op", "starts": today, "ends": today})
    assert wrong.status_code == 400 and "代理人须与您担任相同的角色" in wrong.content.decode()
    backwards = client.post("/substitutes/", {"substitute": "edu-lead2", "starts": today, "ends": today - dt.timedelta(days=1)})
    assert "结束日期不能早于开始日期。" in backwards.content.decode()
    assert client.post("/substitutes/", {"substitute": "edu-lead2", "starts": today, "ends": today}).status_code == 302
    made = Substitution.objects.get(person=world.leader)
    assert "代理中" in client.get("/substitutes/").content.decode()

    login(client, world.other_leader)
    assert client.post(f"/substitutes/{made.pk}/end/").status_code == 404  # not theirs
    login(client, world.leader)
    client.post(f"/substitutes/{made.pk}/end/")
    assert Substitution.objects.get(pk=made.pk).ended_at is not None
    assert list(AuditEvent.objects.filter(actor=world.leader, action__in=["name_substitute", "end_substitute"])
                .order_by("pk").values_list("action", flat=True)) == ["name_substitute", "end_substitute"]


def test_the_leader_copies_in_from_the_declaration_page_and_the_tab_lists_it(client, world):
    d = world.declaration("drafted")
    login(client, world.leader)
    assert 'id="copy-in"' in client.get(f"/declarations/{d.pk}/").content.decode()
    client.post(f"/declarations/{d.pk}/copy-in/", {"to": "health-op"})
    assert not handover.copied_to(world.other_operator).exists()
    client.post(f"/declarations/{d.pk}/copy-in/", {"to": "edu-op", "note": "请核对联系电话"})

    login(client, world.operator)
    page = client.get("/copied/").content.decode()
    assert f"/declarations/{d.pk}/" in page and "请核对联系电话" in page and 'class="badge">未读' in page
    assert 'id="copy-in"' not in client.get(f"/declarations/{d.pk}/").content.decode()  # operators do not copy in
    assert 'class="badge">未读' not in client.get("/copied/").content.decode()  # opened: read
    login(client, world.other_leader)
    assert client.post(f"/declarations/{d.pk}/copy-in/", {"to": "health-op"}).status_code == 404


def test_the_copied_tab_reads_the_same_number_of_statements_for_1_and_6_rows(client, world, django_assert_num_queries):
    from tests.factories import UnitFactory

    login(client, world.reviewer)
    first = world.declaration("submitted", unit=world.other_unit)
    handover.copy_in(declaration=first, to="scheduler", by=world.reviewer)
    login(client, world.scheduler)
    client.get("/copied/")
    with CaptureQueriesContext(connection) as one:
        client.get("/copied/")
    for i in range(5):
        unit = UnitFactory(code=f"kf-more-{i}", name=f"开福区更多局{i}")
        people = (person(f"more-op-{i}", Role.OPERATOR, unit), person(f"more-lead-{i}", Role.LEADER, unit))
        handover.copy_in(declaration=world.declaration("submitted", unit=unit, people=people), to="scheduler", by=world.reviewer)
    with django_assert_num_queries(len(one.captured_queries)):
        page = client.get("/copied/").content.decode()
    assert page.count("/declarations/") >= 6


def test_a_substitutes_inbox_marks_the_persons_task_as_done_for_them(client, world):
    today = timezone.localdate()
    op2 = person("edu-op2", Role.OPERATOR, world.unit)
    d = world.declaration("returned")
    task = revise_task(d)
    handover.substitute_name(person=world.operator, substitute=op2, starts=today, ends=today)
    login(client, op2)
    page = client.get("/inbox/").content.decode()
    assert f"/tasks/{task.pk}/" in page and "代办</span>" in page
    assert client.get(f"/tasks/{task.pk}/").status_code == 200
    login(client, world.operator)
    assert "代办</span>" not in client.get("/inbox/").content.decode()
