"""The API of 审批意见与讨论 and of the bulk actions: the same services as the pages, every id's
own outcome, and nothing about a declaration the caller may not see."""
from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.factories import BEFORE_DEADLINE, unit_with_people
from workflow import discussion, services
from workflow.models import AuditEvent, Comment, Declaration, State


def test_post_list_and_edit_a_comment(world, api):
    w = world
    d = w.declaration("submitted")
    posted = api(w.reviewer).post(f"/api/declarations/{d.pk}/comments/", {"body": "请补充活动简介。@edu-op @health-op"}, format="json")
    assert posted.status_code == 201, posted.json()
    body = posted.json()
    assert body["author"] == "reviewer" and body["office_only"] is False
    assert body["not_notified"] == ["health-op"] and "未收到通知" in body["notice"]
    edited = api(w.reviewer).patch(f"/api/declarations/{d.pk}/comments/{body['id']}/", {"body": "请补充活动简介中的政策名称。"}, format="json")
    assert edited.status_code == 200 and edited.json()["edited_at"]
    listed = api(w.operator).get(f"/api/declarations/{d.pk}/comments/").json()
    assert [c["body"] for c in listed] == ["请补充活动简介中的政策名称。"]


def test_refusals_of_comments(world, api):
    w = world
    d = w.declaration("submitted")
    url = f"/api/declarations/{d.pk}/comments/"
    assert api(w.reviewer).post(url, {"body": "  "}, format="json").json() == {"body": ["请填写意见内容。"]}
    assert api(w.reviewer).post(url, {}, format="json").json() == {"body": ["请填写意见内容。"]}
    assert api(w.reviewer).post(url, {"body": "好", "extra": 1}, format="json").status_code == 400
    assert api(w.operator).post(url, {"body": "内部", "office_only": True}, format="json").status_code == 403
    missing = api(w.other_operator).get("/api/declarations/999999/comments/")
    hidden = api(w.other_operator).get(url)
    assert hidden.status_code == missing.status_code == 404 and hidden.json() == missing.json()
    # malformed input on a declaration one may not see is still 404, not 400
    assert api(w.other_operator).post(url, {"body": ""}, format="json").status_code == 404
    assert api().get(url).status_code == 401
    note = api(w.reviewer).post(url, {"body": "内部备注", "office_only": True}, format="json").json()
    # a unit person cannot reach the note, not even to learn that it exists
    assert api(w.operator).patch(f"{url}{note['id']}/", {"body": "x"}, format="json").status_code == 404
    assert api(w.scheduler).patch(f"{url}{note['id']}/", {"body": "x"}, format="json").json() == {"detail": "只能修改自己发表的意见。"}
    assert [c["body"] for c in api(w.operator).get(url).json()] == []
    history = api(w.operator).get(f"/api/declarations/{d.pk}/history/").json()
    assert "office_note" not in {e["action"] for e in history}


def test_edit_after_five_minutes_is_refused(world, api):
    w = world
    d = w.declaration("submitted")
    comment = discussion.comment_post(declaration=d, by=w.reviewer, body="旧", now=timezone.now() - dt.timedelta(minutes=6)).comment
    response = api(w.reviewer).patch(f"/api/declarations/{d.pk}/comments/{comment.pk}/", {"body": "新"}, format="json")
    assert response.status_code == 403
    assert response.json() == {"detail": "意见发表超过5分钟，不能再修改；如需更正，请另发一条意见。"}


def test_the_comment_list_reads_a_constant_number_of_statements(world, api):
    w = world
    d = w.declaration("submitted")
    client = api(w.reviewer)
    url = f"/api/declarations/{d.pk}/comments/"

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    discussion.comment_post(declaration=d, by=w.reviewer, body="一")
    few = count()
    for n in range(6):
        discussion.comment_post(declaration=d, by=w.operator if n % 2 else w.scheduler, body=f"意见{n}")
    assert count() == few


def _submitted(world, n: int) -> list[Declaration]:
    """`n` submitted declarations of `n` units (the world's own first)."""
    found = [world.declaration("submitted")]
    for i in range(1, n):
        unit, people = unit_with_people(f"kf-b{i}", f"开福区批量局{i}")
        found.append(world.declaration("submitted", unit=unit, people=people))
    return found


def test_bulk_approve_answers_each_id_and_one_refusal_spares_the_others(world, api):
    w = world
    first, second, third = _submitted(w, 3)
    services.declaration_approve(declaration=second, by=w.reviewer)  # already reviewed: its own refusal
    hidden_draft = w.declaration("drafted", unit=w.other_unit)
    response = api(w.reviewer).post("/api/declarations/bulk/approve/", {"ids": [first.pk, second.pk, third.pk, hidden_draft.pk, 999999]},
                                    format="json")
    assert response.status_code == 200, response.json()
    results = response.json()["results"]
    assert results[0] == {"id": first.pk, "ok": True, "result": "成功"}
    assert results[1] == {"id": second.pk, "ok": False, "result": "当前状态为“已审核”，不能审核通过。"}
    assert results[2]["ok"] is True
    assert results[3]["result"] == results[4]["result"] == "未找到该申报，或您无权查看。"
    assert response.json()["summary"] == "共5项：成功2项，未成功3项。"
    assert Declaration.objects.get(pk=first.pk).state == Declaration.objects.get(pk=third.pk).state == State.REVIEWED
    assert AuditEvent.objects.filter(action="approve", actor=w.reviewer).count() == 3


def test_bulk_return_takes_one_reason_for_all(world, api):
    w = world
    first, second = _submitted(w, 2)
    url = "/api/declarations/bulk/return/"
    assert api(w.reviewer).post(url, {"ids": [first.pk]}, format="json").json() == {"reason": ["请填写退回理由。"]}
    response = api(w.reviewer).post(url, {"ids": [first.pk, second.pk], "reason": "请补充活动简介。"}, format="json")
    assert [r["ok"] for r in response.json()["results"]] == [True, True]
    for d in (first, second):
        d.refresh_from_db()
        assert (d.state, d.return_reason) == (State.DRAFTED, "请补充活动简介。")


@pytest.mark.parametrize(("ids", "message"), [
    ([], "请至少选择一项申报。"), ("1,2", "请以列表形式提供要处理的申报编号（ids）。"), (["a"], "申报编号须为整数。"),
    (list(range(1, 202)), "一次最多处理200项申报，请分批操作。"),
])
def test_bulk_ids_are_checked_in_chinese(world, api, ids, message):
    response = api(world.reviewer).post("/api/declarations/bulk/approve/", {"ids": ids}, format="json")
    assert response.status_code == 400
    assert message in str(response.json()["ids"])


def test_bulk_review_is_for_reviewers_only(world, api):
    w = world
    d = w.declaration("submitted")
    for person in (w.operator, w.leader, w.scheduler, w.assessor, w.other_leader):
        response = api(person).post("/api/declarations/bulk/approve/", {"ids": [d.pk]}, format="json")
        assert response.status_code == 403, person
        assert response.json() == {"detail": "只有区政务公开办审核人员可以审核通过。"}
    assert api().post("/api/declarations/bulk/approve/", {"ids": [d.pk]}, format="json").status_code == 401
    assert Declaration.objects.get(pk=d.pk).state == State.SUBMITTED


def test_separation_of_duties_is_one_items_refusal(world, api):
    w = world
    w.reviewer.groups.add(*w.leader.groups.all())  # the reviewer also seals for the unit
    mine = w.declaration("drafted")
    services.declaration_submit(declaration=mine, by=w.reviewer, now=BEFORE_DEADLINE)
    [other] = [w.declaration("submitted", unit=w.other_unit)]
    results = api(w.reviewer).post("/api/declarations/bulk/approve/", {"ids": [mine.pk, other.pk]}, format="json").json()["results"]
    assert results[0] == {"id": mine.pk, "ok": False, "result": "您报送了这份申报，不能再对其审核通过（职责分离）。"}
    assert results[1]["ok"] is True
    assert not Comment.objects.exists()


# The permission matrix through the API: each role × own / other unit's declaration.
ROLES = ["operator", "leader", "other_operator", "reviewer", "scheduler", "assessor", "administrator", "anonymous"]
SEES = {"operator", "leader", "reviewer", "scheduler", "assessor"}
OFFICE = {"reviewer", "scheduler", "assessor"}


@pytest.mark.parametrize("role", ROLES)
def test_api_matrix_of_comments_and_bulk(world, api, role):
    w = world
    d = w.declaration("submitted")
    client = api(None if role == "anonymous" else getattr(w, role))
    url = f"/api/declarations/{d.pk}/comments/"
    listed = client.get(url)
    posted = client.post(url, {"body": "请看"}, format="json")
    noted = client.post(url, {"body": "内部", "office_only": True}, format="json")
    approved = client.post("/api/declarations/bulk/approve/", {"ids": [d.pk]}, format="json")
    if role == "anonymous":
        assert {r.status_code for r in (listed, posted, noted, approved)} == {401}
        return
    assert listed.status_code == (200 if role in SEES else 404)
    assert posted.status_code == (201 if role in SEES else 404)
    assert noted.status_code == (201 if role in OFFICE else 403 if role in SEES else 404)
    assert approved.status_code == (200 if role == "reviewer" else 403)
    expected_state = State.REVIEWED if role == "reviewer" else State.SUBMITTED
    assert Declaration.objects.get(pk=d.pk).state == expected_state
