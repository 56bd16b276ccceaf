"""Template helpers of the lists' filter forms (templates/workflow/declaration_list.html)."""
from __future__ import annotations

from django import template
from django.utils.html import format_html, format_html_join

register = template.Library()


@register.simple_tag
def options(choices, chosen) -> str:
    """A select's options: 全部 (no filter), then each (value, label), the chosen one selected.

    One call instead of a template loop with a comparison per option: the list page renders every
    filter's options on each request (docs/finding-and-printing.md)."""
    chosen = "" if chosen is None else str(chosen)
    return format_html('<option value="">全部</option>{}', format_html_join("", '<option value="{}"{}>{}</option>', (
        (value, " selected" if str(value) == chosen else "", label) for value, label in choices
    )))
