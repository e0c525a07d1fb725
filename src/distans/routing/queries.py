"""Reads for routing: queue and agent state, my offers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Min, Q
from django.utils import timezone

from distans.accounts.models import Organisation, Person
from distans.contacts.choices import QUEUED_STATUSES, ContactStatus
from distans.contacts.models import Contact
from distans.routing.choices import OfferStatus
from distans.routing.models import AgentState, Offer, Queue


@dataclass(frozen=True)
class QueueNow:
    queue: Queue
    waiting: int
    longest_wait_seconds: float
    callbacks_waiting: int
    agents_logged_in: int


def list_queue_states(organisation: Organisation | int) -> list[QueueNow]:
    now = timezone.now()
    queues = list(Queue.objects.for_org(organisation).order_by("name"))
    waiting = {
        row["queue_id"]: row
        for row in Contact.objects.for_org(organisation)
        .filter(status__in=QUEUED_STATUSES)
        .values("queue_id")
        .annotate(
            n=Count("id"),
            oldest=Min("enqueued_at"),
            callbacks=Count("id", filter=Q(channel="callback")),
        )
    }
    logged_in = dict(
        Queue.objects.for_org(organisation)
        .annotate(n=Count("agents", filter=~Q(agents__presence="offline")))
        .values_list("pk", "n")
    )
    result = []
    for queue in queues:
        row = waiting.get(queue.pk)
        oldest: datetime | None = row["oldest"] if row else None
        result.append(
            QueueNow(
                queue=queue,
                waiting=row["n"] if row else 0,
                longest_wait_seconds=(now - oldest).total_seconds() if oldest else 0.0,
                callbacks_waiting=row["callbacks"] if row else 0,
                agents_logged_in=logged_in.get(queue.pk, 0),
            )
        )
    return result


def list_agent_states(organisation: Organisation | int) -> list[AgentState]:
    return list(
        AgentState.objects.for_org(organisation)
        .select_related("person", "site", "person__team")
        .prefetch_related("queues")
        .order_by("person__full_name")
    )


def get_my_agent_state(person: Person) -> AgentState | None:
    """The person's routing state (None: never seen by routing, so offline)."""
    return (
        AgentState.objects.for_org(person.organisation_id)  # type: ignore[arg-type]
        .filter(person=person)
        .select_related("person")
        .prefetch_related("queues")
        .first()
    )


def list_my_open_offers(person: Person) -> list[Offer]:
    return list(
        Offer.objects.filter(agent=person, status=OfferStatus.OPEN, expires_at__gt=timezone.now())
        .select_related("contact", "queue")
        .order_by("offered_at")
    )


def list_my_active_contacts(person: Person) -> list[Contact]:
    return list(
        Contact.objects.filter(agent=person, status=ContactStatus.ACTIVE)
        .select_related("queue")
        .order_by("accepted_at")
    )


def get_queue_by_code(organisation: Organisation | int, code: str) -> Queue | None:
    return Queue.objects.for_org(organisation).filter(code=code).first()
