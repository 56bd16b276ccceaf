"""The assessor's audit search: filter, page through, export (CSV/XLSX, audited), verify the chain.

Only assessors read the audit trail (`permissions.is_assessor`; the office's reviewers and
schedulers do not): anyone else gets the Chinese 403 page, as the API answers 403. The
rows come from `selectors.audit_search`, the same selector as `GET /api/audit/`.
"""
from __future__ import annotations

import functools

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from units.models import Unit
from workflow import reports, selectors
from workflow.actions import EVENT_LABELS
from workflow.errors import RuleViolation
from workflow.exports import XLSX
from workflow.forms import AuditSearchForm
from workflow.permissions import is_assessor
from workflow.trail.verify import verify
from workflow.views.common import download, page_of


def assessors_only(view):
    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if not is_assessor(request.user):
            raise PermissionDenied(gettext("Only assessors may read the audit trail."))
        return view(request, *args, **kwargs)

    return login_required(wrapped)


def _form(request) -> AuditSearchForm:
    units = list(Unit.objects.order_by("code").values_list("code", "name"))
    return AuditSearchForm(request.GET, units=units, actions=EVENT_LABELS)


@assessors_only
def search(request):
    form = _form(request)
    page = None
    if form.is_valid():
        events = selectors.audit_search(request.user, **form.filters())
        page = page_of(events, request.GET.get("page"))
        for event in page:
            event.label = EVENT_LABELS.get(event.action, event.action)
            event.from_label, event.to_label = reports.state_label(event.from_state), reports.state_label(event.to_state)
            event.when = reports.beijing_time(event.created_at)
            event.changed_labels = "、".join(reports.changed_labels(event.changed))
    return render(request, "workflow/audit_search.html", {
        "form": form, "page": page, "ids": form.cleaned_data.get("ids") if page is not None else None,
    })


def _back(request):
    return redirect(f"{reverse('workflow:audit')}?{request.GET.urlencode()}")


def _export(request, build, *, filename: str, content_type: str):
    form = _form(request)
    if not form.is_valid():
        messages.error(request, gettext("Correct the search filters before exporting."))
        return _back(request)
    filters = form.filters()
    try:
        with transaction.atomic():
            content = build(selectors.audit_search(request.user, **filters), by=request.user, filters=filters)
    except RuleViolation as refused:
        messages.error(request, refused.message)
        return _back(request)
    return download(content, content_type=content_type, filename=filename)


@assessors_only
def export_csv(request):
    return _export(request, reports.audit_csv, filename="audit.csv", content_type="text/csv; charset=utf-8")


@assessors_only
def export_xlsx(request):
    return _export(request, reports.audit_xlsx, filename="audit.xlsx", content_type=XLSX)


@require_POST
@assessors_only
def verify_chain(request):
    """The same check as `manage.py verify_audit`: OK with the counts, or the first broken event."""
    result = verify()
    (messages.success if result.ok else messages.error)(request, result.message)
    return redirect("workflow:audit")
