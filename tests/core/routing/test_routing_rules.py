"""The service order and when a waiting contact's time rules next change its routing."""

from datetime import timedelta

from hypothesis import given
from hypothesis import strategies as st
from routing_factories import NOW, contact, queue

from distans.core.routing import OverflowRule, WideningStep, effective_priority, next_rule_change
from distans.core.routing.round_offers import waiting_lines


@given(
    st.sampled_from([0.0, 0.5, 1.0, 2.0, 0.1]),
    st.lists(st.tuples(st.integers(0, 3), st.floats(0, 10_000)), min_size=1, max_size=8),
)
def test_rows_rank_by_the_effective_priority(aging: float, waits: list[tuple[int, float]]) -> None:
    """A round's rows carry exactly ``effective_priority`` (the targeted round compares
    the two), and sort by it (highest first), then arrival."""
    q = queue(aging_per_minute=aging)
    contacts = [
        contact(f"c{i}", priority=priority, waited_seconds=waited)
        for i, (priority, waited) in enumerate(waits)
    ]
    lines, outside = waiting_lines(contacts, {"q": q}, {"q"}, NOW.timestamp(), ())
    assert not outside
    rows = sorted(lines[("q", False)])
    assert [-row[0] for row in rows] == sorted(
        (effective_priority(c, q, NOW) for c in contacts), reverse=True
    )
    assert all(-row[0] == effective_priority(row[3], q, NOW) for row in rows)


def test_next_rule_change_walks_the_queue_time_rules() -> None:
    q = queue(
        widening=(WideningStep(60, 3), WideningStep(120, None)),
        overflow=(OverflowRule("q2", after_seconds=90),),
        max_wait_seconds=300,
    )
    assert next_rule_change(contact("c", waited_seconds=10), q, NOW) == NOW + timedelta(seconds=50)
    assert next_rule_change(contact("c", waited_seconds=60), q, NOW) == NOW + timedelta(seconds=30)
    assert next_rule_change(contact("c", waited_seconds=100), q, NOW) == NOW + timedelta(seconds=20)
    assert next_rule_change(contact("c", waited_seconds=200), q, NOW) == NOW + timedelta(
        seconds=100
    )
    assert next_rule_change(contact("c", waited_seconds=300), q, NOW) is None
    assert next_rule_change(contact("c"), queue(), NOW) is None


def test_next_rule_change_counts_from_entering_the_current_queue() -> None:
    q = queue(max_wait_seconds=60)
    moved = contact("c", waited_seconds=500, queue_entered_at=NOW - timedelta(seconds=20))
    assert next_rule_change(moved, q, NOW) == NOW + timedelta(seconds=40)
