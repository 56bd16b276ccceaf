"""The API's declaration list kept per token (workflow.page_cache): asked again with nothing
changed it is answered without reading declarations, another token gets its own list, and a
revoked or expired token is refused whatever was kept for it."""
from __future__ import annotations

import datetime as dt

import pytest

from accounts import tokens
from tests.pages.test_page_cache import ask
from workflow import page_cache

pytestmark = pytest.mark.django_db

API_LIST = "/api/declarations/"


def test_the_api_list_is_kept_per_token(api, world):
    world.declaration("drafted", theme="惠企政策面对面")
    world.declaration("drafted", unit=world.other_unit, theme="家庭医生签约服务")
    mine, theirs = api(world.operator), api(world.other_operator)
    first = mine.get(API_LIST)

    again, read = ask(mine, API_LIST)
    other, other_read = ask(theirs, API_LIST)

    assert again.status_code == 200 and not read and again.json() == first.json()
    assert [row["theme"] for row in first.json()["results"]] == ["惠企政策面对面"]
    assert other_read and [row["theme"] for row in other.json()["results"]] == ["家庭医生签约服务"]


def test_a_revoked_token_is_refused_though_its_list_was_kept(api, world, rf):
    world.declaration("drafted")
    client = api(world.operator)
    assert client.get(API_LIST).status_code == 200

    tokens.revoke(world.operator, request=rf.post("/api/auth/token/"))

    assert client.get(API_LIST).status_code == 401


def test_an_expired_token_is_refused_though_its_list_was_kept(api, world, monkeypatch):
    world.declaration("drafted")
    client = api(world.operator)
    assert client.get(API_LIST).status_code == 200
    expiry = tokens.expires_at(tokens.token_of(world.operator))

    later = expiry + dt.timedelta(seconds=1)
    monkeypatch.setattr(page_cache.time, "time", lambda: later.timestamp())
    monkeypatch.setattr(tokens.timezone, "now", lambda: later)

    assert client.get(API_LIST).status_code == 401


def test_without_a_token_the_api_answers_401_after_lists_were_kept(api, world):
    world.declaration("drafted")
    api(world.operator).get(API_LIST)

    assert api().get(API_LIST).status_code == 401


def test_an_answer_for_a_session_is_never_kept_under_another_authorization_header(world):
    """A session-signed API request that also sends a header the token authentication skips
    (`Bearer …`) is not kept under that header: someone else sending it gets 401."""
    from django.test import Client

    world.declaration("drafted", theme="惠企政策面对面")
    signed_in = Client(HTTP_AUTHORIZATION="Bearer undefined")
    signed_in.force_login(world.operator)
    assert signed_in.get(API_LIST).status_code == 200

    stranger = Client(HTTP_AUTHORIZATION="Bearer undefined").get(API_LIST)

    assert stranger.status_code in (401, 403) and "惠企政策面对面" not in stranger.content.decode()
