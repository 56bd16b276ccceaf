"""Small things a civil servant notices (issue 17, item 15): months read "5月", a draft waiting for
the leader's seal reads 待盖章, the evaluation form's range is each indicator's own, the start
link goes once the unit has declared, and the unit leader lands where the work waits."""
from __future__ import annotations

import re

import pytest

from tests.pages.conftest import login
from tests.pages.test_task_pages import claim
from workflow import services

pytestmark = pytest.mark.django_db


def _list_cells(page: str) -> list[tuple[str, str]]:
    rows = re.findall(r'data-label="活动时间（月份）">([^<]*)</td>(?:<td data-label="[^"]*">[^<]*</td>)*<td data-label="状态"><span class="state">([^<]*)</span>', page)
    return rows


def test_the_declaration_list_reads_months_as_5yue_and_a_sealing_draft_as_daigaizhang(client, world):
    world.declaration("drafted", month=5)  # complete: handed to the leader at once
    login(client, world.leader)
    assert _list_cells(client.get("/declarations/").content.decode()) == [("5月", "待盖章")]
    services.declaration_send_back(declaration=world.unit.declarations.get(), by=world.leader, reason="请补充")
    assert _list_cells(client.get("/declarations/").content.decode()) == [("5月", "草稿")]


def test_the_declaration_and_task_pages_label_a_draft_awaiting_the_seal(client, world):
    declaration = world.declaration("drafted")
    login(client, world.leader)
    assert re.search(r'id="state">待盖章<', client.get(f"/declarations/{declaration.pk}/").content.decode())
    task = claim(client, world.leader, declaration)
    assert '<span class="state">待盖章</span>' in client.get(f"/tasks/{task.pk}/").content.decode()


def test_the_evaluation_form_offers_each_indicators_own_range_and_no_second_full_marks(client, world):
    scheme = world.programme.assessment_scheme
    scheme["indicators"].append({"code": "openness", "label": "公开实效（评估打分）", "weight": 10, "kind": "manual", "max": 5, "clause": "二"})
    world.programme.save(update_fields=["assessment_scheme"])
    declaration = world.declaration("summarized")
    login(client, world.assessor)
    task = claim(client, world.assessor, declaration)
    page = client.get(f"/tasks/{task.pk}/").content.decode()

    for code, label, top in (("quality", "活动质量与实效（评估打分）", 10), ("openness", "公开实效（评估打分）", 5)):
        assert f"{label}（0–{top}分）" in page
        assert re.search(rf'name="score_{code}" min="0" max="{top}"', page)
        assert f'data-indicator="{code}"' not in page  # not again among the computed ones, with its weight as 满分
    assert "本项打分满分10分，按所得比例折合为20分计入总分" in page
    refused = client.post(f"/tasks/{task.pk}/", {"score_quality": "8", "score_openness": "6", "comment": "好"})
    assert refused.status_code == 200 and "score_openness" in refused.context["form"].errors


def test_the_start_link_goes_once_the_unit_has_a_declaration(client, world):
    login(client, world.operator)
    assert "填报本年度申报表" in client.get("/inbox/").content.decode()
    world.declaration("drafted")
    assert "填报本年度申报表" not in client.get("/inbox/").content.decode()
    login(client, world.other_operator)
    assert "填报本年度申报表" in client.get("/inbox/").content.decode()


def test_the_unit_leader_lands_on_the_tab_where_the_seal_waits(client, world):
    world.declaration("drafted")
    response = client.post("/login/", {"username": "edu-lead", "password": "pw-for-tests-only"}, follow=True)
    assert response.redirect_chain[-1][0] == "/queue/"
    assert "盖章报送" in response.content.decode()
    assert client.get("/inbox/").status_code == 200  # 待办 itself stays reachable, empty
    # with nothing waiting anywhere, or work in 待办, the landing is 待办
    login(client, world.other_leader)
    assert client.get("/").status_code == 200
