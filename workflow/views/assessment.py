"""Assessment pages: the scoreboard, one unit's breakdown, the release button, the district report.

Every number comes from `workflow.assessment` (computed from the audit trail, never typed
in); who sees what is `assessment_for`'s rule: office people and assessors see every unit,
a unit's people see only their own unit and only after the office released the results.
Before the release a unit's person gets a 404 page that says the results are not
released yet; another unit's breakdown is a plain 404, like a missing one.
"""
from __future__ import annotations

import functools

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from units.models import Unit
from workflow import reports
from workflow.actions import EVENT_LABELS
from workflow.assessment import NOT_RELEASED, UnitScore, assessment_for, assessment_release, may_release
from workflow.errors import NotFound
from workflow.exports import XLSX
from workflow.models import AuditEvent
from workflow.permissions import is_assessor, is_office
from workflow.views.common import CONFIRM_MISSING, confirmed, current_programme, download, programme_or_404, service_errors


def assessment_errors(view):
    """NotFound → the "not released yet" page (404) when that is the reason, else the 404 page."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except NotFound as missing:
            if missing.message == NOT_RELEASED:
                return render(request, "workflow/assessment_not_released.html", {"message": missing.message}, status=404)
            raise Http404(gettext("Not found, or you may not see it.")) from None

    return wrapped


@login_required
def assessment_current(request):
    """The nav link: this year's programme's scoreboard."""
    programme = current_programme()
    if programme is None:
        raise Http404(gettext("No programme accepts declarations now."))
    return redirect("workflow:assessment", code=programme.code)


@login_required
@assessment_errors
def scoreboard(request, code: str):
    programme = programme_or_404(code)
    board = assessment_for(request.user, programme)
    return render(request, "workflow/assessment_scoreboard.html", {
        "programme": programme, "board": board,
        "may_release": programme.results_released_at is None and may_release(request.user),
        "may_report": is_office(request.user), "may_audit": is_assessor(request.user),
    })


def _evidence(row: UnitScore) -> dict[int, dict]:
    """The audit events behind the unit's points, readable (one query; all are the unit's own)."""
    events = AuditEvent.objects.filter(pk__in=row.event_ids).select_related("actor").order_by("pk")
    return {
        e.pk: {
            "id": e.pk, "at": e.created_at, "label": EVENT_LABELS.get(e.action, e.action), "reason": e.reason,
            "actor": (e.actor.first_name or e.actor.username) if e.actor else gettext("System"),
        }
        for e in events
    }


@login_required
@assessment_errors
def unit_breakdown(request, code: str, unit_code: str):
    programme = programme_or_404(code)
    unit_id = Unit.objects.filter(code=unit_code).values_list("pk", flat=True).first()
    if unit_id is None:
        raise NotFound()
    board = assessment_for(request.user, programme, unit_id)
    row = board.units[0]
    events = _evidence(row)
    indicators = [
        {"score": item, "indicator": indicator, "events": [events[pk] for pk in item.event_ids if pk in events],
         "ids": ",".join(str(pk) for pk in item.event_ids)}
        for item, indicator in zip(row.indicators, board.indicators, strict=True)
    ]
    return render(request, "workflow/assessment_unit.html", {
        "programme": programme, "board": board, "row": row, "indicators": indicators,
        "all_ids": ",".join(str(pk) for pk in row.event_ids), "may_audit": is_assessor(request.user),
        "is_office": is_office(request.user),
    })


@login_required
@require_POST
@service_errors
def release(request, code: str):
    programme = programme_or_404(code)
    released = programme.results_released_at is not None
    if not released and not confirmed(request) and may_release(request.user):  # who may not release: 403 below
        messages.error(request, CONFIRM_MISSING)
        return redirect("workflow:assessment", code=programme.code)
    assessment_release(programme=programme, by=request.user)  # PermissionRefused → 403 page
    if released:
        messages.info(request, gettext("The results were already released."))
    else:
        messages.success(request, gettext("The results are released: every unit can now see its own breakdown."))
    return redirect("workflow:assessment", code=programme.code)


@login_required
def district_report(request, code: str):
    """The district report for the city (XLSX); office roles only; every download is audited."""
    if not is_office(request.user):
        raise PermissionDenied(gettext("The district report is for the district office."))
    programme = programme_or_404(code)
    with transaction.atomic():
        content = reports.district_report_xlsx(programme, by=request.user)
    return download(content, content_type=XLSX, filename=f"{programme.code}-district-report.xlsx")
