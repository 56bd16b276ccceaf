"""API tokens expire (API_TOKEN_DAYS, 7 by default) and a person revokes theirs."""
from __future__ import annotations

import datetime as dt

from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from workflow.models import AuditEvent

PASSWORD = "pw-for-tests-only"


def token_for(username: str) -> dict:
    response = APIClient().post("/api/auth/token/", {"username": username, "password": PASSWORD}, format="json")
    assert response.status_code == 200, response.content
    return response.json()


def with_token(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def age(key: str, **delta):
    Token.objects.filter(key=key).update(created=Token.objects.get(key=key).created - dt.timedelta(**delta))


def test_a_token_says_when_it_expires_seven_days_on(world):
    body = token_for("edu-op")
    token = Token.objects.get(key=body["token"])

    expires = dt.datetime.fromisoformat(body["expires_at"])
    assert expires == token.created + dt.timedelta(days=7)


def test_an_expired_token_is_refused_in_chinese_and_a_new_login_gives_a_new_one(world):
    key = token_for("edu-op")["token"]
    assert with_token(key).get("/api/declarations/").status_code == 200
    age(key, days=7, seconds=1)

    refused = with_token(key).get("/api/declarations/")
    assert refused.status_code == 401
    assert refused.json() == {"detail": "令牌已过期，请重新获取（POST /api/auth/token/）。"}
    fresh = token_for("edu-op")["token"]
    assert fresh != key and with_token(fresh).get("/api/declarations/").status_code == 200


def test_the_lifetime_is_configurable(world, settings):
    settings.API_TOKEN_DAYS = 1
    key = token_for("edu-op")["token"]
    age(key, hours=25)

    assert with_token(key).get("/api/declarations/").status_code == 401


def test_a_person_revokes_their_token_through_the_api(world):
    key = token_for("edu-op")["token"]

    assert with_token(key).delete("/api/auth/token/").status_code == 204
    assert with_token(key).get("/api/declarations/").status_code == 401
    assert list(AuditEvent.objects.filter(action="token_revoked").values_list("actor__username", flat=True)) == ["edu-op"]


def test_revoking_needs_a_login(db):
    assert APIClient().delete("/api/auth/token/").status_code == 401


def test_a_person_revokes_their_token_on_the_account_page(client, world):
    key = token_for("edu-op")["token"]
    client.force_login(world.operator)
    page = client.get("/account/").content.decode()
    assert "API 令牌" in page and "有效期至" in page

    response = client.post("/account/token/revoke/", follow=True)

    assert "API 令牌已撤销" in response.content.decode()
    assert not Token.objects.filter(key=key).exists()
    assert with_token(key).get("/api/declarations/").status_code == 401
