"""The portable store: routing's reads and writes through Django's ORM, for any
database Django supports — SQLite, the embedded default (one process; SQLite takes no
row locks, a transaction holds the whole database).

Its converters turn SQLite's text back into datetimes and JSON. Each method does what
the PostgreSQL store's does (``tests/web`` runs on both databases;
``tests/web/test_routing_targeted.py`` checks targeted rounds decide exactly like full
rounds on both)."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from django.db.models import Count, F, Q, Window
from django.db.models.functions import RowNumber

from distans.contacts.choices import QUEUED_STATUSES, ContactStatus
from distans.contacts.models import Contact
from distans.core import routing as core
from distans.routing.choices import OfferStatus
from distans.routing.convert import CONTACT_COLUMNS, contact_from_values
from distans.routing.models import AgentState, Offer, RoutingEvent, RoutingLock
from distans.routing.store.records import (
    AgentChanges,
    ArrivalReads,
    BuiltAgents,
    FreedAgent,
    Locked,
    event_rows,
)

_LINE_ORDER = ("-priority", "enqueued_at", "id")
_AGE_ORDER = ("enqueued_at", "id")


class PortableStore:
    """:class:`~distans.routing.store.RoutingStore` through the ORM."""

    name = "portable"
    #: An arrival is a save and an insert of its event: callers wrap it in a transaction.
    arrival_is_one_statement = False
    #: Each line is one query: reading which lines anyone waits in first pays off.
    lines_in_one_statement = False
    #: No change feed: the free-agent table compares every routable agent's version.
    change_feed = False

    # -- a round's start ---------------------------------------------------------------

    def begin_round(self, organisation_id: int) -> None:
        lock = (
            RoutingLock.objects.select_for_update().filter(organisation_id=organisation_id).first()
        )
        if lock is None:  # the organisation's first round
            RoutingLock.objects.get_or_create(organisation_id=organisation_id)
            RoutingLock.objects.select_for_update().get(organisation_id=organisation_id)

    def begin_arrival_round(
        self,
        organisation_id: int,
        contact_ids: Iterable[int],
        since: str | None,
        presences: Sequence[str],
        sample: int,
        built: BuiltAgents,
    ) -> ArrivalReads | None:
        """Not in one round trip here: the caller begins and reads one by one."""
        return None

    def agent_changes(
        self, organisation_id: int, since: str | None, presences: Sequence[str], built: BuiltAgents
    ) -> AgentChanges:
        raise NotImplementedError("the portable store has no change feed (change_feed)")

    # -- row locks and writes ----------------------------------------------------------

    def lock_rows(
        self,
        *,
        agents: Iterable[int] = (),
        contacts: Iterable[int] = (),
        offers: Iterable[int] = (),
    ) -> Locked:
        locked = Locked()
        agent_ids, contact_ids, offer_ids = (sorted(set(ids)) for ids in (agents, contacts, offers))
        if agent_ids:
            locked.presence = dict(
                AgentState.objects.select_for_update(no_key=True)
                .filter(person_id__in=agent_ids)
                .order_by("pk")
                .values_list("person_id", "presence")
            )
        if contact_ids:
            locked.contacts = {
                pk: (status, channel)
                for pk, status, channel in Contact.objects.select_for_update(no_key=True)
                .filter(pk__in=contact_ids)
                .order_by("pk")
                .values_list("pk", "status", "channel")
            }
        if offer_ids:
            list(
                Offer.objects.select_for_update(no_key=True)
                .filter(pk__in=offer_ids)
                .order_by("pk")
                .values_list("pk", flat=True)
            )
        return locked

    def append_events(self, organisation_id: int, events: Iterable[core.Event]) -> None:
        rows = event_rows(organisation_id, events)
        if not rows:
            return
        RoutingEvent.objects.bulk_create(
            [
                RoutingEvent(
                    organisation_id=org,
                    name=name,
                    at=at,
                    contact_id=contact,
                    agent_id=agent,
                    queue_id=queue,
                    data=data,
                )
                for org, name, at, contact, agent, queue, data in rows
            ]
        )

    def insert_offers(
        self,
        organisation_id: int,
        offers: Sequence[core.Offer],
        events: Iterable[core.Event] = (),
    ) -> None:
        if offers:
            Offer.objects.bulk_create(
                [
                    Offer(
                        organisation_id=organisation_id,
                        contact_id=int(o.contact_id),
                        agent_id=int(o.agent_id),
                        queue_id=int(o.queue_id),
                        channel=str(o.channel),
                        offered_at=o.offered_at,
                        expires_at=o.expires_at,
                    )
                    for o in offers
                ]
            )
            Contact.objects.filter(pk__in=[int(o.contact_id) for o in offers]).update(
                status=ContactStatus.OFFERED
            )
            person_ids = {int(o.agent_id) for o in offers}
            AgentState.objects.filter(person_id__in=person_ids).mark_changed()
        self.append_events(organisation_id, events)

    def insert_contact(self, contact: Contact, events: Sequence[core.Event] = ()) -> None:
        contact.save(force_insert=True)
        own = [e._replace(contact_id=str(contact.pk)) for e in events]
        self.append_events(int(contact.organisation_id), own)

    # -- contacts ----------------------------------------------------------------------

    def waiting_contacts(
        self, organisation_id: int, *, ids: Iterable[int] = (), targeted_to: int | None = None
    ) -> list[core.Contact]:
        queryset = Contact.objects.filter(
            organisation_id=organisation_id, status=ContactStatus.WAITING
        )
        if targeted_to is None:
            wanted = sorted(set(ids))
            if not wanted:
                return []
            queryset = queryset.filter(pk__in=wanted)
        else:
            queryset = queryset.filter(target_agent_id=targeted_to)
        return [contact_from_values(row) for row in queryset.values_list(*CONTACT_COLUMNS)]

    def waiting_lines_sample(
        self, organisation_id: int, besides: Iterable[int], limit: int
    ) -> tuple[set[tuple[int, str]], int]:
        rows = list(
            Contact.objects.filter(organisation_id=organisation_id, status=ContactStatus.WAITING)
            .exclude(pk__in=list(besides))
            .values_list("queue_id", "channel")[:limit]
        )
        return set(rows), len(rows)

    def queue_lines(
        self, reads: Sequence[tuple[int, str, bool]], depth: int
    ) -> list[tuple[core.Contact, int]]:
        return [
            (contact_from_values(row), index)
            for index, (queue_id, channel, by_age) in enumerate(reads)
            for row in Contact.objects.filter(
                queue_id=queue_id, status=ContactStatus.WAITING, channel=channel
            )
            .order_by(*(_AGE_ORDER if by_age else _LINE_ORDER))
            .values_list(*CONTACT_COLUMNS)[:depth]
        ]

    def round_contacts(
        self, organisation_id: int, queues: Mapping[str, core.Queue], limit: int
    ) -> list[core.Contact]:
        """Every queued contact of a queue with overflow rules or a maximum wait, and
        the first ``limit`` of every other queue by priority then arrival (a window)."""
        all_of = [
            int(q.id) for q in queues.values() if q.overflow or q.max_wait_seconds is not None
        ]
        base = Contact.objects.for_org(organisation_id).filter(status__in=QUEUED_STATUSES)
        rows: list[tuple[Any, ...]] = []
        if all_of:
            rows += base.filter(queue_id__in=all_of).values_list(*CONTACT_COLUMNS)
        ranked = (
            base.exclude(queue_id__in=all_of)
            .annotate(
                position=Window(
                    RowNumber(),
                    partition_by=[F("queue_id")],
                    order_by=[F("priority").desc(), F("enqueued_at").asc(), F("pk").asc()],
                )
            )
            .filter(Q(position__lte=limit))
            .values_list(*CONTACT_COLUMNS)
        )
        rows += list(ranked)
        return [contact_from_values(row) for row in rows]

    # -- agents ------------------------------------------------------------------------

    def reservations(
        self, organisation_id: int, now: datetime, agent_ids: Iterable[int] | None = None
    ) -> list[tuple[int, str, int]]:
        queryset = Offer.objects.filter(
            organisation_id=organisation_id, status=OfferStatus.OPEN, expires_at__gt=now
        )
        if agent_ids is not None:
            queryset = queryset.filter(agent_id__in=list(agent_ids))
        return [
            (row["agent_id"], row["channel"], row["n"])
            for row in queryset.values("agent_id", "channel").annotate(n=Count("id"))
        ]

    def agent_versions(
        self,
        organisation_id: int,
        *,
        person_ids: Iterable[int] | None,
        presences: Sequence[str],
    ) -> list[tuple[int, int]]:
        states = AgentState.objects.filter(organisation_id=organisation_id)
        if person_ids is None:
            states = states.filter(presence__in=presences)
        else:
            states = states.filter(person_id__in=list(person_ids)).exclude(presence="offline")
        return list(states.values_list("pk", "version"))

    def agent_rows(
        self, state_ids: Sequence[int]
    ) -> list[tuple[AgentState, dict[str, int], list[int]]]:
        states = list(AgentState.objects.filter(pk__in=list(state_ids)))
        loads = self._loads([s.person_id for s in states])
        memberships: dict[int, list[int]] = defaultdict(list)
        through = AgentState.queues.through
        for state_id, queue_id in through.objects.filter(
            agentstate_id__in=[s.pk for s in states]
        ).values_list("agentstate_id", "queue_id"):
            memberships[state_id].append(queue_id)
        return [(s, dict(loads[s.person_id]), memberships[s.pk]) for s in states]

    def freed_agents(
        self, organisation_id: int, person_ids: Iterable[int], now: datetime
    ) -> list[FreedAgent]:
        states = AgentState.objects.filter(
            organisation_id=organisation_id, person_id__in=sorted(set(person_ids))
        ).exclude(presence="offline")
        rows = self.agent_rows([s.pk for s in states])
        people = [state.person_id for state, _, _ in rows]
        reserved: dict[int, list[str]] = defaultdict(list)
        for agent_id, channel in Offer.objects.filter(
            organisation_id=organisation_id,
            agent_id__in=people,
            status=OfferStatus.OPEN,
            expires_at__gt=now,
        ).values_list("agent_id", "channel"):
            reserved[agent_id].append(channel)
        targeted: dict[int, list[int]] = defaultdict(list)
        for pk, target in Contact.objects.filter(
            target_agent_id__in=people, status=ContactStatus.WAITING
        ).values_list("pk", "target_agent_id"):
            targeted[target].append(pk)
        return [
            FreedAgent(state, load, queue_ids, reserved[state.person_id], targeted[state.person_id])
            for state, load, queue_ids in rows
        ]

    @staticmethod
    def _loads(person_ids: list[int]) -> dict[int, Counter[str]]:
        loads: dict[int, Counter[str]] = defaultdict(Counter)
        for row in (
            Contact.objects.filter(status=ContactStatus.ACTIVE, agent_id__in=person_ids)
            .values("agent_id", "channel")
            .annotate(n=Count("id"))
        ):
            loads[row["agent_id"]][row["channel"]] = row["n"]
        return loads
