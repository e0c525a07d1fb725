"""The targeted round's decision equals a full round's, on random states (issue 16, 1).

Each example builds a random organisation (queues with every strategy, priority
aging, widening, overflow rules of each kind, maximum waits, closed queues; agents with
skills, languages, capacities, loads, breaks and wrap-ups; contacts with ties,
requirements, exclusions, transfers to a person; round-robin cursors), settles it with
full rounds (:func:`route`, its decisions applied) until a round decides nothing, then
lets one event happen: contacts arrive, agents are freed (a contact completed, a break
ended, a wrap-up over), an offer is declined, or several at once. It then reads what the
Django side reads — the free agents with room, the event's contacts, those transferred
to a freed agent and the first ``depth`` contacts of every line those agents serve (in
service order and, with aging, by arrival) — and asks :func:`decide_targeted`, reading
lines deeper when asked. Whenever it decides, the full round over the whole state must
make the same offers, log the same events (wrap-up ends included), leave the same
round-robin cursors and need the same deadlines.
"""

import os
from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime, timedelta

from hypothesis import event, given, settings
from hypothesis import strategies as st
from routing_factories import NOW, ago

from distans.core.calendar import OpeningCalendar
from distans.core.routing import (
    EXCLUSIVE_CHANNELS,
    ROUTABLE_PRESENCES,
    STAFFED_PRESENCES,
    Agent,
    Channel,
    Contact,
    EndWrapUp,
    Fallback,
    FallbackKind,
    Offer,
    Overflow,
    OverflowRule,
    Presence,
    Queue,
    RoutingResult,
    Strategy,
    WideningStep,
    next_rule_change,
    route,
)
from distans.core.routing.strategy import IDLE_ORDER
from distans.core.routing.targeted import (
    FullRoundNeeded,
    LineRead,
    Part,
    Pattern,
    ReadDeeper,
    TargetedDecision,
    TargetedState,
    decide_targeted,
    end_due_wrap_ups,
    free_channels,
    line_parts,
)

QUEUE_IDS = ("q1", "q2", "q3")
SKILLS = ("tech", "billing")
CHANNELS = (Channel.PHONE, Channel.CHAT, Channel.EMAIL)
ALWAYS_CLOSED = OpeningCalendar(weekly={}, holiday_country=None)
DEEPER = 8


# -- random organisations --------------------------------------------------------------
# (strategies built once: building one inside a draw costs more than drawing from it)

_STRATEGY = st.sampled_from(list(Strategy))
_ONE_IN_8 = st.integers(0, 7)
_CLOSED_FALLBACK = st.sampled_from([None, FallbackKind.CLOSED_MESSAGE])
_AGING = st.sampled_from([0.0, 0.0, 0.5, 2.0])
_WIDENING = st.sampled_from([(), (WideningStep(60, 3), WideningStep(240, None))])
_MAX_WAIT = st.sampled_from([None, None, 500])
_OVERFLOW_KIND = st.sampled_from(["none", "none", "after", "no_agents", "too_long"])
_OTHER = {q: st.sampled_from([o for o in QUEUE_IDS if o != q]) for q in QUEUE_IDS}
_CHANNELS = st.sets(st.sampled_from(CHANNELS), min_size=1)
_ROOM = st.integers(1, 3)
_LOADS = [st.integers(0, n) for n in range(4)]
_PRESENCE = st.sampled_from(
    [Presence.AVAILABLE, Presence.AVAILABLE, Presence.BUSY, Presence.BREAK, Presence.WRAP_UP]
)
_QUEUE_SET = st.sets(st.sampled_from(QUEUE_IDS), min_size=1)
_SKILLS = st.dictionaries(st.sampled_from(SKILLS), st.integers(1, 9))
_REQUIRED = st.dictionaries(st.sampled_from(SKILLS), st.integers(1, 9), max_size=1)
_LANGUAGES = st.sampled_from([frozenset(), frozenset({"sv"})])
_LANGUAGE = st.sampled_from([None, None, "sv", "en"])
_IDLE = st.sampled_from([0, 60, 60, 600])  # few distinct moments: ties are common
_WAITED = st.sampled_from([0, 30, 30, 90, 200, 450])
_PRIORITY = st.sampled_from([0, 0, 1, 2])
_QUEUE = st.sampled_from(QUEUE_IDS)
_CHANNEL = st.sampled_from(CHANNELS)
_TARGETED = st.integers(0, 9)
_EXCLUDED = st.integers(0, 5)


@st.composite
def queues(draw: st.DrawFn) -> dict[str, Queue]:
    out = {}
    for qid in QUEUE_IDS:
        other = draw(_OTHER[qid])
        kind = draw(_OVERFLOW_KIND)
        overflow = {
            "none": (),
            "after": (OverflowRule(other, after_seconds=300),),
            "no_agents": (OverflowRule(other, when_no_agents=True),),
            "too_long": (OverflowRule(other, when_longer_than=2),),
        }[kind]
        out[qid] = Queue(
            qid,
            strategy=draw(_STRATEGY),
            calendar=ALWAYS_CLOSED if draw(_ONE_IN_8) == 0 else None,
            closed_fallback=draw(_CLOSED_FALLBACK),
            aging_per_minute=draw(_AGING),
            widening=draw(_WIDENING),
            overflow=overflow,
            max_wait_seconds=draw(_MAX_WAIT),
        )
    return out


@st.composite
def agents(draw: st.DrawFn) -> list[Agent]:
    out = []
    for i in range(draw(st.integers(0, 8))):
        channels = draw(_CHANNELS)
        capacity = {c: 1 if c in EXCLUSIVE_CHANNELS else draw(_ROOM) for c in channels}
        load = {c: draw(_LOADS[n]) for c, n in capacity.items() if c not in EXCLUSIVE_CHANNELS}
        presence = draw(_PRESENCE)
        wrap_up_until = NOW + timedelta(seconds=30) if presence is Presence.WRAP_UP else None
        out.append(
            Agent(
                f"a{i}",
                presence=presence,
                queue_ids=frozenset(draw(_QUEUE_SET)),
                skills=draw(_SKILLS),
                languages=draw(_LANGUAGES),
                capacity=capacity,
                load=load,
                presence_changed_at=ago(draw(_IDLE)),
                wrap_up_until=wrap_up_until,
                break_reason="lunch" if presence is Presence.BREAK else None,
            )
        )
    return out


def contacts(draw: st.DrawFn, count: int, prefix: str, agent_ids: list[str]) -> list[Contact]:
    out = []
    for i in range(count):
        excluded = draw(_EXCLUDED)
        targeted = draw(_TARGETED)
        out.append(
            Contact(
                f"{prefix}{i:02d}",
                channel=draw(_CHANNEL),
                queue_id=draw(_QUEUE),
                enqueued_at=ago(draw(_WAITED)),
                priority=draw(_PRIORITY),
                required_skills=draw(_REQUIRED),
                language=draw(_LANGUAGE),
                excluded_agent_ids=(
                    frozenset({agent_ids[excluded]}) if excluded < len(agent_ids) else frozenset()
                ),
                target_agent_id=agent_ids[targeted - 8]
                if 8 <= targeted < 8 + len(agent_ids)
                else None,
            )
        )
    return out


class Org:
    """The whole state a full round sees, changed by applying its decisions."""

    def __init__(
        self,
        queues: dict[str, Queue],
        agents: list[Agent],
        contacts: list[Contact],
        cursors: dict[str, str],
    ) -> None:
        self.queues = queues
        self.agents = {a.id: a for a in agents}
        self.contacts = {c.id: c for c in contacts}
        self.offers: dict[str, Offer] = {}  # by contact
        self.cursors = cursors

    def route(self) -> RoutingResult:
        return route(
            NOW,
            self.queues,
            list(self.contacts.values()),
            list(self.agents.values()),
            list(self.offers.values()),
            self.cursors,
        )

    def settle(self) -> bool:
        """Full rounds with their decisions applied until one decides nothing."""
        for _ in range(12):
            result = self.route()
            if not result.decisions:
                return True
            for decision in result.decisions:
                self.apply(decision)
            self.cursors = dict(result.round_robin_after)
        return False

    def apply(self, decision: object) -> None:
        if isinstance(decision, Offer):
            self.offers[decision.contact_id] = decision
        elif isinstance(decision, Overflow):
            contact = self.contacts[decision.contact_id]
            self.contacts[contact.id] = replace(
                contact,
                queue_id=decision.to_queue_id,
                queue_entered_at=NOW,
                visited_queue_ids=contact.visited_queue_ids | {decision.from_queue_id},
            )
        elif isinstance(decision, Fallback):
            del self.contacts[decision.contact_id]
        elif isinstance(decision, EndWrapUp):
            agent = self.agents[decision.agent_id]
            self.agents[agent.id] = replace(agent, presence=decision.presence, wrap_up_until=None)
        else:  # pragma: no cover - no offer expires at NOW
            raise AssertionError(decision)

    def waiting(self) -> list[Contact]:
        """Contacts without an open offer (status "waiting" in the database)."""
        return [c for c in self.contacts.values() if c.id not in self.offers]


# -- what the targeted round reads -----------------------------------------------------


def _service_key(contact: Contact) -> tuple[int, float, str]:
    return (-contact.priority, contact.enqueued_ts, contact.id)


def _age_key(contact: Contact) -> tuple[float, str]:
    return (contact.enqueued_ts, contact.id)


class Reader:
    """Reads the part of ``org`` a targeted round reads, as the Django side does."""

    def __init__(self, org: Org, arrived: set[str], freed: set[str]) -> None:
        self.org = org
        waiting = {c.id: c for c in org.waiting()}
        self.arrived = [waiting[i] for i in sorted(arrived) if i in waiting]
        reserved: dict[str, dict[Channel, int]] = {}
        for offer in org.offers.values():
            own = reserved.setdefault(offer.agent_id, {})
            own[offer.channel] = own.get(offer.channel, 0) + 1
        ends = end_due_wrap_ups([org.agents[i] for i in sorted(freed)], NOW)
        self.ends = ends
        candidates = {a.id: a for a in ends.agents}
        if self.arrived:  # any routable agent may be the one for an arrival
            routable = [a for a in org.agents.values() if a.presence in ROUTABLE_PRESENCES]
            candidates = {a.id: a for a in routable} | candidates
        self.room: dict[str, frozenset[Channel]] = {}
        self.loads: dict[str, dict[Channel, int]] = {}
        for agent in candidates.values():
            own = reserved.get(agent.id)
            room, load = free_channels(agent, own)
            self.room[agent.id] = room
            if own:
                self.loads[agent.id] = dict(load)
        self.free = {i: a for i, a in candidates.items() if self.room[i]}
        groups: dict[Pattern, list[Agent]] = {}
        for agent in self.free.values():
            groups.setdefault((agent.queue_ids, self.room[agent.id]), []).append(agent)
        for group in groups.values():
            group.sort(key=IDLE_ORDER)
        self.groups = groups
        self.contacts = {c.id: c for c in self.arrived}
        for contact in waiting.values():  # transferred in person to a freed agent
            if contact.target_agent_id in freed:
                self.contacts[contact.id] = contact
        self.lines: dict[Part, LineRead] = {}
        self.waiting = list(waiting.values())

    def read_lines(self, parts: Iterable[Part], depth: int) -> None:
        for queue_id, channel in sorted(parts):
            line = [c for c in self.waiting if c.queue_id == queue_id and c.channel == channel]
            served = sorted(line, key=_service_key)[:depth]
            read = LineRead(cut=len(served) >= depth, last=served[-1] if served else None)
            found = served
            if self.org.queues[queue_id].aging_per_minute:
                by_age = sorted(line, key=_age_key)[:depth]
                read = replace(
                    read,
                    cut_by_age=len(by_age) >= depth,
                    last_by_age=by_age[-1] if by_age else None,
                )
                found = served + by_age
            else:
                read = replace(read, cut_by_age=True)
            self.lines[(queue_id, channel)] = read
            for contact in found:
                self.contacts.setdefault(contact.id, contact)

    def state(self) -> TargetedState:
        org = self.org
        staffed = frozenset(
            q
            for q in org.queues
            if any(
                a.presence in STAFFED_PRESENCES and q in a.queue_ids for a in org.agents.values()
            )
        )
        counts = {q: sum(1 for c in self.waiting if c.queue_id == q) for q in org.queues}
        return TargetedState(
            NOW,
            org.queues,
            dict(self.contacts),
            self.free,
            self.room,
            self.loads,
            self.groups,
            dict(self.lines),
            {
                q: org.cursors.get(q)
                for q, queue in org.queues.items()
                if queue.strategy is Strategy.ROUND_ROBIN
            },
            frozenset(c.id for c in self.arrived),
            staffed,
            counts,
        )

    def decide(self, depth: int) -> TargetedDecision | ReadDeeper | FullRoundNeeded:
        self.read_lines(line_parts(self.groups, self.org.queues), depth)
        decided = decide_targeted(self.state())
        if isinstance(decided, ReadDeeper):
            event("read deeper")
            self.read_lines(decided.parts, depth * DEEPER)
            decided = decide_targeted(self.state())
        return decided


# -- events ----------------------------------------------------------------------------


def free_agent(draw: st.DrawFn, org: Org, agent_id: str) -> None:
    """The agent completes their contacts, comes back from a break or ends wrap-up."""
    agent = org.agents[agent_id]
    how = draw(st.sampled_from(["complete", "back", "wrap_up_over"]))
    if how == "complete":
        agent = replace(agent, load={}, last_contact_ended_at=NOW - timedelta(seconds=1))
    elif how == "back" and agent.presence not in ROUTABLE_PRESENCES:
        agent = replace(
            agent, presence=Presence.AVAILABLE, presence_changed_at=NOW, wrap_up_until=None
        )
    else:
        agent = replace(
            agent,
            presence=Presence.WRAP_UP,
            load={},
            wrap_up_until=NOW - timedelta(seconds=draw(st.sampled_from([0, 5]))),
            last_contact_ended_at=ago(40),
        )
    org.agents[agent_id] = agent


def decline(org: Org, offer: Offer) -> None:
    """The agent declines: the offer ends, the contact excludes them and waits again."""
    del org.offers[offer.contact_id]
    contact = org.contacts[offer.contact_id]
    org.contacts[contact.id] = replace(
        contact, excluded_agent_ids=contact.excluded_agent_ids | {offer.agent_id}
    )


@st.composite
def situations(draw: st.DrawFn) -> tuple[Org, set[str], set[str], int]:
    qs = draw(queues())
    people = draw(agents())
    ids = [a.id for a in people]
    waiting = contacts(draw, draw(st.integers(0, 16)), "c", ids)
    cursors = {
        q: draw(st.sampled_from(ids))
        for q, queue in qs.items()
        if queue.strategy is Strategy.ROUND_ROBIN and ids and draw(st.booleans())
    }
    org = Org(qs, people, waiting, cursors)
    settled = org.settle()
    kind = draw(st.sampled_from(["arrive", "free", "both", "decline"]))
    arrived: set[str] = set()
    freed: set[str] = set()
    if kind in ("arrive", "both"):
        for contact in contacts(draw, draw(st.integers(1, 3)), "n", ids):
            org.contacts[contact.id] = contact
            arrived.add(contact.id)
    if kind in ("free", "both") and ids:
        for agent_id in draw(st.sets(st.sampled_from(ids), min_size=1, max_size=2)):
            free_agent(draw, org, agent_id)
            freed.add(agent_id)
    if kind == "decline" and org.offers:
        offer = draw(st.sampled_from(sorted(org.offers.values(), key=lambda o: o.contact_id)))
        decline(org, offer)
        arrived.add(offer.contact_id)
        freed.add(offer.agent_id)
    event(f"event: {kind}")
    depth = draw(st.integers(1, 4))
    return org, arrived, freed, depth if settled else -1


@settings(max_examples=int(os.environ.get("DISTANS_TARGETED_EXAMPLES", "1000")), deadline=None)
@given(situations())
def test_targeted_decides_as_a_full_round(situation: tuple[Org, set[str], set[str], int]) -> None:
    org, arrived, freed, depth = situation
    if depth < 0:  # never settled (does not happen with these rules; guard only)
        event("not settled")
        return
    reader = Reader(org, arrived, freed)
    decided = reader.decide(depth)
    full = org.route()
    if not isinstance(decided, TargetedDecision):
        event(f"targeted: {type(decided).__name__}")
        return
    event(f"targeted: decided, {len(decided.offers)} offers")
    ends = reader.ends
    # Offers and decisions, in the order the full round makes them.
    assert full.decisions == (*ends.decisions, *decided.offers)
    # Events: the same names, moments, contacts, agents, queues and data, in order.
    assert full.events == (*ends.events, *decided.events)
    # Round-robin cursors: moved where the targeted round moved them, else kept.
    for queue_id, queue in org.queues.items():
        if queue.strategy is not Strategy.ROUND_ROBIN:
            continue
        expected = decided.round_robin_after.get(queue_id, org.cursors.get(queue_id))
        assert full.round_robin_after.get(queue_id) == expected
    # Deadlines: the new offers' expiries and the next time rule of each event's
    # contact the full round also left waiting in an open queue (a closed queue's
    # time rules do not run: it waits for the opening).
    offered = {o.contact_id for o in full.offers}
    due: set[datetime] = {o.expires_at for o in full.offers}
    for contact in reader.arrived:
        if contact.id not in offered and org.queues[contact.queue_id].is_open(NOW):
            when = next_rule_change(contact, org.queues[contact.queue_id], NOW)
            if when is not None:
                due.add(when)
    assert set(decided.deadlines) == due
    # Wrap-ups still running are what the full round leaves running.
    for agent_id in ends.running:
        assert not any(isinstance(d, EndWrapUp) and d.agent_id == agent_id for d in full.decisions)


def test_a_cut_line_is_read_deeper_and_then_decided() -> None:
    """A freed agent, a line cut after one contact: the core asks for the line deeper,
    then offers the line's first contact, as a full round does."""
    queue = Queue("q1")
    agent = Agent(
        "a0", presence=Presence.AVAILABLE, queue_ids=frozenset({"q1"}), presence_changed_at=ago(60)
    )
    first = Contact("c00", Channel.CHAT, "q1", ago(300), priority=1)
    second = Contact("c01", Channel.CHAT, "q1", ago(200), priority=1)
    org = Org({"q1": queue, "q2": Queue("q2"), "q3": Queue("q3")}, [agent], [second, first], {})
    org.agents["a0"] = replace(agent, presence=Presence.BREAK)
    assert org.settle()
    org.agents["a0"] = agent
    reader = Reader(org, set(), {"a0"})
    reader.read_lines(line_parts(reader.groups, org.queues), 1)
    # The one contact read is the agent's pick, and ties the bound of the unread ones.
    assert decide_targeted(reader.state()) == ReadDeeper(frozenset({("q1", Channel.CHAT)}))
    reader.read_lines({("q1", Channel.CHAT)}, DEEPER)
    decided = decide_targeted(reader.state())
    assert isinstance(decided, TargetedDecision)
    assert [o.contact_id for o in decided.offers] == ["c00"]
    assert decided.offers == tuple(org.route().offers)


def test_an_arrival_left_waiting_in_an_unstaffed_queue_needs_a_full_round() -> None:
    queue = Queue("q1", overflow=(OverflowRule("q2", when_no_agents=True),))
    org = Org({"q1": queue, "q2": Queue("q2"), "q3": Queue("q3")}, [], [], {})
    org.contacts["n00"] = Contact("n00", Channel.PHONE, "q1", NOW)
    decided = Reader(org, {"n00"}, set()).decide(4)
    assert decided == FullRoundNeeded("no agents")
    assert isinstance(org.route().decisions[0], Overflow)  # what the full round then does


@settings(max_examples=int(os.environ.get("DISTANS_TARGETED_EXAMPLES", "1000")), deadline=None)
@given(st.data())
def test_given_everything_the_targeted_greedy_offers_as_a_full_round(data: st.DataObject) -> None:
    """Unsettled states, many offers at once: handed every free agent (in groups, as the
    free-agent table keeps them) and every waiting contact, nothing cut short, the
    targeted decision makes the full round's offers — in order, with their events and
    cursors (its pools, :class:`GroupedPools`, against the full round's :class:`Pools`)."""
    qs = data.draw(queues())
    people = data.draw(agents())
    ids = [a.id for a in people]
    waiting = contacts(data.draw, data.draw(st.integers(0, 24)), "c", ids)
    cursors = {
        q: data.draw(st.sampled_from(ids))
        for q, queue in qs.items()
        if queue.strategy is Strategy.ROUND_ROBIN and ids and data.draw(st.booleans())
    }
    room: dict[str, frozenset[Channel]] = {}
    groups: dict[Pattern, list[Agent]] = {}
    for agent in people:
        room[agent.id], _load = free_channels(agent, None)
        if room[agent.id]:
            groups.setdefault((agent.queue_ids, room[agent.id]), []).append(agent)
    for group in groups.values():
        group.sort(key=IDLE_ORDER)
    free = {a.id: a for a in people if room[a.id]}
    rr = {q: cursors.get(q) for q, queue in qs.items() if queue.strategy is Strategy.ROUND_ROBIN}
    state = TargetedState(NOW, qs, {c.id: c for c in waiting}, free, room, {}, groups, {}, rr)
    decided = decide_targeted(state)
    assert isinstance(decided, TargetedDecision)
    full = route(NOW, qs, waiting, people, (), cursors)
    event(f"offers: {min(len(full.offers), 5)}")
    assert decided.offers == tuple(full.offers)
    assert decided.events == tuple(e for e in full.events if e.name == "offered")
    for queue_id in rr:
        expected = decided.round_robin_after.get(queue_id, cursors.get(queue_id))
        assert full.round_robin_after.get(queue_id) == expected
