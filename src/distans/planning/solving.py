"""Building a week's roster problem from the database and solving it with the core's
CP-SAT roster (distans.core.scheduling.roster.solve_roster).

One schedule covers an organisation's agents for a week. Its need per interval is the
pooled workload of every queue with history (agents are multi-skilled: contacts add
up, the AHT is the contact-weighted mean, the strictest queue target applies). Teams
are cohorts (a team works one shift together), optionally never sharing the office
with another team on the same day; the office's seats come from the Site.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from distans.accounts.models import Organisation, Person, Site
from distans.core.errors import Infeasible, InvalidInput
from distans.core.scheduling.people import Cohort, Office, RosterRules
from distans.core.scheduling.people import Person as CorePerson
from distans.core.scheduling.requirements import IntervalNeed, ServiceTarget, service_level_needs
from distans.core.scheduling.roster import solve_roster
from distans.core.scheduling.roster_result import RosterSchedule
from distans.core.scheduling.solver_run import SolverLimits
from distans.core.scheduling.templates import BreakRule, ShiftPattern, expand_patterns
from distans.core.scheduling.templates import ShiftTemplate as CoreTemplate
from distans.planning.demand import planning_settings, queue_demand, saved_inputs
from distans.planning.models import Availability, ShiftTemplate
from distans.routing.models import Queue

WEEKEND = frozenset({5, 6})

# Checks other apps register: (organisation id, people) → {person id: why they cannot
# work from home}. Used by build_week; planning itself knows nothing of readiness.
HomeCheck = Callable[[int, list[Person]], dict[int, str]]
HOME_CHECKS: list[HomeCheck] = []


def register_home_check(check: HomeCheck) -> None:
    if check not in HOME_CHECKS:
        HOME_CHECKS.append(check)


def not_ready_for_home(organisation_id: int, people: list[Person]) -> dict[int, str]:
    """Person id → the reasons (one line) they may not be scheduled at home."""
    found: dict[int, str] = {}
    for check in HOME_CHECKS:
        for person_id, reason in check(organisation_id, people).items():
            found[person_id] = f"{found[person_id]}; {reason}" if person_id in found else reason
    return found


@dataclass
class WeekProblem:
    interval_minutes: int
    needs_by_day: list[list[IntervalNeed]]
    patterns: list[ShiftPattern]
    people: list[CorePerson]
    cohorts: list[Cohort]
    office: Office | None
    target: ServiceTarget
    office_site: Site | None
    home_site: Site | None
    contacts_per_day: list[float] = field(default_factory=list)
    # People left out because they may not work from home: [{"name", "reason"}]
    left_out: list[dict[str, str]] = field(default_factory=list)


def core_templates(organisation_id: int) -> tuple[CoreTemplate, ...]:
    rows = ShiftTemplate.objects.for_org(organisation_id).filter(is_active=True).order_by("name")
    return tuple(core_template(row) for row in rows)


def core_template(row: ShiftTemplate) -> CoreTemplate:
    """The core's template of a stored one; InvalidInput (one line) when its breaks are bad."""
    try:
        return _core_template(row)
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise InvalidInput(
            f"shift template {row.name}: its breaks are not valid ({error})"
        ) from error


def _core_template(row: ShiftTemplate) -> CoreTemplate:
    return CoreTemplate(
        name=row.name,
        length_minutes=row.length_minutes,
        earliest_start_minutes=row.earliest_start.hour * 60 + row.earliest_start.minute,
        latest_start_minutes=row.latest_start.hour * 60 + row.latest_start.minute,
        start_step_minutes=row.start_step_minutes,
        breaks=tuple(
            BreakRule(
                int(b["duration_minutes"]),
                int(b["earliest_offset_minutes"]),
                int(b["latest_offset_minutes"]),
                str(b.get("label", "break")),
            )
            for b in row.breaks
        ),
    )


def _clock(value: dt.time | None, default: int) -> int:
    return default if value is None else value.hour * 60 + value.minute


def build_week(organisation: Organisation, week_start: dt.date, today: dt.date) -> WeekProblem:
    """Everything the roster solver needs for the week starting ``week_start``."""
    prefs = planning_settings(organisation.pk)
    today = min(today, week_start)  # a week under way is planned from its first day
    interval = prefs.interval_minutes
    contacts = np.zeros((7, 1440 // interval))
    work = np.zeros_like(contacts)  # contacts × AHT, for the weighted AHT
    is_open = np.zeros_like(contacts, dtype=bool)
    levels, thresholds, patiences = [], [], []
    for queue in Queue.objects.for_org(organisation).select_related("organisation"):
        inputs = saved_inputs(queue)
        demand = queue_demand(queue, inputs, week_start, 7, interval, today)
        if demand is None:
            continue
        contacts += demand.contacts
        work += demand.contacts * inputs.aht_seconds
        is_open |= demand.open
        levels.append(inputs.service_level)
        thresholds.append(inputs.answer_within_seconds)
        patiences.append(inputs.patience_seconds)
    if not levels:
        raise Infeasible("no queue has any history to forecast from")
    if not is_open.any():
        raise Infeasible("no queue is open that week")
    level = max(levels)
    patience = min(patiences) if all(p is not None for p in patiences) else None  # type: ignore[type-var]
    target = ServiceTarget(
        answer_seconds=min(thresholds),
        daily_service_level=level,
        interval_floor=min(0.6, level),
        min_agents=1,
        patience_seconds=patience,
    )
    aht = np.where(contacts > 0, work / np.maximum(contacts, 1e-9), 240.0)
    needs = [
        service_level_needs(list(contacts[d]), list(aht[d]), interval, target, list(is_open[d]))
        for d in range(7)
    ]
    open_minutes = [slot * interval for slot in np.flatnonzero(is_open.any(axis=0))]
    templates = core_templates(organisation.pk)
    if not templates:
        raise Infeasible("there are no shift templates yet")
    patterns = expand_patterns(templates, interval, open_minutes[0], open_minutes[-1] + interval)
    agents = list(
        Person.objects.for_org(organisation)
        .filter(is_agent=True, is_active=True)
        .select_related("team")
        .order_by("pk")
    )
    left_out: list[dict[str, str]] = []
    home_site = Site.objects.for_org(organisation).filter(kind="home").order_by("pk").first()
    if home_site is not None:
        # The core places whoever does not fit the office at home, so a person who may
        # not work from home is left out of the week (and the page says why).
        blocked = not_ready_for_home(organisation.pk, agents)
        left_out = [
            {"name": p.full_name, "reason": blocked[p.pk]} for p in agents if p.pk in blocked
        ]
        agents = [p for p in agents if p.pk not in blocked]
    if not agents:
        raise Infeasible("there are no agents to schedule")
    available = {a.person_id: a for a in Availability.objects.for_org(organisation)}
    people = [_core_person(p, available.get(p.pk)) for p in agents]
    office_site = (
        Site.objects.for_org(organisation)
        .filter(kind="office", seat_capacity__isnull=False)
        .order_by("pk")
        .first()
    )
    office = Office(office_site.seat_capacity or 0) if office_site else None
    teams: dict[str, list[str]] = {}
    for person in agents:
        if person.team is not None:
            teams.setdefault(person.team.name, []).append(str(person.pk))
    cohorts = [
        Cohort(
            name,
            tuple(members),
            exclusive_office=bool(office and prefs.teams_apart_at_office),
            min_office_days=prefs.min_office_days_per_team if office else 0,
        )
        for name, members in sorted(teams.items())
    ]
    return WeekProblem(
        interval,
        needs,
        patterns,
        people,
        cohorts,
        office,
        target,
        office_site,
        home_site,
        [float(c) for c in contacts.sum(axis=1)],
        left_out,
    )


def _core_person(person: Person, availability: Availability | None) -> CorePerson:
    if availability is None:
        return CorePerson(name=str(person.pk))
    return CorePerson(
        name=str(person.pk),
        min_minutes=round(availability.min_hours_per_week * 60),
        max_minutes=round(availability.max_hours_per_week * 60),
        available_days=frozenset(int(d) for d in availability.weekdays)
        if availability.weekdays
        else None,
        earliest_start_minutes=_clock(availability.earliest_start, 0),
        latest_end_minutes=_clock(availability.latest_end, 1440),
    )


def solve_week(problem: WeekProblem, time_limit_seconds: float) -> RosterSchedule:
    """Call the core roster solver (raises Infeasible with one line when it cannot)."""
    return solve_roster(
        problem.needs_by_day,
        problem.patterns,
        problem.people,
        problem.interval_minutes,
        cohorts=problem.cohorts,
        office=problem.office,
        rules=RosterRules(weekend_days=WEEKEND),
        target=problem.target,
        limits=SolverLimits(time_limit_seconds=time_limit_seconds, num_search_workers=2),
    )


def roster_stats(problem: WeekProblem, roster: RosterSchedule) -> dict[str, Any]:
    return {
        "interval_minutes": problem.interval_minutes,
        "daily_service_levels": [round(x, 4) for x in roster.daily_service_levels],
        "staffed": [list(day) for day in roster.staffed],
        "contacts_per_day": [round(c, 1) for c in problem.contacts_per_day],
        "target": problem.target.daily_service_level,
        "answer_seconds": problem.target.answer_seconds,
        "objective": roster.report.objective,
        "best_bound": roster.report.best_bound,
        "gap": round(roster.report.gap, 4),
        "workers": roster.report.num_search_workers,
        "pool_lower_bound_hours": roster.pool_lower_bound_hours,
        "left_out": problem.left_out,
    }
