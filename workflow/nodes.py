"""The parts `workflow.flows` is built from: viewflow's nodes without their own frontend, the
gateway condition on the declaration's state, whom a unit task belongs to, and the process lock.

Viewflow's own frontend is not mounted (it needs a global view permission that would show
every unit's processes, STACK.md LEAK); our pages list tasks through `workflow.inbox`, scoped
by unit membership. Undo, cancel, revive, assign and detail views are removed from every node:
they would move a task without the declaration's transition.
"""
from __future__ import annotations

import time
from contextlib import contextmanager

from django.db import OperationalError, transaction
from viewflow.workflow import flow
from viewflow.workflow.base import Edge

from workflow.errors import TransitionConflict
from workflow.models import Declaration
from workflow.permissions import SEPARATED_STEPS, may_take


def declaration_unit(process):
    """The object a unit task's permission is checked on: the declaration's unit."""
    return process.artifact.unit


def declaration_author(activation):
    """Unit work comes back to the person who drafted the declaration (待办)."""
    return activation.process.artifact.created_by


def state_is(*states):
    """A gateway condition on the declaration's state: the declaration the service has just saved
    and handed to the process (`process._complete`), else read fresh from the database."""

    def condition(activation) -> bool:
        process = activation.process
        if type(process).artifact.is_cached(process):
            return process.artifact.state in states
        return Declaration.objects.filter(pk=process.artifact_object_id, state__in=states).exists()

    return condition


class _NoTaskAdminViews:
    index_view_class = None
    detail_view_class = None
    undo_view_class = None
    cancel_view_class = None
    revive_view_class = None


class StartHandle(_NoTaskAdminViews, flow.StartHandle):
    pass


class HumanTask(_NoTaskAdminViews, flow.View):
    """A page one person fills in; claiming happens on our task page (workflow.views.inbox)."""

    assign_view_class = None
    unassign_view_class = None

    def can_assign(self, user, task) -> bool:
        """Viewflow's rule (the task's permission), and nobody takes a task they may not complete
        (`permissions.may_take`: separation of duties)."""
        if not super().can_assign(user, task):
            return False
        if self.name not in SEPARATED_STEPS:
            return True
        declaration = Declaration.objects.only("submitted_by_id", "state").get(pk=task.process.artifact_object_id)
        return may_take(user, self.name, declaration)


class If(_NoTaskAdminViews, flow.If):
    """Each branch is named by the decision it follows: the chart shows these words on its two
    edges, in the page's language, where viewflow writes a fixed English "yes"/"no"."""

    def Then(self, node, *, label, task_data=None, task_seed=None):
        self._then_label = label
        return super().Then(node, task_data, task_seed)

    def Else(self, node, *, label, task_data=None, task_seed=None):
        self._else_label = label
        return super().Else(node, task_data, task_seed)

    def _outgoing(self):
        yield Edge(src=self, dst=self._on_true, edge_class="cond_true", label=self._then_label)
        yield Edge(src=self, dst=self._on_false, edge_class="cond_false", label=self._else_label)


class Switch(_NoTaskAdminViews, flow.Switch):
    pass


class End(_NoTaskAdminViews, flow.End):
    pass


class ProcessRowLock:
    """The process row, locked with SELECT … FOR UPDATE NOWAIT for the step's transaction.

    Like viewflow's SelectForUpdateLock, with two differences: a refused attempt is rolled
    back to its own savepoint (viewflow catches the error inside its atomic block, so inside
    our outer transactions the next statement fails with "current transaction is aborted"),
    and a row still busy after the retries is a TransitionConflict — the page says so in
    Chinese and the API answers 409 — rather than a 500.
    """

    pauses = (0.05, 0.1, 0.2, 0.4)  # seconds between the attempts; a step takes milliseconds

    @contextmanager
    def __call__(self, flow_class, process_pk):
        rows = flow_class.process_class._default_manager.filter(pk=process_pk).select_for_update(nowait=True)
        # The caller's transaction when there is one (no savepoint of its own: what fails inside
        # rolls back with the caller's), else a new one.
        with transaction.atomic(savepoint=False):
            for pause in (*self.pauses, None):
                try:
                    with transaction.atomic():
                        rows.exists()
                    break
                except OperationalError:  # LockNotAvailable: someone is completing a step now
                    if pause is None:
                        raise TransitionConflict("其他人正在办理这份申报，请稍后刷新页面再试。") from None
                    time.sleep(pause)
            yield
