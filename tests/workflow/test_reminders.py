"""The daily reminders (催报, 催办, holding and summary due) and 催办 by hand: each reminder once
per cause, audited, never to a unit that has done what it is reminded of."""
from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection
from django.utils import timezone

from notifications.models import Message, Reminder
from tests.factories import BEFORE_DEADLINE, UnitFactory, person
from units.roles import Role
from workflow import reminders, services
from workflow.models import AuditEvent, Declaration

D = dt.date
NAME = "开福区2023年“政务公开主题日”活动实施方案"


def reminded(*people) -> list[str]:
    return list(Message.objects.filter(recipient__in=people, kind="reminder").order_by("pk").values_list("title", flat=True))


def test_the_job_run_twice_on_one_day_sends_each_reminder_once(addressed):
    w = addressed
    first = reminders.send_reminders(today=D(2023, 3, 27))  # 7 days before the 2023-04-03 deadline
    assert first == {"declare": 2, "task": 0, "hold": 0, "summary": 0}
    for unit_person in (w.operator, w.leader, w.other_operator, w.other_leader):
        assert reminded(unit_person) == [f"催报：{NAME}申报2023-04-03截止（还有7天）"]
    again = reminders.send_reminders(today=D(2023, 3, 27))
    assert again == {"declare": 0, "task": 0, "hold": 0, "summary": 0}
    assert Message.objects.filter(kind="reminder").count() == 4
    events = AuditEvent.objects.filter(action="remind")
    assert events.count() == 2 and {e.unit_id for e in events} == {w.unit.pk, w.other_unit.pk}
    assert all(e.declaration_id is None and e.changed["recipients"] == 2 for e in events)


def test_no_reminder_goes_to_a_unit_that_has_submitted(addressed):
    w = addressed
    w.declaration("submitted")  # the education bureau submitted; the health bureau has not
    reminders.send_reminders(today=D(2023, 3, 31))
    assert reminded(w.operator, w.leader) == []
    assert reminded(w.other_operator) == [f"催报：{NAME}申报2023-04-03截止（还有3天）"]


def test_each_threshold_reminds_once_and_a_missed_day_is_caught_up_by_one_reminder(addressed):
    w = addressed
    for day, sent in ((D(2023, 3, 25), 0), (D(2023, 3, 29), 2), (D(2023, 3, 30), 0), (D(2023, 4, 1), 2),
                      (D(2023, 4, 2), 2), (D(2023, 4, 3), 0), (D(2023, 4, 4), 0)):
        assert reminders.send_reminders(today=day)["declare"] == sent, day
    assert [t[-6:] for t in reminded(w.operator)] == ["（还有5天）", "（还有2天）", "（还有1天）"]


def test_a_unit_with_an_extension_is_reminded_before_its_own_deadline(addressed):
    w = addressed
    services.deadline_extension_grant(programme=w.programme, unit=w.unit, until=D(2023, 4, 20), reason="调研安排", by=w.reviewer)
    reminders.send_reminders(today=D(2023, 4, 13))
    assert reminded(w.operator) == [f"催报：{NAME}申报2023-04-20截止（还有7天）"]
    assert reminded(w.other_operator) == []  # its deadline has passed: the office urges it by hand


def test_a_waiting_review_reminds_the_reviewers_and_a_waiting_unit_task_is_copied_to_the_office(addressed):
    w = addressed
    submitted = w.declaration("submitted")
    returned = w.declaration("returned", unit=w.other_unit)
    opened = timezone.localdate(Declaration.objects.get(pk=submitted.pk).updated_at)  # the district's day, as the scan counts
    three, five = _working_days_after(opened, 3), _working_days_after(opened, 5)
    assert reminders.send_reminders(today=three)["task"] == 2
    assert reminded(w.reviewer)[0].startswith("催办：《惠企政策面对面》审核已等待3个工作日")
    assert reminded(w.other_operator)[0].startswith("催办：《惠企政策面对面》修改申报已等待3个工作日")
    assert reminders.send_reminders(today=three)["task"] == 0
    assert reminders.send_reminders(today=five)["task"] == 2
    assert reminded(w.reviewer)[-2:] == ["催办：《惠企政策面对面》审核已等待5个工作日",
                                         "超时抄送：开福区卫生健康局《惠企政策面对面》修改申报已等待5个工作日"]
    events = AuditEvent.objects.filter(action="remind", declaration=returned).order_by("seq")
    assert [e.changed["kind"] for e in events] == ["task_remind", "task_escalate"]


def _working_days_after(day, count):
    from policies.workdays import add_working_days

    return add_working_days(day, count)


def test_holding_and_summary_reminders_before_their_due_dates(addressed):
    w = addressed
    scheduled = w.declaration("scheduled", month=5)
    held = w.declaration("held", unit=w.other_unit)  # held on 2023-05-18: summary due by 2023-06-02
    assert reminders.send_reminders(today=D(2023, 5, 24))["hold"] == 1
    assert reminded(w.operator) == ["举办提醒：《惠企政策面对面》应在2023-05-31前举办"]
    assert reminders.send_reminders(today=D(2023, 5, 30))["summary"] == 1
    assert reminded(w.other_leader) == ["总结提醒：《惠企政策面对面》的活动总结请于2023-06-02前提交"]
    assert reminders.send_reminders(today=D(2023, 6, 5)) == {"declare": 0, "task": 0, "hold": 1, "summary": 1}
    assert reminded(w.operator)[-1] == "举办逾期：《惠企政策面对面》安排在5月，尚未登记举办"
    assert reminded(w.other_operator)[-1] == "总结逾期：《惠企政策面对面》的活动总结应于2023-06-02前提交"
    assert {e.declaration_id for e in AuditEvent.objects.filter(action="remind")} == {scheduled.pk, held.pk}


def test_reminders_the_programme_requires_go_by_mail_whatever_the_person_chose(addressed, client):
    w = addressed
    client.force_login(w.operator)
    client.post("/profile/", {"mobile": ""})  # every box unticked
    reminders.send_reminders(today=D(2023, 3, 27))
    message = Message.objects.get(recipient=w.operator, kind="reminder")
    assert list(message.deliveries.values_list("address", flat=True)) == ["edu-op@example.com"]


def test_sms_goes_to_mobile_numbers_through_the_gateway(addressed, client, settings, django_capture_on_commit_callbacks):
    from notifications.sms import MemoryBackend

    settings.SMS_BACKEND = "notifications.sms.MemoryBackend"
    MemoryBackend.outbox.clear()
    client.force_login(addressed.leader)
    client.post("/profile/", {"mobile": "13800000002", "email_reminder": "on", "sms_reminder": "on"})
    with django_capture_on_commit_callbacks(execute=True):
        reminders.send_reminders(today=D(2023, 3, 27))
    assert [to for to, _text in MemoryBackend.outbox] == ["13800000002"]
    assert MemoryBackend.outbox[0][1].startswith(f"【政务公开主题日】催报：{NAME}申报2023-04-03截止（还有7天）")
    assert "http://127.0.0.1:8000/declarations/new/" in MemoryBackend.outbox[0][1]


# ------------------------------------------------------------------ 催办 by hand

def test_the_office_urges_a_unit_once_a_day_from_the_dashboard(addressed, client):
    w = addressed
    client.force_login(w.reviewer)
    response = client.post(f"/dashboard/units/{w.unit.pk}/urge/", follow=True)
    assert "已催办开福区教育局：2人已收到消息。" in response.content.decode()
    [title] = reminded(w.operator)
    assert reminded(w.leader) == [title] and title.startswith(f"区政务公开办催报：{NAME}申报2023-04-03截止（已逾期")
    event = AuditEvent.objects.get(action="urge")
    assert (event.actor, event.unit, event.changed["kind"]) == (w.reviewer, w.unit, "urge_declaration")
    again = client.post(f"/dashboard/units/{w.unit.pk}/urge/", follow=True)
    assert "今天已经催办过开福区教育局。每个单位每天只能催办一次，请明天再试。" in again.content.decode()
    assert Message.objects.filter(kind="reminder").count() == 2 and AuditEvent.objects.filter(action="urge").count() == 1


def test_urging_a_declaration_reminds_its_unit_of_the_waiting_task(addressed, client):
    w = addressed
    d = w.declaration("scheduled")
    client.force_login(w.reviewer)
    assert "催办本单位" in client.get(f"/declarations/{d.pk}/").content.decode()
    client.post(f"/declarations/{d.pk}/urge/")
    assert reminded(w.operator) == ["区政务公开办催办：《惠企政策面对面》登记举办情况"]
    assert AuditEvent.objects.filter(action="urge", declaration=d).count() == 1
    assert reminded(w.other_operator) == []


def test_only_the_office_urges_and_nobody_urges_a_draft_they_may_not_see(addressed, client):
    w = addressed
    draft = w.declaration("drafted", unit=w.other_unit)  # never submitted: the office may not see it
    client.force_login(w.operator)
    assert client.post(f"/dashboard/units/{w.other_unit.pk}/urge/").status_code == 403
    client.force_login(w.reviewer)
    assert client.post(f"/declarations/{draft.pk}/urge/").status_code == 404
    assert not Message.objects.filter(kind="reminder").exists() and not Reminder.objects.exists()


# ------------------------------------------------------------------ due dates (亮灯)

def test_the_inbox_shows_each_tasks_due_date_and_the_dashboard_lists_the_overdue(addressed, client):
    w = addressed
    late = w.declaration("scheduled", month=5)  # to be held by 2023-05-31: long past
    waiting = w.declaration("submitted", unit=w.other_unit)  # to be reviewed within five working days from today
    client.force_login(w.operator)
    assert '<span class="light light-red" title="已逾期">2023-05-31</span>' in client.get("/").content.decode()
    client.force_login(w.reviewer)
    assert 'class="light light-red"' not in client.get("/queue/").content.decode()
    dashboard = client.get("/dashboard/")
    rows = dashboard.context["overdue"]
    assert [(r.unit_name, r.declaration_id, r.holder) for r in rows] == [("开福区教育局", late.pk, w.operator.first_name)]
    assert "逾期任务（按单位和环节）" in dashboard.content.decode() and waiting.pk != late.pk


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_schedulers_at_once_send_each_reminder_once(audit_flushable):
    from tests.factories import World, kaifu_programme

    w = World.build(kaifu_programme())
    extra = UnitFactory(code="kf-third", name="开福区第三局")
    person("third-op", Role.OPERATOR, extra)
    results, errors = [], []

    def run():
        try:
            results.append(reminders.send_reminders(today=D(2023, 3, 27)))
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sum(r["declare"] for r in results) == 3
    assert Message.objects.filter(kind="reminder").count() == 5  # 2 + 2 + 1 people
    assert AuditEvent.objects.filter(action="remind").count() == 3
    assert w.unit.pk != extra.pk and BEFORE_DEADLINE.year == 2023


def test_the_command_catches_up_a_day_once_and_the_daily_job_sends_todays(addressed, capsys):
    from django.core.management import CommandError, call_command

    from workflow import tasks

    call_command("send_reminders", "--date", "2023-03-27")
    assert "已发送：催报 2 条，催办 0 条，举办提醒 0 条，总结提醒 0 条" in capsys.readouterr().out
    call_command("send_reminders", "--date", "2023-03-27")  # the same day again: nothing twice
    assert "催报 0 条" in capsys.readouterr().out
    assert Message.objects.filter(kind="reminder").count() == 4
    with pytest.raises(CommandError, match="日期“3月27日”格式不正确"):
        call_command("send_reminders", "--date", "3月27日")
    # what celery beat runs each morning: today's (the 2023 deadline is long past, nothing is due)
    assert tasks.send_reminders() == {"declare": 0, "task": 0, "hold": 0, "summary": 0}


def test_the_queue_lists_the_earliest_due_first_whatever_came_first(addressed, client):
    from workflow.models import TaskDeadline

    w = addressed
    first = w.declaration("submitted")
    second = w.declaration("submitted", unit=w.other_unit)
    TaskDeadline.objects.filter(task__process__artifact_object_id=second.pk).update(due_on=D(2023, 1, 2))
    client.force_login(w.reviewer)
    for query in ({}, {"form": "forum"}):  # the tab as it is, and filtered
        rows = client.get("/queue/", query).context["rows"]
        assert [r.declaration_id for r in rows] == [second.pk, first.pk]
    html = client.get("/queue/").content.decode()
    assert html.index('title="已逾期">2023-01-02') < html.index("开福区教育局")


def test_the_催办_scan_reads_any_number_of_waiting_tasks_in_the_same_statements(addressed):
    """Each waiting task's declaration comes with its state: django-fsm reads a declaration's state
    when it is built, and a row read without it cost one statement more per task."""
    from django.test.utils import CaptureQueriesContext

    w = addressed
    first = w.declaration("submitted")
    three = _working_days_after(timezone.localdate(Declaration.objects.get(pk=first.pk).updated_at), 3)

    def scan() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as queries:
            found = reminders._waiting_tasks(w.programme, three)
        return len(found), len(queries.captured_queries)

    one = scan()
    w.declaration("submitted", unit=w.other_unit)
    two = scan()
    assert (one[0], two[0]) == (1, 2) and one[1] == two[1]
