"""The FCFS recursion against a plain event-by-event simulation, and hand cases."""

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from distans.core.simulation import serve_fcfs


def _event_by_event(
    arrived: list[float],
    handles: list[float],
    patiences: list[float],
    staffing: list[int],
    length: float,
) -> tuple[list[float], list[bool]]:
    """Reference: step through every event time in order.

    At a staffing change, fewer agents means the ones free soonest leave, more agents
    join free at once; a waiting contact goes to the agent free the longest.
    """
    n = len(arrived)
    busy_until = [0.0] * staffing[0]
    waits = [math.nan] * n
    answered = [False] * n
    queue: list[int] = []
    boundaries = {k * length: staffing[k] for k in range(1, len(staffing))}
    pending = sorted(
        set(arrived)
        | {a + p for a, p in zip(arrived, patiences, strict=True) if math.isfinite(p)}
        | set(boundaries)
    )
    next_arrival = 0
    while pending:
        now = pending.pop(0)
        if now in boundaries:
            busy_until.sort()
            wanted = boundaries.pop(now)
            if wanted < len(busy_until):
                busy_until = busy_until[len(busy_until) - wanted :]
            else:
                busy_until += [now] * (wanted - len(busy_until))
        while next_arrival < n and arrived[next_arrival] <= now:
            queue.append(next_arrival)
            next_arrival += 1
        for i in list(queue):
            if now - arrived[i] >= patiences[i]:
                queue.remove(i)
                waits[i] = patiences[i]
        while queue:
            idle = [seat for seat, free in enumerate(busy_until) if free <= now]
            if not idle:
                break
            seat = min(idle, key=lambda s: busy_until[s])
            i = queue.pop(0)
            waits[i] = now - arrived[i]
            answered[i] = True
            busy_until[seat] = now + handles[i]
            pending = sorted({*pending, busy_until[seat]})
    return waits, answered


@settings(max_examples=80, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    staffing=st.lists(st.integers(0, 4), min_size=1, max_size=5),
    patience_mean=st.sampled_from([20.0, 200.0, math.inf]),
)
def test_recursion_matches_event_simulation(
    seed: int, staffing: list[int], patience_mean: float
) -> None:
    rng = np.random.default_rng(seed)
    length = 300.0
    arrived = np.sort(rng.random(25) * length * len(staffing))
    handles = rng.exponential(150.0, arrived.size)
    patiences = np.full(arrived.size, math.inf)
    if math.isfinite(patience_mean):
        patiences = rng.exponential(patience_mean, arrived.size)
    waits, answered = serve_fcfs(arrived, handles, patiences, staffing, length)
    ref_waits, ref_answered = _event_by_event(
        arrived.tolist(), handles.tolist(), patiences.tolist(), staffing, length
    )
    assert answered.tolist() == ref_answered
    done = np.array(ref_answered)
    np.testing.assert_allclose(waits[done], np.array(ref_waits)[done], atol=1e-9)


def test_hand_made_case_with_one_agent() -> None:
    # One agent: the 1st is answered at once, the 2nd waits 90 s, the 3rd gives up after 30 s.
    waits, answered = serve_fcfs(
        np.array([0.0, 10.0, 20.0]),
        np.array([100.0, 50.0, 10.0]),
        np.array([math.inf, math.inf, 30.0]),
        [1],
        3600.0,
    )
    assert waits.tolist() == [0.0, 90.0, 30.0]
    assert answered.tolist() == [True, True, False]


def test_the_agent_free_first_leaves_at_a_staffing_drop() -> None:
    # Two agents in the first 100 s, one afterwards. Both are busy at 100 s; the one
    # free first (at 121 s) leaves then, so both later contacts wait for the other.
    waits, answered = serve_fcfs(
        np.array([0.0, 1.0, 150.0, 151.0]),
        np.array([400.0, 120.0, 10.0, 10.0]),
        np.full(4, math.inf),
        [2, 1],
        100.0,
    )
    assert answered.all()
    assert waits.tolist() == [0.0, 0.0, 250.0, 259.0]


def test_new_agents_start_at_the_boundary_and_nobody_means_abandon() -> None:
    # Nobody on duty for the first 100 s: the impatient contact gives up after 30 s,
    # the patient one is answered when the agent starts at 100 s.
    waits, answered = serve_fcfs(
        np.array([10.0, 20.0]),
        np.array([5.0, 5.0]),
        np.array([30.0, math.inf]),
        [0, 1],
        100.0,
    )
    assert answered.tolist() == [False, True]
    assert waits.tolist() == [30.0, 80.0]
