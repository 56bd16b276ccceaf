"""The inbox, the task dispatcher, declaration pages and the office dashboard.

Reads go through `workflow.selectors` / `workflow.inbox` (one query per list, scoped
by unit membership); writes go through one service each. What a person may not see
answers 404 (`NotFound`), what they may see but not do answers a Chinese 403 page.
"""
from __future__ import annotations

import functools

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.db import transaction
from django.db.models import Count, OuterRef, Subquery, Window
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.timesince import timesince
from django.utils.translation import gettext
from django.views.decorators.http import require_POST
from viewflow.workflow import chart
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from policies.models import Programme
from policies.reminders import light
from workflow import inbox, services
from workflow.errors import NotFound, PermissionRefused, RuleViolation, TransitionConflict
from workflow.flows import CANCEL, WITHDRAW, DeclarationFlow, process_of, run_step
from workflow.forms import EvidenceForm, ExemplaryForm, ReasonForm
from workflow.models import BEFORE_HELD, DeadlineExtension, Declaration, State
from workflow.permissions import EVENT_LABELS, Action, can, is_office
from workflow.reports import state_label
from workflow.selectors import (
    declaration_get,
    declaration_list_rows,
    evidence_of,
    history_of,
    programme_accepting,
    units_expected_to_declare,
    units_of,
)


def service_errors(view):
    """NotFound → 404 page, PermissionRefused → Chinese 403 page (never a 500)."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except NotFound:
            raise Http404(gettext("Not found, or you may not see it.")) from None
        except PermissionRefused as refused:
            raise PermissionDenied(refused.message) from None

    return wrapped


def download(content: bytes, *, content_type: str, filename: str) -> HttpResponse:
    """`content` as an attachment named `filename` (the exports and reports)."""
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def current_programme() -> Programme | None:
    return Programme.objects.filter(accepts_declarations=True).order_by("-year", "code").first()


def programme_or_404(code: str | None) -> Programme:
    """The programme of `code`, or the current one (the navigation's links carry no code)."""
    programme = (
        current_programme() if code is None
        else programme_accepting(code)
    )
    if programme is None:
        raise Http404(gettext("No such programme."))
    return programme


# ------------------------------------------------------------------ inbox

PAGE_SIZE = 50  # rows per page of the inbox tabs, the declaration list and the audit search

TABS = {"inbox": inbox.tasks_for, "queue": inbox.queue_for, "done": inbox.done_by}


def page_of(qs, number, *, count: int | None = None, total_in_rows: bool = False) -> Page:
    """Page `number` of `qs` (`?page=`; past the end: the last page, not a number: the first).

    `count` when already known. `total_in_rows`: the rows carry the total (`COUNT(*) OVER ()`),
    one statement where the paginator issues two (the count, then the slice); only a page with
    no rows (an empty list, or past the end) costs the count. For lists of at most a few
    thousand rows: the window reads every matching row, where the count only counts them.
    """
    paginator = Paginator(qs, PAGE_SIZE)
    if count is not None:
        paginator.count = count  # a cached_property: set, it saves the COUNT(*) statement
    elif total_in_rows and (wanted := _page_number(number)) >= 1:
        start = (wanted - 1) * PAGE_SIZE
        rows = list(qs.annotate(total=Window(Count("*")))[start:start + PAGE_SIZE])
        if rows:
            return _read_page(rows, count=rows[0].total, number=wanted)
    page = paginator.get_page(number)
    page.object_list = list(page.object_list)
    return page


def _read_page(rows: list, *, count: int, number: int) -> Page:
    """Page `number` whose rows and total one statement already read."""
    paginator = Paginator(rows, PAGE_SIZE)
    paginator.count = count  # a cached_property: set, the paginator neither counts nor slices
    page = paginator.page(number)
    page.object_list = rows
    return page


def row_url(name: str):
    """`reverse(name, args=[pk])` for every row of a page at the cost of one `reverse`: the URL
    made once with a placeholder key, the row's key put in its place. A 50-row inbox page spent
    a third of its rendering in the per-row `{% url %}`."""
    placeholder = 2147483647
    head, tail = reverse(name, args=[placeholder]).split(str(placeholder))
    return lambda pk: f"{head}{int(pk)}{tail}"


def _page_number(number) -> int:
    """`number` as the paginator reads it: not a whole number means the first page."""
    try:
        return int(number)
    except (TypeError, ValueError):
        return 1


def inbox_tab(user, tab: str, number=None) -> tuple[dict[str, int], Page]:
    """What an inbox tab reads: both badges' counts (待办's and 待领取's page count too) and one page.

    待办 and 待领取: one statement (`inbox.open_page`). A page past the tab's end (the last page
    is shown) and 已办 count first, then read the page.
    """
    counts = None
    if tab in ("inbox", "queue") and (wanted := _page_number(number)) >= 1:
        counts, rows = inbox.open_page(user, tab, start=(wanted - 1) * PAGE_SIZE, size=PAGE_SIZE)
        if rows or (counts and not counts[tab]):
            return counts, _read_page(rows, count=counts[tab], number=wanted if rows else 1)
    counts = counts or inbox.tab_counts(user)
    return counts, page_of(TABS[tab](user), number, count=counts.get(tab))


def _inbox(request, tab: str):
    counts, page = inbox_tab(request.user, tab, request.GET.get("page"))
    task_url, declaration_url = row_url("workflow:task"), row_url("workflow:declaration")
    now, today = timezone.now(), timezone.localdate()
    for row in page.object_list:
        row.url, row.declaration_url = task_url(row.pk), declaration_url(row.declaration_id)
        if tab != "done":  # how long it has waited, in its largest unit (3天, 5小时), and its colour (亮灯)
            row.waited, row.light = timesince(row.created, now, depth=1), light(row.due_on, today)
    return render(request, "workflow/inbox.html", {
        "tab": tab, "rows": page.object_list, "page": page, "counts": counts,
        "may_start": DeclarationFlow.start.can_execute(request.user),
    })


@login_required
def inbox_page(request):
    return _inbox(request, "inbox")


@login_required
def queue_page(request):
    return _inbox(request, "queue")


@login_required
def done_page(request):
    return _inbox(request, "done")


# ------------------------------------------------------------------ tasks

@login_required
@service_errors
def start_page(request):
    """The flow's Start node: draft this year's declaration for one of my units."""
    node = DeclarationFlow.start
    if not node.can_execute(request.user):
        raise PermissionDenied(gettext("Only a unit's operator or leader can draft its declaration."))
    programme = current_programme()
    if programme is None:
        raise Http404(gettext("No programme accepts declarations now."))
    units = list(units_of(request.user).order_by("code"))
    wanted = request.POST.get("unit") or request.GET.get("unit")
    unit = next((u for u in units if str(u.pk) == wanted), units[0])
    existing = Declaration.objects.filter(programme=programme, unit=unit).exclude(state=State.CANCELLED).first()
    if existing is not None:
        messages.info(request, gettext("%(unit)s already has a declaration for this programme.") % {"unit": unit.name})
        return redirect("workflow:declaration", pk=existing.pk)
    activation = node.activation_class.create(node, None, None)
    activation.start(request)
    request.activation = activation
    return node.start_view(request, unit=unit, programme=programme, units=units)


@login_required
@service_errors
def task_page(request, task_pk: int):
    """One task of mine (待办) or of my queue (待领取, claim first); 404 for anything else."""
    try:
        task = inbox.task_for(request.user, task_pk)
    except Task.DoesNotExist:
        raise Http404(gettext("Not found, or you may not see it.")) from None
    node = task.flow_task
    if task.owner_id is None:
        if request.method == "POST" and "claim" in request.POST:
            with DeclarationFlow.lock(task.process_id), transaction.atomic():
                task.refresh_from_db()
                if task.owner_id is not None or task.status != STATUS.NEW:
                    messages.error(request, gettext("Someone else has just claimed this task."))
                    return redirect("workflow:inbox")
                if not node.can_assign(request.user, task):
                    raise PermissionDenied(gettext("You may not claim this task."))
                node.activation_class(task).assign(request.user)
            return redirect("workflow:task", task_pk=task.pk)
        declaration = declaration_get(request.user, task.process.artifact_object_id)
        return render(request, "workflow/task_claim.html", {"task": task, "declaration": declaration})
    request.activation = node.activation_class(task)
    return node.view(request, task_pk=task.pk)


# ------------------------------------------------------------------ declarations

def declaration_list_page(user, *, programme: Programme | None, state: str | None = None, number=None) -> Page:
    """What the declaration list reads: one page of rows and the total."""
    rows = declaration_list_rows(user, programme=programme, state=state)
    # One programme's list holds about one row per unit: small enough to carry its total.
    return page_of(rows, number, total_in_rows=programme is not None)


@login_required
def declaration_list(request):
    programme = current_programme()
    state = request.GET.get("state")
    page = declaration_list_page(request.user, programme=programme, state=state if state in State.values else None,
                                 number=request.GET.get("page"))
    declaration_url = row_url("workflow:declaration")
    for row in page.object_list:  # the state's label: get_state_display would rebuild the choices per row
        row.url, row.state_label = declaration_url(row.pk), state_label(row.state)
    return render(request, "workflow/declaration_list.html", {
        "declarations": page.object_list, "page": page, "states": State.choices, "state": state, "programme": programme,
    })


def _history(declaration: Declaration) -> list[dict]:
    labels = {f.name: str(f.verbose_name) for f in Declaration._meta.fields}
    rows = []
    for event in history_of(declaration):
        rows.append({
            "event": event,
            "actor": (event.actor.get_full_name() or event.actor.first_name or event.actor.username) if event.actor else "—",
            "label": EVENT_LABELS.get(event.action, event.action),
            "from_state": state_label(event.from_state), "to_state": state_label(event.to_state),
            "fields": "、".join(labels.get(name, name) for name in (event.changed or {}) if name in labels),
        })
    return rows


@login_required
@service_errors
def declaration_detail(request, pk: int):
    declaration = declaration_get(request.user, pk)
    process = process_of(declaration)
    svg, steps = "", []
    if process is not None:
        grid = chart.calc_layout_data(DeclarationFlow)
        chart.calc_cell_status(DeclarationFlow, grid, process.pk)
        svg = mark_safe(chart.grid_to_svg(grid))  # noqa: S308 (viewflow's own SVG template, no user input)
        steps = list(
            process.task_set.filter(flow_task_type__in=("HUMAN", "HUMAN_START")).select_related("owner").order_by("created", "pk")
        )
    programme = declaration.programme
    fields = [
        (Declaration._meta.get_field(name).verbose_name, value)
        for name, value in [
            ("theme", declaration.theme),
            ("month", f"{declaration.month}月" if declaration.month else ""),
            ("form", programme.label("forms", declaration.form) if declaration.form else ""),
            ("focus_topic", programme.label("focus_topics", declaration.focus_topic) if declaration.focus_topic else ""),
            ("description", declaration.description), ("banner", declaration.banner),
            ("contact_name", declaration.contact_name), ("contact_phone", declaration.contact_phone),
        ]
    ]
    open_task = inbox.open_tasks(request.user).filter(declaration=declaration).order_by("created", "pk").first()
    may_upload = declaration.state in services.EVIDENCE_STATES and can(request.user, Action.UPLOAD_EVIDENCE, declaration)
    may_mark = declaration.state in services.EXEMPLARY_STATES and can(request.user, Action.MARK_EXEMPLARY, declaration)
    return render(request, "workflow/declaration_detail.html", {
        "declaration": declaration, "fields": fields, "history": _history(declaration), "chart": svg,
        "steps": steps, "open_task": open_task,
        "may_withdraw": declaration.state == State.SUBMITTED and can(request.user, Action.WITHDRAW, declaration),
        "may_cancel": declaration.state in BEFORE_HELD and can(request.user, Action.CANCEL, declaration),
        "withdraw_form": ReasonForm(), "cancel_form": ReasonForm(auto_id="id_cancel_%s", required=True),
        "canonical_banner": programme.canonical_banner(declaration.unit.name),
        "holding": _holding(declaration),
        "evidence": [(item, programme.label("publicity_channels", item.channel) if item.channel else "") for item in evidence_of(declaration)],
        "evidence_form": EvidenceForm(programme=programme) if may_upload else None,
        "max_upload": settings.EVIDENCE_MAX_UPLOAD_BYTES, "may_mark": may_mark,
    })


def _holding(declaration: Declaration) -> dict | None:
    """The recorded holding as labels and values for the detail page."""
    if not declaration.held_on:
        return None
    programme = declaration.programme
    participants = declaration.participants if isinstance(declaration.participants, dict) else {}
    form = next((f for f in programme.forms if f["code"] == declaration.form), None)
    facts = declaration.form_facts if isinstance(declaration.form_facts, dict) else {}
    return {
        "participants": [(c["label"], participants.get(c["code"], 0)) for c in programme.participant_categories],
        "publicity": [
            {**item, "label": programme.label("publicity_channels", item.get("channel", ""))}
            for item in declaration.publicity if isinstance(item, dict)
        ] if isinstance(declaration.publicity, list) else [],
        "facts": [(f["label"], facts.get(f["code"], "")) for f in (form["facts"] if form else [])],
    }


@login_required
@require_POST
@service_errors
def declaration_mark_exemplary(request, pk: int):
    """The office (scheduler) marks a summarised activity as exemplary experience, or withdraws the mark."""
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


def _reason_step(request, pk: int, *, service, step: str, done: str):
    """A detail-page action whose only input is a reason (withdraw, cancel): its service through
    `flows.run_step`, so the process follows exactly as after the API's or the admin's action.
    A refusal of the state or the reason is a message on the detail page; nothing is saved."""
    declaration = declaration_get(request.user, pk)
    form = ReasonForm(request.POST)
    form.is_valid()
    reason = form.cleaned_data.get("reason", "")
    try:
        run_step(declaration=declaration, step=step, by=request.user,
                 perform=lambda: service(declaration=declaration, by=request.user, reason=reason))
    except (TransitionConflict, RuleViolation) as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, done)
    return redirect("workflow:declaration", pk=declaration.pk)


@login_required
@require_POST
@service_errors
def declaration_withdraw(request, pk: int):
    """The unit leader withdraws a submitted declaration before review (optional reason)."""
    return _reason_step(request, pk, service=services.declaration_withdraw, step=WITHDRAW,
                        done=gettext("The declaration was withdrawn; it is back with the unit as a draft."))


@login_required
@require_POST
@service_errors
def declaration_cancel(request, pk: int):
    """The office reviewer cancels a declaration before it is held (reason required)."""
    return _reason_step(request, pk, service=services.declaration_cancel, step=CANCEL,
                        done=gettext("The declaration was cancelled; its process has ended."))


# ------------------------------------------------------------------ office dashboard

@login_required
def dashboard(request):
    """Declarations by state, and the units that have not declared yet (催报)."""
    if not is_office(request.user):
        raise PermissionDenied(gettext("The dashboard is for the district office."))
    programme = current_programme()
    if programme is None:
        raise Http404(gettext("No programme accepts declarations now."))
    counts = dict(
        Declaration.objects.filter(programme=programme).values_list("state").annotate(n=Count("pk")).order_by()
    )
    by_state = [(value, label, counts.get(value, 0)) for value, label in State.choices]
    submitted = Declaration.objects.filter(programme=programme, first_submitted_at__isnull=False).exclude(state=State.CANCELLED)
    live = Declaration.objects.filter(programme=programme, unit=OuterRef("pk")).exclude(state=State.CANCELLED)
    extension = DeadlineExtension.objects.filter(programme=programme, unit=OuterRef("pk"))
    pending = (
        units_expected_to_declare().exclude(pk__in=submitted.values("unit_id"))
        .annotate(draft_state=Subquery(live.values("state")[:1]), extended_until=Subquery(extension.values("until")[:1]))
        .order_by("kind", "code")
    )
    today = timezone.localdate()
    due = programme.declaration_due_date
    rows = []
    for unit in pending:
        deadline = unit.extended_until or due
        days_left = (deadline - today).days if deadline else None
        rows.append({"unit": unit, "deadline": deadline, "days_left": days_left, "overdue": -days_left if days_left is not None else None,
                     "state": State(unit.draft_state).label if unit.draft_state else ""})
    held = Declaration.objects.filter(programme=programme, held_on__isnull=False).select_related("unit", "programme")
    flagged = [d for d in held.order_by("unit__code") if d.held_outside_schedule or d.summary_late]
    return render(request, "workflow/dashboard.html", {
        "programme": programme, "by_state": by_state, "total": sum(counts.values()), "pending": rows, "today": today,
        "flagged": flagged, "overdue": inbox.overdue_tasks(request.user, programme, today=today),
    })
