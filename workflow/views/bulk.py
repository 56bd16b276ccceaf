"""In bulk (批量操作): the reviewer's 批量审核 page (the submitted declarations waiting for review,
filtered like the declaration list, with a box per row), and the dashboard's 批量催报. Each item
goes through its own service (`workflow.bulk`); the result page lists every item's outcome."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from units.roles import REVIEW
from workflow import bulk
from workflow.actions import Action
from workflow.errors import RuleViolation
from workflow.models import State
from workflow.permissions import authorize
from workflow.views.common import CONFIRM_MISSING, confirmed, current_programme, row_url, service_errors
from workflow.views.declarations import declaration_list_page

DECISIONS = {"approve": Action.APPROVE, "return": Action.RETURN}
CONSEQUENCES = {
    "review": "所选申报将逐项审核通过或退回单位（退回时统一使用下面填写的理由）；每一项单独办理，"
              "某一项不能办理不影响其他项；办理结果记入各申报的办理记录，并通知各单位。",
    "urge": "将向所选单位的填报人和负责人逐一发送催报消息；每个单位每天只能催报一次。",
}


def _reviewer(user) -> None:
    if not user.has_perm(REVIEW):
        raise PermissionDenied("只有区政务公开办审核人员可以批量审核。")


@login_required
def review_queue(request):
    """待审核申报: the current programme's submitted declarations, filtered by the list's filters."""
    _reviewer(request.user)
    programme = current_programme()
    if programme is None:
        raise Http404("当前没有受理申报的实施方案。")
    query = request.GET.copy()
    query["state"] = State.SUBMITTED
    page, found = declaration_list_page(request.user, programme=programme, query=query, number=request.GET.get("page"))
    declaration_url = row_url("workflow:declaration")
    forms_by_code = {f["code"]: f["label"] for f in programme.forms}
    topics_by_code = {t["code"]: t["label"] for t in programme.focus_topics}
    for row in page.object_list:
        row.url, row.month_text = declaration_url(row.pk), f"{row.month}月" if row.month else "—"
        row.form_name = forms_by_code.get(row.form, row.form) or "—"
        row.topic_name = topics_by_code.get(row.focus_topic, row.focus_topic) or "—"
    return render(request, "workflow/review_queue.html", {
        "programme": programme, "rows": page.object_list, "page": page,
        "chosen": {name: request.GET.get(name, "") for name in ("unit", "month", "form", "focus_topic", "q")},
        "months": [(m, f"{m}月") for m in programme.window_months],
        "forms": list(forms_by_code.items()), "topics": list(topics_by_code.items()),
        "problems": [m for name, ms in found.errors.items() if name != "state" for m in ms] if found.is_bound else [],
        "consequence": CONSEQUENCES["review"], "limit": bulk.LIMIT,
    })


@login_required
@require_POST
@service_errors
def review_bulk(request):
    """批量审核通过 / 批量退回: each selected declaration through its own service."""
    _reviewer(request.user)
    back = redirect("workflow:review_queue")
    kept = QueryDict(request.POST.get("query", "")).urlencode()  # the queue's filters, re-encoded
    back["Location"] += f"?{kept}" if kept else ""
    decision = DECISIONS.get(request.POST.get("decision", ""))
    if decision is None:
        messages.error(request, "请选择“审核通过”或“退回”。")
        return back
    if not confirmed(request):
        messages.error(request, CONFIRM_MISSING)
        return back
    try:
        outcomes = bulk.review(ids=request.POST.getlist("ids"), by=request.user, action=decision,
                               reason=request.POST.get("reason", ""))
    except RuleViolation as refused:
        messages.error(request, refused.message)
        return back
    title = "批量审核通过" if decision == Action.APPROVE else "批量退回"
    return _result(request, title=title, outcomes=outcomes, back_url=back["Location"], back_label="返回待审核申报")


@login_required
@require_POST
@service_errors
def urge_bulk(request):
    """批量催报 from the dashboard's 催报 list."""
    programme = current_programme()
    if programme is None:
        raise Http404("当前没有受理申报的实施方案。")
    if not confirmed(request):
        authorize(request.user, Action.URGE)  # who may not act learns that first (403)
        messages.error(request, CONFIRM_MISSING)
        return redirect("workflow:dashboard")
    try:
        outcomes = bulk.urge(unit_ids=request.POST.getlist("units"), by=request.user, programme=programme)
    except RuleViolation as refused:
        messages.error(request, refused.message)
        return redirect("workflow:dashboard")
    return _result(request, title="批量催报", outcomes=outcomes, back_url=reverse("workflow:dashboard"), back_label="返回工作台",
                   noun="单位")


def _result(request, *, title: str, outcomes, back_url: str, back_label: str, noun: str = "申报"):
    """Every item's outcome: its id, what it is (when the person may see it), 成功 or the refusal."""
    declaration_url = row_url("workflow:declaration")
    rows = [{"outcome": o, "url": declaration_url(o.id) if noun == "申报" and o.label else ""} for o in outcomes]
    return render(request, "workflow/bulk_result.html", {
        "title": title, "rows": rows, "summary": bulk.summary(outcomes), "noun": noun,
        "back_url": back_url, "back_label": back_label,
    })
