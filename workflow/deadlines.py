"""When each human task of the declaration flow is due (亮灯), from the programme's rules.

| step | due |
|---|---|
| seal, revise (the unit's draft) | the declaration deadline (the unit's extension if granted); opened after it: `revise_due_working_days` working days later |
| review, schedule (the office) | `office_due_working_days` working days after the task opened |
| hold | the last day of the scheduled month |
| summarize | `summary_due_days` after the activity was held |
| evaluate | the end of the programme's year (the assessment) |
"""
from __future__ import annotations

import datetime as dt

from policies import holding
from policies.workdays import add_working_days, month_end
from workflow.models import Declaration

# The drafting steps: due by the declaration deadline, or by the unit's extension of it.
DRAFTING = ("seal", "revise")


def due_on(step: str, declaration: Declaration, *, opened_on: dt.date, extended_until: dt.date | None = None) -> dt.date:
    """The due date of the task `step` (a node name of `DeclarationFlow`) opened on `opened_on`."""
    programme = declaration.programme
    if step in DRAFTING:
        deadline = extended_until or programme.declaration_due_date
        if deadline and opened_on <= deadline:
            return deadline
        return add_working_days(opened_on, programme.revise_due_working_days)
    if step == "hold" and declaration.scheduled_month:
        return month_end(programme.year, declaration.scheduled_month)
    if step == "summarize" and declaration.held_on:
        return holding.summary_due(declaration.held_on, programme.summary_due_days)
    if step == "evaluate":
        return dt.date(programme.year, 12, 31)
    return add_working_days(opened_on, programme.office_due_working_days)
