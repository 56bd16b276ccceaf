"""How a declaration's viewflow process follows the services (`workflow.services`).

A service locks the declaration's process (`locked`), changes the declaration, then calls
`follow` in the same transaction: the open task of the action's node is taken by the actor
and completed, so the flow routes on the new state and no inbox keeps a task that was done
elsewhere. Only the services call this module; the node each action completes is declared
in `workflow.actions`.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from functools import cache
from typing import TYPE_CHECKING

from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from workflow.actions import ENDED, WITHDRAWN
from workflow.models import Declaration, DeclarationProcess, State

if TYPE_CHECKING:
    from django.contrib.auth.models import User

OPEN = (STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED)  # a task not yet done
IN_HAND = (STATUS.ASSIGNED, STATUS.STARTED)  # taken by someone, not yet done

# A unit step whose task may still be waiting when the next one is taken: a leader who seals and
# submits a returned draft has, in effect, finished its revision.
_BEFORE = {"seal": "revise"}


def _flow():
    # A real cycle: the flow's nodes name the task pages, whose views call the services, which
    # call this module.
    from workflow.flows import DeclarationFlow

    return DeclarationFlow


def key_values() -> tuple[str, int]:
    """The declaration flow's processes' key as SQL written by hand compares it: the flow class as
    stored, and the Declaration content type's id (from Django's own cache, which a database
    flush clears)."""
    return flow_class_value(), ContentType.objects.get_for_model(Declaration).pk


@cache
def flow_class_value() -> str:
    """The declaration flow's class as its processes store it."""
    return DeclarationProcess._meta.get_field("flow_class").get_db_prep_value(_flow(), connection)


def _processes():
    """The declaration flow's processes, by the key viewflow indexes: artifact type and id."""
    return DeclarationProcess.objects.filter(flow_class=_flow(), artifact_content_type=ContentType.objects.get_for_model(Declaration))


def processes_of(declaration_ids):
    """The processes of these declarations (a queryset, for a subquery), found by viewflow's index."""
    return _processes().filter(artifact_object_id__in=list(declaration_ids))


def process_of(declaration: Declaration | int) -> DeclarationProcess | None:
    pk = declaration.pk if isinstance(declaration, Declaration) else declaration
    return _processes().filter(artifact_object_id=pk).order_by("-pk").first()


def start(declaration: Declaration) -> DeclarationProcess:
    """Give a declaration its process, at the step its state calls for (a new one: the seal)."""
    return _flow().start.run(declaration=declaration)


def adopt_all() -> int:
    """Give every declaration without a process one (data from before processes existed)."""
    have = _processes().values("artifact_object_id")
    count = 0
    for declaration in Declaration.objects.exclude(pk__in=have).select_related("unit", "created_by").order_by("pk"):
        start(declaration)
        count += 1
    return count


def id_of_process() -> Subquery:
    """The id of a declaration's process (its latest), to read with the declaration's own row."""
    return Subquery(_processes().filter(artifact_object_id=OuterRef("pk")).order_by("-pk").values("pk")[:1])


@contextmanager
def locked(process_ids: dict[int, int | None]) -> Iterator[dict[int, int]]:
    """Lock these declarations' processes (declaration id → process id, None for none) for the
    caller's transaction, in id order so that two callers cannot deadlock; the caller holds the
    declarations' rows already. Yields declaration id → process id (without the ones that have none)."""
    flow = _flow()
    held = {pk: process_id for pk, process_id in process_ids.items() if process_id}
    with ExitStack() as locks:
        for process_id in sorted(held.values()):
            locks.enter_context(flow.lock(process_id))
        yield held


def follow(process_id: int | None, step: str | None, *, by: User, declaration: Declaration) -> None:
    """The process follows an action its service just performed (inside `locked`)."""
    if process_id is None or step is None:
        return
    if step == WITHDRAWN:
        _withdrawn(DeclarationProcess.objects.get(pk=process_id))
    elif step == ENDED:
        _ended(DeclarationProcess.objects.get(pk=process_id))
    else:
        if step in _BEFORE and declaration.state == State.SUBMITTED and not _open_task(process_id, step):
            earlier = _open_task(process_id, _BEFORE[step])
            if earlier is not None:
                _complete(earlier, by=by, declaration=declaration)
        task = _open_task(process_id, step)
        if task is not None:
            _complete(task, by=by, declaration=declaration)


def task_of(task_id) -> Task | None:
    """A task of the declaration flow by its id, with its process; None for any other id."""
    try:
        pk = int(task_id)
    except (TypeError, ValueError):
        return None
    return Task.objects.select_related("process").filter(pk=pk, process__flow_class=_flow()).first()


def release(task: Task) -> None:
    """The task back in its queue, unassigned (inside `locked`; the service checked who asks)."""
    task.owner, task.status, task.started = None, STATUS.NEW, None
    task.save(update_fields=["owner", "status", "started"])


def hand_to(task: Task, person) -> None:
    """转办: the task assigned to `person`, not yet started (inside `locked`; the service checked both)."""
    task.owner, task.status, task.started = person, STATUS.ASSIGNED, None
    task.save(update_fields=["owner", "status", "started"])


def open_task_owner(process_id: int, step: str) -> int | None:
    """Who holds the open task of node `step` of the process (None: nobody, or no such task)."""
    return (Task.objects.filter(process_id=process_id, flow_task=getattr(_flow(), step), status__in=OPEN)
            .order_by("-pk").values_list("owner_id", flat=True).first())


def _open_task(process_id: int, step: str) -> Task | None:
    """The open task of node `step` of the process (the latest), read with its process."""
    node = getattr(_flow(), step)
    return (Task.objects.select_related("process").filter(process_id=process_id, flow_task=node, status__in=OPEN)
            .order_by("-pk").first())


def _complete(task, *, by: User, declaration: Declaration) -> None:
    """What a task page does: the task taken by `by`, started and executed."""
    if task.owner_id != by.pk or task.status == STATUS.NEW:  # not yet theirs (a task page claimed it first)
        task.owner = by
        if task.status == STATUS.NEW:
            task.status = STATUS.ASSIGNED
        task.save(update_fields=["owner", "status"])
    activation = task.flow_task.activation_class(task)
    activation.process.artifact = declaration  # the next nodes read the declaration as saved
    if task.status != STATUS.STARTED:
        activation.start(None)
    activation.execute()


def _withdrawn(process: DeclarationProcess) -> None:
    """After the leader withdrew: the open review task is cancelled, the unit revises."""
    flow = _flow()
    review = process.task_set.filter(flow_task=flow.review, status__in=[STATUS.NEW, STATUS.ASSIGNED]).first()
    if review is None:
        return
    activation = review.flow_task.activation_class(review)
    activation.cancel()
    revise = flow.revise._create(activation, review.token)
    if revise.activate.can_proceed():
        revise.activate()


def _ended(process: DeclarationProcess) -> None:
    """After the office cancelled the declaration: every open task ends, and the process."""
    at = timezone.now()
    process.task_set.filter(status__in=OPEN).update(status=STATUS.CANCELED, finished=at)
    process.status, process.finished = STATUS.CANCELED, at
    process.save(update_fields=["status", "finished"])
