"""A whole year called straight on the services (no page, no API): after every call exactly the
expected task is open, for exactly the expected people, as the inbox pages read it."""
from __future__ import annotations

from viewflow.workflow.status import STATUS

from tests.factories import BEFORE_DEADLINE, SUMMARY, content, evidence
from workflow import inbox, services
from workflow.models import Declaration, State
from workflow.process import process_of


def waiting(world) -> dict[str, list[tuple[str, str, str]]]:
    """Every person's 待办 and 待领取 as the pages list them: (tab, unit code, step)."""
    people = {
        "operator": world.operator, "leader": world.leader, "other_operator": world.other_operator,
        "other_leader": world.other_leader, "reviewer": world.reviewer, "scheduler": world.scheduler,
        "assessor": world.assessor, "administrator": world.administrator,
    }
    seen = {}
    for name, person in people.items():
        rows = [("待办", row) for row in inbox.tasks_for(person)] + [("待领取", row) for row in inbox.queue_for(person)]
        seen[name] = [(tab, row.declaration.unit.code, row.flow_task.name) for tab, row in rows]
    return {name: rows for name, rows in seen.items() if rows}


def test_every_service_leaves_exactly_the_next_task_with_exactly_its_people(world):
    p, w = world.programme, world
    edu, health = w.unit.code, w.other_unit.code

    d = services.declaration_create(programme=p, unit=w.unit, by=w.operator, data=content(p, w.unit)).pk  # by id: nobody holds a stale copy
    assert waiting(w) == {"leader": [("待领取", edu, "seal")]}

    services.declaration_send_back(declaration=d, by=w.leader, reason="请核对联系电话")
    assert waiting(w) == {"operator": [("待办", edu, "revise")]}

    services.declaration_hand_over(declaration=d, by=w.operator, data={"contact_phone": "0731-84390002"})
    assert waiting(w) == {"leader": [("待领取", edu, "seal")]}

    services.declaration_submit(declaration=d, by=w.leader, now=BEFORE_DEADLINE)
    assert waiting(w) == {"reviewer": [("待领取", edu, "review")]}

    services.declaration_withdraw(declaration=d, by=w.leader, reason="补充活动简介")
    assert waiting(w) == {"operator": [("待办", edu, "revise")]}

    services.declaration_hand_over(declaration=d, by=w.operator)
    services.declaration_submit(declaration=d, by=w.leader, now=BEFORE_DEADLINE)
    services.declaration_return(declaration=d, by=w.reviewer, reason="请写明参与人员")
    assert waiting(w) == {"operator": [("待办", edu, "revise")]}

    # the leader seals the returned draft at once: the revision counts as done
    services.declaration_submit(declaration=d, by=w.leader, now=BEFORE_DEADLINE)
    assert waiting(w) == {"reviewer": [("待领取", edu, "review")]}

    services.declaration_approve(declaration=d, by=w.reviewer)
    assert waiting(w) == {"scheduler": [("待领取", edu, "schedule")]}

    services.schedule_publish(programme=p, by=w.scheduler, months={d: 5})
    assert waiting(w) == {"operator": [("待办", edu, "hold")]}

    services.declaration_reschedule(declaration=d, by=w.scheduler, month=6, reason="与区级会议冲突")
    assert waiting(w) == {"operator": [("待办", edu, "hold")]}

    services.declaration_hold(declaration=d, by=w.operator, evidence=evidence(p, w.unit, held_on="2023-06-12"))
    assert waiting(w) == {"operator": [("待办", edu, "summarize")]}

    services.declaration_summarize(declaration=d, by=w.operator, summary=SUMMARY)
    assert waiting(w) == {"assessor": [("待领取", edu, "evaluate")]}

    services.declaration_evaluate(declaration=d, by=w.assessor, scores={"quality": 8}, comment="组织有序")
    assert waiting(w) == {}
    assert process_of(d).status == STATUS.DONE

    other = services.declaration_create(programme=p, unit=w.other_unit, by=w.other_operator, data=content(p, w.other_unit)).pk
    services.declaration_submit(declaration=other, by=w.other_leader, now=BEFORE_DEADLINE)
    assert waiting(w) == {"reviewer": [("待领取", health, "review")]}
    services.declaration_cancel(declaration=other, by=w.reviewer, reason="单位职能调整")
    assert waiting(w) == {}
    assert process_of(other).status == STATUS.CANCELED
    assert Declaration.objects.get(pk=other).state == State.CANCELLED
