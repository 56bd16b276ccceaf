"""What the pages share: refusals as Chinese 404/403 pages, downloads, the current programme,
and pages of a list.

What a person may not see answers 404 (`NotFound`), what they may see but not do answers a
Chinese 403 page.
"""
from __future__ import annotations

import functools

from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.db.models import Count, Window
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext

from policies import selectors as policy_selectors
from policies.models import Programme
from workflow.errors import NotFound, PermissionRefused
from workflow.filters import SORT_LABELS, DeclarationFilter
from workflow.models import State
from workflow.selectors import programme_accepting


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
    return policy_selectors.current_programme()  # the one marked current, else the latest open


def programme_or_404(code: str | None) -> Programme:
    """The programme of `code`, or the current one (the navigation's links carry no code)."""
    programme = (
        current_programme() if code is None
        else programme_accepting(code)
    )
    if programme is None:
        raise Http404(gettext("No such programme."))
    return programme


# Sure before it's final (templates/workflow/_confirm.html): an action that cannot be taken back is
# posted with its confirmation box ticked, or it is not taken.
CONFIRM_MISSING = "请先勾选“我已知晓”，确认后再提交：此操作不可撤回。"


def confirmed(request) -> bool:
    """Whether the person ticked the confirmation box of the form they posted."""
    return request.POST.get("confirm") == "yes"


PAGE_SIZE = 50  # rows per page of the inbox tabs, the declaration list and the audit search


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
    elif total_in_rows and (wanted := page_number(number)) >= 1:
        start = (wanted - 1) * PAGE_SIZE
        rows = list(qs.annotate(total=Window(Count("*")))[start:start + PAGE_SIZE])
        if rows:
            return read_page(rows, count=rows[0].total, number=wanted)
    page = paginator.get_page(number)
    page.object_list = list(page.object_list)
    return page


def read_page(rows: list, *, count: int, number: int) -> Page:
    """Page `number` whose rows and total one statement already read."""
    paginator = Paginator(rows, PAGE_SIZE)
    paginator.count = count  # a cached_property: set, the paginator neither counts nor slices
    page = paginator.page(number)
    page.object_list = rows
    return page


def row_url(name: str):
    """`reverse(name, args=[pk])` for every row of a page at the cost of one `reverse`: the URL
    made once with a placeholder key, the row's key put in its place."""
    placeholder = 2147483647
    head, tail = reverse(name, args=[placeholder]).split(str(placeholder))
    return lambda pk: f"{head}{int(pk)}{tail}"


def page_number(number) -> int:
    """`number` as the paginator reads it: not a whole number means the first page."""
    try:
        return int(number)
    except (TypeError, ValueError):
        return 1


def filter_choices(programme: Programme | None, query, found=None) -> dict:
    """What a list's filter form shows (the declaration list, the inbox tabs): the values chosen,
    the options of each select, the sort options, and the filters refused (in Chinese)."""
    forms = [(f["code"], f["label"]) for f in programme.forms] if programme else []
    topics = [(t["code"], t["label"]) for t in programme.focus_topics] if programme else []
    return {
        "chosen": {name: query.get(name, "") for name in DeclarationFilter.base_filters},
        "states": State.choices, "months": [(m, f"{m}月") for m in (programme.window_months if programme else range(1, 13))],
        "forms": forms, "topics": topics,
        "sorts": [item for key, label in SORT_LABELS.items() for item in ((key, label), (f"-{key}", f"{label}（倒序）"))],
        "problems": [message for messages_ in found.errors.values() for message in messages_]
        if found is not None and found.is_bound else [],
    }
