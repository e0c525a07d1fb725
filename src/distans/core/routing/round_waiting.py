"""Step 5 of a round: overflow rules, then the maximum-wait fallback, for contacts left waiting."""

from collections import defaultdict
from collections.abc import Mapping

from distans.core.routing.decisions import Event, EventName, Overflow
from distans.core.routing.model import Contact, Queue
from distans.core.routing.round_state import RoundState, Row


def overflow_and_fallback(
    waiting: list[Row],
    queues: Mapping[str, Queue],
    staffed: set[str],
    state: RoundState,
    now_ts: float,
) -> None:
    """Apply overflow rules (first that fires), then the maximum-wait fallback.

    Queues with a queue-length rule are walked in service order, so "position > N"
    counts only the contacts that stay.
    """
    by_queue: defaultdict[str, list[Row]] = defaultdict(list)
    for row in waiting:
        by_queue[row[3].queue_id].append(row)
    for queue_id, rows in by_queue.items():
        queue = queues[queue_id]
        by_length = any(rule.when_longer_than is not None for rule in queue.overflow)
        no_agents = queue.id not in staffed and any(rule.when_no_agents for rule in queue.overflow)
        # Below the smallest wait trigger nothing can fire unless a length or
        # no-agents rule applies: skip those contacts with one comparison.
        triggers = [r.after_seconds for r in queue.overflow if r.after_seconds is not None]
        if queue.max_wait_seconds is not None:
            triggers.append(queue.max_wait_seconds)
        if not triggers and not by_length and not no_agents:
            continue
        entered_before = float("inf") if by_length or no_agents else now_ts - min(triggers)
        if by_length:
            rows.sort()
        staying = 0
        for row in rows:
            contact = row[3]
            if contact.entered_ts > entered_before:
                continue
            waited = now_ts - contact.entered_ts
            if queue.overflow and _overflow(contact, queue, waited, staying + 1, staffed, state):
                continue
            staying += 1
            if queue.max_wait_seconds is not None and waited >= queue.max_wait_seconds:
                state.fallback(contact, queue, queue.fallback, "max_wait")


def _overflow(
    contact: Contact,
    queue: Queue,
    waited: float,
    position: int,
    staffed: set[str],
    state: RoundState,
) -> bool:
    """Emit the first overflow rule of ``queue`` that fires for ``contact``; return whether one did."""
    for rule in queue.overflow:
        if rule.to_queue_id == queue.id or rule.to_queue_id in contact.visited_queue_ids:
            continue
        reason = None
        if rule.after_seconds is not None and waited >= rule.after_seconds:
            reason = "waited"
        elif rule.when_no_agents and queue.id not in staffed:
            reason = "no_agents"
        elif rule.when_longer_than is not None and position > rule.when_longer_than:
            reason = "queue_too_long"
        if reason is not None:
            state.decisions.append(Overflow(contact.id, queue.id, rule.to_queue_id, reason))
            data = {"to_queue_id": rule.to_queue_id, "reason": reason}
            state.events.append(
                Event(EventName.OVERFLOWED, state.now, contact.id, None, queue.id, data)
            )
            return True
    return False
