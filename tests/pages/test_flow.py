"""The flow: scoped like the pages, no undo/cancel/revive, and process and declaration agree."""
from __future__ import annotations

import pytest
from viewflow.workflow.status import STATUS

from tests.factories import content
from workflow import inbox, process, services
from workflow.errors import PermissionRefused
from workflow.flows import DeclarationFlow
from workflow.models import DeclarationProcess
from workflow.nodes import ProcessRowLock
from workflow.process import process_of

pytestmark = pytest.mark.django_db


def test_no_view_undoes_cancels_or_revives_a_task():
    names = set()

    def walk(patterns):
        for p in patterns:
            if hasattr(p, "url_patterns"):
                walk(p.url_patterns)
            else:
                names.add(p.name)

    walk(DeclarationFlow.instance.urls[0])
    assert not names & {"undo", "cancel", "revive", "assign", "unassign", "detail", "index"}
    assert isinstance(DeclarationFlow.lock_impl, ProcessRowLock)  # a row lock, never viewflow's NoLock


def test_every_human_task_has_a_permission():
    from viewflow.workflow.nodes import View

    humans = [n for n in DeclarationFlow.instance.nodes() if isinstance(n, View)]
    assert {n.name for n in humans} == {"seal", "revise", "review", "schedule", "hold", "summarize", "evaluate"}
    assert all(n._owner_permission for n in humans)


def test_the_process_is_visible_exactly_where_the_declaration_is(world):
    declaration = world.declaration("submitted")
    process = process_of(declaration)
    flow = DeclarationFlow.instance
    assert flow.has_view_permission(world.operator, process)
    assert flow.has_view_permission(world.reviewer, process)
    assert not flow.has_view_permission(world.other_operator, process)
    assert not flow.has_manage_permission(world.administrator, process)


def test_a_unit_only_starts_for_itself_and_the_process_starts_with_it(world):
    for outsider in (world.other_operator, world.reviewer):
        with pytest.raises(PermissionRefused):
            services.declaration_create(programme=world.programme, unit=world.unit, by=outsider, data={})
    assert not DeclarationProcess.objects.exists()
    declaration = services.declaration_create(programme=world.programme, unit=world.unit, by=world.operator,
                                              data=content(world.programme, world.unit))
    assert [t.flow_task.name for t in process_of(declaration).task_set.filter(status=STATUS.NEW)] == ["seal"]


def test_an_incomplete_new_draft_stays_with_the_operator_and_never_reaches_the_leader(world):
    """Issue 17 item 4: a draft whose 申报表 misses required fields starts at the operator's revise
    task (in their 待办), not at the leader's seal."""
    declaration = services.declaration_create(programme=world.programme, unit=world.unit, by=world.operator,
                                              data={"theme": "惠企政策面对面"})
    [task] = process_of(declaration).task_set.filter(status__in=[STATUS.NEW, STATUS.ASSIGNED])
    assert (task.flow_task.name, task.owner) == ("revise", world.operator)
    assert not inbox.queue_for(world.leader).exists() and not inbox.tasks_for(world.leader).exists()


@pytest.mark.parametrize("state, step", [
    ("drafted", "seal"), ("submitted", "review"), ("reviewed", "schedule"), ("scheduled", "hold"),
    ("held", "summarize"), ("summarized", "evaluate"), ("evaluated", None),
])
def test_the_open_task_always_matches_the_declaration_state(world, state, step):
    declaration = world.declaration(state)
    open_tasks = process_of(declaration).task_set.filter(status__in=[STATUS.NEW, STATUS.ASSIGNED])
    assert [t.flow_task.name for t in open_tasks] == ([step] if step else [])


def test_a_declaration_without_a_process_joins_at_the_step_its_state_calls_for(world):
    """Data from before processes existed: `process.adopt_all` starts each at its state (returned: revise)."""
    d = world.declaration("returned")
    process_of(d).delete()
    assert process.adopt_all() == 1
    assert inbox.tasks_for(world.operator).get().flow_task.name == "revise"
