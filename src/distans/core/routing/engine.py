"""One routing round: ``route(now, queues, contacts, agents, offers)`` → decisions + events.

Flow (see docs/dev/routing.md):
1. Open offers past ``expires_at`` → :class:`ExpireOffer`; the agent's consecutive
   timeouts grow and reaching the queue's limit → :class:`SetAgentAway`. The contact
   waits again this round, excluding that agent. Other open offers reserve capacity.
2. Agents whose wrap-up is over → :class:`EndWrapUp`. Free agents (available/busy
   with spare capacity) are grouped per (queue, channel) and sorted by strategy.
3. Contacts of closed queues get the queue's ``closed_fallback`` (or keep waiting).
4. The other waiting contacts, in effective-priority-then-arrival order across all
   queues, each take the first eligible untaken agent of their pool; every agent gets
   at most one new offer per round. A per-signature cursor (queue, channel, effective
   skills, language, exclusions) only moves forward, so each agent is tested at most
   once per signature: cost O(C log C + A log A + signatures × A), not O(C × A).
5. Contacts still waiting: overflow rules in order, then the maximum wait fallback.

Pure: inputs are not mutated; the same inputs give the same result.
"""

from collections.abc import Iterable, Mapping
from datetime import datetime

from distans.core.errors import InvalidInput
from distans.core.routing.agent_pool import build_pools
from distans.core.routing.decisions import RoutingResult
from distans.core.routing.model import Agent, Contact, Offer, Queue
from distans.core.routing.round_offers import offer_in_order, waiting_lines
from distans.core.routing.round_state import RoundState
from distans.core.routing.round_waiting import overflow_and_fallback


def _as_queue_map(queues: Mapping[str, Queue] | Iterable[Queue]) -> Mapping[str, Queue]:
    queue_map = queues if isinstance(queues, Mapping) else {q.id: q for q in queues}
    for queue in queue_map.values():
        for rule in queue.overflow:
            if rule.to_queue_id not in queue_map:
                raise InvalidInput(
                    f"Queue {queue.id} overflows to unknown queue {rule.to_queue_id!r}."
                )
    return queue_map


def route(
    now: datetime,
    queues: Mapping[str, Queue] | Iterable[Queue],
    contacts: Iterable[Contact],
    agents: Iterable[Agent],
    offers: Iterable[Offer] = (),
    round_robin_after: Mapping[str, str] | None = None,
) -> RoutingResult:
    """Run one routing round and return its decisions and events (see module docstring).

    ``contacts``: every contact waiting in a queue, including those with an open offer
    (they are skipped). ``offers``: all open offers. ``round_robin_after``: per queue, the
    agent last offered a contact (from the previous result).
    """
    queue_map = _as_queue_map(queues)
    rr_after = dict(round_robin_after or {})
    state = RoundState(now, queue_map)
    agent_list = list(agents)
    state.expire_and_reserve(offers, {a.id: a for a in agent_list})
    open_ids = {q.id for q in queue_map.values() if q.is_open(now)}
    staffed: set[str] = set()
    pools = build_pools(state.free_slots(agent_list, staffed), queue_map, open_ids, rr_after)

    now_ts = now.timestamp()
    offered_ids = state.offered_contact_ids
    lines, outside = waiting_lines(contacts, queue_map, open_ids, now_ts, offered_ids)
    for contact in outside:
        queue = queue_map.get(contact.queue_id)
        if queue is None:
            raise InvalidInput(f"Contact {contact.id} is in unknown queue {contact.queue_id!r}.")
        if contact.id not in offered_ids:
            state.fallback(contact, queue, queue.closed_fallback, "closed")

    passed_over = offer_in_order(lines, queue_map, pools, state, rr_after, now_ts)
    overflow_and_fallback(passed_over, queue_map, staffed, state, now_ts)
    return RoutingResult(tuple(state.decisions), tuple(state.events), rr_after)
