"""Telephony writes: calls arrive, are routed like any contact, and the PBX is told
where to connect them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from distans.accounts.models import Person
from distans.contacts.choices import QUEUED_STATUSES, ContactStatus
from distans.contacts.models import Contact
from distans.core.errors import InvalidInput, StateConflict
from distans.routing import actions as routing
from distans.routing.errors import NotFound
from distans.routing.models import AgentState, Queue
from distans.telephony.adapters.base import Endpoint, load_adapter
from distans.telephony.choices import CallState, EndpointKind, TransferMode
from distans.telephony.models import Call, Line, TelephonySettings


def settings_for(organisation_id: int) -> TelephonySettings:
    return TelephonySettings.objects.get_or_create(organisation_id=organisation_id)[0]


def endpoint_for(person: Person) -> Endpoint:
    """Where to ring an agent: at home on their mobile (seed 004: smartphones), else
    their softphone; a mobile number when no softphone is set up."""
    state = AgentState.objects.filter(person=person).select_related("site").first()
    at_home = bool(state and state.site and state.site.kind == "home")
    prefer_mobile = settings_for(person.organisation_id).prefer_mobile_at_home  # type: ignore[arg-type]
    # with the built-in gateway every agent has the desk's browser softphone
    softphone = (state.endpoint_sip if state else "") or _gateway_softphone(person)
    if person.phone and (at_home and prefer_mobile or not softphone):
        return Endpoint(EndpointKind.MOBILE, person.phone)
    if softphone:
        return Endpoint(EndpointKind.SIP, softphone)
    return Endpoint(EndpointKind.SIP, f"sip:{person.email}")


def _gateway_softphone(person: Person) -> str:
    from distans.telephony.gateway.config import current

    config = current()
    if config is None or config.organisation_id != person.organisation_id:
        return ""
    return config.aor(person.pk)


@transaction.atomic
def do_receive_call(organisation_id: int, line_number: str, caller_number: str, call_id: str) -> Call:
    existing = Call.objects.for_org(organisation_id).filter(call_id=call_id).select_related("contact").first()
    if existing is not None:
        return existing  # the PBX retried: the same call, not a second contact
    line = Line.objects.for_org(organisation_id).select_related("queue").filter(number=line_number).first()
    queue: Queue | None = line.queue if line else None
    if queue is None:  # a queue code works too, for PBXs that route by name
        queue = Queue.objects.for_org(organisation_id).filter(code=line_number).first()
    if queue is None:
        raise NotFound(f"No line or queue {line_number!r}.")
    contact = routing.do_create_contact(
        queue, "phone", customer_phone=caller_number, external_id=call_id,
        attributes={"line": line_number},
    )
    return Call.objects.create(
        organisation_id=organisation_id, contact=contact, call_id=call_id, line=line,
        caller_number=caller_number,
    )


def route_for_call(call: Call) -> dict[str, Any]:
    """What the PBX should do with the call now."""
    contact = Contact.objects.select_related("queue").get(pk=call.contact_id)
    if contact.status == ContactStatus.ACTIVE and call.state == CallState.CONSULTING:
        return {"action": "consult", "number": call.transfer_number}
    if contact.status == ContactStatus.ACTIVE and call.state == CallState.TRANSFERRING:
        return {"action": "transfer", "number": call.transfer_number}
    if contact.status in QUEUED_STATUSES:
        ahead = Contact.objects.filter(
            queue_id=contact.queue_id, status__in=QUEUED_STATUSES, enqueued_at__lt=contact.enqueued_at
        ).count()
        position = ahead + 1
        estimate = estimated_wait_seconds(contact.queue, position)
        extra = {"estimated_wait_seconds": estimate} if estimate is not None else {}
        return {"action": "wait", "position": position, **extra, **_texts(contact, "waiting")}
    if contact.status == ContactStatus.ACTIVE and call.endpoint_address:
        return {"action": "connect", "endpoint": {"kind": call.endpoint_kind, "address": call.endpoint_address}}
    if contact.status == ContactStatus.ACTIVE:
        return {"action": "wait", "position": 0}
    if contact.status == ContactStatus.FALLBACK:
        kind = "callback" if contact.fallback_kind == "callback_offer" else "closed"
        return {"action": "fallback", "kind": contact.fallback_kind, **_texts(contact, kind)}
    return {"action": "hangup"}


PHONE_HANDLE_SECONDS = 240.0  # a call's handle time until the queue has its own figures
RECENT_CALLS = 5


def estimated_wait_seconds(queue: Queue, position: int) -> float | None:
    """The caller at ``position``: position × the queue's recent handle time (phone
    calls completed in the last three hours; PHONE_HANDLE_SECONDS while fewer than
    RECENT_CALLS) / the agents serving it (available, busy or in wrap-up), as the chat's
    estimate. None when no agent serves the queue (nothing is promised)."""
    from django.db.models import Avg, F

    from distans.routing.choices import Presence

    agents = AgentState.objects.filter(
        queues=queue, presence__in=[Presence.AVAILABLE, Presence.BUSY, Presence.WRAP_UP]
    ).count()
    if agents <= 0:
        return None
    recent = Contact.objects.filter(
        queue=queue, channel="phone", status=ContactStatus.COMPLETED,
        ended_at__gte=timezone.now() - timedelta(hours=3), accepted_at__isnull=False,
    )
    handle = PHONE_HANDLE_SECONDS
    if recent.count() >= RECENT_CALLS:
        mean = recent.aggregate(mean=Avg(F("ended_at") - F("accepted_at")))["mean"]
        handle = mean.total_seconds() if mean else PHONE_HANDLE_SECONDS
    return float(position * handle / agents)


def _texts(contact: Contact, kind: str) -> dict[str, Any]:
    """The queue's own text of ``kind`` per language (settings page), for the PBX to
    play; nothing when none is set (the PBX uses its built-in prompt)."""
    texts = {
        language: values[kind]
        for language, values in (contact.queue.waiting_texts or {}).items()
        if isinstance(values, dict) and values.get(kind)
    }
    return {"texts": texts} if texts else {}


def on_contact_accepted(sender: Any, contact_id: int, person_id: int, channel: str, **kwargs: Any) -> None:
    """An agent accepted a phone call or a callback: tell the PBX where to connect."""
    if channel not in ("phone", "callback"):
        return
    call = Call.objects.filter(contact_id=contact_id).first()
    if call is None:
        return
    person = Person.objects.get(pk=person_id)
    endpoint = endpoint_for(person)
    Call.objects.filter(pk=call.pk).update(
        state=CallState.CONNECTING, endpoint_kind=endpoint.kind, endpoint_address=endpoint.address,
        updated_at=timezone.now(),
    )
    adapter = load_adapter()
    if channel == "callback":
        adapter.dial(call.organisation_id, call.call_id, call.callback_number or call.caller_number, endpoint)
    else:
        adapter.connect(call.organisation_id, call.call_id, endpoint)


EVENTS = ("answered", "ended", "abandoned", "transferred", "callback_requested", "callback_failed", "not_answered")


@transaction.atomic
def do_call_event(call: Call, event: str, data: dict[str, Any]) -> Call:
    if event not in EVENTS:
        raise InvalidInput(f"Unknown call event {event!r}; expected one of {', '.join(EVENTS)}.")
    # The call's row only: routing's writers lock agent states before contacts, and
    # abandoning or a callback locks the contact's offered agent first.
    call = Call.objects.select_for_update(of=("self",)).select_related("contact").get(pk=call.pk)
    contact = call.contact
    now = timezone.now()
    if event == "answered":
        call.state = CallState.ANSWERED
    elif event in ("ended", "abandoned"):
        if call.state == CallState.CALLBACK and contact.status in QUEUED_STATUSES:
            pass  # the caller asked for a callback and hung up: it keeps its place
        elif call.state == CallState.TRANSFERRED:
            pass  # put through to a number: what happens there is not this call's
        elif contact.status in QUEUED_STATUSES:
            routing.do_abandon_contact(contact)
            call.state = CallState.ABANDONED
        else:
            call.state = CallState.ENDED
    elif event == "transferred" and not data.get("to_queue") and call.transfer_number:
        # Put through to a number outside the queues (the switchboard): the agent's
        # part is done; they go to wrap-up like after any call.
        if contact.agent is not None and contact.status == ContactStatus.ACTIVE:
            routing.do_complete_contact(contact.agent, contact.pk, topic="transferred",
                                        notes=f"put through to {call.transfer_number}")
        call.state = CallState.TRANSFERRED
    elif event == "not_answered":
        # the agent's phone did not answer: back to the queue in its place, agent away
        if contact.status == ContactStatus.ACTIVE and contact.agent_id is not None:
            routing.do_return_unanswered(contact)
            call.state = CallState.QUEUED
            call.endpoint_kind = ""
            call.endpoint_address = ""
        elif contact.status not in QUEUED_STATUSES:
            raise StateConflict("Only a call being connected to an agent can go unanswered.")
    elif event == "transferred":
        code = str(data.get("to_queue", ""))
        queue = Queue.objects.for_org(call.organisation_id).filter(code=code).first()
        if queue is None or contact.agent is None:
            raise StateConflict("Only a connected call can be transferred, to a known queue.")
        routing.do_transfer_contact(contact.agent, contact.pk, to_queue=queue)
        call.state = CallState.QUEUED
    elif event == "callback_requested":
        number = str(data.get("number") or call.caller_number)
        routing.do_request_callback(contact, number)
        config = settings_for(call.organisation_id)
        call.state = CallState.CALLBACK
        call.callback_number = number
        hours = contact.queue.callback_valid_hours or config.callback_valid_hours  # the queue's own first
        call.callback_valid_until = now + timedelta(hours=hours)
    elif event == "callback_failed":
        call.callback_attempts += 1
        config = settings_for(call.organisation_id)
        if contact.agent is None:
            raise StateConflict("No callback attempt is in progress.")
        if call.callback_attempts < config.callback_max_attempts:
            routing.do_transfer_contact(contact.agent, contact.pk, to_queue=contact.queue)
            call.state = CallState.CALLBACK
        else:
            routing.do_complete_contact(contact.agent, contact.pk, topic="callback_failed",
                                        notes="callback failed after the maximum attempts")
            call.state = CallState.ENDED
    call.updated_at = now
    call.save()
    return call


TRANSFER_MODES = tuple(TransferMode.values)


@transaction.atomic
def do_request_transfer(call: Call, agent: Person, mode: str, number: str = "") -> Call:
    """The agent holding a connected call puts it through to ``number``: ``blind`` at
    once, or ``consult`` first (the caller waits on hold while the number rings for the
    agent), then ``complete`` (join them) or ``cancel`` (back to the caller). The PBX
    hears it from the adapter's ``transfer`` and from ``/route`` (``consult`` /
    ``transfer``), and reports ``transferred`` with the number when done."""
    if mode not in TRANSFER_MODES:
        raise InvalidInput(f"Unknown transfer mode {mode!r}; expected one of {', '.join(TRANSFER_MODES)}.")
    call = Call.objects.select_for_update(of=("self",)).select_related("contact").get(pk=call.pk)
    contact = call.contact
    if contact.agent_id != agent.pk or contact.status != ContactStatus.ACTIVE:
        raise StateConflict("Only the agent on a connected call can put it through.")
    if call.state not in (CallState.ANSWERED, CallState.CONNECTING, CallState.CONSULTING):
        raise StateConflict("This call cannot be put through now.")
    consulting = call.state == CallState.CONSULTING
    if mode in (TransferMode.COMPLETE, TransferMode.CANCEL) and not consulting:
        raise StateConflict("No consultation is in progress.")
    if mode in (TransferMode.BLIND, TransferMode.CONSULT):
        number = number.strip()
        if not number:
            raise InvalidInput("A number to put the call through to is needed.")
        if consulting:
            raise StateConflict("Finish the consultation first.")
        call.transfer_number = number[:40]
    if mode == TransferMode.CONSULT:
        call.state = CallState.CONSULTING
    elif mode == TransferMode.CANCEL:
        call.state = CallState.ANSWERED
    else:
        call.state = CallState.TRANSFERRING
    target = call.transfer_number
    if mode == TransferMode.CANCEL:
        call.transfer_number = ""
    call.updated_at = timezone.now()
    call.save()
    organisation_id, call_id = call.organisation_id, call.call_id
    transaction.on_commit(lambda: load_adapter().transfer(organisation_id, call_id, target, mode))
    return call


@transaction.atomic
def do_expire_callbacks() -> int:
    """Callbacks still waiting past their validity get the closed fallback. One offered
    to an agent right now stays with them (its offer open); declined or timed out, it
    waits again and expires on a later pass."""
    expired = 0
    for call in Call.objects.select_related("contact").filter(
        state=CallState.CALLBACK, callback_valid_until__lt=timezone.now(),
        contact__status=ContactStatus.WAITING,
    ):
        Contact.objects.filter(pk=call.contact_id, status=ContactStatus.WAITING).update(
            status=ContactStatus.FALLBACK, fallback_kind="callback_expired", ended_at=timezone.now()
        )
        call.state = CallState.FALLBACK
        call.save(update_fields=["state"])
        expired += 1
    return expired
