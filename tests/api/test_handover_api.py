"""`POST /api/tasks/{id}/transfer/` and `POST /api/declarations/{id}/copy-in/` (issue 21): the same
services as the pages, with 400 (Chinese, per field), 401, 403, 404 and 409 as documented."""
from __future__ import annotations

import pytest
from viewflow.workflow.status import STATUS

from tests.factories import person
from units.roles import Role
from workflow.models import AuditEvent, CopyIn
from workflow.process import process_of

pytestmark = pytest.mark.django_db


def revise_task(declaration):
    return process_of(declaration).task_set.get(flow_task__endswith=".revise", status=STATUS.ASSIGNED)


def test_the_api_transfers_a_task_and_answers_each_refusal(world, api):
    person("edu-op2", Role.OPERATOR, world.unit)
    d = world.declaration("returned")
    task = revise_task(d)
    url = f"/api/tasks/{task.pk}/transfer/"

    assert api().post(url, {"to": "edu-op2", "reason": "出差"}, format="json").status_code == 401
    assert api(world.other_operator).post(url, {"to": "edu-op2", "reason": "出差"}, format="json").status_code == 404
    assert api(world.other_operator).post(url, {}, format="json").status_code == 404  # nothing learnt from a 400
    assert api(world.leader).post(url, {"to": "edu-op2", "reason": "出差"}, format="json").status_code == 403
    other_unit = api(world.operator).post(url, {"to": "health-op", "reason": "出差"}, format="json")
    assert other_unit.status_code == 400 and "不是该单位人员" in other_unit.json()["to"][0]
    no_reason = api(world.operator).post(url, {"to": "edu-op2"}, format="json")
    assert no_reason.status_code == 400 and no_reason.json()["reason"] == ["请填写转办理由。"]

    done = api(world.operator).post(url, {"to": "edu-op2", "reason": "出差"}, format="json")

    assert done.status_code == 200 and done.json()["owner"] == "edu-op2"
    assert AuditEvent.objects.filter(declaration=d, action="transfer", actor=world.operator).count() == 1
    assert api(world.operator).post(url, {"to": "edu-lead", "reason": "出差"}, format="json").status_code == 403
    assert api(world.reviewer).post("/api/tasks/999999/transfer/", {"to": "edu-op", "reason": "x"}, format="json").status_code == 404


def test_a_finished_task_cannot_be_transferred(world, api):
    d = world.declaration("submitted")
    seal = process_of(d).task_set.get(flow_task__endswith=".seal")
    response = api(world.reviewer).post(f"/api/tasks/{seal.pk}/transfer/", {"to": "edu-lead", "reason": "x"}, format="json")
    assert response.status_code == 409 and "已办结" in response.json()["detail"]


def test_the_api_copies_in_only_people_who_may_see_the_declaration(world, api):
    d = world.declaration("drafted")
    url = f"/api/declarations/{d.pk}/copy-in/"

    assert api().post(url, {"to": "edu-op"}, format="json").status_code == 401
    assert api(world.other_leader).post(url, {"to": "edu-op"}, format="json").status_code == 404
    assert api(world.operator).post(url, {"to": "edu-lead"}, format="json").status_code == 403
    assert api(world.operator).post(url, {}, format="json").status_code == 403
    refused = api(world.leader).post(url, {"to": "health-op"}, format="json")
    assert refused.status_code == 400 and "无权查看" in refused.json()["to"][0]

    made = api(world.leader).post(url, {"to": "edu-op", "note": "请知悉"}, format="json")

    assert made.status_code == 201 and made.json()["person"] == "edu-op" and made.json()["note"] == "请知悉"
    assert CopyIn.objects.filter(declaration=d, person=world.operator).count() == 1


def test_the_api_names_lists_and_ends_a_substitute(world, api):
    import datetime as dt

    from django.utils import timezone

    today = timezone.localdate().isoformat()
    person("edu-lead2", Role.LEADER, world.unit)
    assert api().get("/api/substitutes/").status_code == 401
    wrong = api(world.leader).post("/api/substitutes/", {"substitute": "edu-op", "starts": today, "ends": today}, format="json")
    assert wrong.status_code == 400 and "代理人须与您担任相同的角色" in wrong.json()["substitute"][0]
    made = api(world.leader).post("/api/substitutes/", {"substitute": "edu-lead2", "starts": today, "ends": today}, format="json")
    assert made.status_code == 201 and made.json()["substitute"] == "edu-lead2"
    assert [row["id"] for row in api(world.leader).get("/api/substitutes/").json()] == [made.json()["id"]]
    assert api(world.other_leader).get("/api/substitutes/").json() == []
    end = f"/api/substitutes/{made.json()['id']}/end/"
    assert api(world.other_leader).post(end, {}, format="json").status_code == 404
    assert api(world.leader).post(end, {}, format="json").json()["ended_at"] is not None
    assert api(world.leader).post(end, {}, format="json").status_code == 409
    assert dt.date.fromisoformat(today)
