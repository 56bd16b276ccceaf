"""The year of one declaration, as a viewflow process.

The services (`workflow.services`) move the declaration and complete its task in one
transaction; the flow decides who acts next. Its gateways read the declaration's state, so
the process and the declaration cannot disagree. Each human task is one page
(`workflow.views.tasks`) that calls one service.
"""
from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import flow

from units.roles import EVALUATE, OPERATE, REVIEW, SCHEDULE, SEAL
from workflow import services
from workflow.models import Declaration, DeclarationProcess, State
from workflow.nodes import End, HumanTask, If, ProcessRowLock, StartHandle, Switch, declaration_author, declaration_unit, state_is
from workflow.permissions import can_view, is_office
from workflow.selectors import units_of
from workflow.views import tasks as task_views


def to_revise(activation) -> bool:
    """A draft that the office returned, or whose 申报表 is not complete yet: the operator's work
    (an incomplete form never reaches the leader, `services.form_problems`)."""
    declaration = activation.process.artifact
    return declaration.state == State.DRAFTED and (declaration.return_count > 0 or bool(services.form_problems(declaration)))


class DeclarationFlow(flow.Flow):
    """政务公开主题日申报

    A unit drafts its 申报表, its leader seals and submits it, the office reviews it
    (approve, or return with a reason for the unit to revise), schedules it, the unit
    holds the activity and summarizes it, and the assessor evaluates it.
    """

    process_class = DeclarationProcess
    lock_impl = ProcessRowLock()

    # unit operator or leader: the declaration is drafted (services.declaration_create): complete,
    # it goes to the leader's seal, incomplete to the operator's revise task; one that existed
    # before its process joins the same way, at the step its state calls for
    start = (
        StartHandle(this.start_process)
        .Annotation(title=_("Draft the declaration"))
        .Next(this.resume)
    )
    resume = (
        Switch()
        .Annotation(title=_("Continue where the declaration is"))
        .Case(this.revise, to_revise)
        .Case(this.seal, state_is(State.DRAFTED))
        .Case(this.review, state_is(State.SUBMITTED))
        .Case(this.schedule, state_is(State.REVIEWED))
        .Case(this.hold, state_is(State.SCHEDULED))
        .Case(this.summarize, state_is(State.HELD))
        .Case(this.evaluate, state_is(State.SUMMARIZED))
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
        If(state_is(State.SUBMITTED))
        .Annotation(title=_("Submitted?"))
        .Then(this.review, label=_("Submitted"))
        .Else(this.revise, label=_("Sent back"))
    )

    # unit operator: revise the draft (shows the office's return reason) and hand it to the leader
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
        If(state_is(State.REVIEWED))
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
        .Next(this.summarize)
    )

    # unit operator: summarize into replicable experience
    summarize = (
        HumanTask(task_views.SummarizeView.as_view())
        .Annotation(title=_("Summarize"))
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

    def start_process(self, activation, *, declaration: Declaration):
        activation.process.artifact = declaration
        activation.task.owner = declaration.created_by  # their 已办 shows that they drafted it
        return activation.process

    def has_view_permission(self, user, obj=None) -> bool:
        """Scoped per unit: a process is visible exactly when its declaration is."""
        if not (user and user.is_authenticated and user.is_active):
            return False
        if obj is None:
            return is_office(user) or units_of(user).exists()
        return can_view(user, obj.artifact)

    def has_manage_permission(self, user, obj=None) -> bool:
        return False  # no undo/cancel/revive: they would bypass the declaration's lifecycle
