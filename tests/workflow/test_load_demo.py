"""`manage.py load_demo` makes a live year (issue 17, item 14): this year's programme from the 2023
notice's rules with its dates around today, a story that makes sense today (no 已逾期 1343 天, no
summary late only because the demo is old), and an audit trail in time order."""
from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from policies.models import Programme
from policies.rules import SHANGHAI
from workflow import selectors
from workflow.assessment import assess_programme
from workflow.models import AuditEvent, Declaration
from workflow.trail.verify import verify
from workflow.views.common import current_programme

pytestmark = pytest.mark.django_db

# Today as the real clock says, and days where the story has to bend: New Year's week, mid-year,
# the last evening of the year (the notice's window ends in November).
DAYS = [None, dt.datetime(2027, 1, 3, 9, tzinfo=SHANGHAI), dt.datetime(2027, 7, 15, 16, tzinfo=SHANGHAI),
        dt.datetime(2027, 12, 31, 23, 30, tzinfo=SHANGHAI)]


@pytest.fixture(params=DAYS, ids=["today", "january", "july", "new-years-eve"])
def now(request, monkeypatch):
    if request.param is None:
        return timezone.localtime(timezone.now(), SHANGHAI)
    monkeypatch.setattr(timezone, "now", lambda: request.param)
    return request.param


def test_the_demo_is_a_live_year_around_today(now):
    call_command("load_demo", stdout=io.StringIO())
    today = now.astimezone(SHANGHAI).date()

    historic = Programme.objects.get(code="kaifu-2023")
    assert historic.declaration_due_date == dt.date(2023, 4, 3)  # the historic record, unchanged
    programme = current_programme()
    assert programme.code == f"kaifu-{today.year}" and programme.year == today.year
    assert programme.forms == historic.forms and programme.assessment_scheme == historic.assessment_scheme
    assert programme.banner_templates == historic.banner_templates
    assert dt.timedelta(0) <= today - programme.declaration_due_date <= dt.timedelta(days=46)
    assert programme.window_first_month <= today.month <= programme.window_last_month

    states = dict(Declaration.objects.filter(programme=programme).values_list("unit__code", "state"))
    assert states == {"kf-housing": "summarized", "kf-market": "held", "kf-wujialing": "scheduled", "kf-hrss": "reviewed",
                      "kf-health": "submitted", "kf-sifangping": "drafted"}
    assert selectors.awaiting_seal([Declaration.objects.get(unit__code="kf-sifangping").pk])

    board = selectors.dashboard_of(programme, today=today)
    assert board.flagged == []  # nothing held outside its month, no summary late
    overdue = [row["overdue"] for row in board.pending if row["days_left"] is not None and row["days_left"] < 0]
    assert overdue and max(overdue) <= 46  # the units that never declared: weeks, not years
    extended = {row["unit"].code: row["days_left"] for row in board.pending if row["days_left"] >= 0}
    assert extended == {"kf-edu": 14, "kf-sifangping": 14}
    market = Declaration.objects.get(unit__code="kf-market")
    assert not market.summary_late and market.summary_due_on >= today

    scores = {row.unit_code: {s.code: s for s in row.indicators} for row in assess_programme(programme).units}
    assert scores["kf-housing"]["summary_on_time"].fraction == 1 and scores["kf-housing"]["declared_on_time"].fraction == 1
    assert scores["kf-housing"]["held_in_scheduled_month"].fraction == 1

    trail = list(AuditEvent.objects.order_by("pk").values_list("created_at", flat=True))
    assert trail == sorted(trail) and trail[-1] <= timezone.now()
    assert verify().ok


def test_loading_the_demo_twice_changes_nothing(now):
    call_command("load_demo", stdout=io.StringIO())
    events = AuditEvent.objects.count()
    call_command("load_demo", stdout=io.StringIO())
    assert AuditEvent.objects.count() == events and Programme.objects.count() == 4


def test_the_demos_people_have_example_addresses_so_their_mail_shows(now):
    from django.contrib.auth import get_user_model

    call_command("load_demo", stdout=io.StringIO())
    people = get_user_model().objects.exclude(username="admin")
    assert people.count() >= 5
    assert all(p.email == f"{p.username}@example.com" for p in people)
