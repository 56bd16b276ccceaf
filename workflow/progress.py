"""Where a declaration stands, at a glance: the step bar of its page.

drafted → submitted → reviewed → scheduled → held → summarized → evaluated, as the work each
state records: 填报, 盖章报送, 审核, 排期, 举办, 总结, 评估. A done step says who did it and when
(from the audit trail), the current one whose turn it is (the open task of its process), and
returns, withdrawals and sending back are marked on the step where they happened.
Built from what the page has already read (the history and the process's tasks): no query.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from viewflow.workflow.status import STATUS

from units.roles import EVALUATE, OPERATE, REVIEW, SCHEDULE, SEAL
from workflow.actions import EVENT_LABELS
from workflow.models import AuditEvent, Declaration, State

MAIN_LINE = (State.DRAFTED, State.SUBMITTED, State.REVIEWED, State.SCHEDULED, State.HELD, State.SUMMARIZED, State.EVALUATED)
# Each step as the office names the work: a declaration in a state has done that state's step, and the
# next step is the current one (drafted: 填报 done, 盖章报送 waiting).
STEP_LABELS = {
    State.DRAFTED: "填报", State.SUBMITTED: "盖章报送", State.REVIEWED: "审核", State.SCHEDULED: "排期",
    State.HELD: "举办", State.SUMMARIZED: "总结", State.EVALUATED: "评估",
}
# What sends a declaration back, and the step it is marked on: the office's return on 审核, the
# leader's withdrawal and sending back to the operator on 盖章报送.
SENT_BACK = {"return": State.REVIEWED, "withdraw": State.SUBMITTED, "send_back": State.SUBMITTED}
OPEN = (STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED)


@dataclass
class Mark:
    """A return, withdrawal or sending back: who, when, why."""

    label: str
    actor: str
    at: object
    reason: str


@dataclass
class Step:
    state: str
    label: str
    status: str  # done, current, todo, cancelled
    actor: str = ""
    at: object = None
    marks: list[Mark] = field(default_factory=list)
    turn: str = ""  # the current step: whose turn it is
    task: str = ""  # the current step: the task waiting

    @property
    def status_label(self) -> str:
        return {"done": "已完成", "current": "当前", "todo": "未开始", "cancelled": "已取消"}[self.status]


@dataclass
class StepBar:
    steps: list[Step]
    marks: list[Mark]  # every return, withdrawal and sending back, oldest first
    cancelled: Mark | None = None

    @property
    def current(self) -> Step | None:
        return next((s for s in self.steps if s.status in ("current", "cancelled")), None)


def person_name(user) -> str:
    if user is None:
        return "系统"
    return user.get_full_name() or user.first_name or user.username


def whose_turn(task, declaration: Declaration) -> str:
    """Who must act on the open `task`: its owner once claimed, else the role that may claim it."""
    if task.owner_id:
        return person_name(task.owner)
    unit = declaration.unit.name
    return {
        OPERATE: f"{unit}填报人", SEAL: f"{unit}负责人", REVIEW: "区政务公开办审核人员",
        SCHEDULE: "区政务公开办统筹人员", EVALUATE: "考核评估人员",
    }.get(task.owner_permission, "待分配")


def step_bar(declaration: Declaration, events: Iterable[AuditEvent], tasks: Iterable = ()) -> StepBar:
    """The bar of `declaration` from its audit `events` (chain order, actors joined) and its process's
    human `tasks` (owners joined); an open one names whose turn it is."""
    reached: dict[str, AuditEvent] = {}
    marks: list[Mark] = []
    on_step: dict[str, list[Mark]] = {}
    cancel = None
    for event in events:
        if event.action in SENT_BACK:
            mark = Mark(EVENT_LABELS.get(event.action, event.action), person_name(event.actor), event.created_at, event.reason)
            marks.append(mark)
            on_step.setdefault(SENT_BACK[event.action], []).append(mark)
        elif event.action == "cancel":
            cancel = event
        elif event.action == "create" or (event.to_state in MAIN_LINE and event.to_state != event.from_state):
            reached[event.to_state] = event
    last = cancel.from_state if cancel is not None else declaration.state
    done_up_to = MAIN_LINE.index(last) if last in MAIN_LINE else -1
    open_task = next((t for t in tasks if t.status in OPEN), None)
    steps = []
    for index, state in enumerate(MAIN_LINE):
        status = "done" if index <= done_up_to else "todo"
        if index == done_up_to + 1:
            status = "cancelled" if cancel is not None else "current"
        step = Step(state=state, label=STEP_LABELS[state], status=status, marks=on_step.get(state, []))
        if status == "done" and state in reached:
            step.actor, step.at = person_name(reached[state].actor), reached[state].created_at
        if status == "current" and open_task is not None:
            step.turn, step.task = whose_turn(open_task, declaration), str(open_task.flow_task.task_title)
        steps.append(step)
    cancelled = Mark("取消", person_name(cancel.actor), cancel.created_at, cancel.reason) if cancel is not None else None
    return StepBar(steps=steps, marks=marks, cancelled=cancelled)
