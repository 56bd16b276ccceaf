"""The admin (管理后台), in Chinese, for administrators and the office.

Every write that the audit trail must see goes through a service, never through a raw
model form:
- roles: the user page's “角色” page calls `role_grant` / `role_revoke`; the user's
  groups, permissions and superuser flag are read-only here, and the group admin is
  read-only, so no grant bypasses the audit;
- the roster upload (单位 → 导入花名册) calls `roster_import`;
- declarations are read-only; the actions approve / return / cancel call the services after
  an intermediate page that says what will happen (return and cancel ask for the reason there);
- a deadline extension is added through `deadline_extension_grant`;
- audit events, schedule versions and checkpoints are strictly read-only.

The admin pages that are not model forms are rendered from the small templates below
(kept here so the admin needs no template files of its own).
"""
from __future__ import annotations

from functools import cached_property

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template import engines
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from viewflow.workflow.models import Process, Task

from accounts import two_factor
from units import admin as units_admin
from units.models import Unit, UnitRoleGroup
from units.roles import OFFICE_GROUP_NAMES, REVIEW, UNIT_ROLES, Role
from workflow import selectors, services
from workflow.actions import ACTIONS, EVENT_LABELS, Action, Reason
from workflow.errors import RuleViolation, ServiceError
from workflow.models import AuditCheckpoint, AuditEvent, DeadlineExtension, Declaration, ScheduleVersion
from workflow.permissions import is_assessor
from workflow.reports import state_label
from workflow.roles import ADMIN_GROUP_NAME, may_manage_roles, role_grant, role_revoke
from workflow.roster import roster_import

User = get_user_model()

FORM_PAGE = """{% extends "admin/base_site.html" %}
{% block breadcrumbs %}<div class="breadcrumbs"><a href="{% url 'admin:index' %}">首页</a>
{% for label, url in crumbs %} › {% if url %}<a href="{{ url }}">{{ label }}</a>{% else %}{{ label }}{% endif %}{% endfor %}
 › {{ title }}</div>{% endblock %}
{% block content %}<div id="content-main">
{% for line in intro %}<p>{{ line }}</p>{% endfor %}
{% if table_rows %}<table><thead><tr>{% for h in table_head %}<th>{{ h }}</th>{% endfor %}</tr></thead><tbody>
{% for row in table_rows %}<tr>{% for cell in row %}<td>{{ cell }}</td>{% endfor %}</tr>{% endfor %}
</tbody></table>{% elif table_head %}<p>{{ table_empty }}</p>{% endif %}
<form method="post" enctype="multipart/form-data" novalidate>{% csrf_token %}
{% for name, value in hidden %}<input type="hidden" name="{{ name }}" value="{{ value }}">{% endfor %}
<fieldset class="module aligned">{% for field in form %}<div class="form-row">{{ field.errors }}{{ field.label_tag }} {{ field }}
{% if field.help_text %}<div class="help">{{ field.help_text }}</div>{% endif %}</div>{% endfor %}</fieldset>
{{ form.non_field_errors }}
<div class="submit-row">{% for name, label in buttons %}<input type="submit" {% if forloop.first %}class="default" {% endif %}name="{{ name }}" value="{{ label }}">{% endfor %}</div>
</form></div>{% endblock %}
"""

UNIT_CHANGE_LIST = """{% extends "admin/change_list.html" %}
{% block object-tools-items %}{% if may_import %}<li><a href="{% url 'admin:units_unit_import_roster' %}">导入花名册</a></li>{% endif %}{{ block.super }}{% endblock %}
"""

MAX_MESSAGES = 30


def _template(source: str):
    return engines["django"].from_string(source)


def form_page(request, *, title: str, form, crumbs=(), intro=(), buttons=(("_save", "提交"),), hidden=(),
              table_head=(), table_rows=(), table_empty="") -> TemplateResponse:
    context = {
        **admin.site.each_context(request), "title": title, "form": form, "crumbs": crumbs, "intro": intro,
        "buttons": buttons, "hidden": hidden, "table_head": table_head, "table_rows": table_rows, "table_empty": table_empty,
    }
    return TemplateResponse(request, _template(FORM_PAGE), context)


def error_messages(request, error: ServiceError) -> None:
    """A service error as admin messages, one per problem (row errors of an import)."""
    problems = [p.message for p in getattr(error, "problems", [])] or [error.message]
    for message in problems[:MAX_MESSAGES]:
        messages.error(request, message)
    if len(problems) > MAX_MESSAGES:
        messages.error(request, f"……另有{len(problems) - MAX_MESSAGES}处问题未列出。")


# ====================================================================== units and the roster

class RosterUploadForm(forms.Form):
    file = forms.FileField(
        label="花名册文件",
        help_text="XLSX或CSV（UTF-8或GB18030）。列：单位代码、单位名称、类型（区属单位/街道/办公室）、"
                  "姓名、电话、邮箱、角色。任何一行有误则整个文件都不导入。",
    )


admin.site.unregister(Unit)


@admin.register(Unit)
class UnitAdmin(units_admin.UnitAdmin):
    """Units, plus the roster upload (`import-roster/`) that calls `roster_import`."""

    @cached_property
    def change_list_template(self):
        return _template(UNIT_CHANGE_LIST)

    def get_urls(self):
        upload = path("import-roster/", self.admin_site.admin_view(self.import_roster_view), name="units_unit_import_roster")
        return [upload, *super().get_urls()]

    def changelist_view(self, request, extra_context=None):
        return super().changelist_view(request, {**(extra_context or {}), "may_import": may_manage_roles(request.user)})

    def import_roster_view(self, request):
        if not may_manage_roles(request.user):
            raise PermissionDenied("只有系统管理员可以导入单位与人员名单。")
        form = RosterUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                result = roster_import(file=upload, filename=upload.name, by=request.user)
            except ServiceError as error:
                messages.error(request, f"花名册“{upload.name}”有误，未导入任何数据：")
                error_messages(request, error)
            else:
                messages.success(request, result.summary())
                if result.new_logins:
                    messages.info(request, "新建账号未设置密码，请在“用户”中为其设置，或由本人通过找回密码设置："
                                  + "、".join(result.new_logins[:50]) + ("……" if len(result.new_logins) > 50 else ""))
                return HttpResponseRedirect(reverse("admin:units_unit_changelist"))
        return form_page(
            request, title="导入花名册", form=form, buttons=(("_import", "导入"),),
            crumbs=(("单位与人员", reverse("admin:app_list", args=["units"])), ("单位", reverse("admin:units_unit_changelist"))),
            intro=("登录名规则：有邮箱的以邮箱（小写）为登录名；只有电话的以“tel-电话号码数字”为登录名。"
                   "导入只新增或更新单位、人员和角色，不会撤销已有角色。",),
        )


# ====================================================================== people and roles

def roles_held(user) -> list[tuple[str, Unit | None]]:
    """(role, unit) pairs `user` holds through the role groups, unit roles first."""
    held: list[tuple[str, Unit | None]] = [
        (g.role, g.unit) for g in UnitRoleGroup.objects.filter(group__user=user).select_related("unit").order_by("unit__code", "role")
    ]
    names = set(user.groups.values_list("name", flat=True))
    held += [(role, None) for role, name in OFFICE_GROUP_NAMES.items() if name in names]
    if ADMIN_GROUP_NAME in names:
        held.append((Role.ADMINISTRATOR, None))
    return held


class RoleChangeForm(forms.Form):
    role = forms.ChoiceField(label="角色", choices=Role.choices)
    unit = forms.ModelChoiceField(
        label="单位", queryset=Unit.objects.order_by("kind", "code"), required=False,
        help_text="填报人、单位负责人须选择单位；区政务公开办和考核角色不选单位。",
    )


class UserAdmin(DjangoUserAdmin):
    """Users. Roles are changed only on the “角色” page (audited), never by editing groups."""

    readonly_fields = ("roles_summary", "is_superuser", "groups", "user_permissions", "last_login", "date_joined")
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("个人信息", {"fields": ("first_name", "last_name", "email")}),
        ("角色与权限", {
            "fields": ("roles_summary", "is_active", "is_staff", "is_superuser", "groups", "user_permissions"),
            "description": "角色只能在“角色”页面授予或撤销，每一次都记入审计日志。",
        }),
        ("重要日期", {"fields": ("last_login", "date_joined")}),
    )
    list_display = ("username", "first_name", "email", "is_active", "is_staff")
    actions = ("reset_two_factor",)

    @admin.action(description="重置所选人员的动态验证码（下次登录时重新绑定验证器）")
    def reset_two_factor(self, request, queryset):
        removed = sum(two_factor.reset(user=user, by=request.user) for user in queryset)
        messages.success(request, f"已为{queryset.count()}人重置动态验证码，共移除{removed}个验证器（已记入审计日志）。")

    @admin.display(description="角色")
    def roles_summary(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        held = roles_held(obj)
        labels = format_html_join("", "<li>{}</li>", ((_role_label(role, unit),) for role, unit in held)) if held else "（无）"
        url = reverse("admin:auth_user_roles", args=[obj.pk])
        return format_html('<ul>{}</ul><a class="button" href="{}">授予或撤销角色</a>', labels, url)

    def has_change_permission(self, request, obj=None) -> bool:
        # Only a superuser edits a superuser (else a password change would be an escalation).
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def get_urls(self):
        roles = path("<int:user_id>/roles/", self.admin_site.admin_view(self.roles_view), name="auth_user_roles")
        return [roles, *super().get_urls()]

    def roles_view(self, request, user_id: int):
        if not may_manage_roles(request.user):
            raise PermissionDenied("只有系统管理员可以授予或撤销角色。")
        person = get_object_or_404(User, pk=user_id)
        form = RoleChangeForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            role, unit = form.cleaned_data["role"], form.cleaned_data["unit"]
            unit = unit if role in UNIT_ROLES else None
            grant = "_revoke" not in request.POST
            try:
                changed = (role_grant if grant else role_revoke)(user=person, role=role, unit=unit, by=request.user)
            except ServiceError as error:
                error_messages(request, error)
            else:
                what = _role_label(role, unit)
                if changed:
                    messages.success(request, f"已{'授予' if grant else '撤销'}{person.username}的角色：{what}（已记入审计日志）。")
                else:
                    messages.warning(request, f"{person.username}{'已具有' if grant else '并不具有'}角色：{what}，未作改动。")
                return HttpResponseRedirect(request.path)
        held = roles_held(person)
        return form_page(
            request, title=f"{person.get_full_name() or person.username} 的角色", form=form,
            buttons=(("_grant", "授予"), ("_revoke", "撤销")),
            crumbs=(("用户", reverse("admin:auth_user_changelist")), (person.username, reverse("admin:auth_user_change", args=[person.pk]))),
            table_head=("角色", "单位"), table_rows=[(Role(r).label, u.name if u else "全区") for r, u in held],
            table_empty="目前没有任何角色。",
        )


def _role_label(role: str, unit: Unit | None) -> str:
    return f"{Role(role).label}（{unit.name}）" if unit else Role(role).label


admin.site.unregister(User)
admin.site.register(User, UserAdmin)


admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(units_admin.ReadOnlyAdminMixin, DjangoGroupAdmin):
    """Read-only: a group's permissions and members change only through the role services."""


# ====================================================================== declarations

class ReasonForm(forms.Form):
    reason = forms.CharField(label="理由", widget=forms.Textarea(attrs={"rows": 4, "cols": 60}), max_length=2000)


def _act(request, queryset: QuerySet, call, verb: str) -> None:
    """Call one service per declaration; report each success and each refusal."""
    done = 0
    for declaration in queryset.select_related("unit"):
        try:
            call(declaration)
        except ServiceError as error:
            messages.error(request, f"{declaration.unit.name}（#{declaration.pk}）未能{verb}：{error.message}")
        else:
            done += 1
    if done:
        messages.success(request, f"已{verb}{done}份申报（已记入审计日志）。")


# What each bulk action does, said on its confirmation page before anything happens.
CONSEQUENCES = {
    Action.APPROVE: "审核通过后，这些申报进入待排期，单位不能再撤回或修改申报表。",
    Action.RETURN: "退回后，这些申报回到各单位草稿，须由填报人修改、负责人重新盖章报送；理由各单位可见，退回计入考核。",
    Action.CANCEL: "取消后，这些申报及其流程即告结束，所有待办任务一并关闭；取消不可撤回。",
}


def _confirmation(request, queryset, *, action: Action):
    """Ask to be sure on an intermediate page (with the reason when the action takes one), then call
    the action's service for each declaration. Nothing happens until the page's button is pressed."""
    spec, service = ACTIONS[action], services.SERVICE_OF[action]
    form = ReasonForm(request.POST if "_confirm" in request.POST else None) if spec.reason == Reason.REQUIRED else forms.Form(
        request.POST if "_confirm" in request.POST else None)
    if form.is_bound and form.is_valid():
        reason = form.cleaned_data.get("reason")
        _act(request, queryset, lambda d: service(declaration=d, by=request.user, **({"reason": reason} if reason else {})),
             spec.label)
        return None
    hidden = [("action", action.value), ("select_across", request.POST.get("select_across", "0"))]
    hidden += [(helpers.ACTION_CHECKBOX_NAME, pk) for pk in request.POST.getlist(helpers.ACTION_CHECKBOX_NAME)]
    rows = [(d.pk, d.unit.name, d.theme, d.get_state_display()) for d in queryset.select_related("unit")]
    return form_page(
        request, title=f"{spec.label}申报", form=form, hidden=hidden, buttons=(("_confirm", f"确认{spec.label}这{len(rows)}份申报"),),
        crumbs=(("申报", reverse("admin:workflow_declaration_changelist")),),
        intro=(f"将{spec.label}以下{len(rows)}份申报。{CONSEQUENCES[action]}",
               "每一份分别办理：某一份不能办理时，其他各份照常办理，结果逐份列出。"),
        table_head=("编号", "单位", "活动主题", "状态"), table_rows=rows,
    )


def _admin_action(action: Action):
    """The admin's bulk action for one row of `workflow.actions` (in_admin): a confirmation page
    saying what will happen (and asking for the reason where one is required), then its service
    per declaration."""
    spec = ACTIONS[action]

    def run(modeladmin, request, queryset):
        return _confirmation(request, queryset, action=action)

    run.__name__ = action.value
    suffix = "（需填写理由）" if spec.reason == Reason.REQUIRED else ""
    return admin.action(description=f"{spec.label}所选申报{suffix}")(run)


class ReadOnlyAdmin(units_admin.ReadOnlyAdminMixin, admin.ModelAdmin):
    """Inspection only: no add, change or delete, whatever the model permissions say."""


@admin.register(Declaration)
class DeclarationAdmin(ReadOnlyAdmin):
    """Read-only; state changes only through the actions, which call the services."""

    list_display = ("id", "unit", "programme", "theme", "month", "state", "submitted_at", "scheduled_month")
    list_filter = ("programme", "state", "unit__kind")
    search_fields = ("theme", "unit__name", "unit__code")
    search_help_text = "按申报编号（数字）、活动主题或单位查找。"
    list_select_related = ("unit", "programme")
    actions = tuple(_admin_action(action) for action, spec in ACTIONS.items() if spec.in_admin)
    show_full_result_count = False

    def get_queryset(self, request):
        """The same rule as every list: nobody outside a unit sees a draft it never submitted."""
        return super().get_queryset(request).filter(pk__in=selectors.declarations_visible_to(request.user).values("pk"))

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if term.lstrip("#").isdigit():
            return queryset.filter(pk=int(term.lstrip("#"))), False
        return super().get_search_results(request, queryset, search_term)

    def get_actions(self, request):
        """Only the bulk actions whose permission the person holds (workflow.actions)."""
        actions = super().get_actions(request)
        for action, spec in ACTIONS.items():
            if spec.in_admin and not request.user.has_perm(spec.needs):
                actions.pop(action.value, None)
        return actions


# ====================================================================== extensions

class ExtensionForm(forms.ModelForm):
    """Adding an extension calls `deadline_extension_grant` (audited), which validates and
    writes; the admin's save then only adopts that row (same transaction). The model's own
    validation is skipped: its unique check would refuse the re-grant the service allows
    (a later extension for the same unit replaces the earlier one)."""

    class Meta:
        model = DeadlineExtension
        fields = ("programme", "unit", "until", "reason")

    request_user = None

    def _post_clean(self):
        if self.errors:
            return
        data = self.cleaned_data
        try:
            self.instance = services.deadline_extension_grant(
                programme=data["programme"], unit=data["unit"], until=data["until"], reason=data["reason"], by=self.request_user,
            )
        except RuleViolation as error:
            for field, texts in error.by_field().items():
                for text in texts:
                    self.add_error(field if field in self.fields else None, text)
        except ServiceError as error:
            self.add_error(None, error.message)


@admin.register(DeadlineExtension)
class DeadlineExtensionAdmin(admin.ModelAdmin):
    list_display = ("unit", "programme", "until", "granted_by", "granted_at")
    list_filter = ("programme", "unit__kind")
    search_fields = ("unit__name", "unit__code", "reason")
    list_select_related = ("unit", "programme", "granted_by")
    autocomplete_fields = ("unit",)
    form = ExtensionForm

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)

        class WithUser(form):
            request_user = request.user

        return WithUser

    def save_model(self, request, obj, form, change):
        pass  # `obj` is the row the service wrote in the form's validation

    def has_view_permission(self, request, obj=None) -> bool:
        return super().has_view_permission(request, obj) or request.user.has_perm(REVIEW)

    def has_add_permission(self, request) -> bool:
        return request.user.has_perm(REVIEW)

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


# ====================================================================== audit and schedule

@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ("id", "created_at", "action_label", "actor", "unit", "declaration_link", "from_label", "to_label", "reason")
    list_filter = ("action", "unit")
    search_fields = ("declaration__id",)
    search_help_text = "按申报编号查找（输入数字）。"
    list_select_related = ("actor", "unit", "declaration")
    show_full_result_count = False

    @admin.display(description="申报")
    def declaration_link(self, obj):
        return f"#{obj.declaration_id}" if obj.declaration_id else "—"

    def get_queryset(self, request):
        """The audit search's rule: a never-submitted draft's events stay inside its unit."""
        return super().get_queryset(request).filter(pk__in=selectors.audit_events_visible_to(request.user).values("pk"))

    @admin.display(description="操作", ordering="action")
    def action_label(self, obj):
        return EVENT_LABELS.get(obj.action, obj.action)

    @admin.display(description="原状态")
    def from_label(self, obj):
        return state_label(obj.from_state) if obj.from_state else "—"

    @admin.display(description="新状态")
    def to_label(self, obj):
        return state_label(obj.to_state) if obj.to_state else "—"

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip().lstrip("#")
        if not term:
            return queryset, False
        if term.isdigit():
            return queryset.filter(declaration_id=int(term)), False
        return queryset.none(), False

    def has_view_permission(self, request, obj=None) -> bool:
        return super().has_view_permission(request, obj) or is_assessor(request.user)

    def has_module_permission(self, request) -> bool:
        return self.has_view_permission(request)


@admin.register(AuditCheckpoint)
class AuditCheckpointAdmin(ReadOnlyAdmin):
    list_display = ("id", "created_at", "chains", "events", "hash")


@admin.register(ScheduleVersion)
class ScheduleVersionAdmin(ReadOnlyAdmin):
    list_display = ("programme", "number", "published_by", "published_at", "entry_count", "reason")
    list_filter = ("programme",)
    list_select_related = ("programme", "published_by")

    @admin.display(description="活动数")
    def entry_count(self, obj):
        return len(obj.entries or [])



# ====================================================================== viewflow's tables

admin.site.unregister(Process)
admin.site.unregister(Task)


class ViewflowTableAdmin(ReadOnlyAdmin):
    """viewflow's own tables, read-only and in Chinese (its admin shows untranslated fields,
    and lets a process or task be edited past the services)."""

    noun = ""

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        title = f"{self.noun}#{obj.pk}（{obj.get_status_display()}）" if obj else ""
        return super().change_view(request, object_id, form_url, {**(extra_context or {}), "original": title, "subtitle": title})


@admin.register(Process)
class ProcessAdmin(ViewflowTableAdmin):
    """A process moves only through its tasks."""

    noun = "流程"
    list_display = ("id", "created", "status", "declaration_link", "finished")
    list_filter = ("status",)
    fields = ("flow_class", "status", "created", "finished", "declaration_link")
    readonly_fields = fields

    @admin.display(description="申报")
    def declaration_link(self, obj):
        return f"#{obj.artifact_object_id}" if obj.artifact_object_id else "—"


@admin.register(Task)
class TaskAdmin(ViewflowTableAdmin):
    """Tasks are done on the task pages."""

    noun = "任务"
    list_display = ("id", "created", "process", "flow_task", "status", "owner", "finished")
    list_filter = ("status",)
    list_select_related = ("process", "owner")
    fields = ("process", "flow_task", "flow_task_type", "status", "owner", "created", "assigned", "started", "finished", "previous_tasks")
    readonly_fields = fields

    @admin.display(description="前序任务")
    def previous_tasks(self, obj):
        return "、".join(f"#{t.pk}" for t in obj.previous.all()) or "—"
