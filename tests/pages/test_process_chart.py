"""The declaration page's process chart is drawn once per set of node statuses and kept
(`workflow.views.flow_chart`): the kept picture must be exactly viewflow's own drawing of the
process at every step of a year, returned and cancelled ones included."""
from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from viewflow.workflow import chart

from tests.factories import unit_with_people
from tests.pages.conftest import login
from workflow import services
from workflow.flows import DeclarationFlow
from workflow.process import process_of
from workflow.views.flow_chart import _drawn, process_chart, without_inline_style

pytestmark = pytest.mark.django_db


def viewflows_own(process_pk: int) -> str:
    grid = chart.calc_layout_data(DeclarationFlow)
    chart.calc_cell_status(DeclarationFlow, grid, process_pk)
    return without_inline_style(chart.grid_to_svg(grid))


def test_the_kept_chart_is_viewflows_own_drawing_at_every_step(world):
    def of_a_new_unit(state: str, index: int):
        unit, people = unit_with_people(f"chart-{index}", f"流程图测试单位{index}")
        return world.declaration(state, unit=unit, people=people)

    cancelled = of_a_new_unit("submitted", 0)
    services.declaration_cancel(declaration=cancelled, by=world.reviewer, reason="单位撤并，活动取消。")
    steps = ("submitted", "returned", "reviewed", "scheduled", "held", "summarized", "evaluated")
    declarations = [of_a_new_unit(state, index) for index, state in enumerate(steps, start=1)]
    _drawn.cache_clear()
    drawings = set()
    for declaration in [cancelled, *declarations]:
        pk = process_of(declaration).pk
        assert process_chart(pk) == viewflows_own(pk), declaration.state
        drawings.add(process_chart(pk))
    assert len(drawings) == len(declarations) + 1  # each step looks different


def test_a_kept_chart_costs_one_statement(world):
    pk = process_of(world.declaration("reviewed")).pk
    process_chart(pk)
    with CaptureQueriesContext(connection) as statements:
        again = process_chart(pk)
    assert len(statements) == 1 and again == viewflows_own(pk)


def test_the_page_shows_the_chart_of_its_own_process(client, world):
    declaration = world.declaration("scheduled")
    login(client, world.operator)
    page = client.get(f"/declarations/{declaration.pk}/").content.decode()
    assert viewflows_own(process_of(declaration).pk) in page
