"""Factories for the chat widget's tests."""

from __future__ import annotations

from typing import Any

from tests.factories import make_agent, make_queue

from distans.channels_chat.models import ChatWidget

SITE_ORIGIN = "https://www.example.se"


def make_widget(organisation: Any, queue: Any | None = None, **fields: Any) -> ChatWidget:
    fields.setdefault("name", "example.se")
    fields.setdefault("allowed_origins", [SITE_ORIGIN])
    fields.setdefault("greetings", {"sv": "Hej och välkommen!", "en": "Hello and welcome!"})
    return ChatWidget.objects.create(
        organisation=organisation, queue=queue or make_queue(organisation), **fields
    )


def make_serving_agent(organisation: Any, queue: Any, **fields: Any) -> Any:
    """An available agent in ``queue`` (so the chat is open)."""
    from distans.routing.models import AgentState

    fields.setdefault("full_name", "Anna Andersson")
    capacity = fields.pop("capacity", None)
    person = make_agent(organisation, [queue], presence="available", **fields)
    if capacity is not None:
        AgentState.objects.filter(person=person).update(capacity=capacity)
    return person


def websocket_communicator() -> Any:
    """channels.testing.WebsocketCommunicator. The package's __init__ also imports its
    live-server test case, which needs daphne (not a dependency here); without daphne,
    a placeholder module stands in for it so the communicator can be imported."""
    import sys
    import types

    try:
        import daphne.testing  # noqa: F401
    except ModuleNotFoundError:
        placeholder = types.ModuleType("daphne.testing")
        placeholder.DaphneProcess = None  # type: ignore[attr-defined]
        sys.modules.setdefault("daphne", types.ModuleType("daphne"))
        sys.modules.setdefault("daphne.testing", placeholder)
    from channels.testing import WebsocketCommunicator

    return WebsocketCommunicator
