"""In Chromium (issue 21): a unit leader going away names a substitute on the 代理设置 page; the
substitute, another leader of the unit, seals in their place, and the declaration's history says
the seal was done on the leader's behalf (代…办理). Screenshots go to test-artifacts/."""
from __future__ import annotations

import pytest
from django.utils import timezone

from tests.browser.conftest import ARTIFACTS, Person
from tests.factories import person
from units.roles import Role
from workflow.models import AuditEvent, Declaration, Substitution

pytestmark = pytest.mark.browser


def test_a_leader_away_names_a_substitute_who_seals_in_their_place(live_server, year, chromium):
    base, w = live_server.url, year
    deputy = person("edu-lead2", Role.LEADER, w.unit)
    deputy.first_name = "李副局长"
    deputy.save()
    w.leader.first_name = "王局长"
    w.leader.save()
    declaration = w.declaration("drafted")
    today = timezone.localdate()

    leader = Person(chromium, base, w.leader.username)
    leader.go("/")
    leader.page.click("#substitutes-link")
    form = leader.page.locator("#substitute-form")
    form.locator("[name=substitute]").fill("edu-op")  # an operator does not hold the seal
    form.locator("[name=starts]").fill(today.isoformat())
    form.locator("[name=ends]").fill(today.isoformat())
    form.locator("button.primary").click()
    leader.page.wait_for_load_state()
    assert "代理人须与您担任相同的角色" in leader.text()
    form = leader.page.locator("#substitute-form")
    form.locator("[name=substitute]").fill("edu-lead2")
    form.locator("[name=starts]").fill(today.isoformat())
    form.locator("[name=ends]").fill(today.isoformat())
    form.locator("button.primary").click()
    leader.page.wait_for_load_state()
    assert "代理设置已保存" in leader.text() and "代理中" in leader.text()
    assert Substitution.objects.filter(person=w.leader, substitute=deputy).count() == 1
    leader.page.screenshot(path=str(ARTIFACTS / "substitutes.png"), full_page=True)

    substitute = Person(chromium, base, "edu-lead2")
    substitute.open_first("/queue/", "盖章报送")
    substitute.submit()
    assert Declaration.objects.get(pk=declaration.pk).state == "submitted"
    event = AuditEvent.objects.get(declaration=declaration, action="submit")
    assert event.actor_id == deputy.pk and event.changed["on_behalf_of"]["username"] == w.leader.username

    substitute.go(f"/declarations/{declaration.pk}/")
    assert "李副局长（代王局长办理）" in substitute.page.inner_text("#history")
    substitute.page.screenshot(path=str(ARTIFACTS / "sealed-on-behalf.png"), full_page=True)

    for someone in (leader, substitute):
        someone.close()
