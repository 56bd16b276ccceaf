"""Who is told what (workflow.notify): messages written with the action, mail sent after commit,
and nobody told about, or able to open, a declaration they may not see."""
from __future__ import annotations

import pytest
from django.core import mail
from django.db import transaction
from rest_framework.test import APIClient

from notifications.models import Channel, Delivery, Kind, Message
from tests.factories import SUMMARY
from units.roles import Role
from workflow import notify, services
from workflow.flows import DeclarationFlow
from workflow.models import Declaration, TaskDeadline
from workflow.roles import role_revoke


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def titles(user) -> list[str]:
    return list(Message.objects.filter(recipient=user).order_by("pk").values_list("title", flat=True))


def test_a_return_tells_the_units_people_the_reason_by_message_and_mail_and_nobody_else(
        extended, django_capture_on_commit_callbacks):
    w = extended
    d = w.declaration("submitted")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = api(w.reviewer).post(f"/api/declarations/{d.pk}/return/", {"reason": "请补充活动简介中的政策名称。"}, format="json")
    assert response.status_code == 200
    for person in (w.operator, w.leader):
        message = Message.objects.filter(recipient=person, cause__startswith="task:").latest("pk")
        assert message.title == "申报被退回：《惠企政策面对面》" and "退回理由：请补充活动简介中的政策名称。" in message.body
    # the operator drafted it: the revise task is theirs (the task's page); the leader reads the declaration
    assert Message.objects.filter(recipient=w.operator, cause__startswith="task:").latest("pk").url.startswith("/tasks/")
    assert Message.objects.filter(recipient=w.leader, cause__startswith="task:").latest("pk").url == f"/declarations/{d.pk}/"
    assert not Message.objects.filter(recipient__in=[w.other_operator, w.other_leader], declaration=d).exists()
    sent = {m.to[0]: m for m in mail.outbox if "申报被退回" in m.subject}
    assert set(sent) == {"edu-op@example.com", "edu-lead@example.com"}
    letter = sent["edu-op@example.com"]
    assert letter.subject == "【政务公开主题日】申报被退回：《惠企政策面对面》"
    assert "请补充活动简介中的政策名称。" in letter.body and "http://127.0.0.1:8000/tasks/" in letter.body
    html = letter.alternatives[0].content
    assert "请补充活动简介中的政策名称。" in html and 'href="http://127.0.0.1:8000/tasks/' in html


def test_approve_tells_the_unit_and_gives_the_schedulers_their_task(extended, django_capture_on_commit_callbacks):
    w = extended
    d = w.declaration("submitted")
    assert titles(w.reviewer) == ["待审核：开福区教育局《惠企政策面对面》"]  # announced when the flow adopted it
    with django_capture_on_commit_callbacks(execute=True):
        assert api(w.reviewer).post(f"/api/declarations/{d.pk}/approve/").status_code == 200
    assert titles(w.operator)[-1] == titles(w.leader)[-1] == "申报已审核通过：《惠企政策面对面》"
    assert titles(w.scheduler) == ["待排期：开福区教育局《惠企政策面对面》"]
    assert titles(w.reviewer) == ["待审核：开福区教育局《惠企政策面对面》"]  # nobody is told of their own action
    assert not Message.objects.filter(recipient__in=[w.other_operator, w.other_leader], declaration=d).exists()


def test_publishing_the_schedule_tells_each_unit_its_own_month(extended):
    w = extended
    first = w.declaration("reviewed", month=5)
    second = w.declaration("reviewed", unit=w.other_unit, month=9)
    services.schedule_publish(programme=w.programme, by=w.scheduler, months={first.pk: 6, second.pk: 9})
    assert titles(w.operator)[-1] == "已排期：《惠企政策面对面》安排在6月"
    assert titles(w.other_leader)[-1] == "已排期：《惠企政策面对面》安排在9月"
    body = Message.objects.filter(recipient=w.operator).latest("pk").body
    assert "安排在6月" in body and "2023-06-30前登记举办情况" in body and "9月" not in body
    due = TaskDeadline.objects.get(task__process__artifact_object_id=first.pk, task__flow_task=DeclarationFlow.hold)
    assert str(due.due_on) == "2023-06-30"


def test_announcing_the_same_tasks_again_writes_nothing_again(extended):
    w = extended
    d = w.declaration("submitted")
    before = (Message.objects.count(), Delivery.objects.count(), TaskDeadline.objects.count())
    with transaction.atomic():
        assert notify.tasks_opened([Declaration.objects.select_related("unit", "programme").get(pk=d.pk)]) == 0
    assert (Message.objects.count(), Delivery.objects.count(), TaskDeadline.objects.count()) == before


def test_an_action_that_rolls_back_sends_nothing(extended, django_capture_on_commit_callbacks):
    w = extended
    d = w.declaration("submitted")
    before = Message.objects.count()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(RuntimeError), transaction.atomic():
        services.declaration_approve(declaration=d, by=w.reviewer)
        assert Message.objects.count() > before  # written with the action…
        raise RuntimeError("the request failed after the approval")
    assert Message.objects.count() == before and callbacks == [] and mail.outbox == []  # …and gone with it
    assert Declaration.objects.get(pk=d.pk).state == "submitted"


def test_another_units_person_never_sees_or_opens_a_message_and_one_who_left_stops_seeing_it(extended, client):
    w = extended
    d = w.declaration("submitted")
    api(w.reviewer).post(f"/api/declarations/{d.pk}/return/", {"reason": "请补充。"}, format="json")
    message = Message.objects.filter(recipient=w.leader, cause__startswith="task:").latest("pk")

    client.force_login(w.other_leader)
    assert client.get(f"/messages/{message.pk}/").status_code == 404
    assert client.post(f"/messages/{message.pk}/read/").status_code == 404
    assert "申报被退回" not in client.get("/messages/").content.decode()

    client.force_login(w.leader)
    page = client.get("/messages/").content.decode()
    assert "申报被退回：《惠企政策面对面》" in page and "请补充。" in page
    unread = Message.objects.filter(recipient=w.leader).count()
    assert f'aria-label="消息中心：{unread}条未读"' in client.get("/declarations/").content.decode()

    role_revoke(user=w.leader, role=Role.LEADER, unit=w.unit, by=w.administrator)
    assert "申报被退回" not in client.get("/messages/").content.decode()
    assert client.get(f"/messages/{message.pk}/").status_code == 404
    left = Message.objects.filter(recipient=w.leader, declaration__isnull=True).count()  # the extension's notice
    assert left < unread and f'aria-label="消息中心：{left}条未读"' in client.get("/").content.decode()


def test_opening_a_message_marks_it_read_and_leads_to_its_task(extended, client):
    w = extended
    d = w.declaration("submitted")
    api(w.reviewer).post(f"/api/declarations/{d.pk}/return/", {"reason": "请补充。"}, format="json")
    api(w.reviewer).post(f"/api/declarations/{d.pk}/cancel/", {"reason": "单位申请取消。"}, format="json")
    client.force_login(w.operator)
    unread = Message.objects.filter(recipient=w.operator).count()  # the extension, the return, the cancellation
    assert unread == 3 and 'aria-label="消息中心：3条未读"' in client.get("/").content.decode()
    task_message = Message.objects.filter(recipient=w.operator, cause__startswith="task:").latest("pk")
    response = client.get(f"/messages/{task_message.pk}/")
    assert response.status_code == 302 and response["Location"] == task_message.url
    assert 'aria-label="消息中心：2条未读"' in client.get("/").content.decode()
    assert client.post("/messages/read-all/").status_code == 302
    assert not Message.objects.filter(recipient=w.operator, read_at__isnull=True).exists()
    cancelled = Message.objects.get(recipient=w.operator, cause__startswith="cancel:")
    assert cancelled.title == "申报已取消：《惠企政策面对面》" and "取消理由：单位申请取消。" in cancelled.body


def test_a_person_who_turns_off_task_mail_gets_the_message_without_mail(extended, client):
    w = extended
    client.force_login(w.operator)
    response = client.post("/profile/", {"mobile": "", "email_decision": "on"})  # task mail unticked
    assert response.status_code == 302
    d = w.declaration("submitted")
    api(w.reviewer).post(f"/api/declarations/{d.pk}/return/", {"reason": "请补充。"}, format="json")
    message = Message.objects.filter(recipient=w.operator, cause__startswith="task:").latest("pk")
    assert not message.deliveries.exists()
    leader_message = Message.objects.filter(recipient=w.leader, cause__startswith="task:").latest("pk")
    assert list(leader_message.deliveries.values_list("channel", "address")) == [(Channel.EMAIL, "edu-lead@example.com")]


def test_the_profile_page_refuses_a_bad_mobile_number_in_chinese(world, client):
    client.force_login(world.operator)
    response = client.post("/profile/", {"mobile": "0731-8439"})
    assert response.status_code == 200 and "手机号码须为11位数字" in response.content.decode()
    assert client.post("/profile/", {"mobile": "138 0000 0001"}).status_code == 302
    assert 'value="13800000001"' in client.get("/profile/").content.decode()


def test_releasing_the_results_tells_each_unit_that_took_part_where_its_breakdown_is(addressed):
    from workflow.releases import assessment_release

    w = addressed
    w.declaration("summarized")
    assessment_release(programme=w.programme, by=w.reviewer)
    message = Message.objects.get(recipient=w.operator, kind=Kind.RESULTS)
    assert message.title == f"{w.programme.name}考核结果已发布（第1次发布）"
    assert message.url == f"/programmes/kaifu-2023/assessment/units/{w.unit.code}/"
    assert not Message.objects.filter(kind=Kind.RESULTS, recipient__in=[w.other_operator, w.other_leader]).exists()


def test_a_units_draft_task_falls_due_on_its_extended_deadline_and_an_office_task_in_working_days(extended):
    """The due date written when a task is announced: a returned draft's revise task by the unit's
    extension (2099-12-31, not the programme's 2023 deadline); the review task by the office's working days."""
    w = extended
    d = w.declaration("submitted")
    review = TaskDeadline.objects.get(task__process__artifact_object_id=d.pk, task__flow_task=DeclarationFlow.review)
    assert review.due_on.year >= 2026 and review.due_on.year < 2099
    services.declaration_return(declaration=d, by=w.reviewer, reason="请补充。")
    revise = TaskDeadline.objects.filter(task__process__artifact_object_id=d.pk,
                                         task__flow_task=DeclarationFlow.revise).latest("task_id")
    assert str(revise.due_on) == "2099-12-31"
    assert notify.tasks_opened([d]) == 0  # announced once: asking again writes nothing


def test_an_approve_tells_the_unit_and_the_schedulers_in_one_insert_and_a_rollback_writes_none(extended):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from notifications import outbox

    w = extended
    d = w.declaration("submitted")
    with CaptureQueriesContext(connection) as queries:
        services.declaration_approve(declaration=d, by=w.reviewer)
    inserts = [q["sql"] for q in queries.captured_queries if q["sql"].startswith('INSERT INTO "notifications_message"')]
    assert len(inserts) == 1
    assert titles(w.operator)[-1] == "申报已审核通过：《惠企政策面对面》"
    assert titles(w.scheduler) == ["待排期：开福区教育局《惠企政策面对面》"]

    before = Message.objects.count()
    with pytest.raises(ZeroDivisionError), transaction.atomic(), outbox.together():
        outbox.write([outbox.Note(w.operator.pk, Kind.DECISION, "held-back", "不会写入")])
        assert Message.objects.count() == before  # held until the end of `together`
        1 / 0  # noqa: B018
    assert Message.objects.count() == before and not Message.objects.filter(cause="held-back").exists()


def test_every_step_of_the_year_tells_whose_turn_it_is(extended):
    """The seal, a send-back, holding, the summary, the evaluation and a reschedule, each told to
    the people whose turn it is (and a withdrawal to the operator), through the services."""
    w = extended
    d = w.declaration("drafted")  # complete: straight to the leader's seal
    assert "待盖章报送：开福区教育局《惠企政策面对面》" in titles(w.leader)
    services.declaration_send_back(declaration=d, by=w.leader, reason="请补充联系人电话。")
    assert "待修改申报：《惠企政策面对面》" in titles(w.operator)
    services.declaration_hand_over(declaration=d, by=w.operator)
    d = services.declaration_submit(declaration=d, by=w.leader)
    d = services.declaration_withdraw(declaration=d, by=w.leader, reason="再核对一下")
    assert "申报已撤回，待修改：《惠企政策面对面》" in titles(w.operator)

    held = w.declaration("held", unit=w.other_unit, theme="家庭医生签约服务")  # held by its operator
    assert "待提交活动总结：《家庭医生签约服务》" in titles(w.other_leader)  # nobody is told of their own action
    services.declaration_summarize(declaration=held, by=w.other_operator, summary=SUMMARY)
    assert "待评估：开福区卫生健康局《家庭医生签约服务》" in titles(w.assessor)
    assert not [t for t in titles(w.operator) if "家庭医生" in t]  # another unit's steps: never told

    mine = services.declaration_cancel(declaration=d, by=w.reviewer, reason="重新申报")
    assert mine.state == "cancelled" and "申报已取消：《惠企政策面对面》" in titles(w.operator)
    fresh = w.declaration("scheduled")
    services.declaration_reschedule(declaration=fresh, by=w.scheduler, month=9, reason="与中考时间冲突")
    moved = Message.objects.filter(recipient=w.leader, title__startswith="活动排期已调整").latest("pk")
    assert moved.title.endswith("改在9月") and "调整理由：与中考时间冲突" in moved.body


def test_the_bell_counts_to_99_then_reads_99_plus(extended, client):
    from notifications import outbox

    w = extended
    client.force_login(w.administrator)  # no unit, no message yet
    assert 'aria-label="消息中心：0条未读">消息<span class="badge">0</span>' in client.get("/declarations/").content.decode()
    client.force_login(w.operator)
    with transaction.atomic():
        outbox.write([outbox.Note(w.operator.pk, Kind.DECISION, f"many:{n}", f"第{n}条") for n in range(120)])
    page = client.get("/declarations/").content.decode()
    assert 'aria-label="消息中心：99+条未读">消息<span class="badge unread">99+</span>' in page
    from notifications.selectors import unread_count

    assert unread_count(w.operator) == 120 + Message.objects.filter(recipient=w.operator, read_at__isnull=True).exclude(
        cause__startswith="many:").count()


def test_the_message_center_shows_exactly_the_messages_about_declarations_one_may_see(extended):
    """`messages_of` tests the message's declaration by its columns (`selectors.visibility_through`):
    the same messages as filtering by `declarations_visible_to`, for every person of the world."""
    from notifications import outbox
    from notifications.selectors import messages_of
    from workflow.selectors import declarations_visible_to

    w = extended
    draft, submitted = w.declaration("drafted"), w.declaration("submitted", unit=w.other_unit)
    people = [w.operator, w.leader, w.other_operator, w.other_leader, w.reviewer, w.scheduler, w.assessor, w.administrator]
    with transaction.atomic():  # everyone told about both, and about nothing in particular
        outbox.write([outbox.Note(p.pk, Kind.DECISION, f"probe:{d}:{p.pk}", "探针", declaration_id=d)
                      for p in people for d in (draft.pk, submitted.pk, None)])
    for p in people:
        visible = set(declarations_visible_to(p).values_list("pk", flat=True))
        expected = {m.pk for m in Message.objects.filter(recipient=p) if m.declaration_id is None or m.declaration_id in visible}
        assert set(messages_of(p).values_list("pk", flat=True)) == expected
    assert not messages_of(w.reviewer).filter(declaration=draft).exists()  # never submitted: the office never reads of it
    assert messages_of(w.operator).filter(declaration=draft).exists() and not messages_of(w.operator).filter(declaration=submitted).exists()


def test_who_is_told_a_unit_or_an_office_task_is_who_holds_its_role(world):
    """The audiences (`notify.unit_people`, `notify.office_people`) against Django's own answer:
    a permission held through a group or directly; never an inactive person; a superuser only
    through a role."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Permission

    from tests.factories import UserFactory
    from units.roles import REVIEW, SCHEDULE

    w = world
    direct = UserFactory(username="direct-reviewer")
    direct.user_permissions.add(Permission.objects.get(codename=REVIEW.split(".")[1]))
    get_user_model().objects.create_superuser("root", "root@example.com", "Root-pass-1!")
    w.scheduler.is_active = False
    w.scheduler.save(update_fields=["is_active"])
    w.other_leader.is_active = False
    w.other_leader.save(update_fields=["is_active"])

    office = notify.office_people([REVIEW, SCHEDULE])
    for perm in (REVIEW, SCHEDULE):
        holders = {u.pk for u in get_user_model().objects.filter(is_active=True, is_superuser=False) if u.has_perm(perm)}
        assert office.get(perm, set()) == holders
    assert direct.pk in office[REVIEW] and w.reviewer.pk in office[REVIEW] and SCHEDULE not in office

    assert notify.unit_people([w.unit.pk, w.other_unit.pk]) == {w.unit.pk: {w.operator.pk, w.leader.pk},
                                                                w.other_unit.pk: {w.other_operator.pk}}
    assert notify.unit_people([w.unit.pk], roles=[Role.LEADER]) == {w.unit.pk: {w.leader.pk}}
    assert notify.unit_people([]) == {}


def test_the_tasks_to_announce_are_what_the_orm_finds(extended):
    """`notify._unannounced` (written once as SQL) against the same question asked through the ORM:
    the open tasks of these processes with no due date yet, and the node each came from."""
    from django.db.models import OuterRef
    from viewflow.workflow.models import Task

    from workflow.process import process_of

    w = extended
    made = [w.declaration("returned"), w.declaration("submitted", unit=w.other_unit)]
    processes = [process_of(d).pk for d in made]
    TaskDeadline.objects.filter(task__process_id=processes[1]).delete()  # not announced yet: found again

    def shape(rows):
        return [(r.pk, r.flow_task, r.status, r.created, r.owner_id, r.owner_permission, r.process_id,
                 notify._node_name(r.after)) for r in rows]

    expected = (Task.objects.filter(process_id__in=processes, status__in=notify.OPEN, deadline__isnull=True)
                .annotate(after=notify._gate_before(OuterRef("pk"))).order_by("pk"))
    found = notify._unannounced(processes)
    assert shape(found) == shape(expected) and len(found) == 1
    assert notify._node_name(found[0].after) == "sealed" and found[0].flow_task == DeclarationFlow.review
