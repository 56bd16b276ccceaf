"""The office's dashboard: declarations by state, the units yet to declare (催报), flagged activities."""
from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext

from workflow import inbox, selectors
from workflow.permissions import is_office
from workflow.views.common import current_programme


@login_required
def dashboard(request):
    """Declarations by state, and the units that have not declared yet (催报)."""
    if not is_office(request.user):
        raise PermissionDenied(gettext("The dashboard is for the district office."))
    programme = current_programme()
    if programme is None:
        raise Http404(gettext("No programme accepts declarations now."))
    today = timezone.localdate()
    return render(request, "workflow/dashboard.html", {
        "programme": programme, **selectors.dashboard_of(programme, today=today).__dict__,
        "overdue": inbox.overdue_tasks(request.user, programme, today=today),
    })
