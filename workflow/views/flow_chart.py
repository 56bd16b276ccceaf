"""The declaration page's process chart: viewflow's SVG of the flow, each node marked with the
status of its tasks (viewflow's `calc_cell_status` rule).

The picture depends only on those statuses (and the language of its labels), and a year's
thousands of declarations share a few dozen of them: each is drawn once per process and kept,
instead of laying out and rendering the flow on every page view.
"""
from __future__ import annotations

import functools
import re

from django.utils import translation
from django.utils.safestring import SafeString, mark_safe
from viewflow.workflow import chart
from viewflow.workflow.status import STATUS

from workflow.flows import DeclarationFlow

_STYLE_ELEMENT = re.compile(r"<style\b.*?</style>", re.DOTALL)
_STYLE_ATTRIBUTE = re.compile(r'\sstyle="[^"]*"')


def without_inline_style(svg: str) -> str:
    """viewflow's process chart without its <style> element and style="" attributes, which a strict
    Content-Security-Policy refuses; static/css/declarations.css draws the chart instead."""
    return _STYLE_ATTRIBUTE.sub("", _STYLE_ELEMENT.sub("", svg))


def statuses(tasks) -> tuple[tuple[str, str], ...]:
    """Each flow node's status as viewflow's chart shows it: its latest task's, except that a new
    task does not hide what an earlier one of the node reached."""
    found: dict[str, str] = {}
    for task in sorted(tasks, key=lambda task: task.created):
        if not (found.get(task.flow_task.name) is not None and task.status == STATUS.NEW):
            found[task.flow_task.name] = task.status
    return tuple(sorted(found.items()))


def chart_of(tasks) -> SafeString:
    """The chart of the process whose tasks (all of them) are `tasks`."""
    return _drawn(statuses(tasks), translation.get_language())


def process_chart(process_pk: int) -> SafeString:
    return chart_of(DeclarationFlow.task_class._default_manager.filter(process_id=process_pk).only("flow_task", "status", "created"))


@functools.lru_cache(maxsize=256)
def _drawn(node_statuses: tuple[tuple[str, str], ...], language: str) -> SafeString:
    by_name = dict(node_statuses)
    grid = chart.calc_layout_data(DeclarationFlow)
    for node in grid.nodes:
        if node.name in by_name:
            grid[node].status = by_name[node.name]
    with translation.override(language):
        return mark_safe(without_inline_style(chart.grid_to_svg(grid)))  # noqa: S308 (viewflow's own SVG, no user input)
