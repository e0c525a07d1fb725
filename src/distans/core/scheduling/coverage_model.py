"""CP-SAT pieces shared by the pool and the roster solvers: breaks placed together with
the shifts, staffed agents per interval, and the service-level constraints.

Breaks: for every pattern j and break rule r, integer variables ``y[j,r,t]`` count the
agents of j whose break r starts at offset t; ``Σ_t y[j,r,t] = crew_j``. Agents on
break do not count as staffed, so the solver moves breaks to where they hurt least
(the "implicit break" idea of Bechtold & Jacobs 1990, here with explicit windows).

Service level: ``answered_p`` (contacts answered within T, scaled by ``SCALE``) is
bounded above by the curve of interval p evaluated at the staffed count. When the
curve is concave on its domain the bound is the minimum of the chords between
neighbouring integer points (exact at integers, strong LP relaxation); otherwise an
element constraint reads the value from the table. The day needs
``Σ answered_p ≥ target × Σ contacts``; the floor is a lower bound on staffed agents.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass

from ortools.sat.python import cp_model

from distans.core.scheduling.requirements import IntervalNeed, ServiceTarget
from distans.core.scheduling.templates import ShiftPattern

SCALE = 1000  # answered contacts are counted in thousandths


@dataclass(slots=True)
class DayModel:
    """The variables of one day: breaks per (pattern, rule) and staffed per interval."""

    breaks: dict[tuple[int, int], list[tuple[int, cp_model.IntVar]]]
    staffed: list[cp_model.IntVar]
    shortfall: cp_model.IntVar | None = None  # answered-within-T short of target (soft)
    ghosts: list[cp_model.IntVar] | None = None  # stand-in agents per interval (soft)


def add_day(
    model: cp_model.CpModel,
    patterns: Sequence[ShiftPattern],
    crews: Sequence[cp_model.LinearExprT],
    crew_upper_bound: int,
    needs: Sequence[IntervalNeed],
    target: ServiceTarget,
    tag: str,
    soft_target: bool = False,
    ghost_agents: bool = False,
) -> DayModel:
    """Add one day's breaks, coverage and service-level constraints to ``model``.

    With ``soft_target`` the daily target may be missed by ``shortfall`` (scaled
    contacts), which the caller penalises: a model that is always feasible lets the
    search start anywhere. With ``ghost_agents`` each interval may also count stand-in
    agents (``ghosts``, which the caller penalises heavily) towards its floor and
    service level, so any choice of shifts is a solution; ``staffed`` then includes
    them. Without, floors are hard.
    """
    periods = len(needs)
    on_duty: list[list[cp_model.LinearExprT]] = [[] for _ in range(periods)]
    off_duty: list[list[cp_model.LinearExprT]] = [[] for _ in range(periods)]
    breaks: dict[tuple[int, int], list[tuple[int, cp_model.IntVar]]] = {}
    for j, (pattern, crew) in enumerate(zip(patterns, crews, strict=True)):
        for p in range(pattern.start_period, min(pattern.end_period, periods)):
            on_duty[p].append(crew)
        for r, (first, last, duration) in enumerate(pattern.break_windows):
            starts = []
            for offset in range(first, last + 1):
                var = model.new_int_var(0, crew_upper_bound, f"{tag}b{j}_{r}_{offset}")
                starts.append((offset, var))
                begin = pattern.start_period + offset
                for p in range(begin, min(begin + duration, periods)):
                    off_duty[p].append(var)
            model.add(sum(var for _, var in starts) == crew)
            breaks[(j, r)] = starts
    staffed = []
    ghosts: list[cp_model.IntVar] = []
    for p, need in enumerate(needs):
        var = model.new_int_var(need.min_agents, crew_upper_bound * len(patterns), f"{tag}n{p}")
        present = cp_model.LinearExpr.sum(on_duty[p]) - cp_model.LinearExpr.sum(off_duty[p])
        if ghost_agents:
            ghost = model.new_int_var(
                0, max(need.min_agents, len(need.answered_by_agents)), f"{tag}g{p}"
            )
            model.add(var == present + ghost)
            ghosts.append(ghost)
        else:
            model.add(var == present)
        staffed.append(var)
    shortfall = _add_service_level(model, needs, staffed, target, tag, soft_target)
    return DayModel(breaks, staffed, shortfall, ghosts if ghost_agents else None)


def _add_service_level(
    model: cp_model.CpModel,
    needs: Sequence[IntervalNeed],
    staffed: Sequence[cp_model.IntVar],
    target: ServiceTarget,
    tag: str,
    soft_target: bool,
) -> cp_model.IntVar | None:
    answered_terms = []
    total_contacts = 0.0
    for p, (need, agents) in enumerate(zip(needs, staffed, strict=True)):
        if need.contacts <= 0 or not need.answered_by_agents:
            continue
        total_contacts += need.contacts
        values = _saturated([math.floor(SCALE * v) for v in need.answered_by_agents])
        low = min(need.min_agents, len(values) - 1)
        answered = model.new_int_var(0, values[-1], f"{tag}a{p}")
        if _is_concave(values[low:], tolerance=max(1, values[-1] // 200)):
            for k in range(low, len(values) - 1):
                model.add(answered <= values[k] + (values[k + 1] - values[k]) * (agents - k))
            model.add(answered <= values[-1])
        else:
            index = model.new_int_var(0, len(values) - 1, f"{tag}i{p}")
            model.add_min_equality(index, [agents, len(values) - 1])
            model.add_element(index, values, answered)
        answered_terms.append(answered)
    if not answered_terms:
        return None
    wanted = math.ceil(SCALE * target.daily_service_level * total_contacts)
    if not soft_target:
        model.add(sum(answered_terms) >= wanted)
        return None
    shortfall = model.new_int_var(0, wanted, f"{tag}short")
    model.add(sum(answered_terms) + shortfall >= wanted)
    return shortfall


def _saturated(values: list[int]) -> list[int]:
    """Cut the curve where one more agent adds less than one scaled unit."""
    for k in range(1, len(values)):
        if values[k] > 0 and values[k] - values[k - 1] < 1:
            return values[:k]
    return values


def _is_concave(values: Sequence[int], tolerance: int) -> bool:
    """True when increments never grow by more than ``tolerance`` (rounding noise).

    Below a small rise the chords still never overstate the curve (each chord passes
    through its own two points), so the bound stays safe, merely a hair conservative.
    """
    return all(
        values[k + 1] - values[k] <= values[k] - values[k - 1] + tolerance
        for k in range(1, len(values) - 1)
    )
