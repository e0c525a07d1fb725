"""When a waiting contact's time rules next change its routing."""

from datetime import timedelta

from routing_factories import NOW, contact, queue

from distans.core.routing import OverflowRule, WideningStep, next_rule_change


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
