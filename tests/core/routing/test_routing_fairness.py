"""Fairness across equal agents over many simulated rounds."""

from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st
from routing_factories import NOW, agent, contact, queue

from distans.core.routing import Agent, Strategy, route
from distans.core.routing.lifecycle import accept, complete


def simulate(strategy: Strategy, agent_count: int, rounds: int) -> dict[str, int]:
    """Each round one contact arrives, is offered, accepted and completed at once."""
    q = queue(strategy=strategy, wrap_up_seconds=0)
    agents: dict[str, Agent] = {
        f"a{i}": agent(f"a{i}", idle_seconds=100) for i in range(agent_count)
    }
    counts = dict.fromkeys(agents, 0)
    cursor: dict[str, str] = {}
    for n in range(rounds):
        now = NOW + timedelta(seconds=10 * n)
        result = route(
            now,
            [q],
            [contact(f"c{n}", waited_seconds=0)],
            list(agents.values()),
            round_robin_after=cursor,
        )
        cursor = dict(result.round_robin_after)
        (offer,) = result.offers
        counts[offer.agent_id] += 1
        taken = accept(offer, agents[offer.agent_id], now).agent
        assert taken is not None
        freed = complete(
            taken, offer.contact_id, offer.channel, q, now + timedelta(seconds=5)
        ).agent
        assert freed is not None
        agents[offer.agent_id] = freed
    return counts


@settings(max_examples=25, deadline=None)
@given(
    st.integers(2, 7),
    st.integers(10, 60),
    st.sampled_from([Strategy.ROUND_ROBIN, Strategy.LONGEST_IDLE]),
)
def test_equal_agents_get_equal_counts_within_one(
    agent_count: int, rounds: int, strategy: Strategy
) -> None:
    counts = simulate(strategy, agent_count, rounds)
    assert max(counts.values()) - min(counts.values()) <= 1
    assert sum(counts.values()) == rounds


def test_longest_idle_agent_is_chosen_first() -> None:
    agents = [
        agent("recent", idle_seconds=5),
        agent("longest", idle_seconds=500),
        agent("middle", idle_seconds=50),
    ]
    result = route(NOW, [queue()], [contact("c")], agents)
    assert result.offers[0].agent_id == "longest"
