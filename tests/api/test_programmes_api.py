"""The programme editor's API (issue 22): administrators read, create, patch, copy, open,
close, mark current and amend programmes with the editor's own validation (the same
Chinese messages, per field); everybody else is refused; the OpenAPI document covers it."""
from __future__ import annotations

import datetime as dt

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import checks

from config.wsgi import application
from policies.models import Programme, ProgrammeAmendment
from tests.api.test_schemathesis import CHECKS, keep_test_connection  # noqa: F401 - a fixture used below
from workflow.models import AuditEvent
from workflow.trail.verify import verify

LIST = "/api/programmes/"
KAIFU = "/api/programmes/kaifu-2023/"


def test_administrators_read_every_programme_with_its_rules(world, api):
    response = api(world.administrator).get(LIST)
    assert response.status_code == 200
    codes = [p["code"] for p in response.json()["results"]]
    assert codes == ["changsha-2023", "hunan-2023", "kaifu-2023"]
    kaifu = api(world.administrator).get(KAIFU).json()
    assert kaifu["forbidden_banner_names"][0] == "校园开放日" and kaifu["indicators"][0]["code"] == "declared_on_time"
    assert (kaifu["is_open"], kaifu["is_current"], kaifu["rules_frozen"], kaifu["parent"]) == (True, True, False, "changsha-2023")


@pytest.mark.parametrize("who", ["operator", "leader", "reviewer", "scheduler", "assessor"])
def test_everybody_else_is_refused(world, api, who):
    client = api(getattr(world, who))
    before = (Programme.objects.count(), AuditEvent.objects.count())
    for method, url, body in (
        ("get", LIST, None), ("post", LIST, {"code": "x-2024"}), ("get", KAIFU, None), ("patch", KAIFU, {"contact_name": "某人"}),
        ("post", KAIFU + "copy/", {}), ("post", KAIFU + "close/", {}), ("get", KAIFU + "amendments/", None),
    ):
        response = getattr(client, method)(url, body, format="json")
        assert response.status_code == 403 and response.json() == {"detail": "只有系统管理员可以设置实施方案。"}, (method, url)
    assert (Programme.objects.count(), AuditEvent.objects.count()) == before
    assert api().get(LIST).status_code == 401


def test_patch_refuses_with_the_editors_messages_per_field_and_saves_nothing(world, api):
    client = api(world.administrator)
    indicators = client.get(KAIFU).json()["indicators"]
    indicators[0]["weight"] = 0
    indicators[1]["label"] = ""
    before = Programme.objects.values().get(code="kaifu-2023")
    response = client.patch(KAIFU, {"indicators": indicators, "window_first_month": 13, "banner_templates": ["{year}年"]}, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "window_first_month": ["活动起始月份须在1至12月之间，13不是月份。"],
        "banner_templates.1": ["第1个会标模板须包含【单位名称】。"],
        "indicators.2.label": ["第2项考核指标：请填写指标名称。"],
        "indicators": ["各项考核指标的权重合计须为100分，目前合计90分。"],
    }
    assert Programme.objects.values().get(code="kaifu-2023") == before
    assert not AuditEvent.objects.filter(action="edit_programme").exists()


def test_patch_types_and_unknown_keys_are_refused_before_the_rules(world, api):
    response = api(world.administrator).patch(KAIFU, {"colour": "red", "year": "今年"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"colour": ["不支持该字段。"]}
    response = api(world.administrator).patch(KAIFU, {"indicators": [{"label": "x", "weight": "很多"}]}, format="json")
    assert response.status_code == 400 and "indicators" in response.json()


def test_a_patch_is_saved_and_audited(world, api):
    client = api(world.administrator)
    names = ["校园开放周", "司法开放日", "警务开放日", "政务服务开放日"]
    response = client.patch(KAIFU, {"forbidden_banner_names": names, "contact_name": "李四"}, format="json")
    assert response.status_code == 200 and response.json()["forbidden_banner_names"] == names
    event = AuditEvent.objects.get(action="edit_programme")
    assert set(event.changed) == {"forbidden_banner_names", "contact_name"} and event.actor == world.administrator


def test_a_frozen_rule_is_refused_and_changes_by_an_amendment(world, api):
    world.declaration("submitted")
    client = api(world.administrator)
    assert client.get(KAIFU).json()["rules_frozen"] is True
    response = client.patch(KAIFU, {"forbidden_banner_names": ["校园开放周"]}, format="json")
    assert response.status_code == 400
    assert response.json()["forbidden_banner_names"][0].startswith("已有单位报送申报，“会标规则”不能直接修改")
    today = dt.date.today().isoformat()
    body = {"rule": "banner", "values": {"forbidden_banner_names": ["校园开放周"]}, "reason": "市里补充通知", "effective_on": today}
    response = client.post(KAIFU + "amendments/", body, format="json")
    assert response.status_code == 201
    amendment = response.json()
    assert (amendment["rule"], amendment["rule_label"], amendment["reason"], amendment["effective_on"]) == ("banner", "会标规则", "市里补充通知", today)
    assert amendment["changes"] == [{"field": "forbidden_banner_names", "label": "会标禁用名称",
                                     "old": "校园开放日、司法开放日、警务开放日、政务服务开放日", "new": "校园开放周"}]
    assert client.get(KAIFU + "amendments/").json() == [amendment]
    assert Programme.objects.get(code="kaifu-2023").forbidden_banner_names == ["校园开放周"]
    missing = client.post(KAIFU + "amendments/", {**body, "reason": "", "values": {"forbidden_banner_names": ["x"]}}, format="json")
    assert missing.status_code == 400 and missing.json() == {"reason": ["请填写修订理由（将与修订一并公布）。"]}
    assert ProgrammeAmendment.objects.count() == 1


def test_copy_open_and_mark_current_through_the_api(world, api):
    client = api(world.administrator)
    response = client.post(KAIFU + "copy/", {}, format="json")
    assert response.status_code == 201
    copied = response.json()
    assert (copied["code"], copied["year"], copied["declaration_due_date"], copied["is_open"]) == ("kaifu-2024", 2024, "2024-04-03", False)
    again = client.post(KAIFU + "copy/", {}, format="json")
    assert again.status_code == 400 and again.json() == {"code": ["已有代码为“kaifu-2024”的实施方案，请换一个代码。"]}
    assert client.post("/api/programmes/kaifu-2024/open/", {}, format="json").json()["is_open"] is True
    conflict = client.post("/api/programmes/kaifu-2024/open/", {}, format="json")
    assert conflict.status_code == 409 and "已在受理申报" in conflict.json()["detail"]
    assert client.post("/api/programmes/kaifu-2024/mark-current/", {}, format="json").json()["is_current"] is True
    assert client.get(KAIFU).json()["is_current"] is False
    assert client.post("/api/programmes/nowhere/open/", {}, format="json").status_code == 404
    assert [e.action for e in AuditEvent.objects.filter(programme__code="kaifu-2024").order_by("pk")] == [
        "copy_programme", "open_programme", "mark_current_programme",
    ]


def test_create_takes_the_editors_values_and_starts_closed(world, api):
    client = api(world.administrator)
    body = {key: value for key, value in client.get(KAIFU).json().items()
            if key not in ("is_open", "is_current", "rules_frozen", "results_released_at")}
    body.update(code="kaifu-2030", year=2030, issued_on=None, declaration_due_date="2030-04-03", document_number="")
    response = client.post(LIST, body, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["is_open"] is False and response.json()["indicators"][0]["weight"] == 10
    assert client.post(LIST, {"code": "x"}, format="json").json() == {
        "code": ["方案代码只能含小写英文字母、数字和连字符，2至32个字符（如 kaifu-2024）。"],
        "name": ["请填写方案名称。"], "issuer": ["请填写印发机关。"], "year": ["年度须为2000至2100之间的四位年份。"],
        "banner_templates": ["请至少设置一个会标模板，如“【单位名称】【年度】年“政务公开主题日”活动”。"],
    }


def test_the_openapi_document_describes_the_programme_endpoints(world, api):
    schema = api(world.administrator).get("/api/schema/", HTTP_ACCEPT="application/json").json()
    paths = schema["paths"]
    assert {"get", "post"} <= set(paths["/api/programmes/"]) and {"get", "patch"} <= set(paths["/api/programmes/{code}/"])
    for action in ("copy", "open", "close", "mark-current", "amendments"):
        assert f"/api/programmes/{{code}}/{action}/" in paths
    patch = paths["/api/programmes/{code}/"]["patch"]
    assert {"400", "401", "403", "404"} <= set(patch["responses"])


@pytest.fixture
def programme_api(world, settings, keep_test_connection):  # noqa: F811 - the imported fixture
    settings.ALLOWED_HOSTS = ["localhost", "testserver"]
    return schemathesis.openapi.from_wsgi("/api/schema/", application)


def test_no_input_makes_the_programme_api_fail_as_an_administrator(world, programme_api, api):
    """The property-based run of tests/api/test_schemathesis.py, on the programme endpoints,
    as the administrator (there everybody else is refused before any rule runs)."""
    from rest_framework.authtoken.models import Token

    world.declaration("submitted")  # frozen rules, too
    auth = {"Authorization": f"Token {Token.objects.get_or_create(user=world.administrator)[0].key}"}
    operations = [
        result.ok() for result in programme_api.get_all_operations()
        if result.ok().path.startswith("/api/programmes/") and not result.ok().path.endswith(("schedule/", "schedule.xlsx", "assessment/"))
    ]
    assert len(operations) == 10
    failures = {}
    for operation in operations:
        cases = operation.as_strategy()
        if "{code}" in operation.path:
            cases = cases.map(lambda case: (setattr(case, "path_parameters", {**(case.path_parameters or {}), "code": "kaifu-2023"}), case)[1])

        @given(case=cases)
        @settings(max_examples=15, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck), database=None)
        def run(case):
            case.call_and_validate(headers=auth, checks=CHECKS)

        try:
            run()
        except Exception as failure:  # noqa: BLE001 - reported per operation below
            failures[operation.label] = failure
    assert not failures, "\n\n".join(f"{label}:\n{failure}" for label, failure in failures.items())
    assert verify().ok
    assert checks.not_a_server_error in CHECKS
