"""The inner loop: one FCFS pool of identical agents with impatient contacts.

For first-come-first-served service with identical agents the whole simulation is a
recursion over contacts in arrival order (Kiefer & Wolfowitz 1955; the G/G/n form
of Lindley's recursion): each contact starts at the earliest moment an agent is free,
after everyone ahead of it has been placed. A contact whose wait would exceed its
patience abandons at arrival + patience and takes no agent; since nobody behind it
can overtake, that decision never changes. A heap of "agent free at" times therefore
replaces an event calendar: O(log n) per contact, no events for abandonments.

Agents on duty change at interval boundaries (shifts, breaks). The change at a
boundary is applied before any contact is placed after it:

- fewer agents: the agents who become free first leave (idle ones at once; if not
  enough are idle, busy ones finish their contact and then leave);
- more agents: the new ones are free from the boundary on.

After the last interval its staffing stays on duty until the queue has drained.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


def serve_fcfs(
    arrived_seconds: FloatArray,
    handle_seconds: FloatArray,
    patience_seconds: FloatArray,
    agents: Sequence[int],
    interval_seconds: float,
) -> tuple[FloatArray, npt.NDArray[np.bool_]]:
    """Wait of every contact and whether it was answered (else it abandoned).

    ``arrived_seconds`` must be sorted (seconds from the start of the first
    interval); ``agents[k]`` agents are on duty in interval k. An abandoning contact's
    wait is its patience (+inf if it never gives up and no agent ever comes).
    """
    arrivals = arrived_seconds.tolist()
    handles = handle_seconds.tolist()
    patiences = patience_seconds.tolist()
    waits = [0.0] * len(arrivals)
    answered = [True] * len(arrivals)
    staffing = [int(n) for n in agents]
    if not staffing or min(staffing) < 0:
        raise ValueError("agents on duty: one count of zero or more per interval")
    _serve(arrivals, handles, patiences, staffing, interval_seconds, waits, answered)
    return np.asarray(waits, dtype=np.float64), np.asarray(answered, dtype=np.bool_)


def _serve(
    arrivals: list[float],
    handles: list[float],
    patiences: list[float],
    staffing: list[int],
    length: float,
    waits: list[float],
    answered: list[bool],
) -> None:
    # Boundaries where staffing changes, and the staffing from each one on.
    changes = [
        (k * length, staffing[k]) for k in range(1, len(staffing)) if staffing[k] != staffing[k - 1]
    ]
    changes.append((math.inf, staffing[-1]))
    free_at = [0.0] * staffing[0]
    on_duty = staffing[0]
    change = 0
    boundary, next_staffing = changes[0]
    push, pop, replace = heapq.heappush, heapq.heappop, heapq.heapreplace
    for i, arrived in enumerate(arrivals):
        while True:
            if arrived >= boundary:
                start = arrived  # apply the change first (below)
            elif free_at:
                start = free_at[0]
                if start <= boundary:
                    break
            else:
                start = math.inf
            if boundary == math.inf:
                break
            # The contact would be placed after the next staffing change: apply it.
            if next_staffing < on_duty:
                for _ in range(on_duty - next_staffing):
                    pop(free_at)
            else:
                for _ in range(next_staffing - on_duty):
                    push(free_at, boundary)
            on_duty = next_staffing
            change += 1
            boundary, next_staffing = changes[change]
        if start <= arrived:
            replace(free_at, arrived + handles[i])
            continue
        wait = start - arrived
        if wait > patiences[i] or start == math.inf:
            waits[i] = patiences[i]
            answered[i] = False
            continue
        waits[i] = wait
        replace(free_at, start + handles[i])
