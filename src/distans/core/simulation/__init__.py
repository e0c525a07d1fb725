"""Discrete-event simulation of a planned day (FCFS pools, abandonment, breaks).

See docs/dev/queueing.md for the method and its conventions.
"""

from distans.core.simulation.day import (
    ContactLog,
    DayOutcome,
    Spread,
    replay_contact_log,
    simulate_day,
)
from distans.core.simulation.fcfs_queue import serve_fcfs
from distans.core.simulation.plan import (
    DayPlan,
    HandleTimeModel,
    PatienceModel,
    PoolPlan,
    agents_on_duty,
    split_calls,
)

__all__ = [
    "ContactLog",
    "DayOutcome",
    "DayPlan",
    "HandleTimeModel",
    "PatienceModel",
    "PoolPlan",
    "Spread",
    "agents_on_duty",
    "replay_contact_log",
    "serve_fcfs",
    "simulate_day",
    "split_calls",
]
