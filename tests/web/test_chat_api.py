"""The chat API: the handling agent reads the lines, answers and shows typing; nobody
else can."""

from __future__ import annotations

import json
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.test import Client
from tests.factories import make_organisation, make_person, make_queue
from tests.factories_chat import make_serving_agent, make_widget

from distans.channels_chat import actions
from distans.contacts.models import Message

pytestmark = pytest.mark.django_db


def _active_chat(django_capture_on_commit_callbacks: Any) -> tuple[Any, Any]:
    org = make_organisation()
    queue = make_queue(org)
    agent = make_serving_agent(org, queue)
    widget = make_widget(org, queue)
    with django_capture_on_commit_callbacks(execute=True):
        session, _token = actions.do_start_chat(widget, name="Vera")
        actions.do_post_visitor_message(session, "Hej, hur ansöker jag om bygglov?")
    contact = session.contact
    contact.refresh_from_db()
    contact.status, contact.agent = "active", agent
    contact.save()
    return contact, agent


def test_the_agent_reads_answers_and_the_visitor_socket_gets_it(
    client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    contact, agent = _active_chat(django_capture_on_commit_callbacks)
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(actions.contact_group(contact.pk), channel)
    client.force_login(agent)
    mine = client.get("/api/chats/mine").json()
    assert [(c["id"], c["last_direction"]) for c in mine] == [
        (contact.pk, "in")
    ]  # an answer is due
    lines = client.get(f"/api/chats/{contact.pk}/lines").json()
    assert [(line["direction"], line["text"]) for line in lines] == [
        ("in", "Hej, hur ansöker jag om bygglov?")
    ]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/api/chats/{contact.pk}/lines",
            json.dumps({"text": "Via e-tjänsten."}),
            content_type="application/json",
        )
    assert response.status_code == 201, response.content
    event = async_to_sync(layer.receive)(channel)["event"]
    assert (event["kind"], event["direction"], event["message_id"]) == (
        "message",
        "out",
        response.json()["id"],
    )
    assert Message.objects.get(pk=event["message_id"]).author_id == agent.pk
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"/api/chats/{contact.pk}/typing").status_code == 204
    assert async_to_sync(layer.receive)(channel)["event"]["who"] == "agent"


def test_a_colleague_cannot_answer_someone_elses_chat(
    client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    contact, agent = _active_chat(django_capture_on_commit_callbacks)
    colleague = make_person(contact.organisation)
    client.force_login(colleague)
    response = client.post(
        f"/api/chats/{contact.pk}/lines", json.dumps({"text": "x"}), content_type="application/json"
    )
    assert response.status_code == 409
    assert not Message.objects.filter(direction="out").exists()
