"""No task is stuck with someone who may not finish it (issue 17, item 8): a person never takes a
review or an evaluation of what they submitted, and a claimed task goes back to its queue
(退回队列) from the task page (and `POST /api/tasks/{id}/release/`, tests/api), audited."""
from __future__ import annotations

import pytest
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from tests.factories import BEFORE_DEADLINE, person
from tests.pages.conftest import login
from tests.pages.test_task_pages import claim
from units.roles import Role
from workflow import inbox, services
from workflow.errors import PermissionRefused, TransitionConflict
from workflow.models import AuditEvent, Declaration
from workflow.process import process_of

pytestmark = pytest.mark.django_db


def _task(declaration, step: str) -> Task:
    return process_of(declaration).task_set.get(flow_task__endswith=f".{step}", status__in=[STATUS.NEW, STATUS.ASSIGNED])


@pytest.fixture
def dual(world):
    """The unit's leader, who is also an office reviewer and an assessor: they seal their unit's
    declaration, so its review and its evaluation are never theirs."""
    person("edu-lead", Role.REVIEWER)
    return person("edu-lead", Role.ASSESSOR)


def _same_in_lists_and_on_one_row(user) -> None:
    """What 待领取 lists and what the task page opens agree (the SQL scope and `task_for`)."""
    listed = set(inbox.queue_for(user).values_list("pk", flat=True)) | set(inbox.tasks_for(user).values_list("pk", flat=True))
    for task in Task.objects.all():
        try:
            inbox.task_for(user, task.pk)
            found = True
        except Task.DoesNotExist:
            found = False
        assert found == (task.pk in listed), (user.username, task.flow_task, task.status)
    counts, rows = inbox.open_page(user, "queue", start=0, size=50)
    assert [r.pk for r in rows] == list(inbox.queue_for(user).values_list("pk", flat=True))


def test_the_submitter_never_sees_or_claims_the_review_others_do(client, world, dual):
    declaration = world.declaration("drafted")
    services.declaration_submit(declaration=declaration, by=dual, now=BEFORE_DEADLINE)
    other = world.declaration("submitted", unit=world.other_unit)
    review = _task(declaration, "review")

    queued = list(inbox.queue_for(dual).values_list("pk", flat=True))
    assert review.pk not in queued and _task(other, "review").pk in queued  # another unit's review: theirs to take
    assert review.pk in inbox.queue_for(world.reviewer).values_list("pk", flat=True)
    assert not review.flow_task.can_assign(dual, review) and review.flow_task.can_assign(world.reviewer, review)
    _same_in_lists_and_on_one_row(dual)

    login(client, dual)
    assert client.get(f"/tasks/{review.pk}/").status_code == 404
    assert client.post(f"/tasks/{review.pk}/", {"claim": "1"}).status_code == 404
    assert f"/tasks/{review.pk}/" not in client.get(f"/declarations/{declaration.pk}/").content.decode()
    assert Task.objects.get(pk=review.pk).owner_id is None  # still in the queue, for the others
    with pytest.raises(PermissionRefused):
        services.declaration_return(declaration=declaration, by=dual, reason="自己退回自己")

    login(client, world.reviewer)
    claim(client, world.reviewer, declaration)
    assert Task.objects.get(pk=review.pk).owner == world.reviewer


def test_the_submitter_never_claims_the_evaluation(world, dual):
    declaration = world.declaration("drafted")
    declaration = services.declaration_submit(declaration=declaration, by=dual, now=BEFORE_DEADLINE)
    declaration = services.declaration_approve(declaration=declaration, by=world.reviewer)
    for step in ("scheduled", "held", "summarized"):
        declaration = _walk(world, declaration, step)
    evaluate = _task(declaration, "evaluate")
    assert evaluate.pk not in inbox.queue_for(dual).values_list("pk", flat=True)
    assert evaluate.pk in inbox.queue_for(world.assessor).values_list("pk", flat=True)
    _same_in_lists_and_on_one_row(dual)


def _walk(world, declaration, step):
    from tests.factories import SUMMARY, evidence

    if step == "scheduled":
        services.schedule_publish(programme=world.programme, by=world.scheduler, months={declaration.pk: declaration.month})
        return Declaration.objects.get(pk=declaration.pk)
    if step == "held":
        return services.declaration_hold(declaration=declaration, by=world.operator, evidence=evidence(world.programme, world.unit))
    return services.declaration_summarize(declaration=declaration, by=world.operator, summary=SUMMARY)


# ------------------------------------------------------------------ 退回队列


def test_a_claimed_task_goes_back_to_the_queue_from_its_page_and_the_trail_says_who_held_it(client, world):
    declaration = world.declaration("submitted")
    login(client, world.reviewer)
    task = claim(client, world.reviewer, declaration)
    page = client.get(f"/tasks/{task.pk}/").content.decode()
    assert "退回队列" in page and f"/tasks/{task.pk}/release/" in page

    response = client.post(f"/tasks/{task.pk}/release/", follow=True)

    assert "任务已退回待领取队列" in response.content.decode()
    task = Task.objects.get(pk=task.pk)
    assert (task.owner_id, task.status) == (None, STATUS.NEW)
    event = AuditEvent.objects.get(action="release_task")
    assert (event.actor, event.declaration_id, event.from_state, event.to_state) == (world.reviewer, declaration.pk, "submitted", "submitted")
    assert event.changed == {"step": "审核", "task": task.pk, "owner": ["reviewer", None]}
    assert "退回队列" in client.get(f"/declarations/{declaration.pk}/").content.decode()  # in the history
    other = person("reviewer-2", Role.REVIEWER)
    assert task.pk in inbox.queue_for(other).values_list("pk", flat=True)


def test_only_the_holder_releases_a_task(client, world):
    declaration = world.declaration("submitted")
    login(client, world.reviewer)
    task = claim(client, world.reviewer, declaration)
    other = person("reviewer-2", Role.REVIEWER)
    with pytest.raises(PermissionRefused):
        services.task_release(task=task.pk, by=other)
    login(client, other)
    assert client.post(f"/tasks/{task.pk}/release/").status_code == 403
    login(client, world.other_operator)
    assert client.post(f"/tasks/{task.pk}/release/").status_code == 404  # may not see the declaration
    assert Task.objects.get(pk=task.pk).owner == world.reviewer
    assert not AuditEvent.objects.filter(action="release_task").exists()


def test_a_task_in_the_queue_or_done_is_not_released(world):
    declaration = world.declaration("submitted")
    review = _task(declaration, "review")
    with pytest.raises(TransitionConflict, match="已在待领取队列中"):
        services.task_release(task=review.pk, by=world.reviewer)
    services.declaration_approve(declaration=declaration, by=world.reviewer)
    with pytest.raises(TransitionConflict, match="已办结"):
        services.task_release(task=review.pk, by=world.reviewer)
