"""Pages of 转办, 代理 and 抄送 (`workflow.handover`): each parses its form and calls one service."""
from __future__ import annotations

from django import forms as django_forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from workflow import handover
from workflow.errors import RuleViolation, TransitionConflict
from workflow.forms import add_problems
from workflow.models import Substitution
from workflow.selectors import declaration_get
from workflow.views.common import page_of, row_url, service_errors


class TransferForm(django_forms.Form):
    to = django_forms.CharField(label="转办给（用户名）", max_length=150, required=False)
    reason = django_forms.CharField(label="转办理由", widget=django_forms.Textarea(attrs={"rows": 3}), required=False)


class SubstituteForm(django_forms.Form):
    substitute = django_forms.CharField(label="代理人（用户名）", max_length=150, required=False)
    starts = django_forms.DateField(label="开始日期", required=False, widget=django_forms.DateInput(attrs={"type": "date"}),
                                    error_messages={"invalid": "请填写有效的日期，如 2023-05-01。"})
    ends = django_forms.DateField(label="结束日期（含当日）", required=False, widget=django_forms.DateInput(attrs={"type": "date"}),
                                  error_messages={"invalid": "请填写有效的日期，如 2023-05-07。"})


class CopyInForm(django_forms.Form):
    to = django_forms.CharField(label="抄送给（用户名）", max_length=150, required=False)
    note = django_forms.CharField(label="附言", max_length=500, required=False)


@login_required
@service_errors
def transfer_page(request, task_pk: int):
    """转办: the holder of the task (or the office) names the colleague and the reason."""
    try:
        task, declaration = handover.transferable(request.user, task_pk)
    except TransitionConflict as conflict:
        messages.error(request, conflict.message)
        return redirect("workflow:inbox")
    form = TransferForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            handover.task_transfer(task=task.pk, to=form.cleaned_data["to"], by=request.user,
                                   reason=form.cleaned_data["reason"])
        except RuleViolation as violation:
            add_problems(form, violation)
        except TransitionConflict as conflict:
            messages.error(request, conflict.message)
            return redirect("workflow:declaration", pk=declaration.pk)
        else:
            messages.success(request, "已转办，对方将在待办中收到这项任务。")
            return redirect("workflow:inbox")
    return render(request, "workflow/task_transfer.html", {
        "task": task, "declaration": declaration, "form": form,
        "step": handover.step_label(task),
        "candidates": handover.candidates(task, declaration),
    }, status=400 if form.errors else 200)


@login_required
def substitutes_page(request):
    """代理设置: the person's substitutions (and those naming them as substitute), and a form to add one."""
    form = SubstituteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            handover.substitute_name(person=request.user, substitute=data["substitute"], starts=data["starts"], ends=data["ends"])
        except RuleViolation as violation:
            add_problems(form, violation)
        else:
            messages.success(request, "代理设置已保存，代理人已收到通知。")
            return redirect("workflow:substitutes")
    today = timezone.localdate()
    mine = list(Substitution.objects.filter(person=request.user).select_related("substitute")[:50])
    for row in mine:
        row.current = row.ended_at is None and row.ends >= today
    return render(request, "workflow/substitutes.html", {
        "form": form, "mine": mine, "today": today,
        "for_others": list(handover.active().filter(substitute=request.user).select_related("person")),
    }, status=400 if form.errors else 200)


@login_required
@require_POST
@service_errors
def substitute_end(request, pk: int):
    try:
        handover.substitute_end(substitution=pk, by=request.user)
    except TransitionConflict as conflict:
        messages.error(request, conflict.message)
    else:
        messages.success(request, "代理已结束。")
    return redirect("workflow:substitutes")


@login_required
@require_POST
@service_errors
def copy_in(request, pk: int):
    """抄送, from the declaration page."""
    declaration = declaration_get(request.user, pk)
    form = CopyInForm(request.POST)
    form.is_valid()
    try:
        handover.copy_in(declaration=declaration, to=form.cleaned_data.get("to", ""), by=request.user,
                         note=form.cleaned_data.get("note", ""))
    except RuleViolation as violation:
        messages.error(request, violation.message)
    else:
        messages.success(request, "已抄送，对方将在“抄送我的”中看到这份申报。")
    return redirect("workflow:declaration", pk=declaration.pk)


@login_required
def copied_page(request):
    """抄送我的: the declarations someone copied the person in on; one statement per page."""
    page = page_of(handover.copied_to(request.user), request.GET.get("page"), total_in_rows=True)
    declaration_url = row_url("workflow:declaration")
    for row in page.object_list:
        row.url = declaration_url(row.declaration_id)
    return render(request, "workflow/copied.html", {"rows": page.object_list, "page": page})
