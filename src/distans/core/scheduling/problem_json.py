"""The scheduling problem and its answer as plain JSON-like data (for the command line
and the web side). Times of day are "HH:MM"; days are indices of the horizon.

Input keys: ``interval_minutes``; ``days`` (list of ``{"contacts": [...]}`` or
``{"required_agents": [...]}``); ``aht_seconds``; ``target`` (answer_seconds,
daily_service_level, interval_floor, min_agents); ``open_from``/``open_until``;
``templates`` (name, length_minutes, earliest_start, latest_start, start_step_minutes,
breaks: label, duration_minutes, earliest_offset_minutes, latest_offset_minutes);
optional ``people`` (name, min_hours, max_hours, available_days, earliest_start,
latest_end, max_days), ``cohorts`` (name, members, exclusive_office,
min_office_days), ``office`` (seats), ``rules`` (min_rest_hours, evening_after,
weekend_days, fairness_weight).
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from distans.core.errors import InvalidInput
from distans.core.scheduling.people import Cohort, Office, Person, RosterRules
from distans.core.scheduling.pool import PoolSchedule
from distans.core.scheduling.requirements import (
    IntervalNeed,
    ServiceTarget,
    headcount_needs,
    service_level_needs,
)
from distans.core.scheduling.roster_result import RosterSchedule
from distans.core.scheduling.templates import (
    MINUTES_PER_DAY,
    BreakRule,
    ShiftPattern,
    ShiftTemplate,
    expand_patterns,
)


@dataclass(frozen=True)
class ScheduleProblem:
    """Everything the solvers need, read from JSON."""

    interval_minutes: int
    needs_by_day: list[list[IntervalNeed]]
    patterns: list[ShiftPattern]
    target: ServiceTarget
    people: list[Person]
    cohorts: list[Cohort]
    office: Office | None
    rules: RosterRules


def minutes_of(text: str) -> int:
    """Minutes after midnight of "HH:MM" ("24:00" allowed)."""
    hours, _, minutes = str(text).partition(":")
    value = int(hours) * 60 + int(minutes or 0)
    if not 0 <= value <= MINUTES_PER_DAY:
        raise ValueError(f"time of day out of range: {text}")
    return value


def clock(minutes: int) -> str:
    """ "HH:MM" of minutes after midnight."""
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def problem_from_json(data: Mapping[str, Any]) -> ScheduleProblem:
    """Read a problem; every mistake becomes one InvalidInput line."""
    try:
        return _read(data)
    except (KeyError, TypeError, ValueError) as exc:
        raise InvalidInput(f"schedule input: {type(exc).__name__}: {exc}") from exc


def _read(data: Mapping[str, Any]) -> ScheduleProblem:
    interval = int(data.get("interval_minutes", 15))
    if interval <= 0 or MINUTES_PER_DAY % interval:
        raise ValueError(f"interval_minutes {interval} does not divide a day")
    target = ServiceTarget(**data.get("target", {}))
    open_from = minutes_of(data.get("open_from", "00:00"))
    open_until = minutes_of(data.get("open_until", "24:00"))
    periods = MINUTES_PER_DAY // interval
    is_open = [open_from <= p * interval < open_until for p in range(periods)]
    needs_by_day = []
    for day in data["days"]:
        if "contacts" in day:
            contacts = [float(c) for c in day["contacts"]]
            aht = day.get("aht_seconds", data.get("aht_seconds", 180))
            needs = service_level_needs(contacts, aht, interval, target, is_open)
        else:
            needs = headcount_needs([int(r) for r in day["required_agents"]])
        if len(needs) != periods:
            raise ValueError(f"each day needs {periods} intervals, got {len(needs)}")
        needs_by_day.append(needs)
    templates = tuple(
        ShiftTemplate(
            name=t["name"],
            length_minutes=int(t["length_minutes"]),
            earliest_start_minutes=minutes_of(t.get("earliest_start", "00:00")),
            latest_start_minutes=minutes_of(t.get("latest_start", "24:00")),
            start_step_minutes=int(t.get("start_step_minutes", 30)),
            breaks=tuple(BreakRule(**b) for b in t.get("breaks", [])),
        )
        for t in data["templates"]
    )
    people = [
        Person(
            name=p["name"],
            min_minutes=round(60 * float(p.get("min_hours", 0))),
            max_minutes=round(60 * float(p.get("max_hours", 168))),
            available_days=frozenset(p["available_days"]) if "available_days" in p else None,
            earliest_start_minutes=minutes_of(p.get("earliest_start", "00:00")),
            latest_end_minutes=minutes_of(p.get("latest_end", "24:00")),
            max_days=p.get("max_days"),
        )
        for p in data.get("people", [])
    ]
    cohorts = [
        Cohort(
            c["name"],
            tuple(c["members"]),
            bool(c.get("exclusive_office", False)),
            int(c.get("min_office_days", 0)),
        )
        for c in data.get("cohorts", [])
    ]
    office = Office(int(data["office"]["seats"])) if "office" in data else None
    raw_rules = data.get("rules", {})
    rules = RosterRules(
        min_rest_minutes=round(60 * float(raw_rules.get("min_rest_hours", 11))),
        evening_after_minutes=minutes_of(raw_rules.get("evening_after", "18:00")),
        weekend_days=frozenset(raw_rules.get("weekend_days", [])),
        fairness_weight=int(raw_rules.get("fairness_weight", 4)),
    )
    patterns = expand_patterns(templates, interval, open_from, open_until)
    return ScheduleProblem(interval, needs_by_day, patterns, target, people, cohorts, office, rules)


def pool_to_json(days: list[PoolSchedule]) -> dict[str, Any]:
    """Anonymous schedules per day as JSON-ready data."""
    return {
        "paid_hours": sum(d.paid_hours for d in days),
        "days": [
            {
                "paid_hours": d.paid_hours,
                "daily_service_level": round(d.daily_service_level, 4),
                "worst_interval_service_level": round(d.worst_interval_service_level, 4),
                "solver_status": d.report.status,
                "solve_seconds": round(d.report.solve_seconds, 3),
                "shifts": [
                    {
                        "template": s.template,
                        "start": clock(s.start_minutes),
                        "end": clock(s.end_minutes),
                        "agents": s.count,
                        "breaks": [
                            {
                                "label": b.label,
                                "start": clock(b.start_minutes),
                                "end": clock(b.end_minutes),
                                "agents": b.count,
                            }
                            for b in s.breaks
                        ],
                    }
                    for s in d.shifts
                ],
                "staffed": list(d.staffed),
                "interval_service_levels": [round(x, 4) for x in d.interval_service_levels],
            }
            for d in days
        ],
    }


def roster_to_json(roster: RosterSchedule) -> dict[str, Any]:
    """A roster of named people as JSON-ready data."""
    return {
        "paid_hours": roster.paid_hours,
        "pool_lower_bound_hours": roster.pool_lower_bound_hours,
        "daily_service_levels": [round(x, 4) for x in roster.daily_service_levels],
        "worst_interval_service_level": round(
            min(min(d) for d in roster.interval_service_levels), 4
        ),
        "solver_status": roster.report.status,
        "solve_seconds": round(roster.report.solve_seconds, 3),
        "assignments": [
            {
                "person": a.person,
                "day": a.day,
                "template": a.template,
                "start": clock(a.start_minutes),
                "end": clock(a.end_minutes),
                "breaks": [
                    {"label": label, "start": clock(s), "end": clock(e)} for label, s, e in a.breaks
                ],
                "location": a.location,
                "cohort": a.cohort,
            }
            for a in roster.assignments
        ],
        "staffed": [list(day) for day in roster.staffed],
    }
