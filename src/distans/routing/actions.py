"""All routing writes: contacts arrive, agents change presence, offers are answered.

Each action locks the rows it changes, asks the pure core for the transition, writes
the result and the events in one transaction, and asks for a routing round after
commit. Nothing is half-written: a core error aborts the whole transaction.
"""

from __future__ import annotations

import contextlib
from collections import Counter
from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from distans.accounts.models import Person, Site
from distans.contacts.choices import QUEUED_STATUSES, ContactStatus
from distans.contacts.models import Contact
from distans.core import routing as core
from distans.core.errors import InvalidInput, StateConflict
from distans.core.routing import lifecycle
from distans.realtime.groups import person_group, supervisors_group, team_group
from distans.realtime.publish import QUEUES_COALESCE_SECONDS, publish
from distans.routing.choices import OfferStatus, Presence
from distans.routing.convert import agent_to_core, contact_to_core, offer_to_core, queue_to_core
from distans.routing.dispatcher import request_routing
from distans.routing.errors import NotFound, offer_gone
from distans.routing.eventlog import append_events
from distans.routing.gates import check_may_go_available
from distans.routing.models import AgentState, IdempotencyKey, Offer, Queue, RoutingEvent
from distans.routing.signals import contact_accepted
from distans.routing.store import store, unsaved_contact


def get_agent_state(person: Person, lock: bool = False) -> AgentState:
    if person.organisation_id is None:
        raise InvalidInput("This person belongs to no organisation.")
    AgentState.objects.get_or_create(  # a new agent starts at their default location
        person=person,
        defaults={"organisation_id": person.organisation_id, "site_id": person.default_site_id},
    )
    queryset = AgentState.objects.select_for_update() if lock else AgentState.objects
    return queryset.get(person=person)


def _agent_core(state: AgentState) -> core.Agent:
    load: Counter[str] = Counter(
        Contact.objects.filter(agent_id=state.person_id, status=ContactStatus.ACTIVE).values_list(
            "channel", flat=True
        )
    )
    return agent_to_core(state, load, state.queues.values_list("pk", flat=True))


def _save_agent(state: AgentState, agent: core.Agent) -> None:
    state.presence = str(agent.presence)
    state.break_reason = agent.break_reason or ""
    state.site_id = int(agent.site_id) if agent.site_id else None
    state.presence_changed_at = agent.presence_changed_at or state.presence_changed_at
    state.last_contact_ended_at = agent.last_contact_ended_at
    state.wrap_up_until = agent.wrap_up_until
    state.consecutive_timeouts = agent.consecutive_timeouts
    state.save()


def _queue_core(queue: Queue) -> core.Queue:
    return queue_to_core(queue, queue.organisation.time_zone, {})


def _announce_agent(state: AgentState) -> None:
    publish(person_group(state.person_id), "agent_state")
    publish(supervisors_group(state.organisation_id), "agents")
    if state.person.team_id:
        publish(team_group(state.person.team_id), "presence", person_id=state.person_id)


class IdempotencyKeyReused(StateConflict):
    code = "idempotency_key_reused"


def do_create_contact_once(
    queue: Queue, channel: str, idempotency_key: str, request_hash: str, **fields: Any
) -> tuple[Contact, bool]:
    """:func:`do_create_contact`, once per ``idempotency_key`` in the organisation:
    returns (contact, replayed). The same key with the same request returns the
    contact it created (a retry after a lost answer), with another request
    :class:`IdempotencyKeyReused`. The key row and the contact commit together; a
    concurrent request with the same key waits on the key's unique index and then
    finds the contact."""
    with transaction.atomic():
        row, created = IdempotencyKey.objects.get_or_create(
            organisation_id=queue.organisation_id,
            key=idempotency_key,
            defaults={"request_hash": request_hash},
        )
        if not created:
            if row.request_hash != request_hash:
                raise IdempotencyKeyReused("This Idempotency-Key was used for a different request.")
            existing = Contact.objects.filter(pk=row.contact_id).select_related("queue").first()
            if existing is not None:
                return existing, True
        contact = do_create_contact(queue, channel, **fields)
        IdempotencyKey.objects.filter(pk=row.pk).update(contact=contact)
    return contact, False


def do_prune_idempotency_keys(older_than_seconds: float = 24 * 3600) -> int:
    cutoff = timezone.now() - timezone.timedelta(seconds=older_than_seconds)
    deleted, _ = IdempotencyKey.objects.filter(created_at__lt=cutoff).delete()
    return deleted


def do_create_contact(
    queue: Queue,
    channel: str,
    *,
    priority: int | None = None,
    required_skills: dict[str, int] | None = None,
    language: str = "",
    customer_name: str = "",
    customer_email: str = "",
    customer_phone: str = "",
    subject: str = "",
    body: str = "",
    attributes: dict[str, Any] | None = None,
    external_id: str = "",
    arrived_at: datetime | None = None,
) -> Contact:
    """A contact arrives in ``queue``: stored, logged (``contact_queued``), announced
    and routed. On PostgreSQL outside a transaction, the contact and its event are one
    statement committed on its own (one round trip: arrivals are most of what a busy
    centre writes); otherwise it joins the caller's transaction or opens its own."""
    now = arrived_at or timezone.now()
    contact = unsaved_contact(
        queue,
        organisation_id=queue.organisation_id,
        channel=channel,
        # The queue's own priority and required skills unless the arrival names them.
        priority=queue.priority if priority is None else priority,
        required_skills=(queue.required_skills or {})
        if required_skills is None
        else required_skills,
        language=language,
        customer_name=customer_name,
        customer_email=customer_email,
        customer_phone=customer_phone,
        subject=subject,
        body=body,
        attributes=attributes or {},
        external_id=external_id,
        enqueued_at=now,
        queue_entered_at=now,
    )
    queued = lifecycle.enqueue(contact_to_core(contact), now).events  # id set by the insert
    routing_store = store()
    one_statement = routing_store.arrival_is_one_statement and connection.get_autocommit()
    with contextlib.nullcontext() if one_statement else transaction.atomic():
        routing_store.insert_contact(contact, queued)
        # After commit (at once when the statement committed on its own).
        publish(
            supervisors_group(queue.organisation_id),
            "queues",
            coalesce_seconds=QUEUES_COALESCE_SECONDS,
        )
        request_routing(queue.organisation_id, contacts=[contact.pk])
    return contact


@transaction.atomic
def do_set_presence(
    person: Person, presence: str, reason: str = "", actor: Person | None = None
) -> AgentState:
    if presence == Presence.AVAILABLE and (actor is None or actor.pk == person.pk):
        check_may_go_available(person)  # e.g. an announcement to acknowledge first
    state = get_agent_state(person, lock=True)
    now = timezone.now()
    if presence == Presence.WRAP_UP:
        raise InvalidInput("Wrap-up starts by itself when a contact ends.")
    transition = lifecycle.set_presence(
        _agent_core(state), core.Presence(presence), now, reason or None
    )
    assert transition.agent is not None
    _save_agent(state, transition.agent)
    events = list(transition.events)
    if presence not in (Presence.AVAILABLE, Presence.BUSY):
        _cancel_open_offers(state.person_id, now)
    if actor is not None and actor.pk != person.pk:
        events = [
            core.Event(
                e.name, e.at, e.contact_id, e.agent_id, e.queue_id, {**e.data, "by": actor.pk}
            )
            for e in events
        ]
    append_events(state.organisation_id, events)
    _announce_agent(state)
    if presence in (Presence.AVAILABLE, Presence.BUSY):
        request_routing(state.organisation_id, agents=[state.person_id])
    else:
        # Fewer agents: offers move on, and "no agents" overflow rules may fire.
        request_routing(state.organisation_id)
    return state


def _log_cancelled(offer: Offer, now: datetime, reason: str) -> None:
    RoutingEvent.objects.create(
        organisation_id=offer.organisation_id,
        name=core.EventName.OFFER_CANCELLED,
        at=now,
        contact_id=offer.contact_id,
        agent_id=offer.agent_id,
        queue_id=offer.queue_id,
        data={"reason": reason},
    )


def _cancel_open_offers(
    person_id: int, now: datetime, reason: str = "agent_unavailable"
) -> list[int]:
    """Withdraw the agent's open offers (the agent's state is already locked); returns
    the ids of the contacts that wait again."""
    open_ids = list(
        Offer.objects.filter(agent_id=person_id, status=OfferStatus.OPEN).values_list(
            "pk", "contact_id"
        )
    )
    if not open_ids:
        return []
    # Contacts before offers: the lock order of every routing writer (store().lock_rows).
    store().lock_rows(
        contacts=[contact for _, contact in open_ids], offers=[pk for pk, _ in open_ids]
    )
    for offer in Offer.objects.filter(pk__in=[pk for pk, _ in open_ids], status=OfferStatus.OPEN):
        _log_cancelled(offer, now, reason)
        offer.status = OfferStatus.CANCELLED
        offer.closed_at = now
        offer.save(update_fields=["status", "closed_at"])
        Contact.objects.filter(pk=offer.contact_id, status=ContactStatus.OFFERED).update(
            status=ContactStatus.WAITING
        )
        publish(person_group(person_id), "offer_closed", contact_id=offer.contact_id)
    return [contact for _, contact in open_ids]


@transaction.atomic
def do_set_location(person: Person, site: Site | None) -> AgentState:
    state = get_agent_state(person, lock=True)
    if site is not None and site.organisation_id != state.organisation_id:
        raise NotFound("No such site.")
    transition = lifecycle.set_location(
        _agent_core(state), str(site.pk) if site else None, timezone.now()
    )
    assert transition.agent is not None
    _save_agent(state, transition.agent)
    append_events(state.organisation_id, transition.events)
    _announce_agent(state)
    return state


def _open_offer_for(person: Person, offer_id: int) -> Offer:
    """The person's open offer, locked after its contact (the agent's state is already
    locked): agent state, contact, offer is the lock order of every routing writer."""
    contact_id = (
        Offer.objects.filter(pk=offer_id, agent=person, organisation_id=person.organisation_id)
        .values_list("contact_id", flat=True)
        .first()
    )
    if contact_id is None:
        raise NotFound("No such offer.")
    store().lock_rows(contacts=[contact_id])
    offer = Offer.objects.select_for_update().get(pk=offer_id)
    if offer.status != OfferStatus.OPEN:
        raise offer_gone()
    return offer


@transaction.atomic
def do_accept_offer(person: Person, offer_id: int) -> Contact:
    state = get_agent_state(person, lock=True)
    offer = _open_offer_for(person, offer_id)
    now = timezone.now()
    if now >= offer.expires_at:
        raise offer_gone()
    transition = lifecycle.accept(offer_to_core(offer), _agent_core(state), now)
    assert transition.agent is not None
    _save_agent(state, transition.agent)
    offer.status = OfferStatus.ACCEPTED
    offer.closed_at = now
    offer.save(update_fields=["status", "closed_at"])
    contact = Contact.objects.select_for_update().get(pk=offer.contact_id)
    contact.status = ContactStatus.ACTIVE
    contact.agent = person
    contact.accepted_at = now
    contact.save(update_fields=["status", "agent", "accepted_at"])
    append_events(state.organisation_id, transition.events)
    _announce_agent(state)
    publish(
        supervisors_group(state.organisation_id), "queues", coalesce_seconds=QUEUES_COALESCE_SECONDS
    )
    publish(f"contact.{contact.pk}", "accepted", contact_id=contact.pk, agent=person.full_name)
    # The agent may have room for more (chats, e-mails): a round gives one offer at a time.
    request_routing(state.organisation_id, agents=[person.pk])
    contact_id, channel = contact.pk, contact.channel
    transaction.on_commit(
        lambda: contact_accepted.send(
            sender=Contact, contact_id=contact_id, person_id=person.pk, channel=channel
        )
    )
    return contact


@transaction.atomic
def do_decline_offer(person: Person, offer_id: int) -> None:
    state = get_agent_state(person, lock=True)
    offer = _open_offer_for(person, offer_id)
    now = timezone.now()
    contact = Contact.objects.select_for_update().get(pk=offer.contact_id)
    transition = lifecycle.decline(
        offer_to_core(offer), contact_to_core(contact), _agent_core(state), now
    )
    assert transition.contact is not None and transition.agent is not None
    _save_agent(state, transition.agent)
    offer.status = OfferStatus.DECLINED
    offer.closed_at = now
    offer.save(update_fields=["status", "closed_at"])
    contact.excluded_agent_ids = sorted(int(i) for i in transition.contact.excluded_agent_ids)
    contact.status = ContactStatus.WAITING
    contact.save(update_fields=["excluded_agent_ids", "status"])
    append_events(state.organisation_id, transition.events)
    publish(person_group(person.pk), "offer_closed", contact_id=contact.pk)
    request_routing(state.organisation_id, contacts=[contact.pk], agents=[person.pk])


def _my_active_contact(person: Person, contact_id: int) -> Contact:
    # Lock the contact only: FOR UPDATE on the joined queue row would block every
    # arrival's foreign-key check on that queue (and deadlocked with them).
    contact = (
        Contact.objects.select_for_update(of=("self",))
        .select_related("queue", "queue__organisation")
        .filter(pk=contact_id, organisation_id=person.organisation_id)
        .first()
    )
    if contact is None:
        raise NotFound("No such contact.")
    if contact.status != ContactStatus.ACTIVE or contact.agent_id != person.pk:
        raise StateConflict("This contact is not in progress with you.")
    return contact


@transaction.atomic
def do_complete_contact(person: Person, contact_id: int, topic: str, notes: str = "") -> Contact:
    if not topic.strip():
        raise InvalidInput("Choose a topic before you finish the contact.")
    state = get_agent_state(person, lock=True)
    contact = _my_active_contact(person, contact_id)
    now = timezone.now()
    transition = lifecycle.complete(
        _agent_core(state),
        str(contact.pk),
        core.Channel(contact.channel),
        _queue_core(contact.queue),
        now,
    )
    assert transition.agent is not None
    _save_agent(state, transition.agent)
    if transition.agent.presence not in core.ROUTABLE_PRESENCES:
        # Wrap-up (or a break that began meanwhile) cannot accept: an offer made while
        # the agent was busy goes back to the queue now instead of expiring unanswered
        # and counting as a timeout (three of them set the agent away).
        withdrawn = _cancel_open_offers(state.person_id, now, reason="agent_in_wrap_up")
    else:
        withdrawn = []
    contact.status = ContactStatus.COMPLETED
    contact.ended_at = now
    contact.topic = topic.strip()[:100]
    if notes:
        contact.notes = notes
    contact.save(update_fields=["status", "ended_at", "topic", "notes"])
    events = [
        core.Event(
            e.name, e.at, e.contact_id, e.agent_id, e.queue_id, {**e.data, "topic": contact.topic}
        )
        if e.name == core.EventName.COMPLETED
        else e
        for e in transition.events
    ]
    append_events(state.organisation_id, events)
    _announce_agent(state)
    publish(f"contact.{contact.pk}", "completed", contact_id=contact.pk)
    request_routing(state.organisation_id, contacts=withdrawn, agents=[person.pk])
    return contact


@transaction.atomic
def do_end_wrap_up(person: Person) -> AgentState:
    state = get_agent_state(person, lock=True)
    transition = lifecycle.end_wrap_up(_agent_core(state), timezone.now(), early=True)
    assert transition.agent is not None
    _save_agent(state, transition.agent)
    append_events(state.organisation_id, transition.events)
    _announce_agent(state)
    request_routing(state.organisation_id, agents=[person.pk])
    return state


@transaction.atomic
def do_transfer_contact(
    person: Person,
    contact_id: int,
    *,
    to_queue: Queue | None = None,
    to_person: Person | None = None,
) -> Contact:
    if (to_queue is None) == (to_person is None):
        raise InvalidInput("Transfer to exactly one of a queue or a colleague.")
    for target in (to_queue, to_person):
        if target is not None and target.organisation_id != person.organisation_id:
            raise NotFound("No such transfer target.")
    state = get_agent_state(person, lock=True)
    contact = _my_active_contact(person, contact_id)
    now = timezone.now()
    transition = lifecycle.transfer(
        contact_to_core(contact),
        now,
        to_queue_id=str(to_queue.pk) if to_queue else None,
        to_agent_id=str(to_person.pk) if to_person else None,
        from_agent=_agent_core(state),
    )
    assert transition.contact is not None and transition.agent is not None
    _save_agent(state, transition.agent)
    contact.queue_id = int(transition.contact.queue_id)
    contact.queue_entered_at = now
    contact.target_agent = to_person
    contact.excluded_agent_ids = []
    contact.status = ContactStatus.WAITING
    contact.agent = None
    contact.save(
        update_fields=[
            "queue",
            "queue_entered_at",
            "target_agent",
            "excluded_agent_ids",
            "status",
            "agent",
        ]
    )
    append_events(state.organisation_id, transition.events)
    _announce_agent(state)
    request_routing(state.organisation_id, contacts=[contact.pk], agents=[person.pk])
    return contact


@transaction.atomic
def do_return_unanswered(contact: Contact) -> Contact:
    """The accepted call's agent phone did not answer: the contact waits again in its
    place in line (``enqueued_at`` kept), without that agent, who is set away."""
    if contact.agent_id is None:
        raise StateConflict("Only a call in progress with an agent can go back to the queue.")
    person = Person.objects.get(pk=contact.agent_id)
    state = get_agent_state(person, lock=True)
    contact = _my_active_contact(person, contact.pk)
    now = timezone.now()
    transition = lifecycle.not_answered(contact_to_core(contact), _agent_core(state), now)
    assert transition.contact is not None and transition.agent is not None
    _save_agent(state, transition.agent)
    withdrawn = _cancel_open_offers(state.person_id, now)
    contact.excluded_agent_ids = sorted(int(i) for i in transition.contact.excluded_agent_ids)
    contact.status = ContactStatus.WAITING
    contact.agent = None
    contact.accepted_at = None
    contact.save(update_fields=["excluded_agent_ids", "status", "agent", "accepted_at"])
    append_events(state.organisation_id, transition.events)
    _announce_agent(state)
    publish(
        supervisors_group(state.organisation_id), "queues", coalesce_seconds=QUEUES_COALESCE_SECONDS
    )
    request_routing(state.organisation_id, contacts=[contact.pk, *withdrawn])
    return contact


@transaction.atomic
def do_request_callback(contact: Contact, number: str) -> Contact:
    contact = _lock_with_offered_agent(contact.pk)
    if contact.status not in QUEUED_STATUSES and contact.status != ContactStatus.FALLBACK:
        raise StateConflict("Only a waiting contact can ask for a callback.")
    now = timezone.now()
    transition = lifecycle.request_callback(contact_to_core(contact), now, number or None)
    assert transition.contact is not None
    freed = _cancel_offer_of_contact(contact.pk, now)
    contact.channel = str(transition.contact.channel)
    contact.customer_phone = number or contact.customer_phone
    contact.attributes = dict(transition.contact.attributes)
    contact.queue_entered_at = now
    contact.status = ContactStatus.WAITING
    contact.fallback_kind = ""
    contact.ended_at = None
    contact.save()
    append_events(contact.organisation_id, transition.events)
    request_routing(contact.organisation_id, contacts=[contact.pk], agents=freed)
    return contact


def _offered_agent(contact_id: int) -> int | None:
    return (
        Offer.objects.filter(contact_id=contact_id, status=OfferStatus.OPEN)
        .values_list("agent_id", flat=True)
        .first()
    )


def _lock_with_offered_agent(contact_id: int) -> Contact:
    """The contact, locked after the agent its open offer (if any) went to: cancelling
    that offer writes the agent's row (its version), and agent states, then contacts,
    then offers is the lock order of every routing writer (``RoutingStore.lock_rows``). Once
    the contact is locked its offer cannot change; if it changed between the first
    read and the locks, the locks are let go (a savepoint) and taken again."""
    for _ in range(10):
        agent = _offered_agent(contact_id)
        try:
            with transaction.atomic():
                store().lock_rows(agents=[agent] if agent else [], contacts=[contact_id])
                if _offered_agent(contact_id) not in (agent, None):
                    raise _OfferMoved
                return Contact.objects.get(pk=contact_id)
        except _OfferMoved:
            continue
    raise StateConflict("The contact is being routed right now; try again.")


class _OfferMoved(Exception):
    pass


def _cancel_offer_of_contact(contact_id: int, now: datetime) -> list[int]:
    """Cancel the contact's open offer, if any (its agent's state and the contact are
    locked: ``_lock_with_offered_agent``); returns the agents it freed."""
    freed = []
    for offer in Offer.objects.select_for_update().filter(
        contact_id=contact_id, status=OfferStatus.OPEN
    ):
        _log_cancelled(offer, now, "contact_changed")
        offer.status = OfferStatus.CANCELLED
        offer.closed_at = now
        offer.save(update_fields=["status", "closed_at"])
        # The agent's open offers are part of their routing state (free_agents).
        AgentState.objects.filter(person_id=offer.agent_id).mark_changed()
        publish(person_group(offer.agent_id), "offer_closed", contact_id=contact_id)
        freed.append(offer.agent_id)
    return freed


@transaction.atomic
def do_abandon_contact(contact: Contact, reason: str = "") -> Contact:
    """The waiting contact is gone; ``reason`` (in the event's data) when the customer
    did not simply give up, e.g. ``gateway_restarted``: the phone gateway lost the call."""
    contact = _lock_with_offered_agent(contact.pk)
    if contact.status not in QUEUED_STATUSES:
        raise StateConflict("Only a waiting contact can be abandoned.")
    now = timezone.now()
    transition = lifecycle.abandon(contact_to_core(contact), now)
    events = [
        core.Event(e.name, e.at, e.contact_id, e.agent_id, e.queue_id, {**e.data, "reason": reason})
        if reason
        else e
        for e in transition.events
    ]
    freed = _cancel_offer_of_contact(contact.pk, now)
    contact.status = ContactStatus.ABANDONED
    contact.ended_at = now
    contact.save(update_fields=["status", "ended_at"])
    append_events(contact.organisation_id, events)
    publish(
        supervisors_group(contact.organisation_id),
        "queues",
        coalesce_seconds=QUEUES_COALESCE_SECONDS,
    )
    if freed:
        request_routing(contact.organisation_id, agents=freed)
    return contact
