"""Assessment pages: the scoreboard, one unit's breakdown, releasing the results, the district report.

Every number comes from `workflow.assessment` (computed from the audit trail, never typed
in); who sees what is `releases.assessment_for`'s rule: office people and assessors see the
live scoreboard of every unit beside the releases, a unit's people see only their own unit as
the latest release froze it. Before the first release a unit's person gets a 404 page that says
the results are not released yet; another unit's breakdown is a plain 404, like a missing one.
Releasing goes through a confirmation page (`release`) that says how many units are not yet
evaluated and, for a second or later release, which units' scores would change and why.
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
from django.views.decorators.http import require_http_methods

from units.models import Unit
from workflow import reports
from workflow.errors import NotFound, PermissionRefused, TransitionConflict
from workflow.exports import XLSX
from workflow.permissions import is_assessor, is_office, may_release
from workflow.releases import (
    MAY_NOT_RELEASE,
    NOT_RELEASED,
    assessment_for,
    assessment_release,
    events_for,
    latest_release,
    release_history,
    release_preview,
)
from workflow.views.common import current_programme, download, programme_or_404, service_errors


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
    releases = release_history(request.user, programme)
    return render(request, "workflow/assessment_scoreboard.html", {
        "programme": programme, "board": board, "releases": releases, "latest": releases[-1] if releases else None,
        "may_release": may_release(request.user), "may_report": is_office(request.user), "may_audit": is_assessor(request.user),
    })


@login_required
@assessment_errors
def unit_breakdown(request, code: str, unit_code: str):
    programme = programme_or_404(code)
    unit_id = Unit.objects.filter(code=unit_code).values_list("pk", flat=True).first()
    if unit_id is None:
        raise NotFound()
    board = assessment_for(request.user, programme, unit_id)
    row = board["units"][0]
    events = events_for(request.user, programme, row)
    indicators = [
        {"score": item, "indicator": indicator, "events": [events[pk] for pk in item["event_ids"] if pk in events],
         "ids": ",".join(str(pk) for pk in item["event_ids"])}
        for item, indicator in zip(row["indicators"], board["indicators"], strict=True)
    ]
    releases = release_history(request.user, programme)
    return render(request, "workflow/assessment_unit.html", {
        "programme": programme, "board": board, "row": row, "indicators": indicators,
        "all_ids": ",".join(str(pk) for pk in sorted(events)), "may_audit": is_assessor(request.user),
        "is_office": is_office(request.user), "releases": releases, "latest": releases[-1] if releases else None,
    })


@login_required
@require_http_methods(["GET", "POST"])
@service_errors
def release(request, code: str):
    """GET: what releasing now would freeze, and a confirmation. POST (confirmed): release."""
    programme = programme_or_404(code)
    if not may_release(request.user):
        raise PermissionRefused(MAY_NOT_RELEASE)
    if request.method == "POST":
        if request.POST.get("confirm") != "yes":
            messages.error(request, "请先勾选“我已核对以上情况，确认发布”，再发布考核结果。")
            return redirect("workflow:assessment_release", code=programme.code)
        before = latest_release(programme)
        try:
            made = assessment_release(programme=programme, by=request.user, expected_digest=request.POST.get("digest", ""))
        except TransitionConflict as conflict:
            messages.error(request, conflict.message)
            return redirect("workflow:assessment_release", code=programme.code)
        if before is not None and made.pk == before.pk:
            messages.info(request, f"考核结果自第{made.number}次发布以来没有变化，没有生成新的发布。")
        else:
            messages.success(request, f"第{made.number}次考核结果已发布：各单位现在看到的是这次发布的得分明细。")
        return redirect("workflow:assessment", code=programme.code)
    preview = release_preview(programme=programme, by=request.user)
    return render(request, "workflow/assessment_release.html", {"programme": programme, "preview": preview})


@login_required
def district_report(request, code: str):
    """The district report for the city (XLSX); office roles only; every download is audited."""
    if not is_office(request.user):
        raise PermissionDenied(gettext("The district report is for the district office."))
    programme = programme_or_404(code)
    with transaction.atomic():
        content = reports.district_report_xlsx(programme, by=request.user)
    return download(content, content_type=XLSX, filename=f"{programme.code}-district-report.xlsx")
