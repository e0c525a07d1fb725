"""A database or Redis out of reach is an outage: 503 with Retry-After, in the API's
error format under /api/ and in the person's language on pages — never a 500."""

from __future__ import annotations

import pytest
import redis.exceptions
from django import db
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client, override_settings
from tests.factories import make_agent, make_organisation, make_queue

from distans.accounts.actions import do_create_api_token
from distans.routing import queries

pytestmark = pytest.mark.django_db


def _fail(error: Exception):  # type: ignore[no-untyped-def]
    def raise_it(*args: object, **kwargs: object) -> None:
        raise error

    return raise_it


@pytest.mark.parametrize(
    "error",
    [db.OperationalError("connection refused"), db.InterfaceError("connection already closed"),
     redis.exceptions.ConnectionError("Error 111 connecting to 127.0.0.1:6379")],
)  # fmt: skip
def test_api_outage_is_503_with_retry_after(monkeypatch: pytest.MonkeyPatch, error: Exception) -> None:
    org = make_organisation()
    make_queue(org)
    key, _ = do_create_api_token(org, "wallboard", scopes=["live.read", "contacts.read"])
    monkeypatch.setattr(queries, "list_queue_states", _fail(error))
    response = Client(headers={"Authorization": f"Bearer {key}"}).get("/api/queues")
    assert response.status_code == 503
    assert int(response["Retry-After"]) > 0
    assert response.json()["code"] == "unavailable"


def test_api_bug_is_500_in_the_error_format_without_traceback_even_with_debug(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    org = make_organisation()
    key, _ = do_create_api_token(org, "wallboard", scopes=["live.read", "contacts.read"])
    monkeypatch.setattr(queries, "list_queue_states", _fail(ZeroDivisionError("secret detail")))
    client = Client(headers={"Authorization": f"Bearer {key}"}, raise_request_exception=False)
    with override_settings(DEBUG=True):
        response = client.get("/api/queues")
    assert response.status_code == 500
    assert response.json()["code"] == "server_error"
    assert b"Traceback" not in response.content and b"secret detail" not in response.content


def test_page_outage_in_middleware_is_503_in_the_persons_language(monkeypatch: pytest.MonkeyPatch) -> None:
    org = make_organisation()
    agent = make_agent(org, [make_queue(org)])
    client = Client(raise_request_exception=False, headers={"Accept-Language": "sv"})
    client.force_login(agent)
    monkeypatch.setattr(SessionStore, "load", _fail(db.OperationalError("server closed the connection")))
    response = client.get("/")
    assert response.status_code == 503
    assert response["Retry-After"]
    assert "Försök igen" in response.content.decode()
