"""An action through the API moves the process exactly like the task page would: the
inbox never shows a step that was already done elsewhere."""
from __future__ import annotations

from viewflow.workflow.status import STATUS

from tests.factories import content
from workflow.flows import DeclarationFlow
from workflow.inbox import queue_for, tasks_for
from workflow.process import process_of


def open_steps(declaration) -> list[str]:
    process = process_of(declaration)
    return sorted(t.flow_task.name for t in process.task_set.filter(status__in=[STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED]))


def test_a_declaration_created_through_the_api_waits_for_the_leaders_seal(extended, api):
    w = extended
    response = api(w.operator).post("/api/declarations/", {"programme": "kaifu-2023", "unit": "kf-edu", **content(w.programme, w.unit)}, format="json")
    assert response.status_code == 201
    from workflow.models import Declaration

    d = Declaration.objects.get(pk=response.json()["id"])
    assert open_steps(d) == ["seal"]
    assert [t.declaration_id for t in queue_for(w.leader)] == [d.pk]


def test_approve_through_the_api_completes_the_review_task_and_opens_scheduling(world, api):
    d = world.declaration("submitted")
    assert [t.declaration_id for t in queue_for(world.reviewer)] == [d.pk]

    assert api(world.reviewer).post(f"/api/declarations/{d.pk}/approve/").status_code == 200

    assert list(queue_for(world.reviewer)) == []
    assert open_steps(d) == ["schedule"]
    assert [t.declaration_id for t in queue_for(world.scheduler)] == [d.pk]
    done = process_of(d).task_set.get(flow_task=DeclarationFlow.review)
    assert (done.status, done.owner) == (STATUS.DONE, world.reviewer)


def test_return_through_the_api_gives_the_unit_its_revise_task(world, api):
    d = world.declaration("submitted")
    response = api(world.reviewer).post(f"/api/declarations/{d.pk}/return/", {"reason": "请补充活动简介"}, format="json")
    assert response.status_code == 200
    assert open_steps(d) == ["revise"]
    assert [t.declaration_id for t in tasks_for(world.operator)] == [d.pk]


def test_a_refused_api_action_leaves_the_task_open(world, api):
    d = world.declaration("submitted")
    response = api(world.reviewer).post(f"/api/declarations/{d.pk}/return/", {"reason": " "}, format="json")
    assert response.status_code == 400
    assert open_steps(d) == ["review"]


def test_cancel_through_the_api_ends_every_open_task_and_the_process(world, api):
    d = world.declaration("reviewed")
    assert open_steps(d) == ["schedule"]
    response = api(world.reviewer).post(f"/api/declarations/{d.pk}/cancel/", {"reason": "单位职能调整"}, format="json")
    assert response.status_code == 200
    assert open_steps(d) == [] and process_of(d).status == STATUS.CANCELED
    assert list(queue_for(world.scheduler)) == []


def test_the_year_walked_through_the_api_ends_the_process(world, api):
    d = world.declaration("scheduled")
    from tests.factories import SUMMARY, evidence

    assert api(world.operator).post(f"/api/declarations/{d.pk}/hold/", evidence(world.programme, world.unit), format="json").status_code == 200
    assert open_steps(d) == ["summarize"]
    assert api(world.operator).post(f"/api/declarations/{d.pk}/summarize/", SUMMARY, format="json").status_code == 200
    assert api(world.assessor).post(f"/api/declarations/{d.pk}/evaluate/", {"scores": {"quality": 9}, "comment": "好"}, format="json").status_code == 200
    assert open_steps(d) == [] and process_of(d).status == STATUS.DONE
