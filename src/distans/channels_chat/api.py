"""Chat API for agents (and the demo's simulated colleagues): read a chat's lines,
answer, show "is writing". Sending is the same action as the desk's reply."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import Field

from distans.accounts.models import Person
from distans.api.auth import Caller
from distans.api.errors import ErrorOut, Forbidden
from distans.channels_chat import actions
from distans.contacts.actions import do_record_contact_read
from distans.contacts.models import Contact
from distans.core.errors import StateConflict
from distans.routing.errors import NotFound

router = Router(tags=["chat"])


class LineOut(Schema):
    id: int
    direction: str
    sender: str
    text: str
    created_at: datetime


class LineIn(Schema):
    text: str = Field(min_length=1, max_length=10_000)


def _person(request: HttpRequest) -> Person:
    caller: Caller = request.auth  # type: ignore[attr-defined]
    if caller.person is None:
        raise Forbidden("This call is for a logged-in agent, not an API key.")
    return caller.person


def _my_chat(person: Person, contact_id: int) -> Contact:
    contact = (
        Contact.objects.for_org(person.organisation_id)
        .filter(pk=contact_id, channel="chat")
        .first()
    )
    if contact is None:
        raise NotFound("No such chat.")
    if contact.agent_id != person.pk:
        raise StateConflict("This chat is not in progress with you.")
    return contact


def _line(message: object) -> LineOut:
    return LineOut(
        id=message.pk,  # type: ignore[attr-defined]
        direction=message.direction,  # type: ignore[attr-defined]
        sender=message.sender,  # type: ignore[attr-defined]
        text=message.body_text,  # type: ignore[attr-defined]
        created_at=message.created_at,  # type: ignore[attr-defined]
    )


class ChatOut(Schema):
    id: int
    customer_name: str
    status: str
    last_direction: str


@router.get("/chats/mine", response={200: list[ChatOut], 403: ErrorOut})
def my_chats(request: HttpRequest) -> list[ChatOut]:
    """The caller's chats in progress, with who wrote last (an answer is due when it
    was the visitor)."""
    person = _person(request)
    chats = Contact.objects.filter(agent=person, channel="chat", status="active").order_by(
        "accepted_at"
    )
    result = []
    for chat in chats:
        last = (
            chat.messages.filter(direction__in=["in", "out"]).order_by("-created_at", "-id").first()
        )
        result.append(
            ChatOut(
                id=chat.pk,
                customer_name=chat.customer_name,
                status=chat.status,
                last_direction=last.direction if last else "",
            )
        )
    return result


@router.get(
    "/chats/{contact_id}/lines",
    response={200: list[LineOut], 403: ErrorOut, 404: ErrorOut, 409: ErrorOut},
)
def chat_lines(request: HttpRequest, contact_id: int) -> list[LineOut]:
    person = _person(request)
    contact = _my_chat(person, contact_id)
    do_record_contact_read(person, contact, "chat_lines")
    return [
        _line(m)
        for m in contact.messages.filter(direction__in=["in", "out"]).order_by("created_at", "id")
    ]


@router.post(
    "/chats/{contact_id}/lines",
    response={201: LineOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut},
)
def send_chat_line(request: HttpRequest, contact_id: int, payload: LineIn) -> Status[LineOut]:
    person = _person(request)
    message = actions.do_send_chat_message(_my_chat(person, contact_id), person, payload.text)
    return Status(201, _line(message))


@router.post(
    "/chats/{contact_id}/typing", response={204: None, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}
)
def agent_typing(request: HttpRequest, contact_id: int) -> Status[None]:
    person = _person(request)
    actions.send_agent_typing(_my_chat(person, contact_id), person)
    return Status(204, None)
