"""The inbox (待办, 待领取, 已办), the landing page, and the task dispatcher.

Reads go through `workflow.inbox` (one statement per tab, scoped by unit membership). A
task page itself is the task node's view (`workflow.views.tasks`).
"""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page
from django.db.models import Exists, Subquery
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.timesince import timesince
from django.utils.translation import gettext
from django.views.decorators.http import require_POST
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from policies.reminders import light
from policies.selectors import current_programmes
from workflow import inbox, page_cache, services
from workflow.errors import TransitionConflict
from workflow.filters import TaskRowFilter
from workflow.flows import DeclarationFlow
from workflow.models import Declaration, State
from workflow.selectors import declaration_get, units_of
from workflow.views.common import (
    PAGE_SIZE,
    current_programme,
    filter_choices,
    page_number,
    page_of,
    read_page,
    row_url,
    service_errors,
)

TABS = {"inbox": inbox.tasks_for, "queue": inbox.queue_for, "done": inbox.done_by}


def inbox_tab(user, tab: str, number=None) -> tuple[dict[str, int], Page]:
    """What an inbox tab reads: both badges' counts (待办's and 待领取's page count too) and one page.

    待办 and 待领取: one statement (`inbox.open_page`). A page past the tab's end (the last page
    is shown) and 已办 count first, then read the page.
    """
    counts = None
    if tab in ("inbox", "queue") and (wanted := page_number(number)) >= 1:
        counts, rows = inbox.open_page(user, tab, start=(wanted - 1) * PAGE_SIZE, size=PAGE_SIZE)
        if rows or (counts and not counts[tab]):
            return counts, read_page(rows, count=counts[tab], number=wanted if rows else 1)
    counts = counts or inbox.tab_counts(user)
    return counts, page_of(TABS[tab](user), number, count=counts.get(tab))


def filtered_tab(user, tab: str, query, *, programme) -> tuple[dict[str, int], Page, TaskRowFilter]:
    """A tab narrowed by the declaration list's filters (`TaskRowFilter`, the same names): both
    badges' counts (the whole tabs), then one page of the filtered rows and their count."""
    found = TaskRowFilter(query, queryset=TABS[tab](user), programme=programme)
    return inbox.tab_counts(user), page_of(found.qs, query.get("page")), found


def _inbox(request, tab: str, *, landing: bool = False):
    filtering = any(request.GET.get(name) for name in TaskRowFilter.base_filters)
    programme = current_programme()  # the filters' forms and topics, in its order
    if filtering:
        counts, page, found = filtered_tab(request.user, tab, request.GET, programme=programme)
    else:
        (counts, page), found = inbox_tab(request.user, tab, request.GET.get("page")), None
    if landing and not filtering and not counts["inbox"] and counts["queue"] and "page" not in request.GET:
        return redirect("workflow:queue")  # nothing in 待办, work waiting in 待领取 (a leader's seal)
    task_url, declaration_url = row_url("workflow:task"), row_url("workflow:declaration")
    now, today = timezone.now(), timezone.localdate()
    for row in page.object_list:
        row.url, row.declaration_url = task_url(row.pk), declaration_url(row.declaration_id)
        if tab != "done":  # how long it has waited, in its largest unit (3天, 5小时), and its colour (亮灯)
            row.waited, row.light = timesince(row.created, now, depth=1), light(row.due_on, today)
        row.for_someone = tab == "inbox" and row.owner_id != request.user.pk  # 代理: a task of the person substituted
    return render(request, "workflow/inbox.html", {
        "tab": tab, "rows": page.object_list, "page": page, "counts": counts,
        "may_start": may_start(request.user), "filtering": filtering,
        **filter_choices(programme, request.GET, found),
    })


def may_start(user) -> bool:
    """填报本年度申报表 is offered while one of the person's units has no live declaration in the
    current programme (`common.current_programme`); one statement."""
    current = current_programmes().values("pk")[:1]
    live = Declaration.objects.filter(programme=Subquery(current)).exclude(state=State.CANCELLED).values("unit_id")
    return units_of(user).filter(Exists(current)).exclude(pk__in=live).exists()


@login_required
@page_cache.kept
def inbox_page(request):
    """The landing page: 待办, or 待领取 when only the queue holds work (a leader's seal)."""
    return _inbox(request, "inbox", landing=True)


@login_required
@page_cache.kept
def inbox_tab_page(request):
    """The 待办 tab itself, even when it is empty."""
    return _inbox(request, "inbox")


@login_required
@page_cache.kept
def queue_page(request):
    return _inbox(request, "queue")


@login_required
@page_cache.kept
def done_page(request):
    return _inbox(request, "done")


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
            with DeclarationFlow.lock(task.process_id):  # the lock's transaction
                task.refresh_from_db(from_queryset=Task.objects.select_related("process"))  # now locked: still open?
                if task.owner_id is not None or task.status != STATUS.NEW:
                    messages.error(request, gettext("Someone else has just claimed this task."))
                    return redirect("workflow:inbox")
                if not node.can_assign(request.user, task):
                    raise PermissionDenied("您不能领取这项任务：只有能办理它的人员可以领取。")
                node.activation_class(task).assign(request.user)
            return redirect("workflow:task", task_pk=task.pk)
        declaration = declaration_get(request.user, task.process.artifact_object_id)
        return render(request, "workflow/task_claim.html", {"task": task, "declaration": declaration})
    request.activation = node.activation_class(task)
    return node.view(request, task_pk=task.pk)


@login_required
@require_POST
@service_errors
def task_release(request, task_pk: int):
    """退回队列: the task page's button; the service checks that the task is the person's own."""
    try:
        services.task_release(task=task_pk, by=request.user)
    except TransitionConflict as conflict:
        messages.error(request, conflict.message)
    else:
        messages.success(request, "任务已退回待领取队列，有权办理的人员均可领取。")
    return redirect("workflow:inbox")
