"""Programmes in the admin (管理后台): a list to find them, and the way into the editor.

A programme's rules are edited on the editor pages (/programmes/<code>/edit/), in
Chinese forms, through the audited services; the admin's add and change pages send
there, so there is one way to change a programme. Amendments are read-only here.
"""
from __future__ import annotations

from django.contrib import admin
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html

from policies.models import Programme, ProgrammeAmendment


@admin.register(Programme)
class ProgrammeAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "year", "document_number", "accepts_declarations", "is_open", "is_current", "declaration_due_date", "editor_link")
    list_filter = ("year", "accepts_declarations", "is_open", "is_current")
    search_fields = ("code", "name", "document_number", "issuer")
    list_select_related = ("parent",)

    @admin.display(description="编辑器")
    def editor_link(self, obj):
        return format_html('<a href="{}">在编辑器中打开</a>', reverse("workflow:programme_edit", args=[obj.code]))

    def add_view(self, request, form_url="", extra_context=None):
        return HttpResponseRedirect(reverse("workflow:programme_new"))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        programme = self.get_object(request, object_id)
        if programme is None:
            return HttpResponseRedirect(reverse("admin:policies_programme_changelist"))
        return HttpResponseRedirect(reverse("workflow:programme_edit", args=[programme.code]))

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # declarations and audit events refer to it


@admin.register(ProgrammeAmendment)
class ProgrammeAmendmentAdmin(admin.ModelAdmin):
    """Read-only: amendments are recorded by the editor's 规则修订 page (audited)."""

    list_display = ("programme", "rule", "effective_on", "made_by", "made_at", "reason")
    list_filter = ("programme", "rule")
    list_select_related = ("programme", "made_by")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
