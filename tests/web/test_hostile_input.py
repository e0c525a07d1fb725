"""Hostile input at every HTTP and socket edge: NUL characters, unpaired surrogates,
huge numbers, deep JSON, text that is not JSON. Each is answered with a clear error
(the API's format, or the person's language), nothing is stored, and the connection
survives. ``make pytest-postgres`` runs this file on PostgreSQL, where a NUL reaching
the database would be a 500 (SQLite stores it, so a run on SQLite alone would not
notice)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.routing import URLRouter
from django.core.cache import cache
from django.test import Client
from tests.factories import make_agent, make_organisation, make_queue
from tests.factories_chat import (
    SITE_ORIGIN,
    make_serving_agent,
    make_widget,
    websocket_communicator,
)

from distans.accounts.actions import do_create_api_token
from distans.channels_chat import consumers
from distans.channels_chat.models import ChatSession
from distans.channels_chat.ws import websocket_urlpatterns
from distans.channels_email.models import InboundMail, Mailbox
from distans.contacts.models import Contact
from distans.routing.models import AgentState
from distans.telephony.models import Call

NUL = "a\u0000b"
SURROGATE = "a\ud800b"


def raw_json(data: Any) -> str:
    """JSON as a hostile client writes it (json.dumps escapes a lone surrogate as
    ``\\ud800``, which is exactly what such a client sends)."""
    return json.dumps(data)


@pytest.fixture
def integration(db: None) -> tuple[Any, Any, Client]:
    org = make_organisation()
    queue = make_queue(org, code="allmant")
    key, _ = do_create_api_token(org, "integration", scopes=["contacts.create", "contacts.read", "live.read"])
    return org, queue, Client(headers={"Authorization": f"Bearer {key}"})


def post_json(client: Client, path: str, body: str) -> Any:
    return client.post(path, body, content_type="application/json")


def assert_refused_text(response: Any) -> None:
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "invalid_text"
    assert "NUL" in body["message"]


CONTACT_FIELDS = [
    {"customer_name": NUL},
    {"body": NUL},
    {"subject": SURROGATE},
    {"queue": "allmant\u0000"},
    {"queue": "\ud800"},
    {"required_skills": {"svenska\u0000": 1}},
    {"required_skills": {"\udfff": 1}},
]


@pytest.mark.parametrize("fields", CONTACT_FIELDS)
def test_api_contact_with_nul_or_surrogate_is_refused_and_nothing_stored(
    integration: tuple[Any, Any, Client], fields: dict[str, Any]
) -> None:
    _org, _queue, client = integration
    body = raw_json({"channel": "email", "queue": "allmant", **fields})
    assert_refused_text(post_json(client, "/api/contacts", body))
    assert Contact.objects.count() == 0


def test_api_telephony_call_id_and_line_with_nul_are_refused(
    integration: tuple[Any, Any, Client],
) -> None:
    _org, _queue, client = integration
    for fields in ({"call_id": NUL, "line": "allmant"}, {"call_id": "c1", "line": "allm\u0000ant"}):
        assert_refused_text(post_json(client, "/api/telephony/calls", raw_json(fields)))
    assert Call.objects.count() == 0 and Contact.objects.count() == 0


def test_query_string_and_path_with_nul_are_refused_in_the_api_format(
    integration: tuple[Any, Any, Client],
) -> None:
    _org, _queue, client = integration
    response = client.post("/api/email/inbound?mailbox=a%00b", b"Subject: x\r\n\r\nhej", content_type="message/rfc822")
    assert_refused_text(response)
    assert InboundMail.objects.count() == 0
    assert_refused_text(client.get("/api/telephony/calls/a%00b/route"))


def test_agent_presence_reason_and_completion_notes_with_nul_are_refused(db: None, client: Client) -> None:
    org = make_organisation()
    queue = make_queue(org)
    agent = make_agent(org, [queue], presence="available")
    client.force_login(agent)
    assert_refused_text(post_json(client, "/api/agent/presence", raw_json({"presence": "break", "reason": NUL})))
    assert AgentState.objects.get(person=agent).presence == "available"
    assert_refused_text(
        post_json(client, "/api/contacts/1/complete", raw_json({"topic": "Bygglov", "notes": SURROGATE}))
    )


def test_deep_json_and_not_json_get_the_api_error_format(integration: tuple[Any, Any, Client]) -> None:
    _org, _queue, client = integration
    deep = "[" * 100_000 + "]" * 100_000
    too_deep = post_json(client, "/api/contacts", deep)
    assert too_deep.status_code == 400 and too_deep.json()["code"] == "invalid_text"
    nested = post_json(client, "/api/contacts", '{"channel": "email", "queue": "allmant", "required_skills": ' + "{\"a\":" * 40 + "1" + "}" * 40 + "}")
    assert nested.status_code in (400, 422) and nested.json()["code"] in ("invalid_text", "invalid_input")
    broken = post_json(client, "/api/contacts", "{")
    assert broken.status_code == 400 and broken.json()["code"] == "bad_request"
    mixed = client.post("/api/contacts", b'{"channel": "email", "queue": "allm\xe4nt"}', content_type="application/json")
    assert mixed.status_code == 400 and set(mixed.json()) >= {"code", "message"}
    assert Contact.objects.count() == 0


def test_huge_numbers_are_a_validation_error_not_a_server_error(
    integration: tuple[Any, Any, Client],
) -> None:
    _org, _queue, client = integration
    for fields in ({"priority": 10**400}, {"priority": 1e308}, {"required_skills": {"sv": 10**30}}):
        response = post_json(client, "/api/contacts", raw_json({"channel": "email", "queue": "allmant", **fields}))
        assert response.status_code in (400, 422), response.content
        assert response.json()["code"] == "invalid_input"
    assert Contact.objects.count() == 0


def test_unknown_api_path_answers_in_the_api_format(db: None) -> None:
    response = Client().get("/api/no-such-thing")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_web_form_with_nul_is_refused_in_the_persons_language(db: None, client: Client) -> None:
    org = make_organisation()
    queue = make_queue(org)
    agent = make_agent(org, [queue], presence="available", language="sv")
    client.force_login(agent)
    response = client.post("/desk/contacts/1/notes/", {"notes": NUL})
    assert response.status_code == 400
    assert "NUL" in response.content.decode() and "Ta bort" in response.content.decode()


# The chat socket -----------------------------------------------------------------

APP = URLRouter(websocket_urlpatterns)
WebsocketCommunicator = websocket_communicator()


async def _until(communicator: Any, kind: str) -> dict[str, Any]:
    while True:
        data = json.loads(await communicator.receive_from(timeout=5))
        if data["kind"] == kind:
            return data


@pytest.mark.django_db(transaction=True)
def test_chat_socket_refuses_nul_and_surrogates_and_stays_open(monkeypatch: pytest.MonkeyPatch) -> None:
    cache.clear()
    monkeypatch.setattr(consumers, "POLL_SECONDS", 0.05)
    org = make_organisation()
    queue = make_queue(org)
    make_serving_agent(org, queue)
    widget = make_widget(org, queue)

    async def scenario() -> None:
        communicator = WebsocketCommunicator(
            APP,
            f"/ws/chat/{widget.key}/",
            headers=[(b"origin", SITE_ORIGIN.encode()), (b"host", b"distans.example.org")],
        )
        communicator.scope["client"] = ("198.51.100.9", 50000)
        assert (await communicator.connect())[0]
        await _until(communicator, "hello")
        for frame in (
            {"kind": "start", "name": NUL, "lang": "sv"},
            {"kind": "start", "name": SURROGATE, "lang": "sv"},
            {"kind": "leave_message", "name": "x", "email": "a@example.org", "text": NUL},
        ):
            await communicator.send_to(text_data=raw_json(frame))
            error = await _until(communicator, "error")
            assert error["code"] == "invalid_text"
        await communicator.send_to(text_data="[" * 5_000)
        assert (await _until(communicator, "error"))["code"] == "invalid"
        # the socket is still open and works
        await communicator.send_to(text_data=raw_json({"kind": "start", "name": "Vera", "lang": "sv"}))
        session = await _until(communicator, "session")
        await communicator.send_to(text_data=raw_json({"kind": "message", "text": SURROGATE, "id": "m1"}))
        error = await _until(communicator, "error")
        assert error == {"kind": "error", "code": "invalid_text", "id": "m1"}
        assert session["case"]
        await communicator.disconnect()

    async_to_sync(scenario)()
    assert ChatSession.objects.count() == 1
    contact = Contact.objects.get()
    assert contact.customer_name == "Vera"
    assert not contact.messages.filter(body_text__contains="a").exists()
    assert not Mailbox.objects.exists()


# The chat transcript: a mail-bomb path ----------------------------------------------


def test_transcript_limit_holds_with_a_stale_session_and_per_address(db: None) -> None:
    from django.core import mail

    from distans.channels_chat import actions, limits
    from distans.core.errors import CoreError

    cache.clear()
    org = make_organisation()
    queue = make_queue(org)
    make_serving_agent(org, queue)
    widget = make_widget(org, queue)
    session, _token = actions.do_start_chat(widget, name="Vera", language="sv")
    refused = 0
    for _ in range(10):  # one socket asking ten times: its session object never reloads
        try:
            actions.do_email_transcript(session, "victim@example.org")
        except CoreError:
            refused += 1
    assert len(mail.outbox) == limits.TRANSCRIPTS_PER_SESSION and refused == 7
    session.refresh_from_db()
    assert session.transcripts_sent == limits.TRANSCRIPTS_PER_SESSION

    per_address = limits.TRANSCRIPTS_PER_ADDRESS[0]
    mail.outbox.clear()
    cache.clear()
    for _ in range(per_address + 3):  # many chats, one victim
        other, _token = actions.do_start_chat(widget, name="Bot", language="sv")
        try:
            actions.do_email_transcript(other, "Victim@example.org")
        except CoreError as error:
            assert error.code == "throttled"
    assert len(mail.outbox) == per_address


def test_huge_bodies_are_refused_in_the_api_format_and_on_pages(integration: tuple[Any, Any, Client], client: Client) -> None:
    _org, _queue, api = integration
    huge = '{"channel": "email", "queue": "allmant", "body": "' + "x" * (3 * 1024 * 1024) + '"}'
    response = post_json(api, "/api/contacts", huge)
    assert response.status_code == 413, response.content[:200]
    assert response.json()["code"] == "too_large"
    form = client.post("/account/login/", {"username": "a@example.org", "password": "x" * (3 * 1024 * 1024)})
    assert form.status_code in (400, 413)
    assert Contact.objects.count() == 0


def test_public_web_form_with_nul_is_refused_in_the_visitors_language_and_nothing_stored(db: None) -> None:
    org = make_organisation()
    queue = make_queue(org)
    widget = make_widget(org, queue)
    client = Client(headers={"Accept-Language": "nb"})
    for fields in (
        {"name": NUL, "email": "a@example.org", "message": "Hei"},
        {"name": "Ola", "email": "a@example.org", "message": "Hei\u0000"},
        {"name\u0000": "Ola", "email": "a@example.org", "message": "Hei"},
    ):
        response = client.post(f"/chat/form/{widget.key}/", fields)
        assert response.status_code == 400
        assert "Fjern det" in response.content.decode()  # Norwegian, as the browser asked
    huge_field = client.post(f"/chat/form/{widget.key}/", {"name": "Ola", "email": "a@example.org", "message": "x" * 200_000})
    assert huge_field.status_code in (200, 400)  # the form's own length check, not a 500
    assert Contact.objects.count() == 0


def test_errors_from_outside_the_api_handlers_are_in_the_api_format(db: None) -> None:
    wrong_method = Client().delete("/api/queues")
    assert wrong_method.status_code == 405 and wrong_method.json()["code"] == "method_not_allowed"
    assert "GET" in wrong_method["Allow"]
    bad_host = Client(HTTP_HOST="evil.example").get("/api/queues")
    assert bad_host.status_code == 400 and bad_host.json()["code"] == "bad_request"
    page = Client(HTTP_HOST="evil.example").get("/desk/")
    assert page.status_code == 400 and not page["Content-Type"].startswith("application/json")
