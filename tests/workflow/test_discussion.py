"""审批意见与讨论 (workflow.discussion): who reads a comment, who an @ tells, the five-minute edit,
the audit events, and the office's internal notes that a unit never sees."""
from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from notifications.models import Kind, Message
from workflow import discussion
from workflow.errors import NotFound, PermissionRefused, RuleViolation
from workflow.models import AuditEvent, Comment
from workflow.selectors import history_of
from workflow.trail.verify import verify


def mentions_of(user) -> list[Message]:
    return list(Message.objects.filter(recipient=user, kind=Kind.DISCUSSION).order_by("pk"))


def test_a_comment_tells_whom_it_names_by_login_or_name_and_is_audited(world):
    w = world
    d = w.declaration("submitted")
    w.operator.first_name = "李小红"
    w.operator.save(update_fields=["first_name"])
    posted = discussion.comment_post(declaration=d, by=w.reviewer, body="@李小红请补充联系人电话，@edu-lead 请知悉。")
    assert posted.not_notified == [] and posted.notice == ""
    [to_operator] = mentions_of(w.operator)
    [to_leader] = mentions_of(w.leader)
    assert to_operator.title.endswith("在《惠企政策面对面》的讨论中提到了您")
    assert to_operator.url == f"/declarations/{d.pk}/#comment-{posted.comment.pk}"
    assert "请补充联系人电话" in to_leader.body
    event = AuditEvent.objects.filter(declaration=d).latest("seq")
    assert (event.action, event.actor_id, event.changed["comment"]) == ("comment", w.reviewer.pk, posted.comment.pk)
    assert event.changed["body"] == posted.comment.body
    assert [c.body for c in discussion.comments_visible_to(w.operator, d)] == [posted.comment.body]


def test_naming_someone_who_may_not_see_it_tells_nobody_and_says_so_without_saying_why(world):
    w = world
    d = w.declaration("submitted")
    posted = discussion.comment_post(declaration=d, by=w.reviewer, body="@health-op 请看，@nobody-at-all 也看")
    assert posted.not_notified == ["health-op", "nobody-at-all"]
    assert posted.notice == "@health-op、@nobody-at-all 未收到通知：查无此人，或其无权查看这条意见。"
    assert not Message.objects.filter(kind=Kind.DISCUSSION).exists()


def test_an_office_only_note_is_never_seen_by_the_unit_nor_can_it_tell_them(world):
    w = world
    d = w.declaration("submitted")
    discussion.comment_post(declaration=d, by=w.operator, body="已按要求修改。")
    posted = discussion.comment_post(declaration=d, by=w.reviewer, body="内部：@edu-op 的材料需核实 @scheduler", office_only=True)
    assert posted.not_notified == ["edu-op"]
    assert not mentions_of(w.operator) and len(mentions_of(w.scheduler)) == 1
    assert [c.body for c in discussion.comments_visible_to(w.operator, d)] == ["已按要求修改。"]
    assert [c.body for c in discussion.comments_visible_to(w.leader, d)] == ["已按要求修改。"]
    assert len(discussion.comments_visible_to(w.scheduler, d)) == 2
    assert "office_note" not in {e.action for e in history_of(d, viewer=w.operator)}
    assert "office_note" not in {e.action for e in history_of(d)}
    assert "office_note" in {e.action for e in history_of(d, viewer=w.reviewer)}
    with pytest.raises(PermissionRefused, match="只有区政务公开办人员可以发表内部备注"):
        discussion.comment_post(declaration=d, by=w.operator, body="想写内部备注", office_only=True)


def test_who_may_not_see_the_declaration_gets_not_found_and_nothing_is_written(world):
    w = world
    d = w.declaration("submitted")
    draft = w.declaration("drafted", unit=w.other_unit)
    events = AuditEvent.objects.count()
    for person, target in ((w.other_operator, d), (w.reviewer, draft)):
        with pytest.raises(NotFound) as refused:
            discussion.comment_post(declaration=target, by=person, body="看看")
        assert refused.value.message == "未找到该申报，或您无权查看。"
    with pytest.raises(NotFound):
        discussion.comments_of(w.other_leader, d.pk)
    assert AuditEvent.objects.count() == events and not Comment.objects.exists()


@pytest.mark.parametrize(("body", "message"), [
    ("", "请填写意见内容。"), ("   \n ", "请填写意见内容。"), ("\u200b\u200b", "意见内容只有空白或不可见字符，请填写实际内容。"),
    ("x" * 2001, "意见内容不能超过2000个字。"), ("坏\x07字符", "意见内容含有无法显示的控制字符，请删除后重新填写。"),
])
def test_an_empty_or_too_long_body_is_refused_in_chinese(world, body, message):
    d = world.declaration("submitted")
    with pytest.raises(RuleViolation) as refused:
        discussion.comment_post(declaration=d, by=world.reviewer, body=body)
    assert refused.value.by_field() == {"body": [message]}
    assert not Comment.objects.exists()


def test_the_author_edits_within_five_minutes_only_and_each_edit_is_audited(world):
    w = world
    d = w.declaration("submitted")
    start = timezone.now()
    posted = discussion.comment_post(declaration=d, by=w.reviewer, body="请补充材料", now=start)
    with pytest.raises(PermissionRefused, match="只能修改自己发表的意见"):
        discussion.comment_edit(comment=posted.comment, by=w.scheduler, body="改一下", now=start)
    edited = discussion.comment_edit(comment=posted.comment.pk, by=w.reviewer, body="请补充材料 @edu-op",
                                     now=start + dt.timedelta(minutes=4, seconds=59))
    assert edited.comment.body == "请补充材料 @edu-op" and edited.comment.edited_at is not None
    assert len(mentions_of(w.operator)) == 1
    event = AuditEvent.objects.filter(declaration=d).latest("seq")
    assert event.action == "edit_comment" and event.changed["body"] == ["请补充材料", "请补充材料 @edu-op"]
    with pytest.raises(PermissionRefused) as late:
        discussion.comment_edit(comment=posted.comment, by=w.reviewer, body="再改", now=start + dt.timedelta(minutes=5, seconds=1))
    assert late.value.message == "意见发表超过5分钟，不能再修改；如需更正，请另发一条意见。"
    assert Comment.objects.get().body == "请补充材料 @edu-op"
    assert verify().ok  # the comment's events sit in the declaration's hash chain like any other


def test_a_unit_person_cannot_reach_an_office_note_to_edit_it(world):
    w = world
    d = w.declaration("submitted")
    note = discussion.comment_post(declaration=d, by=w.reviewer, body="内部", office_only=True).comment
    with pytest.raises(NotFound):
        discussion.comment_edit(comment=note, by=w.operator, body="改")
    with pytest.raises(NotFound):
        discussion.comment_edit(comment=999999, by=w.reviewer, body="改")


def test_what_counts_as_a_mention():
    assert discussion.mentioned_names("请@张三核实，@edu-op。另见 li@example.com；@张三") == ["张三核实", "edu-op", "张三"]
