"""The programme pages: the programme (rules in Chinese, amendments), and for system
administrators the editor, 复制为新一年度, the amendment of a frozen rule, and opening,
closing and marking the current year, each with a confirmation.

Forms come from `policies.editor`; every write is one call to `workflow.programme_services`
(audited); refusals come back next to their field. Any logged-in person may read a
programme (its rules are the published notice); a person who may not edit gets the
Chinese 403 page on the editing pages.
"""
from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from policies import programme_data as data
from policies.editor import SECTIONS, Editor
from policies.models import Programme
from policies.programme_rules import banner_preview
from policies.rules import SHANGHAI
from policies.selectors import current_programme, programme_amendments
from workflow import programme_services as services
from workflow.errors import RuleViolation, TransitionConflict
from workflow.views.common import service_errors


def _programme(code: str) -> Programme:
    programme = Programme.objects.select_related("parent").filter(code=code).first()
    if programme is None:
        raise Http404("未找到该实施方案。")
    return programme


def _require_editor(user, *, add: bool = False) -> None:
    if not (services.may_add_programmes(user) if add else services.may_edit_programmes(user)):
        raise PermissionDenied("只有系统管理员可以设置实施方案。")


def _frozen_rules(programme: Programme) -> set[str]:
    return set(data.LOCKED_RULES) if programme.pk and services.has_submissions(programme) else set()


# ------------------------------------------------------------------ reading

@login_required
def programme_list(request):
    programmes = Programme.objects.select_related("parent").order_by("-year", "code")
    return render(request, "programmes/list.html", {
        "programmes": programmes, "current": current_programme(),
        "may_edit": services.may_edit_programmes(request.user), "may_add": services.may_add_programmes(request.user),
    })


@login_required
def programme_current(request):
    programme = current_programme()
    if programme is None:
        return redirect("workflow:programmes")
    return redirect("workflow:programme", code=programme.code)


@login_required
def programme_detail(request, code: str):
    programme = _programme(code)
    values = data.values_of(programme)
    sections = [cls(values=values, programme=programme) for cls in SECTIONS]
    return render(request, "programmes/detail.html", {
        "programme": programme, "sections": sections, "amendments": programme_amendments(programme),
        "is_current": current_programme() == programme,
        "submitted": services.submitted_count(programme) if programme.accepts_declarations else 0,
        "may_edit": services.may_edit_programmes(request.user), "may_add": services.may_add_programmes(request.user),
        "canonical": programme.canonical_banner("【单位名称】") if programme.banner_templates else "",
    })


# ------------------------------------------------------------------ the editor

def _save(editor: Editor, save):
    """Validate the forms and call `save(values)` (a service); its refusals go next to their
    fields. What the service returned, or None when something was refused."""
    if not editor.is_valid():
        return None
    values = editor.changed_values()
    if editor.has_errors():
        return None
    try:
        return save(values)
    except RuleViolation as violation:
        editor.show(violation.problems)
    except TransitionConflict as conflict:
        editor.errors.append(conflict.message)
    return None


def _editor_page(request, editor: Editor, save, *, programme: Programme | None, title: str, done: str):
    """The editor: a POST saves through `save` (a 预览 POST only redraws the preview)."""
    if request.method == "POST" and "_preview" not in request.POST:
        saved = _save(editor, save)
        if saved is not None:
            messages.success(request, done)
            return redirect("workflow:programme", code=saved.code)
        messages.error(request, "未保存：请按提示修改标红的项目。")
    return render(request, "programmes/editor.html", {
        "editor": editor, "programme": programme, "title": title, "frozen": editor.frozen, "preview": editor.preview(),
        "submitted": services.submitted_count(programme) if programme else 0,
    })


def _posted(request):
    return request.POST if request.method == "POST" else None


@login_required
@service_errors
def programme_edit(request, code: str):
    programme = _programme(code)
    _require_editor(request.user)
    editor = Editor(values=data.values_of(programme), data=_posted(request), programme=programme, frozen=_frozen_rules(programme))
    return _editor_page(
        request, editor, lambda values: services.programme_update(programme=programme, by=request.user, values=values),
        programme=programme, title=f"编辑实施方案：{programme.name}", done="已保存实施方案（已记入审计日志）。",
    )


@login_required
@service_errors
def programme_new(request):
    _require_editor(request.user, add=True)
    values = {**data.values_of(Programme()), "year": timezone.now().astimezone(SHANGHAI).year, "accepts_declarations": True}
    return _editor_page(
        request, Editor(values=values, data=_posted(request)),
        lambda values: services.programme_create(values=values, by=request.user),
        programme=None, title="新建实施方案", done="已新建实施方案（尚未开放申报）。",
    )


class AmendmentForm(forms.Form):
    reason = forms.CharField(label="修订理由", required=False, widget=forms.Textarea(attrs={"rows": 3}),
                             help_text="将与修订内容一并在方案页公布")
    effective_on = forms.DateField(label="生效日期", required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                                   help_text="修订自记录之时起执行，生效日期不能晚于今天")


@login_required
@service_errors
def programme_amend(request, code: str, rule: str):
    programme = _programme(code)
    _require_editor(request.user)
    group = data.LOCKED_RULES.get(rule)
    if group is None:
        raise Http404("没有这项可修订的规则。")
    editor = Editor(values=data.values_of(programme), data=_posted(request), programme=programme, rule=rule)
    form = AmendmentForm(_posted(request), initial={"effective_on": timezone.now().astimezone(SHANGHAI).date()})
    if request.method == "POST" and "_preview" not in request.POST:
        form_ok = form.is_valid()

        def amend(values):
            try:
                return services.programme_amend(
                    programme=programme, by=request.user, rule=rule, values=values,
                    reason=form.cleaned_data["reason"], effective_on=form.cleaned_data["effective_on"],
                )
            except RuleViolation as violation:  # the reason and the date next to their fields
                for problem in violation.problems:
                    if problem.field in form.fields:
                        form.add_error(problem.field, problem.message)
                raise RuleViolation([p for p in violation.problems if p.field not in form.fields]) from None

        if form_ok and _save(editor, amend) is not None:
            messages.success(request, f"已记录规则修订：{group.label}（已记入审计日志，并在方案页公布）。")
            return redirect("workflow:programme", code=programme.code)
        editor.is_valid()  # its field errors, also when the reason or date was malformed
        messages.error(request, "未记录修订：请按提示修改标红的项目。")
    return render(request, "programmes/amend.html", {
        "programme": programme, "group": group, "editor": editor, "form": form, "preview": editor.preview(),
        "submitted": services.submitted_count(programme),
    })


# ------------------------------------------------------------------ actions with a confirmation

# action → (title, button, what it does, message when done, service)
ACTIONS = {
    "open": ("开放申报", "确认开放申报", "开放后，各单位可以在本方案中填报并报送申报表。", "已开放申报", services.programme_open),
    "close": ("停止受理申报", "确认停止受理", "停止后，各单位不能再新建申报；已有的申报照常进行。", "已停止受理申报", services.programme_close),
    "current": ("设为当前年度", "确认设为当前年度",
                "设为当前年度后，导航中的填报、申报列表、安排表、日历和考核都默认打开本方案，开放其他年度也不会改变。"
                "（未设置时，默认为最新一个开放申报的方案。）", "已设为当前年度", services.programme_mark_current),
}


@login_required
@service_errors
def programme_action(request, code: str, action: str):
    programme = _programme(code)
    _require_editor(request.user)
    if action not in ACTIONS:
        raise Http404("没有这项操作。")
    title, button, explain, done, run = ACTIONS[action]
    problems: list[str] = []
    if request.method == "POST":
        try:
            run(programme=programme, by=request.user)
        except RuleViolation as violation:
            problems = [p.message for p in violation.problems]
        except TransitionConflict as conflict:
            messages.info(request, conflict.message)
            return redirect("workflow:programme", code=programme.code)
        else:
            messages.success(request, f"{done}：{programme.name}（已记入审计日志）。")
            return redirect("workflow:programme", code=programme.code)
    warnings = []
    due = programme.declaration_due_date
    if action == "open" and due and due < timezone.now().astimezone(SHANGHAI).date():
        warnings.append(f"申报截止日期{due.year}年{due.month}月{due.day}日已过：开放后各单位可以填报，但须经区政务公开办批准延期才能报送。")
    return render(request, "programmes/confirm.html", {
        "programme": programme, "title": title, "button": button, "explain": explain,
        "problems": problems, "warnings": warnings, "cancel_url": reverse("workflow:programme", args=[programme.code]),
    })


class CopyForm(forms.Form):
    code = forms.CharField(label="新方案代码", max_length=32, required=False)
    year = forms.IntegerField(label="新年度", required=False)


@login_required
@service_errors
def programme_copy(request, code: str):
    programme = _programme(code)
    _require_editor(request.user, add=True)
    proposed = data.next_year_values(data.values_of(programme))
    form = CopyForm(request.POST or None, initial={"code": proposed["code"], "year": proposed["year"]})
    if request.method == "POST" and form.is_valid():
        try:
            copied = services.programme_copy(
                programme=programme, by=request.user, code=form.cleaned_data["code"] or None, year=form.cleaned_data["year"],
            )
        except RuleViolation as violation:
            for problem in violation.problems:
                form.add_error(problem.field if problem.field in form.fields else None, problem.message)
        else:
            messages.success(request, f"已复制为{copied.year}年度：{copied.name}。请检查并调整各项规则，然后开放申报（尚未开放）。")
            return redirect("workflow:programme_edit", code=copied.code)
    return render(request, "programmes/copy.html", {"programme": programme, "form": form, "proposed": proposed})


# ------------------------------------------------------------------ the live preview

@login_required
@require_GET
def banner_preview_json(request):
    """The editor's script asks here while people type (GET, nothing saved): the canonical
    banner for the sample unit, and what the rule says about the trial banner."""
    if not services.may_edit_programmes(request.user):
        raise PermissionDenied("只有系统管理员可以设置实施方案。")
    templates = [data.template_from_people(t) for t in request.GET.getlist("template") if t.strip()]
    forbidden = [f for f in request.GET.getlist("forbidden") if f.strip()]
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        year = timezone.now().astimezone(SHANGHAI).year
    year = year if 2000 <= year <= 2100 else timezone.now().astimezone(SHANGHAI).year
    unit = (request.GET.get("unit") or "").strip()[:200] or "开福区某某局"
    preview = banner_preview(templates, forbidden, year=year, unit_name=unit, trial=(request.GET.get("trial") or "")[:200])
    return JsonResponse({
        "unit": preview.unit_name, "canonical": preview.canonical, "alternatives": list(preview.alternatives),
        "rule_problems": [p.message for p in preview.rule_problems],
        "trial": preview.trial, "trial_passes": preview.trial_passes,
        "trial_problems": [p.message for p in preview.trial_problems],
    }, json_dumps_params={"ensure_ascii": False})
