"""Property-based runs over the OpenAPI document, with every check schemathesis has: no input
makes the server answer 500, every answer (status, content type, headers, body) is the one the
document promises, data the document calls invalid is refused and data it calls valid is
accepted, and a request without credentials is refused (issue 17, item 12).

Bounded so it belongs in the normal suite: a few examples per operation, both generation modes
(valid and invalid data), no deadline. It runs through the WSGI application in the test's own
database transaction, over a world with declarations in every state, once per person: an
office reviewer, a unit operator, and a person holding every role (most code paths reachable).

One allowance, written down here rather than hidden: the programme's rules (DESIGN §4: the
month window, the banner, the deadline, required reasons, credentials) refuse some input the
document's types allow, with 400 and per-field Chinese messages. The document says so on each
400; the operations whose input those rules read (every POST and PATCH, and the audit search's
date order) may answer 400 to schema-valid data. Every other operation must accept it.
"""
from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from rest_framework.authtoken.models import Token
from schemathesis import GenerationMode
from schemathesis.config import SchemathesisConfig

from config.wsgi import application
from tests.factories import person
from units.roles import Role
from workflow.models import AuditEvent, Declaration
from workflow.trail.verify import verify

# Schema-valid data the programme's rules may still refuse with a documented 400.
RULES_MAY_REFUSE = ["2xx", "3xx", "400", "401", "403", "404", "409", "429"]
CONFIG = {
    "operations": [
        {"include-method": ["POST", "PATCH"], "checks": {"positive_data_acceptance": {"expected-statuses": RULES_MAY_REFUSE}}},
        {"include-path": "/api/audit/", "checks": {"positive_data_acceptance": {"expected-statuses": RULES_MAY_REFUSE}}},
    ],
}


@pytest.fixture
def world_in_every_state(extended):
    everyone = person("all-roles", Role.LEADER, extended.unit)
    for role in (Role.REVIEWER, Role.SCHEDULER, Role.ASSESSOR):
        person("all-roles", role)
    extended.declaration("drafted")
    extended.declaration("scheduled", unit=extended.other_unit)  # a published schedule, too
    extended.everyone = everyone
    return extended


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
def api_schema(world_in_every_state, settings, keep_test_connection):
    settings.ALLOWED_HOSTS = ["localhost", "testserver"]
    return schemathesis.openapi.from_wsgi("/api/schema/", application, config=SchemathesisConfig.from_dict(CONFIG))


def _aimed_at(case_and_id):
    case, pk = case_and_id
    case.path_parameters = {**(case.path_parameters or {}), "id": pk}
    return case


def _for_programme(case):
    case.path_parameters = {**(case.path_parameters or {}), "code": "kaifu-2023"}
    return case


@pytest.mark.parametrize("who", ["reviewer", "operator", "everyone"])
def test_no_input_makes_the_api_fail_or_break_its_contract(api_schema, world_in_every_state, who):
    """Every operation of the document, generated requests of both modes, every check."""
    user = getattr(world_in_every_state, who)
    auth = {"Authorization": f"Token {Token.objects.get_or_create(user=user)[0].key}"}
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 21  # the document covers the whole API
    failures = {}
    existing = list(Declaration.objects.values_list("pk", flat=True))
    for operation, mode in ((operation, mode) for operation in operations for mode in GenerationMode):
        cases = operation.as_strategy(mode)
        if "{id}" in operation.path and "declarations" in operation.path:  # aim at declarations in every state too
            cases = st.one_of(cases, st.tuples(cases, st.sampled_from(existing)).map(_aimed_at))
        elif "{code}" in operation.path:
            cases = st.one_of(cases, cases.map(_for_programme))

        @given(case=cases)
        @hypothesis_settings(max_examples=12, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck), database=None)
        def run(case):
            case.call_and_validate(headers=auth)  # no `checks=`: every check schemathesis has

        try:
            run()
        except Unsatisfiable:
            if mode != GenerationMode.NEGATIVE:
                raise
            # an operation that takes no input at all (DELETE /api/auth/token/) has no invalid input
        except BaseException as failure:  # noqa: BLE001 - schemathesis raises a BaseExceptionGroup; reported below
            if isinstance(failure, KeyboardInterrupt):
                raise
            failures[f"{operation.label} ({mode.value})"] = failure
    assert not failures, "\n\n".join(f"{label}:\n{failure}" for label, failure in failures.items())
    # the run reached real work for people who may do some, and the audit trail still verifies
    if who == "everyone":
        assert AuditEvent.objects.filter(actor__username="all-roles").exists()
    assert verify().ok
