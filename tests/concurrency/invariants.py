"""Invariants of routing, checked from the append-only event log and the final rows."""

from __future__ import annotations

from collections import Counter, defaultdict

import psycopg

CAPACITY = {"phone": 1, "callback": 1, "chat": 3, "email": 5, "form": 5}
EXCLUSIVE = {"phone", "callback"}
CLOSES_OFFER = {"accepted", "declined", "offer_timed_out", "offer_cancelled"}


def check(database_url: str) -> dict[str, int]:
    """Raise AssertionError with the first broken invariant; return counts."""
    with psycopg.connect(database_url) as conn:
        events = conn.execute(
            "SELECT id, name, contact_id, agent_id FROM routing_routingevent ORDER BY id"
        ).fetchall()
        channel_of = dict(conn.execute("SELECT id, channel FROM contacts_contact").fetchall())
        statuses = Counter(
            dict(conn.execute("SELECT status, count(*) FROM contacts_contact GROUP BY status").fetchall())
        )
        double_open = conn.execute(
            "SELECT contact_id FROM routing_offer WHERE status='open' GROUP BY contact_id HAVING count(*) > 1"
        ).fetchall()
        orphan_offered = conn.execute(
            "SELECT c.id FROM contacts_contact c WHERE c.status='offered' AND NOT EXISTS "
            "(SELECT 1 FROM routing_offer o WHERE o.contact_id=c.id AND o.status='open')"
        ).fetchall()
        active_without_agent = conn.execute(
            "SELECT id FROM contacts_contact WHERE status='active' AND agent_id IS NULL"
        ).fetchall()
    assert not double_open, f"contacts with two open offers: {double_open[:5]}"
    assert not orphan_offered, f"contacts 'offered' without an open offer: {orphan_offered[:5]}"
    assert not active_without_agent, f"active contacts without agent: {active_without_agent[:5]}"

    open_offer: dict[int, int] = {}  # contact → agent
    load: dict[int, Counter[str]] = defaultdict(Counter)
    handled_by: dict[int, int] = {}
    for event_id, name, contact_id, agent_id in events:
        if name == "offered":
            assert contact_id not in open_offer, f"event {event_id}: contact {contact_id} offered twice at once"
            open_offer[contact_id] = agent_id
        elif name in CLOSES_OFFER:
            assert open_offer.get(contact_id) == agent_id, (
                f"event {event_id}: {name} for contact {contact_id} by {agent_id} without its open offer"
            )
            del open_offer[contact_id]
            if name == "accepted":
                channel = channel_of[contact_id]
                agent_load = load[agent_id]
                agent_load[channel] += 1
                handled_by[contact_id] = agent_id
                assert agent_load[channel] <= CAPACITY[channel], f"event {event_id}: agent {agent_id} above {channel} capacity"
                if any(agent_load[c] for c in EXCLUSIVE):
                    assert sum(agent_load.values()) == 1, f"event {event_id}: agent {agent_id} on a call and more"
        elif name in ("completed", "transferred"):
            agent = handled_by.pop(contact_id, None)
            if agent is not None:
                load[agent][channel_of[contact_id]] -= 1
    return {"events": len(events), **{f"status_{k}": v for k, v in statuses.items()}}
