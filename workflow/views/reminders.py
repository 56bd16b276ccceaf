"""催报/催办 by hand: the office's buttons on the dashboard's 催报 list and on a declaration's page."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from workflow import services
from workflow.errors import RuleViolation
from workflow.selectors import declaration_get, units_expected_to_declare
from workflow.views.common import current_programme, service_errors


@login_required
@require_POST
@service_errors
def unit_urge(request, unit_pk: int):
    """催报 a unit of the dashboard's list (or 催办 its declaration's task)."""
    programme = current_programme()
    unit = units_expected_to_declare().filter(pk=unit_pk).first()
    if programme is None or unit is None:
        raise Http404("未找到该单位。")
    _urge(request, programme=programme, unit=unit)
    return redirect("workflow:dashboard")


@login_required
@require_POST
@service_errors
def declaration_urge(request, pk: int):
    """催办 the unit of a declaration the office may see."""
    declaration = declaration_get(request.user, pk)
    _urge(request, programme=declaration.programme, unit=declaration.unit, declaration=declaration)
    return redirect("workflow:declaration", pk=declaration.pk)


def _urge(request, **target) -> None:
    try:
        told = services.unit_urge(by=request.user, **target)
    except RuleViolation as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, f"已催办{target['unit'].name}：{told}人已收到消息。")


