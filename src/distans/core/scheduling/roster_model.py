"""The people side of the roster model, shared by the exact and the staged solver:
shift choice per unit and day, contracted minutes, days, daily rest, office and seats,
and the fairness spread."""

from collections.abc import Sequence
from dataclasses import dataclass

from ortools.sat.python import cp_model

from distans.core.errors import Infeasible
from distans.core.scheduling.people import Office, RosterRules
from distans.core.scheduling.roster_units import Unit
from distans.core.scheduling.templates import MINUTES_PER_DAY, ShiftPattern


@dataclass(slots=True)
class PeopleModel:
    """Shift choice (unit, day, pattern), office (unit, day), paid and unfairness terms."""

    shifts: dict[tuple[int, int, int], cp_model.IntVar]
    office: dict[tuple[int, int], cp_model.IntVar]
    paid: cp_model.LinearExpr
    unfairness: cp_model.LinearExpr
    office_days_short: dict[int, cp_model.IntVar]  # by unit; empty unless soft


def add_people(
    model: cp_model.CpModel,
    units: Sequence[Unit],
    patterns: Sequence[ShiftPattern],
    days: int,
    interval_minutes: int,
    rules: RosterRules,
    office: Office | None,
    soft_office_days: bool = False,
) -> PeopleModel:
    """Add the shift choice and every people rule to ``model``."""
    shifts: dict[tuple[int, int, int], cp_model.IntVar] = {}
    for u, unit in enumerate(units):
        for d in range(days):
            for j, pattern in enumerate(patterns):
                if unit.can_work(d, pattern, interval_minutes):
                    shifts[(u, d, j)] = model.new_bool_var(f"w{u}_{d}_{j}")
    works = _add_unit_rules(model, units, shifts, patterns, days, interval_minutes, rules)
    office_vars, short = _add_office(
        model, units, shifts, patterns, works, days, office, soft_office_days
    )
    unfairness = _add_fairness(model, units, shifts, patterns, days, interval_minutes, rules)
    paid = cp_model.LinearExpr.weighted_sum(
        list(shifts.values()),
        [patterns[j].length_periods * units[u].size for (u, _, j) in shifts],
    )
    return PeopleModel(shifts, office_vars, paid, unfairness, short)


def crew_of(
    people: PeopleModel, units: Sequence[Unit], day: int, pattern: int
) -> cp_model.LinearExpr:
    """People on ``pattern`` on ``day`` (a linear expression)."""
    chosen = [(u, var) for (u, d, j), var in people.shifts.items() if d == day and j == pattern]
    return cp_model.LinearExpr.weighted_sum(
        [v for _, v in chosen], [units[u].size for u, _ in chosen]
    )


def _add_unit_rules(
    model: cp_model.CpModel,
    units: Sequence[Unit],
    shifts: dict[tuple[int, int, int], cp_model.IntVar],
    patterns: Sequence[ShiftPattern],
    days: int,
    interval_minutes: int,
    rules: RosterRules,
) -> dict[tuple[int, int], cp_model.IntVar]:
    """One shift a day, contracted minutes, days worked, rest between days."""
    works: dict[tuple[int, int], cp_model.IntVar] = {}
    by_day: dict[tuple[int, int], list[tuple[int, cp_model.IntVar]]] = {}
    for (u, d, j), var in shifts.items():
        by_day.setdefault((u, d), []).append((j, var))
    for u, unit in enumerate(units):
        minutes = []
        for d in range(days):
            todays = by_day.get((u, d), [])
            works[(u, d)] = model.new_bool_var(f"works{u}_{d}")
            model.add(sum(v for _, v in todays) == works[(u, d)])
            minutes += [patterns[j].length_periods * interval_minutes * v for j, v in todays]
        total = sum(minutes)
        if unit.min_minutes > 0 and not minutes:
            raise Infeasible(
                f"{unit.name} has contracted hours but no shift fits their availability"
            )
        model.add(total >= unit.min_minutes)
        model.add(total <= unit.max_minutes)
        if unit.max_days is not None:
            model.add(sum(works[(u, d)] for d in range(days)) <= unit.max_days)
        for d in range(days - 1):
            _add_rest(model, u, d, by_day, patterns, works, interval_minutes, rules)
    return works


def _add_rest(
    model: cp_model.CpModel,
    u: int,
    d: int,
    by_day: dict[tuple[int, int], list[tuple[int, cp_model.IntVar]]],
    patterns: Sequence[ShiftPattern],
    works: dict[tuple[int, int], cp_model.IntVar],
    interval_minutes: int,
    rules: RosterRules,
) -> None:
    today = [(patterns[j], v) for j, v in by_day.get((u, d), [])]
    tomorrow = [(patterns[j], v) for j, v in by_day.get((u, d + 1), [])]
    if not today or not tomorrow:
        return
    latest_end = max(p.end_period for p, _ in today) * interval_minutes
    earliest_start = min(p.start_period for p, _ in tomorrow) * interval_minutes
    if earliest_start + MINUTES_PER_DAY - latest_end >= rules.min_rest_minutes:
        return
    end = sum(p.end_period * interval_minutes * v for p, v in today)
    start = sum(p.start_period * interval_minutes * v for p, v in tomorrow)
    model.add(start + MINUTES_PER_DAY - end >= rules.min_rest_minutes).only_enforce_if(
        [works[(u, d)], works[(u, d + 1)]]
    )


def _add_office(
    model: cp_model.CpModel,
    units: Sequence[Unit],
    shifts: dict[tuple[int, int, int], cp_model.IntVar],
    patterns: Sequence[ShiftPattern],
    works: dict[tuple[int, int], cp_model.IntVar],
    days: int,
    office: Office | None,
    soft_office_days: bool,
) -> tuple[dict[tuple[int, int], cp_model.IntVar], dict[int, cp_model.IntVar]]:
    """Office days, seat capacity per interval, exclusive cohorts."""
    short: dict[int, cp_model.IntVar] = {}
    if office is None:
        return {}, short
    at_office = {key: model.new_bool_var(f"office{key}") for key in works}
    seated: dict[tuple[int, int], list[cp_model.LinearExprT]] = {}
    for (u, d, j), shift in shifts.items():
        there = model.new_bool_var(f"there{u}_{d}_{j}")
        model.add_implication(there, shift)
        model.add_implication(there, at_office[(u, d)])
        model.add_bool_or([there, shift.Not(), at_office[(u, d)].Not()])
        for p in range(patterns[j].start_period, patterns[j].end_period):
            seated.setdefault((d, p), []).append(units[u].size * there)
    for d in range(days):
        for u in range(len(units)):
            model.add_implication(at_office[(u, d)], works[(u, d)])
    starts = {p.start_period for p in patterns}  # occupancy peaks when someone arrives
    for (_, p), occupants in seated.items():
        if p in starts:
            model.add(sum(occupants) <= office.seats)
    for u, unit in enumerate(units):
        office_days = sum(at_office[(u, d)] for d in range(days))
        if soft_office_days and unit.min_office_days:
            missing = model.new_int_var(0, unit.min_office_days, f"office_short{u}")
            model.add(office_days + missing >= unit.min_office_days)
            short[u] = missing
        else:
            model.add(office_days >= unit.min_office_days)
        if unit.size > office.seats:
            for d in range(days):
                model.add(at_office[(u, d)] == 0)
        if unit.exclusive_office:
            for d in range(days):
                for v in range(len(units)):
                    if v != u:
                        model.add_implication(at_office[(u, d)], at_office[(v, d)].Not())
    return at_office, short


def _add_fairness(
    model: cp_model.CpModel,
    units: Sequence[Unit],
    shifts: dict[tuple[int, int, int], cp_model.IntVar],
    patterns: Sequence[ShiftPattern],
    days: int,
    interval_minutes: int,
    rules: RosterRules,
) -> cp_model.LinearExpr:
    """Spread (max − min over people) of evening shifts plus that of weekend shifts."""
    spreads: list[cp_model.LinearExpr] = []
    evening = {
        key
        for key in shifts
        if patterns[key[2]].end_period * interval_minutes > rules.evening_after_minutes
    }
    weekend = {key for key in shifts if key[1] in rules.weekend_days}
    for counted in (evening, weekend):
        per_unit: list[list[cp_model.IntVar]] = [[] for _ in units]
        for key in counted:
            per_unit[key[0]].append(shifts[key])
        counts = [cp_model.LinearExpr.sum(vars_) for vars_ in per_unit]
        most = model.new_int_var(0, days, "most")
        least = model.new_int_var(0, days, "least")
        for count in counts:
            model.add(most >= count)
            model.add(least <= count)
        spreads.append(most - least)
    return cp_model.LinearExpr.sum(spreads)
