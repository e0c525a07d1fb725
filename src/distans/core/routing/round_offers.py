"""Step 4 of a round: offer waiting contacts, in global order, to the first eligible agent.

The one greedy of routing: a full round (:func:`distans.core.routing.route`, over
:class:`~distans.core.routing.agent_pool.Pools`) and a targeted round's decision
(:func:`distans.core.routing.targeted.decide_targeted`, over
:class:`~distans.core.routing.agent_pool.GroupedPools`) both put their contacts in
lines with :func:`waiting_lines` and offer them with :func:`offer_in_order`.
"""

import heapq
from collections.abc import Container, Iterable, Mapping

from distans.core.routing.agent_pool import AgentSlot, Pools, ScanList
from distans.core.routing.model import Contact, Queue, Strategy
from distans.core.routing.round_state import RoundState, Row
from distans.core.routing.rules import Requirements, effective_requirements, meets

#: A signature's scan state: the ordered agents, the next index, and the requirements.
_Cursor = tuple[ScanList, list[int], Requirements, str | None]
#: A line: a queue's contacts for anyone (``False``) or transferred to a person (``True``).
Line = tuple[str, bool]


def waiting_lines(
    contacts: Iterable[Contact],
    queues: Mapping[str, Queue],
    open_ids: set[str],
    now_ts: float,
    skip: Container[str],
) -> tuple[dict[Line, list[Row]], list[Contact]]:
    """The contacts of the open queues (``open_ids``) as rows of their lines, and the
    others (a closed or unknown queue), in the given order; contacts in ``skip`` (with
    an open offer) are left out of the lines.

    A row is the one service order of routing: (−effective priority at ``now_ts``,
    arrival, id). One line per (queue, transferred to a person?): a queue's ordinary
    contacts can all be skipped at once when none of its agents is left; person
    transfers never can.
    """
    plain: dict[str, list[Row]] = {queue_id: [] for queue_id in open_ids}
    targeted: dict[str, list[Row]] = {queue_id: [] for queue_id in open_ids}
    aging = {queue_id: queues[queue_id].aging_per_minute / 60.0 for queue_id in open_ids}
    outside: list[Contact] = []
    for contact in contacts:
        queue_id = contact.queue_id
        line = (targeted if contact.target_agent_id is not None else plain).get(queue_id)
        if line is None:
            outside.append(contact)
            continue
        if contact.id in skip:
            continue
        arrived = contact.enqueued_ts
        # rules.effective_priority, inlined (the hot loop of a full round):
        urgency = contact.priority + aging[queue_id] * (now_ts - arrived)
        line.append((-urgency, arrived, contact.id, contact))
    lines = {(q, False): rows for q, rows in plain.items() if rows}
    lines.update({(q, True): rows for q, rows in targeted.items() if rows})
    return lines, outside


def offer_in_order(
    lines: dict[Line, list[Row]],
    queues: Mapping[str, Queue],
    pools: Pools,
    state: RoundState,
    rr_after: dict[str, str],
    now_ts: float,
) -> list[Row]:
    """Offer contacts in global (effective priority, arrival) order; return the rest.

    Each line is sorted, then the lines are merged with a heap of their heads, so the
    order equals one global sort. A line whose queue has no untaken agent left is
    dropped whole; the round stops when no free agent is left at all.
    """
    heads: list[tuple[Row, Line, int]] = []
    for key, rows in lines.items():
        rows.sort()
        heads.append((rows[0], key, 0))
    heapq.heapify(heads)
    passed_over: list[Row] = []
    cursors: dict[tuple[object, ...], _Cursor | None] = {}
    while heads and pools.free_count > 0:
        row, key, index = heapq.heappop(heads)
        rows = lines[key]
        queue_id, targeted = key
        if not targeted and not pools.remaining.get(queue_id):
            passed_over.extend(rows[index:])
            continue
        contact = row[3]
        queue = queues[queue_id]
        slot = pick_agent(contact, queue, pools, cursors, state, now_ts)
        if slot is None:
            passed_over.append(row)
        else:
            state.offer(contact, queue, slot)
            pools.take(slot)
            if queue.strategy is Strategy.ROUND_ROBIN:
                rr_after[queue_id] = slot.agent.id
        if index + 1 < len(rows):
            heapq.heappush(heads, (rows[index + 1], key, index + 1))
    for _row, key, index in heads:
        passed_over.extend(lines[key][index:])
    return passed_over


def pick_agent(
    contact: Contact,
    queue: Queue,
    pools: Pools,
    cursors: dict[tuple[object, ...], _Cursor | None],
    state: RoundState,
    now_ts: float,
) -> AgentSlot | None:
    """Return the first eligible untaken agent for ``contact``, advancing its cursor."""
    excluded = contact.excluded_agent_ids
    extra = state.extra_excluded.get(contact.id)
    if extra:
        excluded = excluded | extra
    channel = contact.channel
    if contact.target_agent_id is not None:
        slot = pools.slot_of(contact.target_agent_id)
        ok = slot is not None and not slot.taken and channel in slot.free_channels
        return slot if ok and contact.target_agent_id not in excluded else None
    waited = now_ts - contact.entered_ts
    step = 0
    for widening in queue.widening:
        if widening.after_seconds > waited:
            break
        step += 1
    signature = (queue.id, channel, contact.requirement_key, contact.language, step, excluded)
    if signature in cursors:
        cursor = cursors[signature]
        if cursor is None:
            return None
    else:
        names: tuple[str, ...] = ()
        if queue.strategy is Strategy.BEST_SKILL and contact.requirement_key:
            names = tuple(name for name, _ in contact.requirement_key)
        cursor = (
            pools.scan_list(queue.id, channel, names),
            [0],
            *effective_requirements(contact, queue, waited),
        )
        cursors[signature] = cursor
    scan, position, required, language = cursor
    members = scan.members
    end = len(members)
    index = position[0]
    while True:
        index = scan.first_untaken(index)
        if index >= end:
            if scan.grow():  # a lazily built list (GroupedPools): one more agent
                end = len(members)
                continue
            break
        slot = members[index]
        index += 1
        if channel not in slot.free_channels:
            continue
        agent = slot.agent
        if excluded and agent.id in excluded:
            continue
        if (required or language) and not meets(slot.skills, agent.languages, required, language):
            continue
        position[0] = index
        return slot
    cursors[signature] = None
    return None
