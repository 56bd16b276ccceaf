"""Declaration detail, list, withdraw, dashboard, login and language: happy and forbidden paths."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.pages.conftest import login
from workflow import inbox
from workflow.models import Declaration, State

pytestmark = pytest.mark.django_db


def test_detail_shows_fields_state_chart_and_history_with_reason(client, world):
    declaration = world.declaration("submitted")
    from workflow import services
    services.declaration_return(declaration=declaration, by=world.reviewer, reason="请补充政策名称")
    login(client, world.operator)
    page = client.get(f"/declarations/{declaration.pk}/").content.decode()
    assert "惠企政策面对面" in page and "草稿" in page
    assert "<svg" in page  # the process chart
    assert "办理记录" in page and "请补充政策名称" in page and "退回" in page
    assert "区政务公开办退回，理由：" in page
    assert world.reviewer.first_name in page  # who


def test_the_process_chart_names_each_decision_in_chinese(client, world):
    declaration = world.declaration("submitted")
    login(client, world.operator)
    page = client.get(f"/declarations/{declaration.pk}/").content.decode()
    chart = page[page.index("<svg"):page.index("</svg>")]
    labels = re.findall(r'<text class="edge-label"[^>]*>([^<]*)</text>', chart)
    assert sorted(labels) == sorted(["报送", "退回填报人", "通过", "退回"])
    assert not re.search(r">\s*(yes|no)\s*<", chart, re.IGNORECASE)


def test_another_unit_gets_404_on_detail_and_withdraw(client, world):
    declaration = world.declaration("submitted")
    login(client, world.other_leader)
    assert client.get(f"/declarations/{declaration.pk}/").status_code == 404
    assert client.post(f"/declarations/{declaration.pk}/withdraw/", {"reason": "x"}).status_code == 404
    assert Declaration.objects.get(pk=declaration.pk).state == State.SUBMITTED
    assert client.get("/declarations/999999/").status_code == 404


def test_the_office_does_not_see_a_draft_never_submitted(client, world):
    declaration = world.declaration("drafted")
    login(client, world.reviewer)
    assert client.get(f"/declarations/{declaration.pk}/").status_code == 404
    assert "惠企政策面对面" not in client.get("/declarations/").content.decode()


def test_leader_withdraws_before_review_and_the_process_follows(client, world):
    declaration = world.declaration("submitted")
    assert inbox.queue_for(world.reviewer).count() == 1
    login(client, world.leader)
    assert "审核前撤回" in client.get(f"/declarations/{declaration.pk}/").content.decode()
    response = client.post(f"/declarations/{declaration.pk}/withdraw/", {"reason": "补充材料"})
    assert response.status_code == 302
    assert Declaration.objects.get(pk=declaration.pk).state == State.DRAFTED
    assert not inbox.queue_for(world.reviewer).exists()  # review task cancelled
    assert inbox.tasks_for(world.operator).get().flow_task.name == "revise"


def test_operator_may_not_withdraw(client, world):
    declaration = world.declaration("submitted")
    login(client, world.operator)
    assert "审核前撤回" not in client.get(f"/declarations/{declaration.pk}/").content.decode()
    response = client.post(f"/declarations/{declaration.pk}/withdraw/", {"reason": "x"})
    assert response.status_code == 403 and "只有本单位负责人（公章）可以撤回" in response.content.decode()
    assert Declaration.objects.get(pk=declaration.pk).state == State.SUBMITTED


def test_list_shows_only_my_units_declarations(client, world):
    world.declaration("drafted")
    world.declaration("drafted", unit=world.other_unit, theme="卫健主题")
    login(client, world.operator)
    page = client.get("/declarations/").content.decode()
    assert "惠企政策面对面" in page and "卫健主题" not in page


def test_dashboard_counts_by_state_and_lists_units_yet_to_declare(client, world):
    world.declaration("submitted")
    login(client, world.reviewer)
    response = client.get("/dashboard/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "各状态申报数" in page and "尚未报送的单位（催报名单）" in page
    assert {v: n for v, _l, n in response.context["by_state"]}["submitted"] == 1
    pending = [row["unit"].name for row in response.context["pending"]]
    assert world.other_unit.name in pending and world.unit.name not in pending
    row = next(r for r in response.context["pending"] if r["unit"] == world.other_unit)
    assert row["deadline"].year == 2099 and row["days_left"] > 0  # the extension counts
    assert "还剩" in page


def test_dashboard_is_refused_to_unit_people_in_chinese(client, world):
    login(client, world.operator)
    response = client.get("/dashboard/")
    assert response.status_code == 403 and "工作台仅供区政务公开办使用" in response.content.decode()


def test_login_page_is_chinese_and_lands_on_the_inbox(client, world):
    page = client.get("/login/").content.decode()
    assert "登录" in page and "用户名" in page and "密码" in page
    assert client.get("/").status_code == 302  # anonymous → login
    response = client.post("/login/", {"username": "edu-op", "password": "pw-for-tests-only"})
    assert response.status_code == 302 and response["Location"] == "/"
    assert "我的待办" in client.get("/").content.decode()


def test_wrong_password_says_so_in_chinese(client, world):
    page = client.post("/login/", {"username": "edu-op", "password": "nope"}).content.decode()
    assert "用户名或密码错误" in page


def test_the_product_is_chinese_only_whatever_the_browser_or_the_switch_asks(client, world):
    """Issue 17 item 15: the language switch goes; English is not offered, and asking for it
    (the old switch's POST, an English browser) still gives Chinese pages."""
    login(client, world.operator)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.get("/queue/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert "我的待办" in page and "My tasks" not in page
    assert '<option value="en"' not in page


def test_pages_are_phone_ready(client, world):
    login(client, world.operator)
    page = client.get("/").content.decode()
    assert 'name="viewport"' in page
    from django.contrib.staticfiles import finders
    css = Path(finders.find("css/site.css")).read_text(encoding="utf-8")
    assert "@media (max-width: 640px)" in css and "WenQuanYi Micro Hei" in css
