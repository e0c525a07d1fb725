"""The targeted round's decision: what one event (arrivals, freed agents) causes.

A full round (:func:`distans.core.routing.route`) decides over every waiting contact
and every agent. After one event, in steady state (the previous round left nothing it
could offer), only a small part can change: the freed agents, or the arrived contacts
against the agents with room. The Django side reads that part — the free agents and
their room, the event's contacts, and the first few waiting contacts of every
(queue, channel) line those agents serve, in service order (:class:`LineRead` says
whether a read was cut short and its last contact) — and asks :func:`decide_targeted`:

- :class:`TargetedDecision` — exactly what a full round would decide: offers, their
  events, the round-robin cursors and the deadlines to wake up at;
- :class:`ReadDeeper` — a line was cut short where an unread contact could change the
  decision (one of its agents got a contact that may rank behind an unread one, or
  nothing): read those lines deeper and ask again;
- :class:`FullRoundNeeded` — an event's contact left waiting needs the whole queue or
  the clock (a queue-length or unstaffed no-agents overflow rule, a closed queue with
  a closed fallback, past an overflow or maximum-wait time): run a full round.

Pure: plain data in, a value out. The property test
``tests/core/routing/test_routing_targeted_core.py`` checks on random states that
whenever it decides, it decides what :func:`route` decides (offers, events, cursors,
deadlines). The offers are made by the full round's own greedy,
:func:`distans.core.routing.round_offers.offer_in_order`, over the state read (the free
agents as :class:`~distans.core.routing.agent_pool.GroupedPools`): one service order,
one strategy order (:func:`~distans.core.routing.strategy.strategy_key`), one pick.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from distans.core.routing import round_offers
from distans.core.routing.agent_pool import GroupedPools, Pattern
from distans.core.routing.decisions import EndWrapUp, Event
from distans.core.routing.lifecycle import end_wrap_up
from distans.core.routing.model import (
    ROUTABLE_PRESENCES,
    Agent,
    Channel,
    Contact,
    Offer,
    Presence,
    Queue,
)
from distans.core.routing.round_offers import waiting_lines
from distans.core.routing.round_state import RoundState
from distans.core.routing.rules import (
    channel_is_free,
    effective_priority,
    leave_thresholds,
    next_rule_change,
    waited_seconds,
)

#: A line: the waiting contacts of one queue on one channel.
Part = tuple[str, Channel]

NO_ROOM: frozenset[Channel] = frozenset()


@dataclass(frozen=True, slots=True)
class LineRead:
    """What was read of one line: whether each read was cut short (more contacts wait
    beyond it) and its last contact — in service order (priority, arrival, id) and,
    for a queue with priority aging, by arrival."""

    cut: bool = False
    last: Contact | None = None
    cut_by_age: bool = False
    last_by_age: Contact | None = None

    @property
    def is_cut(self) -> bool:
        """Unread contacts may matter: both reads (or the only one) were cut short."""
        return self.cut and self.cut_by_age


@dataclass(frozen=True)
class TargetedState:
    """The part of the organisation a targeted round read (see module docstring).

    ``contacts``: the waiting contacts read (the event's, the lines', those transferred
    to a freed agent), none with an open offer. ``free``: agents with room, by id;
    ``room``: their channels with room; ``loads``: loads with open offers counted in
    (only agents that have open offers); ``groups``: the free agents by pattern, each
    group longest idle first. ``event_contact_ids``: the contacts whose event this is.
    ``staffed`` / ``waiting_counts``: for the queues of the event's contacts with a
    no-agents / queue-length overflow rule, whether anyone staffs it and how many
    contacts wait in it without an open offer (those transferred to a person too: a
    full round counts them in the position in line).
    """

    now: datetime
    queues: Mapping[str, Queue]
    contacts: Mapping[str, Contact]
    free: Mapping[str, Agent]
    room: Mapping[str, frozenset[Channel]]
    loads: Mapping[str, Mapping[Channel, int]]
    groups: Mapping[Pattern, Sequence[Agent]]
    lines: Mapping[Part, LineRead] = field(default_factory=dict)
    round_robin_after: Mapping[str, str | None] = field(default_factory=dict)
    event_contact_ids: frozenset[str] = frozenset()
    staffed: frozenset[str] = frozenset()
    waiting_counts: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class TargetedDecision:
    """What a full round would decide: the offers (in the order it makes them), their
    events, the cursors of the round-robin queues that offered, and when to wake up
    (the offers' expiries, the next time rule of an event's contact left waiting)."""

    offers: tuple[Offer, ...]
    events: tuple[Event, ...]
    round_robin_after: Mapping[str, str]
    deadlines: tuple[datetime, ...]


@dataclass(frozen=True)
class ReadDeeper:
    """Read these lines deeper and decide again."""

    parts: frozenset[Part]


@dataclass(frozen=True)
class FullRoundNeeded:
    """Only a full round decides this; ``reason`` says why (for logs and tests)."""

    reason: str


TargetedOutcome = TargetedDecision | ReadDeeper | FullRoundNeeded


@dataclass(frozen=True)
class WrapUpEnds:
    """Freed agents after their wrap-up: the agents (ended where due), the decisions
    and events of the ends, and the wrap-ups still running (agent id → end)."""

    agents: tuple[Agent, ...]
    decisions: tuple[EndWrapUp, ...]
    events: tuple[Event, ...]
    running: Mapping[str, datetime]


def end_due_wrap_ups(agents: Sequence[Agent], now: datetime) -> WrapUpEnds:
    """End the wrap-ups over at ``now``, as a full round's step 2 does."""
    out: list[Agent] = []
    decisions: list[EndWrapUp] = []
    events: list[Event] = []
    running: dict[str, datetime] = {}
    for agent in agents:
        if agent.presence is Presence.WRAP_UP and agent.wrap_up_until is not None:
            if agent.wrap_up_until > now:
                running[agent.id] = agent.wrap_up_until
            else:
                transition = end_wrap_up(agent, now)
                assert transition.agent is not None
                decisions.append(EndWrapUp(agent.id, transition.agent.presence))
                events.extend(transition.events)
                agent = transition.agent
        out.append(agent)
    return WrapUpEnds(tuple(out), tuple(decisions), tuple(events), running)


def free_channels(
    agent: Agent, own: Mapping[Channel, int] | None
) -> tuple[frozenset[Channel], Mapping[Channel, int]]:
    """The channels ``agent`` has room on with its open offers ``own`` (per channel)
    counted in, and that load."""
    if agent.presence not in ROUTABLE_PRESENCES:
        return NO_ROOM, agent.load
    if not own and not any(agent.load.values()):
        return agent.channels, agent.load
    load = agent.load
    if own:
        load = dict(load)
        for channel, count in own.items():
            load[channel] = load.get(channel, 0) + count
    free = frozenset(c for c in agent.capacity if channel_is_free(c, agent.capacity, load))
    return free, load


def line_parts(groups: Mapping[Pattern, Sequence[Agent]], queues: Mapping[str, Queue]) -> set[Part]:
    """The lines the free agents could take from (each pattern expanded once)."""
    return {
        (queue_id, channel)
        for queue_ids, channels in groups
        for queue_id in queue_ids
        if queue_id in queues
        for channel in channels
    }


def decide_targeted(state: TargetedState) -> TargetedOutcome:
    """Decide as a full round would over ``state``, or say what is missing."""
    offers, events, cursors = _offer(state)
    unsure = unsure_lines(state, offers)
    if unsure:
        return ReadDeeper(frozenset(unsure))
    offered = {o.contact_id for o in offers}
    deadlines = [o.expires_at for o in offers]
    for contact_id in sorted(state.event_contact_ids):
        contact = state.contacts.get(contact_id)
        if contact is None or contact_id in offered:
            continue
        verdict = left_waiting(state, contact)
        if isinstance(verdict, FullRoundNeeded):
            return verdict
        if verdict is not None:
            deadlines.append(verdict)
    return TargetedDecision(tuple(offers), tuple(events), cursors, tuple(deadlines))


def _offer(state: TargetedState) -> tuple[list[Offer], list[Event], dict[str, str]]:
    """The full round's greedy (:func:`round_offers.offer_in_order`) over the state
    read: the contacts of open queues in lines, the free agents in
    :class:`GroupedPools`. Returns the offers, in the order made, their events, and
    the round-robin cursors the offers moved."""
    queues, now = state.queues, state.now
    needed: dict[str, set[Channel]] = {}  # the channels contacts wait on, by queue
    for contact in state.contacts.values():
        needed.setdefault(contact.queue_id, set()).add(contact.channel)
    for queue_id in list(needed):
        if queue_id not in queues or not queues[queue_id].is_open(now):
            del needed[queue_id]
    now_ts = now.timestamp()
    lines, _outside = waiting_lines(state.contacts.values(), queues, set(needed), now_ts, ())
    pools = GroupedPools(
        state.free, state.room, state.loads, state.groups, queues, needed,
        state.round_robin_after,
    )  # fmt: skip
    round_state = RoundState(now, queues)
    cursors: dict[str, str] = {}
    round_offers.offer_in_order(lines, queues, pools, round_state, cursors, now_ts)
    offers = [d for d in round_state.decisions if isinstance(d, Offer)]
    return offers, round_state.events, cursors


def unsure_lines(state: TargetedState, offers: Sequence[Offer]) -> set[Part]:
    """The cut-short lines whose unread contacts could change the decisions: one of
    their agents (with room on their channel) got a contact that may rank behind an
    unread one, or got nothing at all."""
    cut = {part: line for part, line in state.lines.items() if line.is_cut}
    if not cut:
        return set()
    given = {o.agent_id: state.contacts[o.contact_id] for o in offers}
    unsure: set[Part] = set()
    for agent in state.free.values():
        contact = given.get(agent.id)
        for queue_id in agent.queue_ids:
            for channel in state.room[agent.id]:
                line = cut.get((queue_id, channel))
                if line is None:
                    continue
                if contact is None or not before_unread(state, contact, line, queue_id):
                    unsure.add((queue_id, channel))
    return unsure


def before_unread(state: TargetedState, contact: Contact, line: LineRead, queue_id: str) -> bool:
    """Whether ``contact`` ranks strictly before every contact of ``line`` not read.

    Unread contacts have a priority no higher than the last one read in service
    order, and (with aging) arrived no earlier than the last one read by age, which
    bounds their effective priority."""
    assert line.last is not None
    now = state.now
    urgency = effective_priority(contact, state.queues[contact.queue_id], now)
    queue = state.queues[queue_id]
    if not queue.aging_per_minute:
        bound = float(line.last.priority)
        return urgency > bound or (urgency == bound and contact.enqueued_ts < line.last.enqueued_ts)
    assert line.last_by_age is not None
    waited_minutes = (now.timestamp() - line.last_by_age.enqueued_ts) / 60.0
    return urgency > line.last.priority + queue.aging_per_minute * waited_minutes


def left_waiting(state: TargetedState, contact: Contact) -> FullRoundNeeded | datetime | None:
    """No agent for an event's contact now. A full round would then apply the rules
    that need the whole queue or the clock; the targeted round leaves those to it.
    Otherwise: when the contact's next time rule is due (``None``: never)."""
    queue = state.queues.get(contact.queue_id)
    now = state.now
    if queue is None:
        return FullRoundNeeded("unknown queue")
    if not queue.is_open(now):
        return FullRoundNeeded("closed fallback") if queue.closed_fallback is not None else None
    if any(r.when_no_agents for r in queue.overflow) and queue.id not in state.staffed:
        return FullRoundNeeded("no agents")
    longest = [r.when_longer_than for r in queue.overflow if r.when_longer_than is not None]
    if longest and state.waiting_counts.get(queue.id, 0) > min(longest):
        return FullRoundNeeded("queue too long")
    waited = waited_seconds(contact, now)
    if any(threshold <= waited for threshold in leave_thresholds(queue)):
        return FullRoundNeeded("time rule due")  # it may overflow or get the fallback now
    return next_rule_change(contact, queue, now)


def needs_staffing(queue: Queue) -> bool:
    """Whether :func:`left_waiting` asks whether ``queue`` is staffed."""
    return any(r.when_no_agents for r in queue.overflow)


def needs_length(queue: Queue) -> bool:
    """Whether :func:`left_waiting` asks how many contacts wait in ``queue``."""
    return any(r.when_longer_than is not None for r in queue.overflow)
