"""The demo centre's past: eight weeks of contacts, made up the way a real centre's
would look and brought in through the product's own history import (the path of
``distans import contacts``), so reports, the surge baseline and the forecast read
them like any imported history.

Each working day follows the demo's load profile (:mod:`distans.demo.load`: the
morning peak, the smaller one after lunch, busy Mondays, quieter Fridays) times a
day-to-day level (some days 10–20 % off, now and then a bad day with staff off sick),
and contacts arrive at random within it. Waits grow with the load (most calls are
answered within the target, peaks and bad days less so), impatient callers abandon,
handling times vary around each queue's own, topics follow each queue's mix, and the
agents who answered worked from home or from the office, day by day.
"""

from __future__ import annotations

import csv
import io
import math
import random
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from distans.demo.load import EMAIL_PER_HOUR, QUEUES, QueueLoad, load_factor

HISTORY_WEEKS = 8
OPENS, CLOSES = time(8, 0), time(16, 30)
SLOT = timedelta(minutes=15)
HEADER = (
    "arrived_at,queue,channel,topic,waited_seconds,handled_seconds,outcome,"
    "agent,team,location,wrap_up_seconds"
)


@dataclass(frozen=True)
class Agent:
    agent: str  # as the live aggregate keys agents: the person's id
    team: str  # the team's id
    queues: frozenset[str]


@dataclass(frozen=True)
class Sites:
    office: str  # site ids, as the live aggregate keys locations
    home: str


def _poisson(rng: random.Random, mean: float) -> int:
    if mean <= 0:
        return 0
    if mean > 30:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, k, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        k += 1
        product *= rng.random()
    return k


def _topic(rng: random.Random, queue: QueueLoad) -> str:
    names = [name for name, _ in queue.topics]
    return rng.choices(names, weights=[weight for _, weight in queue.topics])[0]


def working_days(first: date, last: date, closed: set[date] = frozenset()) -> Iterator[date]:  # type: ignore[assignment]
    day = first
    while day <= last:
        if day.weekday() < 5 and day not in closed:
            yield day
        day += timedelta(days=1)


def contact_rows(
    days: list[date],
    zone: ZoneInfo,
    agents: list[Agent],
    sites: Sites,
    seed: int = 2020,
) -> Iterator[tuple[str, ...]]:
    """CSV rows (the import format's columns, :data:`HEADER`) for ``days``."""
    rng = random.Random(seed)
    home_share = {a.agent: rng.uniform(0.3, 0.7) for a in agents}
    for day in days:
        level = rng.gauss(1.0, 0.08)
        if rng.random() < 0.06:
            level *= rng.uniform(1.15, 1.3)  # a day after a news item or a storm
        stress_day = rng.uniform(0.9, 1.1) * (1.35 if rng.random() < 0.08 else 1.0)  # sick staff
        at_home = {a.agent: rng.random() < home_share[a.agent] for a in agents}
        start = datetime.combine(day, OPENS, tzinfo=zone)
        end = datetime.combine(day, CLOSES, tzinfo=zone)
        slot = start
        while slot < end:
            factor = load_factor(slot + SLOT / 2) * level
            stress = factor * stress_day
            for queue in QUEUES:
                channels = [("phone", queue.phone_per_hour), ("chat", queue.chat_per_hour)]
                if queue.code == "allmant":
                    channels.append(("email", EMAIL_PER_HOUR))
                serving = [a for a in agents if queue.code in a.queues] or agents
                for channel, per_hour in channels:
                    for _ in range(_poisson(rng, per_hour * factor / 4)):
                        arrived = slot + timedelta(seconds=rng.uniform(0, SLOT.total_seconds()))
                        yield _contact(rng, queue, channel, arrived, stress, serving, at_home, sites)
            slot += SLOT


def _contact(
    rng: random.Random,
    queue: QueueLoad,
    channel: str,
    arrived: datetime,
    stress: float,
    serving: list[Agent],
    at_home: dict[str, bool],
    sites: Sites,
) -> tuple[str, ...]:
    topic = _topic(rng, queue)
    if channel == "email":
        waited = rng.lognormvariate(math.log(3600), 0.8)  # answered within hours
        patience = math.inf
    else:
        delayed = rng.random() < min(0.9, 0.15 + 0.35 * stress**2)
        waited = rng.expovariate(1 / (6 + 25 * stress**2)) if delayed else rng.uniform(0, 4)
        patience = rng.lognormvariate(math.log(80 if channel == "phone" else 180), 1.0)
    if waited > patience:
        return (arrived.isoformat(timespec="seconds"), queue.code, channel, topic,
                f"{patience:.0f}", "", "abandoned", "", "", "", "")  # fmt: skip
    median = queue.talk_seconds if channel == "phone" else (420.0 if channel == "chat" else 300.0)
    handled = rng.lognormvariate(math.log(median), 0.45)
    wrap_up = rng.uniform(0.5, 1.5) * queue.wrap_up_seconds
    if serving:
        agent = rng.choice(serving)
        who = (agent.agent, agent.team, sites.home if at_home[agent.agent] else sites.office)
    else:
        who = ("", "", "")
    return (arrived.isoformat(timespec="seconds"), queue.code, channel, topic, f"{waited:.0f}",
            f"{handled:.0f}", "answered", *who, f"{wrap_up:.0f}")  # fmt: skip


def csv_lines(rows: Iterator[tuple[str, ...]], counts: Counter[tuple[str, datetime]]) -> Iterator[str]:
    """The rows as the lines of a CSV file (header first); counts arrivals per queue
    and 15-minute interval into ``counts`` on the way (planning's imported volumes)."""
    yield HEADER + "\n"
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    for row in rows:
        arrived = datetime.fromisoformat(row[0])
        interval = arrived.replace(minute=arrived.minute - arrived.minute % 15, second=0)
        counts[(row[1], interval)] += 1
        writer.writerow(row)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


def load_history(organisation: object, today: date) -> int:
    """Bring in the demo's history up to yesterday through the contact import; days
    already imported, or with live contacts, are left as they are. Returns contacts."""
    from distans.accounts.models import Organisation, Person, Site
    from distans.contacts.models import Contact
    from distans.planning.models import ImportedVolume
    from distans.reports.actions import do_import_contacts
    from distans.reports.models import ImportedContact
    from distans.routing.models import AgentState, Queue

    assert isinstance(organisation, Organisation)
    zone = ZoneInfo(organisation.time_zone)
    first = today - timedelta(weeks=HISTORY_WEEKS)
    latest = (
        ImportedContact.objects.for_org(organisation)
        .order_by("-arrived_at")
        .values_list("arrived_at", flat=True)
        .first()
    )
    if latest is not None:
        first = max(first, latest.astimezone(zone).date() + timedelta(days=1))
    else:
        _drop_flat_baseline(organisation.pk, datetime.combine(today, time.min, tzinfo=zone))
    live_days = {
        moment.astimezone(zone).date()
        for moment in Contact.objects.for_org(organisation)
        .filter(enqueued_at__gte=datetime.combine(first, time.min, tzinfo=zone))
        .values_list("enqueued_at", flat=True)
    }
    days = list(working_days(first, today - timedelta(days=1), live_days))
    if not days:
        return 0
    office = Site.objects.for_org(organisation).filter(kind="office").first()
    home = Site.objects.for_org(organisation).filter(kind="home").first()
    sites = Sites(str(office.pk) if office else "", str(home.pk) if home else "")
    agents = [
        Agent(str(state.person_id), str(state.person.team_id or ""),
              frozenset(q.code for q in state.queues.all()))  # fmt: skip
        for state in AgentState.objects.for_org(organisation)
        .select_related("person")
        .prefetch_related("queues")
        .filter(person__in=Person.objects.for_org(organisation).filter(is_agent=True))
    ]
    counts: Counter[tuple[str, datetime]] = Counter()
    lines = csv_lines(contact_rows(days, zone, agents, sites, seed=days[0].toordinal()), counts)
    result = do_import_contacts(organisation, lines, zone)
    queues = {q.code: q for q in Queue.objects.for_org(organisation)}
    ImportedVolume.objects.bulk_create(
        [
            ImportedVolume(organisation=organisation, queue=queues[code], interval_start=start,
                           contacts=float(count))  # fmt: skip
            for (code, start), count in counts.items()
            if code in queues
        ],
        batch_size=2000,
        ignore_conflicts=True,
    )
    return result.imported


def _drop_flat_baseline(organisation_id: int, before: datetime) -> None:
    """Earlier demos wrote a flat synthetic baseline straight into the aggregate (rows
    with a topic and no agent); the imported history replaces it."""
    from distans.reports.aggregation import rebuild_daily
    from distans.reports.models import IntervalAggregate

    stale = IntervalAggregate.objects.filter(
        organisation_id=organisation_id, interval_start__lt=before, agent=""
    ).exclude(topic="")
    if stale.exists():
        stale.delete()
        rebuild_daily(organisation_id)
