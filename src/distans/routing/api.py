"""Routing API: contacts, agent presence and location, offers, queue and agent state."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime

from django.http import HttpRequest
from django.utils import timezone
from ninja import Header, Router, Schema, Status
from pydantic import Field

from distans.accounts.models import Person, Site
from distans.api.auth import Caller
from distans.api.errors import ErrorOut, Forbidden
from distans.contacts.choices import Channel
from distans.contacts.models import Contact
from distans.routing import actions, queries
from distans.routing.choices import Presence
from distans.routing.errors import NotFound
from distans.routing.models import Offer, Queue

router = Router(tags=["routing"])


class ContactIn(Schema):
    channel: Channel
    queue: str = Field(description="queue code, e.g. 'allmant'")
    priority: int | None = Field(None, ge=-100, le=100, description="default: the queue's priority")
    required_skills: dict[str, int] | None = Field(None, description="default: the queue's required skills")
    language: str = Field("", max_length=8)
    customer_name: str = Field("", max_length=200)
    customer_email: str = Field("", max_length=254)
    customer_phone: str = Field("", max_length=40)
    subject: str = Field("", max_length=300)
    body: str = Field("", max_length=100_000)
    external_id: str = Field("", max_length=200)


class ContactOut(Schema):
    id: int
    channel: str
    queue: str
    status: str
    enqueued_at: datetime
    agent_id: int | None
    fallback_kind: str
    topic: str


def _contact_out(contact: Contact) -> ContactOut:
    return ContactOut(
        id=contact.pk,
        channel=contact.channel,
        queue=contact.queue.code,
        status=contact.status,
        enqueued_at=contact.enqueued_at,
        agent_id=contact.agent_id,
        fallback_kind=contact.fallback_kind,
        topic=contact.topic,
    )


def _caller(request: HttpRequest) -> Caller:
    return request.auth  # type: ignore[attr-defined]


def _person(request: HttpRequest) -> Person:
    caller = _caller(request)
    if caller.person is None:
        raise Forbidden("This call is for a logged-in agent, not an API key.")
    return caller.person


def _require(request: HttpRequest, permission: str) -> Caller:
    return _caller(request).require(permission)


def _queue(caller: Caller, code: str) -> Queue:
    queue = queries.get_queue_by_code(caller.organisation_id, code)
    if queue is None:
        raise NotFound(f"No queue with code {code!r}.")
    return queue


def _contact(caller: Caller, contact_id: int) -> Contact:
    contact = (
        Contact.objects.for_org(caller.organisation_id).select_related("queue").filter(pk=contact_id).first()
    )
    if contact is None:
        raise NotFound("No such contact.")
    return contact


@router.post(
    "/contacts",
    response={201: ContactOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut},
)
def create_contact(
    request: HttpRequest,
    payload: ContactIn,
    idempotency_key: str | None = Header(
        None,
        alias="Idempotency-Key",
        min_length=1,
        max_length=200,
        description=(
            "Optional: a retry with the same key (within a day) returns the contact the "
            "first request created instead of a second one; with a different body it is 409."
        ),
    ),
) -> Status[ContactOut]:
    """A contact arrives on a channel and joins a queue."""
    caller = _require(request, "contacts.create")
    queue = _queue(caller, payload.queue)
    fields = payload.model_dump(exclude={"channel", "queue"})
    if idempotency_key:
        request_hash = hashlib.sha256(
            json.dumps(payload.model_dump(mode="json"), sort_keys=True).encode()
        ).hexdigest()
        contact, _replayed = actions.do_create_contact_once(
            queue, payload.channel.value, idempotency_key, request_hash, **fields
        )
    else:
        contact = actions.do_create_contact(queue, payload.channel.value, **fields)
    contact.refresh_from_db()
    return Status(201, _contact_out(contact))


@router.get("/contacts/{contact_id}", response={200: ContactOut, 404: ErrorOut})
def get_contact(request: HttpRequest, contact_id: int) -> ContactOut:
    caller = _caller(request)
    contact = _contact(caller, contact_id)
    if caller.token is not None:
        caller.require("contacts.read")
    elif not caller.may("contacts.read") and contact.agent_id != caller.person.pk:  # type: ignore[union-attr]
        raise NotFound("No such contact.")
    return _contact_out(contact)


class CallbackIn(Schema):
    number: str = Field(..., min_length=3, max_length=40)


@router.post("/contacts/{contact_id}/callback", response={200: ContactOut, 404: ErrorOut, 409: ErrorOut})
def request_callback(request: HttpRequest, contact_id: int, payload: CallbackIn) -> ContactOut:
    """The caller chooses to be called back and keeps their place in line."""
    caller = _require(request, "contacts.create")
    return _contact_out(actions.do_request_callback(_contact(caller, contact_id), payload.number))


@router.post("/contacts/{contact_id}/abandon", response={200: ContactOut, 404: ErrorOut, 409: ErrorOut})
def abandon_contact(request: HttpRequest, contact_id: int) -> ContactOut:
    """The customer gave up waiting (hung up, closed the chat)."""
    caller = _require(request, "contacts.create")
    return _contact_out(actions.do_abandon_contact(_contact(caller, contact_id)))


class PresenceIn(Schema):
    presence: Presence
    reason: str = Field("", max_length=32)


class AgentOut(Schema):
    person_id: int
    name: str
    presence: str
    break_reason: str
    site_id: int | None
    presence_changed_at: datetime
    queues: list[str]


def _agent_out(state) -> AgentOut:
    return AgentOut(
        person_id=state.person_id,
        name=state.person.full_name,
        presence=state.presence,
        break_reason=state.break_reason,
        site_id=state.site_id,
        presence_changed_at=state.presence_changed_at,
        queues=[q.code for q in state.queues.all()],
    )


@router.get("/agent/presence", response={200: AgentOut, 403: ErrorOut})
def my_presence(request: HttpRequest) -> AgentOut:
    """The caller's own presence (a desktop or softphone client shows it; the demo's
    simulated colleagues notice when routing set them away)."""
    person = _person(request)
    state = queries.get_my_agent_state(person)
    if state is None:
        return AgentOut(person_id=person.pk, name=person.full_name, presence="offline",
                        break_reason="", site_id=None, presence_changed_at=timezone.now(),
                        queues=[])  # fmt: skip
    return _agent_out(state)


@router.post("/agent/presence", response={200: AgentOut, 400: ErrorOut, 403: ErrorOut})
def set_presence(request: HttpRequest, payload: PresenceIn) -> AgentOut:
    person = _person(request)
    return _agent_out(actions.do_set_presence(person, payload.presence.value, payload.reason))


class LocationIn(Schema):
    site_id: int | None


@router.post("/agent/location", response={200: AgentOut, 403: ErrorOut, 404: ErrorOut})
def set_location(request: HttpRequest, payload: LocationIn) -> AgentOut:
    person = _person(request)
    site = None
    if payload.site_id is not None:
        site = Site.objects.for_org(person.organisation_id).filter(pk=payload.site_id).first()
        if site is None:
            raise NotFound("No such site.")
    return _agent_out(actions.do_set_location(person, site))


@router.post("/agent/wrap-up/end", response={200: AgentOut, 409: ErrorOut})
def end_wrap_up(request: HttpRequest) -> AgentOut:
    return _agent_out(actions.do_end_wrap_up(_person(request)))


class OfferOut(Schema):
    id: int
    contact_id: int
    queue: str
    channel: str
    offered_at: datetime
    expires_at: datetime


def _offer_out(offer: Offer) -> OfferOut:
    return OfferOut(
        id=offer.pk,
        contact_id=offer.contact_id,
        queue=offer.queue.code,
        channel=offer.channel,
        offered_at=offer.offered_at,
        expires_at=offer.expires_at,
    )


@router.get("/agent/offers", response=list[OfferOut])
def my_offers(request: HttpRequest) -> list[OfferOut]:
    return [_offer_out(o) for o in queries.list_my_open_offers(_person(request))]


@router.post("/offers/{offer_id}/accept", response={200: ContactOut, 404: ErrorOut, 409: ErrorOut})
def accept_offer(request: HttpRequest, offer_id: int) -> ContactOut:
    contact = actions.do_accept_offer(_person(request), offer_id)
    return _contact_out(contact)


@router.post("/offers/{offer_id}/decline", response={204: None, 404: ErrorOut, 409: ErrorOut})
def decline_offer(request: HttpRequest, offer_id: int) -> Status[None]:
    actions.do_decline_offer(_person(request), offer_id)
    return Status(204, None)


class TransferIn(Schema):
    queue: str | None = None
    person_id: int | None = None


@router.post("/contacts/{contact_id}/transfer", response={200: ContactOut, 400: ErrorOut, 404: ErrorOut, 409: ErrorOut})
def transfer_contact(request: HttpRequest, contact_id: int, payload: TransferIn) -> ContactOut:
    person = _person(request)
    to_queue = _queue(_caller(request), payload.queue) if payload.queue else None
    to_person = None
    if payload.person_id is not None:
        to_person = Person.objects.for_org(person.organisation_id).filter(pk=payload.person_id).first()
        if to_person is None:
            raise NotFound("No such colleague.")
    return _contact_out(
        actions.do_transfer_contact(person, contact_id, to_queue=to_queue, to_person=to_person)
    )


class CompleteIn(Schema):
    topic: str = Field(..., max_length=100)
    notes: str = Field("", max_length=20_000)


@router.post("/contacts/{contact_id}/complete", response={200: ContactOut, 400: ErrorOut, 404: ErrorOut, 409: ErrorOut})
def complete_contact(request: HttpRequest, contact_id: int, payload: CompleteIn) -> ContactOut:
    """End the contact; wrap-up starts. A topic is required."""
    return _contact_out(
        actions.do_complete_contact(_person(request), contact_id, payload.topic, payload.notes)
    )


class QueueOut(Schema):
    code: str
    name: str
    waiting: int
    longest_wait_seconds: float
    callbacks_waiting: int
    agents_logged_in: int


@router.get("/queues", response={200: list[QueueOut], 403: ErrorOut})
def queue_states(request: HttpRequest) -> list[QueueOut]:
    caller = _require(request, "live.read")
    return [
        QueueOut(
            code=q.queue.code,
            name=q.queue.name,
            waiting=q.waiting,
            longest_wait_seconds=q.longest_wait_seconds,
            callbacks_waiting=q.callbacks_waiting,
            agents_logged_in=q.agents_logged_in,
        )
        for q in queries.list_queue_states(caller.organisation_id)
    ]


@router.get("/agents", response={200: list[AgentOut], 403: ErrorOut})
def agent_states(request: HttpRequest) -> list[AgentOut]:
    caller = _require(request, "live.read")
    return [_agent_out(s) for s in queries.list_agent_states(caller.organisation_id)]
