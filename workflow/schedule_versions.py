"""Published versions of the 活动计划安排表, each one a snapshot of the whole plan (issue 17).

A version lists every activity of the programme that is on the schedule or later (scheduled,
held, summarized, evaluated), at its month at that moment, and stores every column of the
official spreadsheet in its `rows` when it is published. Downloading version 1 in December
gives what version 1 said in April: a later reschedule, cancellation or renamed unit shows in
the next version, never in an earlier one. The exports (`workflow.exports`), the API and the
public column read the stored rows.
"""
from __future__ import annotations

import datetime as dt

from django.utils import timezone

from policies.models import Programme
from workflow import publication
from workflow.models import Declaration, ScheduleVersion

# The columns a row keeps. `first_version`: the number of the first version that listed the
# activity (the public feed dates "newly scheduled" by it).
ROW_FIELDS = (
    "number", "declaration", "unit", "unit_name", "theme", "month", "form", "form_label", "focus_topic",
    "focus_label", "description", "contact_name", "contact_phone", "state", "first_version",
)


def snapshot_rows(programme: Programme, *, number: int, previous: ScheduleVersion | None) -> list[dict]:
    """The rows of version `number`: every activity on the schedule or later, by month and unit code."""
    first_seen = {row["declaration"]: row["first_version"] for row in previous.rows} if previous else {}
    placed = (
        Declaration.objects.filter(programme=programme, state__in=publication.PUBLIC_STATES)
        .order_by("scheduled_month", "unit__code").values_list(
            "pk", "unit_id", "unit__code", "unit__name", "theme", "scheduled_month", "form", "focus_topic", "description",
            "contact_name", "contact_phone", "state",
        )
    )
    rows = []
    for pk, unit_id, unit_code, unit_name, theme, month, form, focus, description, contact, phone, state in placed:
        rows.append({
            "number": len(rows) + 1, "declaration": pk, "unit": unit_code, "unit_name": unit_name, "theme": theme,
            "month": month, "form": form, "form_label": programme.label("forms", form), "focus_topic": focus,
            "focus_label": programme.label("focus_topics", focus) if focus else "", "description": description,
            "contact_name": contact, "contact_phone": phone, "state": state,
            "first_version": first_seen.get(pk, number),
            "unit_id": unit_id,  # for the version's `entries`, not a column: `publish_next` takes it out
        })
    return rows


def publish_next(programme: Programme, *, by, reason: str = "", at: dt.datetime | None = None) -> ScheduleVersion:
    """The next version of `programme`'s schedule, as the declarations stand now. Runs inside the
    publishing service's transaction, after its transitions; the public column's plan, feed and
    the pages of newly listed activities change when it commits."""
    previous = ScheduleVersion.objects.select_for_update().filter(programme=programme).order_by("-number").first()
    number = previous.number + 1 if previous else 1
    rows = snapshot_rows(programme, number=number, previous=previous)
    entries = [{"declaration": row["declaration"], "unit": row.pop("unit_id"), "month": row["month"]} for row in rows]
    version = ScheduleVersion.objects.create(
        programme=programme, number=number, published_by=by, reason=reason, rows=rows, entries=entries,
        published_at=at or timezone.now(),
    )
    listed = [publication.activity(row["declaration"]) for row in rows if row["first_version"] == number]
    publication.changed(publication.plan(programme.code), publication.FEED, *listed)
    return version

