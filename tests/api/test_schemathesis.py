"""Property-based run over the OpenAPI document: no input makes the server answer 500, and
every answer (status, content type, body) is the one the document promises.

Bounded so it belongs in the normal suite: a few examples per operation, no deadline. It
runs through the WSGI application in the test's own database transaction, as a person
holding every role (unit leader, reviewer, scheduler, assessor) so most code paths are
reachable, over a world with declarations in every state.
"""
from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from schemathesis import checks

from config.wsgi import application
from tests.factories import person
from units.roles import Role
from workflow.models import AuditEvent, Declaration
from workflow.trail.verify import verify

CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
]


@pytest.fixture
def everyone(extended):
    user = person("all-roles", Role.LEADER, extended.unit)
    for role in (Role.REVIEWER, Role.SCHEDULER, Role.ASSESSOR):
        person("all-roles", role)
    extended.declaration("drafted")
    extended.declaration("scheduled", unit=extended.other_unit)  # a published schedule, too
    return user


@pytest.fixture
def auth(everyone):
    return {"Authorization": f"Token {Token.objects.get_or_create(user=everyone)[0].key}"}


@pytest.fixture
def keep_test_connection():
    """Requests go straight to the WSGI application, which would close the test's connection
    after each one (inside the test transaction on PostgreSQL); Django's test client detaches
    the same handlers."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@pytest.fixture
def api_schema(everyone, settings, keep_test_connection):
    settings.ALLOWED_HOSTS = ["localhost", "testserver"]
    return schemathesis.openapi.from_wsgi("/api/schema/", application)


def _aimed_at(case_and_id):
    case, pk = case_and_id
    case.path_parameters = {**(case.path_parameters or {}), "id": pk}
    return case


def _for_programme(case):
    case.path_parameters = {**(case.path_parameters or {}), "code": "kaifu-2023"}
    return case


def test_no_input_makes_the_api_fail_or_break_its_contract(api_schema, auth):
    """Every operation of the document, a few generated requests each (valid and invalid data)."""
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 20  # the document covers the whole API
    failures = {}
    existing = list(Declaration.objects.values_list("pk", flat=True))
    for operation in operations:
        cases = operation.as_strategy()
        if "{id}" in operation.path:  # half the requests aim at declarations that exist, in every state
            cases = st.one_of(cases, st.tuples(cases, st.sampled_from(existing)).map(_aimed_at))
        elif "{code}" in operation.path:
            cases = st.one_of(cases, cases.map(_for_programme))

        @given(case=cases)
        @settings(max_examples=12, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck), database=None)
        def run(case):
            case.call_and_validate(headers=auth, checks=CHECKS)

        try:
            run()
        except Exception as failure:  # noqa: BLE001 - reported per operation below
            failures[operation.label] = failure
    assert not failures, "\n\n".join(f"{label}:\n{failure}" for label, failure in failures.items())
    # the run reached real work (transitions, exports), and the audit trail still verifies
    assert AuditEvent.objects.filter(actor__username="all-roles").exists()
    assert verify().ok
