"""Admin for units (单位). The roster upload and role pages build on this in workflow.admin,
because they call workflow services and imports go workflow → units, never back.
"""
from __future__ import annotations

from django.contrib import admin

from units.models import Unit, UnitRoleGroup


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "short_name", "kind", "parent", "is_sample")
    list_filter = ("kind", "is_sample")
    search_fields = ("code", "name", "short_name")
    list_select_related = ("parent",)
    autocomplete_fields = ("parent",)
    ordering = ("kind", "code")
    fieldsets = (
        (None, {"fields": ("code", "name", "short_name", "kind", "parent")}),
        ("示例数据", {"fields": ("is_sample",), "description": "示例单位仅用于演示，不是区里的正式名单。"}),
    )

    def has_delete_permission(self, request, obj=None) -> bool:
        # A unit carries declarations and audit events (PROTECT); it is never deleted here.
        return False


class ReadOnlyAdminMixin:
    """Inspection only: no add, change or delete, whatever the model permissions say."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(UnitRoleGroup)
class UnitRoleGroupAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: which group carries which unit role. Membership changes go through the role pages."""

    list_display = ("group", "unit", "role")
    list_filter = ("role", "unit__kind")
    search_fields = ("unit__code", "unit__name", "group__name")
    list_select_related = ("group", "unit")
