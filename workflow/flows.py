"""The year of one declaration, as a viewflow process.

Each human task is one page (workflow.views.tasks) that calls exactly one service in
workflow.services; the services lock the declaration, check the permission and the
programme's rules, fire the django-fsm transition and write the audit event. The flow
only decides who acts next. Its gateways read the declaration's state, so the process
and the declaration cannot disagree: a task routes on what the service actually did.

Viewflow's own frontend is not mounted (it needs a global view permission that would
show every unit's processes, STACK.md LEAK); our pages list tasks through
workflow.inbox, scoped by unit membership. Undo, cancel and revive views are removed
from every node: they change the task without a matching declaration transition.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import ExitStack, contextmanager

from django.db import OperationalError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import flow
from viewflow.workflow.base import Edge
from viewflow.workflow.status import STATUS

from units.roles import PERM_OPERATE, PERM_SEAL
from workflow import notify
from workflow.errors import TransitionConflict
from workflow.models import Declaration, DeclarationProcess, State
from workflow.permissions import EVALUATE, REVIEW, SCHEDULE
from workflow.views import tasks as task_views

OPERATE = f"units.{PERM_OPERATE}"
SEAL = f"units.{PERM_SEAL}"
OPEN = (STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED)  # a task not yet done


def declaration_unit(process):
    """The object a unit task's permission is checked on: the declaration's unit."""
    return process.artifact.unit


def declaration_author(activation):
    """Unit work comes back to the person who drafted the declaration (待办)."""
    return activation.process.artifact.created_by


def may_start(user) -> bool:
    """Unit operators and leaders start their own unit's declaration (the page picks the unit)."""
    from workflow.selectors import units_of

    return bool(user and user.is_authenticated and user.is_active) and units_of(user).exists()


class _NoTaskAdminViews:
    """Undo/cancel/revive/detail views of viewflow's frontend: removed (see module docstring)."""

    index_view_class = None
    detail_view_class = None
    undo_view_class = None
    cancel_view_class = None
    revive_view_class = None


class Start(_NoTaskAdminViews, flow.Start):
    pass


class StartHandle(_NoTaskAdminViews, flow.StartHandle):
    pass


class HumanTask(_NoTaskAdminViews, flow.View):
    """A page one person fills in; claiming happens on our task page (workflow.views)."""

    assign_view_class = None
    unassign_view_class = None


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


def _state(*states):
    """A gateway condition on the declaration's state, read fresh from the database."""

    def condition(activation) -> bool:
        return Declaration.objects.filter(pk=activation.process.artifact_object_id, state__in=states).exists()

    return condition


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
        with transaction.atomic():
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


class DeclarationFlow(flow.Flow):
    """政务公开主题日申报

    A unit drafts its 申报表, its leader seals and submits it, the office reviews it
    (approve, or return with a reason for the unit to revise), schedules it, the unit
    holds the activity and summarises it, and the assessor evaluates it.
    """

    process_class = DeclarationProcess
    lock_impl = ProcessRowLock()

    # unit operator or leader: fill the 申报表 for their own unit
    start = (
        Start(task_views.DeclarationCreateView.as_view())
        .Annotation(title=_("Draft the declaration"))
        .Available(may_start)
        .Next(this.seal)
    )

    # a declaration that existed before its process (demo data, imports) joins here
    adopt = (
        StartHandle(this.adopt_declaration)
        .Annotation(title=_("Adopt an existing declaration"))
        .Next(this.resume)
    )
    resume = (
        Switch()
        .Annotation(title=_("Continue where the declaration is"))
        .Case(this.revise, lambda a: a.process.artifact.state == State.DRAFTED and a.process.artifact.return_count > 0)  # returned
        .Case(this.seal, _state(State.DRAFTED))
        .Case(this.review, _state(State.SUBMITTED))
        .Case(this.schedule, _state(State.REVIEWED))
        .Case(this.hold, _state(State.SCHEDULED))
        .Case(this.summarise, _state(State.HELD))
        .Case(this.evaluate, _state(State.SUMMARIZED))
        .Default(this.end)
    )

    # unit leader: seal (公章) and submit, or send back to the operator
    seal = (
        HumanTask(task_views.SealView.as_view())
        .Annotation(title=_("Seal and submit"))
        .Permission(SEAL, obj=declaration_unit)
        .Next(this.sealed)
    )
    sealed = (
        If(_state(State.SUBMITTED))
        .Annotation(title=_("Submitted?"))
        .Then(this.review, label=_("Submitted"))
        .Else(this.revise, label=_("Sent back"))
    )

    # unit operator: revise the draft (shows the office's return reason)
    revise = (
        HumanTask(task_views.ReviseView.as_view())
        .Annotation(title=_("Revise the declaration"))
        .Permission(OPERATE, obj=declaration_unit)
        .Assign(declaration_author)
        .Next(this.seal)
    )

    # office reviewer: approve, or return with a reason
    review = (
        HumanTask(task_views.ReviewView.as_view())
        .Annotation(title=_("Review"))
        .Permission(REVIEW)
        .Next(this.reviewed)
    )
    reviewed = (
        If(_state(State.REVIEWED))
        .Annotation(title=_("Approved?"))
        .Then(this.schedule, label=_("Approved"))
        .Else(this.revise, label=_("Returned"))
    )

    # office scheduler: put the activity in the published schedule
    schedule = (
        HumanTask(task_views.ScheduleView.as_view())
        .Annotation(title=_("Schedule"))
        .Permission(SCHEDULE)
        .Next(this.hold)
    )

    # unit operator: record that the activity was held, with evidence
    hold = (
        HumanTask(task_views.HoldView.as_view())
        .Annotation(title=_("Record the activity"))
        .Permission(OPERATE, obj=declaration_unit)
        .Assign(declaration_author)
        .Next(this.summarise)
    )

    # unit operator: summarise into replicable experience
    summarise = (
        HumanTask(task_views.SummariseView.as_view())
        .Annotation(title=_("Summarise"))
        .Permission(OPERATE, obj=declaration_unit)
        .Assign(declaration_author)
        .Next(this.evaluate)
    )

    # assessor: score the manual indicators
    evaluate = (
        HumanTask(task_views.EvaluateView.as_view())
        .Annotation(title=_("Evaluate"))
        .Permission(EVALUATE)
        .Next(this.end)
    )

    end = End().Annotation(title=_("Done"))

    # ------------------------------------------------------------------ hooks

    def adopt_declaration(self, activation, *, declaration: Declaration):
        activation.process.artifact = declaration
        return activation.process

    def has_view_permission(self, user, obj=None) -> bool:
        """Scoped per unit: a process is visible exactly when its declaration is."""
        from workflow.permissions import can_view, is_office
        from workflow.selectors import units_of

        if not (user and user.is_authenticated and user.is_active):
            return False
        if obj is None:
            return is_office(user) or units_of(user).exists()
        return can_view(user, obj.artifact)

    def has_manage_permission(self, user, obj=None) -> bool:
        return False  # no undo/cancel/revive: they would bypass the declaration's lifecycle

    # ------------------------------------------------------------------ outside the task pages

    @classmethod
    def adopt_all(cls) -> int:
        """Give every declaration without a process one, at the step its state calls for."""
        have = DeclarationProcess.objects.filter(flow_class=cls).values("artifact_object_id")
        adopted = []
        with transaction.atomic():
            for declaration in Declaration.objects.exclude(pk__in=have).select_related("unit", "programme", "created_by").order_by("pk"):
                cls.adopt.run(declaration=declaration)
                adopted.append(declaration)
            notify.tasks_opened(adopted)
        return len(adopted)

    @classmethod
    def cancelled(cls, process: DeclarationProcess) -> None:
        """After the office cancelled the declaration: every open task ends, and the process."""
        at = timezone.now()
        process.task_set.filter(status__in=OPEN).update(status=STATUS.CANCELED, finished=at)
        process.status, process.finished = STATUS.CANCELED, at
        process.save(update_fields=["status", "finished"])

    @classmethod
    def withdrawn(cls, process: DeclarationProcess) -> None:
        """After the leader withdrew: the open review task is cancelled, the unit revises.

        Called inside the withdraw transaction, under the process lock.
        """
        review = process.task_set.filter(flow_task=cls.review, status__in=[STATUS.NEW, STATUS.ASSIGNED]).first()
        if review is None:
            return
        activation = review.flow_task.activation_class(review)
        activation.cancel()
        revise = cls.revise._create(activation, review.token)
        if revise.activate.can_proceed():
            revise.activate()


def process_of(declaration: Declaration) -> DeclarationProcess:
    return DeclarationProcess.objects.filter(
        flow_class=DeclarationFlow, artifact_object_id=declaration.pk
    ).order_by("-pk").first()


WITHDRAW, CANCEL = "withdraw", "cancel"


def run_step(*, declaration: Declaration, step: str | None, by, perform: Callable[[], Declaration]) -> Declaration:
    """Run one human step from outside its task page (the API, admin actions, the detail
    page's withdraw and cancel, commands).

    `perform` calls the step's one service, which answers every refusal (404/403/409/400)
    exactly as on the pages. The process then follows in the same transaction, under the
    process lock: the open task of `step` is taken by `by` and completed, so the gateways
    route on the new state and no inbox shows a task that was already done elsewhere.
    `step` is a node name (seal, review, schedule, hold, summarise, evaluate), WITHDRAW,
    CANCEL (every open task ends with the process), or None (no task moves: edits, reschedule).
    """
    process = process_of(declaration)
    if process is None or step is None:
        return perform()
    with transaction.atomic(), DeclarationFlow.lock(process.pk):
        result = perform()
        _follow(process, step=step, by=by, declaration=result)
        notify.tasks_opened([result], by=by)
    return result


def publish_schedule(*, programme, by, months: dict[int, object]):
    """The scheduler publishes the 活动计划安排表 from the schedule page.

    One call of `services.schedule_publish` moves every listed declaration (all or
    nothing); then each one's `schedule` task is completed by `by`, in the same
    transaction and under the locks of all their processes (taken in id order, so two
    publishers cannot deadlock), exactly as `run_step` does for one declaration.
    """
    from workflow import services

    processes = {}
    for process in DeclarationProcess.objects.filter(flow_class=DeclarationFlow, artifact_object_id__in=list(months)).order_by("pk"):
        processes[process.artifact_object_id] = process  # the latest per declaration, like process_of
    with transaction.atomic(), ExitStack() as locks:
        for process in sorted(processes.values(), key=lambda p: p.pk):
            locks.enter_context(DeclarationFlow.lock(process.pk))
        version = services.schedule_publish(programme=programme, by=by, months=months)
        scheduled = Declaration.objects.select_related("unit", "programme").in_bulk(list(processes))
        for declaration_id, process in processes.items():
            _follow(process, step="schedule", by=by, declaration=scheduled[declaration_id])
        notify.tasks_opened(scheduled.values(), by=by)
    return version


def _follow(process: DeclarationProcess, *, step: str, by, declaration: Declaration) -> None:
    """The process follows a step its service just performed (inside the process lock)."""
    if step == WITHDRAW:
        DeclarationFlow.withdrawn(process)
    elif step == CANCEL:
        DeclarationFlow.cancelled(process)
    else:
        node = getattr(DeclarationFlow, step)
        task = process.task_set.filter(flow_task=node, status__in=OPEN).order_by("-pk").first()
        if task is not None:
            _complete(task, by=by, declaration=declaration)


def _complete(task, *, by, declaration: Declaration) -> None:
    """The same completion as a task page: taken by `by`, started, executed."""
    task.owner = by
    if task.status == STATUS.NEW:
        task.status = STATUS.ASSIGNED
    task.save(update_fields=["owner", "status"])
    activation = task.flow_task.activation_class(task)
    activation.process.artifact = declaration
    if task.status != STATUS.STARTED:
        activation.start(None)
    activation.execute()


def declare(*, programme, unit, by, data: dict) -> Declaration:
    """Create a declaration outside the start page (API, imports) and give it its process."""
    from workflow import services

    with transaction.atomic():
        declaration = services.declaration_create(programme=programme, unit=unit, by=by, data=data)
        DeclarationFlow.adopt.run(declaration=declaration)
        notify.tasks_opened([declaration], by=by)
    return declaration

