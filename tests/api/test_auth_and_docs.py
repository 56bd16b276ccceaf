"""POST /api/auth/token/, session authentication, and the OpenAPI document with its pages."""
from __future__ import annotations

from rest_framework.test import APIClient

from tests.factories import UserFactory


def test_username_and_password_give_a_token_that_authenticates(world, api):
    world.declaration("drafted")
    response = APIClient().post("/api/auth/token/", {"username": "edu-op", "password": "pw-for-tests-only"}, format="json")

    assert response.status_code == 200
    token = response.json()["token"]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    listed = client.get("/api/declarations/")
    assert listed.status_code == 200
    assert listed.json()["count"] == 1


def test_the_same_token_is_returned_on_each_login(world):
    body = {"username": "edu-op", "password": "pw-for-tests-only"}
    first = APIClient().post("/api/auth/token/", body, format="json").json()["token"]
    assert APIClient().post("/api/auth/token/", body, format="json").json()["token"] == first


def test_a_wrong_password_gives_no_token_and_a_chinese_message(world):
    response = APIClient().post("/api/auth/token/", {"username": "edu-op", "password": "guess"}, format="json")

    assert response.status_code == 400
    assert response.json() == {"__all__": ["用户名或密码不正确。"]}


def test_an_inactive_account_gets_no_token(db):
    UserFactory(username="left", is_active=False)

    response = APIClient().post("/api/auth/token/", {"username": "left", "password": "pw-for-tests-only"}, format="json")

    assert response.status_code == 400


def test_a_bad_token_is_401(world):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")

    response = client.get("/api/declarations/")

    assert response.status_code == 401
    assert response.json() == {"detail": "认证令牌无效。"}


def test_the_pages_session_also_authenticates_the_api(world):
    d = world.declaration("drafted")
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(world.operator)

    assert client.get(f"/api/declarations/{d.pk}/").status_code == 200
    # a session write without the CSRF token is refused, as on the pages
    assert client.patch(f"/api/declarations/{d.pk}/", {"theme": "x"}, format="json").status_code == 403


def test_the_openapi_document_lists_every_endpoint(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")

    assert response.status_code == 200
    paths = response.json()["paths"]
    expected = {
        "/api/auth/token/", "/api/declarations/", "/api/declarations/{id}/", "/api/declarations/{id}/history/",
        "/api/tasks/", "/api/audit/", "/api/programmes/{code}/schedule/", "/api/programmes/{code}/schedule.xlsx",
    } | {f"/api/declarations/{{id}}/{name}/" for name in (
        "submit", "withdraw", "return", "approve", "schedule", "reschedule", "hold", "summarize", "evaluate", "cancel",
    )}
    assert expected <= set(paths)
    assert set(paths["/api/declarations/{id}/"]) == {"get", "patch"}
    assert {"400", "403", "404", "409"} <= set(paths["/api/declarations/{id}/approve/"]["post"]["responses"])


def test_the_docs_page_serves_swagger_ui_from_this_server_not_a_cdn(client):
    response = client.get("/api/docs/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "cdn.jsdelivr.net" not in html and "unpkg.com" not in html


def test_an_unknown_api_path_is_a_json_404(client):
    response = client.get("/api/nothing-here/")

    assert response.status_code == 404
    assert response.json() == {"detail": "未找到。"}
