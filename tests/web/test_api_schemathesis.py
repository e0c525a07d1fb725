"""Schemathesis against the OpenAPI document: every operation fed generated (valid
and hostile) input through the whole Django stack, in process. No answer may be a
server error, and every answer must be documented (status code, content type and body
schema: 401/403/404/422 … in the error format). ``make pytest-postgres`` runs it on
PostgreSQL. Bounded: a few dozen examples per operation, so the file runs in minutes."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from tests.factories import make_agent, make_organisation, make_queue

from distans.accounts.actions import do_create_api_token
from distans.accounts.permissions import SCOPES

SCHEMA = schemathesis.openapi.from_wsgi("/api/openapi.json", WSGIHandler())
# valid and invalid input (wrong types, missing fields, NUL in strings …); the same
# examples every run (derandomised), so CI is not flaky — a new failure is a change's
SCHEMA.config.generation.update(
    modes=list(schemathesis.GenerationMode), allow_x00=True, deterministic=True
)
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
EXAMPLES = 30


@pytest.fixture(autouse=True)
def _keep_the_tests_connection() -> Any:
    """As Django's test client does: a request must not close the database connection
    that holds the test's transaction (on PostgreSQL that ends the test's data)."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def api_key(db: None) -> str:
    org = make_organisation()
    queue = make_queue(org, code="allmant")
    make_agent(org, [queue], presence="available")
    key, _ = do_create_api_token(org, "schemathesis", scopes=list(SCOPES))
    return key


@SCHEMA.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
    database=None,
)
def test_api_answers_are_documented_and_never_a_server_error(case: Any, api_key: str) -> None:
    case.call_and_validate(headers={"Authorization": f"Bearer {api_key}"}, checks=CHECKS)


@pytest.fixture
def agent_session(db: None) -> dict[str, str]:
    """A logged-in agent's browser: session cookie and CSRF token."""
    from django.middleware.csrf import _get_new_csrf_string
    from django.test import Client

    org = make_organisation()
    queue = make_queue(org, code="allmant")
    agent = make_agent(org, [queue], presence="available")
    browser = Client()
    browser.force_login(agent)
    token = _get_new_csrf_string()
    return {"sessionid": browser.cookies["sessionid"].value, "csrftoken": token}


@SCHEMA.parametrize()
@settings(
    max_examples=EXAMPLES // 2,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
    database=None,
)
def test_api_answers_to_a_logged_in_agent_are_documented(case: Any, agent_session: dict[str, str]) -> None:
    # the WSGI client keeps its own cookie jar (a Cookie header would be dropped)
    case.cookies = {**(case.cookies or {}), **agent_session}
    case.call_and_validate(headers={"X-CSRFToken": agent_session["csrftoken"]}, checks=CHECKS)
