"""Declaration pages: start one, the list, the detail page and its actions (withdraw, cancel,
exemplary). Reads go through `workflow.selectors`; every action through one service.
"""
from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from django_fsm import can_proceed

from policies.models import Programme
from workflow import forms, handover, inbox, page_cache, reports, services
from workflow.actions import ACTIONS, Action, Reason
from workflow.errors import RuleViolation, TransitionConflict
from workflow.exports import XLSX
from workflow.filters import SORT_LABELS, DeclarationFilter
from workflow.forms import EvidenceForm, ExemplaryForm, ReasonForm
from workflow.models import Declaration, State, state_label
from workflow.permissions import authorize, can
from workflow.process import process_of
from workflow.progress import step_bar
from workflow.selectors import (
    awaiting_seal,
    declaration_export_rows,
    declaration_get,
    declaration_list_rows,
    history_of,
    units_of,
)
from workflow.views import content, discussion
from workflow.views.common import (
    CONFIRM_MISSING,
    confirmed,
    current_programme,
    download,
    filter_choices,
    page_of,
    row_url,
    service_errors,
)
from workflow.views.flow_chart import chart_of


@login_required
@service_errors
def start_page(request):
    """填报本年度申报表: a unit's operator or leader drafts this year's declaration for one of their units;
    the service starts its process, so the leader finds it to seal."""
    units = list(units_of(request.user).order_by("code"))
    if not units:
        raise PermissionDenied(gettext("Only a unit's operator or leader can draft its declaration."))
    programme = current_programme()
    if programme is None:
        raise Http404(gettext("No programme accepts declarations now."))
    wanted = request.POST.get("unit") or request.GET.get("unit")
    unit = next((u for u in units if str(u.pk) == wanted), units[0])
    existing = Declaration.objects.filter(programme=programme, unit=unit).exclude(state=State.CANCELLED).first()
    if existing is not None:
        messages.info(request, gettext("%(unit)s already has a declaration for this programme.") % {"unit": unit.name})
        return redirect("workflow:declaration", pk=existing.pk)
    form = forms.DeclarationForm(request.POST if request.method == "POST" else None, programme=programme, unit=unit)
    if form.is_bound and form.is_valid():
        try:
            declaration = services.declaration_create(programme=programme, unit=unit, by=request.user, data=form.values())
        except RuleViolation as violation:
            forms.add_problems(form, violation)
        else:
            missing = services.form_problems(declaration)
            if missing:  # kept as a draft in the operator's 待办: an incomplete form never reaches the leader
                messages.warning(request, "已保存为草稿，尚未交负责人盖章。请补全后再交：" + "".join(p.message for p in missing))
                return redirect("workflow:declaration", pk=declaration.pk)
            messages.success(request, "已保存并交负责人盖章。")
            return redirect("workflow:inbox")
    return render(request, "workflow/declaration_form.html", {
        "form": form, "unit": unit, "units": units, "programme": programme,
        "title": _("Draft the declaration"), "submit_label": _("Save and hand to the unit leader"),
    })


def declaration_list_page(user, *, programme: Programme | None, query=None, number=None) -> tuple[Page, DeclarationFilter]:
    """What the declaration list reads: its filters (`query`, the page's GET) over the rows `user`
    may see, one page of them and the total."""
    found = DeclarationFilter(query or None, queryset=declaration_list_rows(user, programme=programme), programme=programme)
    # One programme's list holds about one row per unit: small enough to carry its total.
    return page_of(found.qs, number, total_in_rows=programme is not None), found


def _with(query, **changes) -> str:
    """`query` (a QueryDict) with `changes` (None: left out), as `?…` to link to."""
    query = query.copy()
    for name, value in changes.items():
        query.pop(name, None)
        if value is not None:
            query[name] = value
    return f"?{query.urlencode()}" if query else ""


def _sort_headers(query, current: str) -> list[dict]:
    """Each column's header: the link that sorts by it (ascending, or descending when already sorted
    ascending by it), keeping the filters, from the first page; and how the list is sorted by it now."""
    headers = []
    for key, label in SORT_LABELS.items():
        direction = "ascending" if current == key else "descending" if current == f"-{key}" else ""
        headers.append({"key": key, "label": label, "direction": direction,
                        "href": _with(query, sort=f"-{key}" if direction == "ascending" else key, page=None)})
    return headers


@login_required
@page_cache.kept
def declaration_list(request):
    programme = current_programme()
    page, found = declaration_list_page(request.user, programme=programme, query=request.GET, number=request.GET.get("page"))
    declaration_url = row_url("workflow:declaration")
    sealing = awaiting_seal(row.pk for row in page.object_list if row.state == State.DRAFTED)
    choices = filter_choices(programme, request.GET, found)
    forms_by_code, topics_by_code = dict(choices["forms"]), dict(choices["topics"])
    for row in page.object_list:  # the cells' texts made here, once: cheaper than template filters per cell
        month = row.scheduled_month or row.month
        row.url, row.state_label = declaration_url(row.pk), state_label(row.state, awaiting_seal=row.pk in sealing)
        row.month_text = f"{month}月" if month else "—"
        row.form_name = forms_by_code.get(row.form, row.form) or "—"
        row.topic_name = topics_by_code.get(row.focus_topic, row.focus_topic) or "—"
    sort = request.GET.get("sort", "") if found.is_bound and "sort" not in found.errors else ""
    return render(request, "workflow/declaration_list.html", {
        "declarations": page.object_list, "page": page, "programme": programme, "found": found, **choices,
        "headers": _sort_headers(request.GET, sort), "sort": sort,
        "export_url": reverse("workflow:declarations_xlsx") + _with(request.GET, page=None),
    })


@login_required
def declaration_list_xlsx(request):
    """The list as filtered (every page of it) as a spreadsheet; the export is audited with its filters."""
    programme = current_programme()
    found = DeclarationFilter(request.GET or None, queryset=declaration_export_rows(request.user, programme=programme),
                             programme=programme)
    with transaction.atomic():
        content = reports.declarations_xlsx(found.qs, by=request.user, programme=programme, filters=found.applied(),
                                            filter_labels=found.described(programme))
    name = f"{programme.code}-declarations.xlsx" if programme else "declarations.xlsx"
    return download(content, content_type=XLSX, filename=name)


@login_required
@page_cache.kept
@service_errors
def declaration_detail(request, pk: int):
    declaration = declaration_get(request.user, pk)
    process = process_of(declaration)
    svg, steps = "", []
    if process is not None:
        tasks = list(process.task_set.select_related("owner").order_by("created", "pk"))  # the chart's and the step list's
        svg = chart_of(tasks)
        steps = [task for task in tasks if task.flow_task_type in ("HUMAN", "HUMAN_START")]
    programme = declaration.programme
    handover.mark_read(request.user, declaration)  # 抄送我的: read
    events = list(history_of(declaration, viewer=request.user))
    open_task = inbox.open_tasks(request.user).filter(declaration=declaration).order_by("created", "pk").first()
    may_upload = declaration.state in services.EVIDENCE_STATES and can(request.user, Action.UPLOAD_EVIDENCE, declaration)
    may_mark = declaration.state in services.EXEMPLARY_STATES and can(request.user, Action.MARK_EXEMPLARY, declaration)
    return render(request, "workflow/declaration_detail.html", {
        "declaration": declaration, **content.content(declaration, events=events), "chart": svg,
        "steps": steps, "open_task": open_task, "stage": content.stage_label(declaration),
        "send_back_note": content.send_back_note(declaration),
        "bar": step_bar(declaration, events, steps),
        "actions": detail_actions(request.user, declaration),
        "canonical_banner": programme.canonical_banner(declaration.unit.name),
        "evidence_form": EvidenceForm(programme=programme) if may_upload else None,
        "max_upload": settings.EVIDENCE_MAX_UPLOAD_BYTES, "may_mark": may_mark,
        "cancel_consequence": CONSEQUENCES[Action.CANCEL], **discussion.thread(request.user, declaration),
        "may_copy_in": handover.may_copy_in(request.user, declaration),  # 抄送 (issue 21)
    })


@login_required
@require_POST
@service_errors
def declaration_mark_exemplary(request, pk: int):
    """The office (scheduler) marks a summarized activity as exemplary experience, or withdraws the mark."""
    declaration = declaration_get(request.user, pk)
    form = ExemplaryForm(request.POST)
    if not form.is_valid():
        messages.error(request, gettext("Choose whether to mark or to withdraw the mark."))
        return redirect("workflow:declaration", pk=declaration.pk)
    try:
        services.declaration_mark_exemplary(declaration=declaration, by=request.user, exemplary=form.cleaned_data["exemplary"])
    except TransitionConflict as conflict:
        messages.error(request, conflict.message)
    else:
        messages.success(request, gettext("Marked as exemplary experience.") if form.cleaned_data["exemplary"] else gettext("The exemplary mark was withdrawn."))
    return redirect("workflow:declaration", pk=declaration.pk)


# Detail-page actions that cannot be taken back: what will happen, ticked before it is posted.
CONSEQUENCES = {
    Action.CANCEL: "取消后该申报及其流程即告结束，所有待办任务一并关闭，单位不能再修改、举办或总结；取消不可撤回，理由记入办理记录。",
}

# What the page says once a detail-page action (workflow.actions: on_detail_page) is done.
_DONE = {
    Action.WITHDRAW: _("The declaration was withdrawn; it is back with the unit as a draft."),
    Action.CANCEL: _("The declaration was cancelled; its process has ended."),
}


def detail_actions(user, declaration: Declaration) -> dict[str, ReasonForm]:
    """The detail page's reason actions `user` may take on the declaration now, each with its form."""
    return {
        action.value: ReasonForm(auto_id=f"id_{action}_%s", required=spec.reason == Reason.REQUIRED)
        for action, spec in ACTIONS.items()
        if spec.on_detail_page and can_proceed(getattr(declaration, spec.method)) and can(user, action, declaration)
    }


@login_required
@require_POST
@service_errors
def declaration_act(request, pk: int, action: Action):
    """A detail-page action whose only input is a reason (withdraw, cancel), through its service.
    A refusal of the state or the reason is a message on the detail page; nothing is saved."""
    declaration = declaration_get(request.user, pk)
    if action in CONSEQUENCES and not confirmed(request):
        authorize(request.user, action, declaration)  # who may not act learns that first (403)
        messages.error(request, CONFIRM_MISSING)
        return redirect("workflow:declaration", pk=declaration.pk)
    form = ReasonForm(request.POST)
    form.is_valid()
    try:
        services.SERVICE_OF[action](declaration=declaration, by=request.user, reason=form.cleaned_data.get("reason", ""))
    except (TransitionConflict, RuleViolation) as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, _DONE[action])
    return redirect("workflow:declaration", pk=declaration.pk)
