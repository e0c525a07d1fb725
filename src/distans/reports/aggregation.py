"""Keeping the interval aggregate up to date from the routing event log.

Incremental (``update_from_events``): events after the organisation's high-water mark
are read in id order under the organisation's cursor row (SELECT … FOR UPDATE, so two
workers never count an event twice), and turned into additive deltas:

* ``completed``/``abandoned``/``fallback_given`` of a contact → the contact's row
  (``ContactCounts.from_outcome`` with wrap-up 0), derived from the contact's events
  exactly as ``distans.core.reports.events`` does;
* a wrap-up ends when the agent's next ``agent_state_changed`` (to anything but
  wrap_up) or next ``completed`` arrives → ``wrap_up_ms`` delta on that contact's row;
* agent presence/location events close logged-in segments → ``LoggedInAggregate``.

Deltas are upserted with ``INSERT … ON CONFLICT DO UPDATE SET col = col + excluded.col``
(max for ``max_wait_ms``), into the interval tables and, summed per local day, into
the day tables that long reports read: ``DailyAggregate`` (every dimension but the
agent), ``AgentDailyAggregate`` (team, agent, location) and ``LoggedInDailyAggregate``;
new dimension values go to ``ReportDimensionValue``. The rebuild
(``actions.do_rebuild_aggregates``) recomputes the interval tables from the whole log
with the core's ``contact_outcomes_from_events`` (the reference the incremental path
must equal); ``rebuild_daily`` recomputes the day tables from the interval tables.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.db import connection

from distans.accounts.localtime import zone_of
from distans.core.reports.aggregate import (
    COLUMN_NAMES,
    AggregateKey,
    ContactCounts,
    LoggedInKey,
    seconds_to_ms,
)
from distans.core.reports.periods import (
    Granularity,
    interval_start,
    period_start,
    split_into_intervals,
)
from distans.core.reports.records import (
    DIMENSIONS,
    AgentKey,
    ContactOutcome,
    Outcome,
)
from distans.core.routing import EventName
from distans.reports.models import (
    AGENT_DAILY_DIMENSIONS,
    DAILY_DIMENSIONS,
    AgentDailyAggregate,
    DailyAggregate,
    IntervalAggregate,
    LoggedInAggregate,
    LoggedInDailyAggregate,
    ReportDimensionValue,
)
from distans.routing.models import RoutingEvent

ENDINGS = ("completed", "abandoned", "fallback_given")


def _greatest() -> str:
    return "GREATEST" if connection.vendor == "postgresql" else "MAX"


def _db_time(at: datetime) -> Any:
    """An aware instant as the database stores it (raw SQL bypasses the field's adaptation)."""
    return connection.ops.adapt_datetimefield_value(at)


def _upsert(table: str, keys: list[str], values: list[str],
            items: list[tuple[list[Any], list[int]]]) -> None:  # fmt: skip
    """``INSERT … ON CONFLICT (keys) DO UPDATE``: add ``values`` (max for ``max_wait_ms``)."""
    columns = keys + values
    sets = ", ".join(
        f"{c} = {_greatest()}({table}.{c}, excluded.{c})" if c == "max_wait_ms"
        else f"{c} = {table}.{c} + excluded.{c}"
        for c in values
    )  # fmt: skip
    placeholders = "(" + ", ".join(["%s"] * len(columns)) + ")"
    with connection.cursor() as cursor:
        for chunk_start in range(0, len(items), 500):
            chunk = items[chunk_start : chunk_start + 500]
            params: list[Any] = []
            for key_values, flat in chunk:
                params += [*key_values, *flat]
            cursor.execute(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES "  # noqa: S608
                + ", ".join([placeholders] * len(chunk))
                + f" ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {sets}",
                params,
            )


class _Days:
    """Interval starts → the local midnight of their day (memoised: rows share starts)."""

    def __init__(self, organisation_id: int) -> None:
        self.zone = zone_of(organisation_id)
        self._days: dict[datetime, datetime] = {}

    def __call__(self, start: datetime) -> datetime:
        day = self._days.get(start)
        if day is None:
            day = self._days[start] = period_start(start, Granularity.DAY, self.zone)
        return day


def upsert_contact_rows(organisation_id: int, rows: Mapping[AggregateKey, ContactCounts]) -> None:
    """Add ``rows`` to the stored interval aggregate and to the tables derived from it."""
    if not rows:
        return
    _upsert(
        IntervalAggregate._meta.db_table,
        ["organisation_id", "interval_start", *DIMENSIONS],
        list(COLUMN_NAMES),
        [
            ([organisation_id, _db_time(start), *group], counts.to_flat())
            for (start, group), counts in rows.items()
        ],
    )
    upsert_daily_rows(organisation_id, rows)


def upsert_daily_rows(organisation_id: int, rows: Mapping[AggregateKey, ContactCounts]) -> None:
    """Add interval rows to the day tables and note their dimension values.

    ``DailyAggregate`` keeps every dimension but the agent, ``AgentDailyAggregate`` only
    team, agent and location; both sum the same counts per local day.
    """
    day_of = _Days(organisation_id)
    tables = (
        (DailyAggregate, DAILY_DIMENSIONS, {}),
        (AgentDailyAggregate, AGENT_DAILY_DIMENSIONS, {}),
    )
    seen: set[tuple[str, str]] = set()
    for (start, group), counts in rows.items():
        day = day_of(start)
        for _model, dimensions, days in tables:
            key = (day, tuple(getattr(group, d) for d in dimensions))
            days[key] = days[key] + counts if key in days else counts
        seen.update((d, v) for d, v in zip(DIMENSIONS, group, strict=True) if v)
    for model, dimensions, days in tables:
        _upsert(
            model._meta.db_table,
            ["organisation_id", "day_start", *dimensions],
            list(COLUMN_NAMES),
            [
                ([organisation_id, _db_time(day), *values], counts.to_flat())
                for (day, values), counts in days.items()
            ],
        )
    note_dimension_values(organisation_id, seen)


def note_dimension_values(organisation_id: int, values: Iterable[tuple[str, str]]) -> None:
    """Remember (dimension, value) pairs for the reports page's filters (kept if known)."""
    items = sorted(set(values))
    table = ReportDimensionValue._meta.db_table
    with connection.cursor() as cursor:
        for chunk_start in range(0, len(items), 500):
            chunk = items[chunk_start : chunk_start + 500]
            cursor.execute(
                f"INSERT INTO {table} (organisation_id, dimension, value) VALUES "  # noqa: S608
                + ", ".join(["(%s, %s, %s)"] * len(chunk))
                + " ON CONFLICT (organisation_id, dimension, value) DO NOTHING",
                [p for dimension, value in chunk for p in (organisation_id, dimension, value)],
            )


DERIVED_TABLES = (AgentDailyAggregate, DailyAggregate, LoggedInDailyAggregate, ReportDimensionValue)


def clear_aggregates(organisation_id: int) -> None:
    """Delete the organisation's interval tables and everything derived from them."""
    for model in (IntervalAggregate, LoggedInAggregate, *DERIVED_TABLES):
        model.objects.filter(organisation_id=organisation_id).delete()


def rebuild_daily(organisation_id: int) -> None:
    """Recompute the tables derived from the interval ones (day tables, dimension values).

    Each day table is the interval rows summed per local day (midnight in the
    organisation's zone, as the core's ``period_start``) and its dimensions; each
    interval row is read once.
    """
    for model in DERIVED_TABLES:
        model.objects.filter(organisation_id=organisation_id).delete()
    zone = zone_of(organisation_id)
    counts = {c: ("MAX" if c == "max_wait_ms" else "SUM", c) for c in COLUMN_NAMES}
    _fill_day_table(
        organisation_id, zone, IntervalAggregate, DailyAggregate, DAILY_DIMENSIONS, counts
    )
    _fill_day_table(
        organisation_id,
        zone,
        IntervalAggregate,
        AgentDailyAggregate,
        AGENT_DAILY_DIMENSIONS,
        counts,
    )
    _fill_day_table(organisation_id, zone, LoggedInAggregate, LoggedInDailyAggregate,
                    AGENT_DAILY_DIMENSIONS, {"logged_in_ms": ("SUM", "logged_in_ms")})  # fmt: skip
    for model, dimensions in (
        (DailyAggregate, DAILY_DIMENSIONS),
        (AgentDailyAggregate, ("agent",)),
    ):
        rows = model.objects.filter(organisation_id=organisation_id)
        for dimension in dimensions:
            values = rows.exclude(**{dimension: ""}).values_list(dimension, flat=True).distinct()
            note_dimension_values(organisation_id, ((dimension, v) for v in values.order_by()))


def _fill_day_table(organisation_id: int, zone: ZoneInfo, source: Any, target: Any,
                    dimensions: tuple[str, ...], columns: Mapping[str, tuple[str, str]]) -> None:  # fmt: skip
    """Insert ``source``'s rows summed per local day and ``dimensions`` into ``target``.

    ``columns``: target column → (``SUM`` or ``MAX``, source column). PostgreSQL does it
    in one ``INSERT … SELECT … GROUP BY``; other databases sum in SQL and insert in batches.
    """
    if connection.vendor == "postgresql":
        names = ", ".join([*dimensions, *columns])
        day = "date_trunc('day', interval_start AT TIME ZONE %s) AT TIME ZONE %s"
        sums = ", ".join(f"{function}({column})" for function, column in columns.values())
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {target._meta.db_table} (organisation_id, day_start, {names})"  # noqa: S608
                f" SELECT organisation_id, {day}, {', '.join(dimensions)}, {sums}"
                f" FROM {source._meta.db_table} WHERE organisation_id = %s"
                f" GROUP BY organisation_id, 2, {', '.join(dimensions)}",
                [zone.key, zone.key, organisation_id],
            )
        return
    from django.db.models import Max, Sum
    from django.db.models.functions import Trunc

    aggregates = {"SUM": Sum, "MAX": Max}
    grouped = (
        source.objects.filter(organisation_id=organisation_id)
        .annotate(day=Trunc("interval_start", "day", tzinfo=zone))
        .values("day", *dimensions)
        .annotate(**{name: aggregates[f](c) for name, (f, c) in columns.items()})
        .order_by()
    )
    batch: list[Any] = []
    for row in grouped.iterator(chunk_size=5000):
        batch.append(
            target(
                organisation_id=organisation_id,
                day_start=row["day"],
                **{name: row[name] for name in (*dimensions, *columns)},
            )  # fmt: skip
        )
        if len(batch) >= 5000:
            target.objects.bulk_create(batch, batch_size=1000)
            batch = []
    target.objects.bulk_create(batch, batch_size=1000)


def upsert_logged_in_rows(organisation_id: int, rows: Mapping[LoggedInKey, int]) -> None:
    """Add logged-in milliseconds per interval, and per local day."""
    if not rows:
        return
    keys = ["organisation_id", "interval_start", *AGENT_DAILY_DIMENSIONS]
    _upsert(
        LoggedInAggregate._meta.db_table,
        keys,
        ["logged_in_ms"],
        [([organisation_id, _db_time(start), *key], [ms]) for (start, key), ms in rows.items()],
    )
    day_of = _Days(organisation_id)
    days: dict[tuple[datetime, AgentKey], int] = {}
    for (start, key), ms in rows.items():
        day = (day_of(start), key)
        days[day] = days.get(day, 0) + ms
    _upsert(
        LoggedInDailyAggregate._meta.db_table,
        ["organisation_id", "day_start", *AGENT_DAILY_DIMENSIONS],
        ["logged_in_ms"],
        [([organisation_id, _db_time(day), *key], [ms]) for (day, key), ms in days.items()],
    )


class Labels:
    """Dimension values the log does not hold: queue codes, topics (as tree paths), teams."""

    def __init__(self, organisation_id: int) -> None:
        from distans.accounts.models import Person
        from distans.routing.models import Queue
        from distans.topics.queries import topic_paths_by_text

        self.organisation_id = organisation_id
        self.queues = {
            str(pk): code
            for pk, code in Queue.all_objects.for_org(organisation_id).values_list("pk", "code")
        }
        self.teams = {
            str(pk): str(team or "")
            for pk, team in Person.objects.filter(organisation_id=organisation_id).values_list(
                "pk", "team_id"
            )
        }
        self.topic_index = topic_paths_by_text(organisation_id)
        self._topics: dict[str, str] = {}

    def queue(self, queue_id: str) -> str:
        return self.queues.get(queue_id, queue_id)

    def team(self, agent_id: str) -> str:
        return self.teams.get(agent_id, "")

    def topic(self, text: str) -> str:
        from distans.topics.queries import resolve_topic

        return resolve_topic(self.topic_index, text)

    def topics_of(self, contact_ids: Iterable[str]) -> dict[str, str]:
        from distans.contacts.models import Contact

        ids = [int(c) for c in contact_ids if c.isdigit() and c not in self._topics]
        for start in range(0, len(ids), 900):
            for pk, topic in Contact.objects.filter(pk__in=ids[start : start + 900]).values_list(
                "pk", "topic"
            ):
                self._topics[str(pk)] = self.topic(topic)
        return self._topics

    def label(self, outcome: ContactOutcome) -> ContactOutcome:
        return replace(outcome, queue=self.queue(outcome.queue))


class _Ev:
    """A RoutingEvent seen through the core's EventLike protocol (ids as text)."""

    __slots__ = ("id", "name", "at", "contact_id", "agent_id", "queue_id", "data")

    def __init__(self, row: RoutingEvent) -> None:
        self.id = row.pk
        self.name = row.name
        self.at: datetime = row.at
        self.contact_id = None if row.contact_id is None else str(row.contact_id)
        self.agent_id = None if row.agent_id is None else str(row.agent_id)
        self.queue_id = None if row.queue_id is None else str(row.queue_id)
        self.data = row.data or {}


def _outcome_of(contact_events: list[_Ev], labels: Labels, topics: Mapping[str, str],
                sites: Mapping[int, str]) -> tuple[ContactOutcome, str] | None:  # fmt: skip
    """The contact's outcome (wrap-up 0) and its agent, as core ``events.py`` derives it."""
    queued = next((e for e in contact_events if e.name == EventName.CONTACT_QUEUED), None)
    if queued is None:
        return None
    accepted = None
    for event in contact_events:
        if event.id < queued.id:
            continue
        if event.name == EventName.ACCEPTED and accepted is None:
            accepted = event
        elif event.name in (EventName.ABANDONED, EventName.FALLBACK_GIVEN):
            kind = Outcome.ABANDONED if event.name == EventName.ABANDONED else Outcome.OTHER
            return ContactOutcome(
                arrived_at=queued.at, queue=labels.queue(event.queue_id or queued.queue_id or ""),
                channel=str(queued.data.get("channel") or ""), outcome=kind,
                waited_seconds=max(0.0, (event.at - queued.at).total_seconds()),
                topic=topics.get(queued.contact_id or "", ""),
            ), ""  # fmt: skip
        elif event.name == EventName.COMPLETED:
            if accepted is None:
                return None
            agent = accepted.agent_id or ""
            return ContactOutcome(
                arrived_at=queued.at, queue=labels.queue(accepted.queue_id or queued.queue_id or ""),
                channel=str(queued.data.get("channel") or ""), outcome=Outcome.ANSWERED,
                waited_seconds=max(0.0, (accepted.at - queued.at).total_seconds()),
                handled_seconds=(event.at - accepted.at).total_seconds(),
                topic=topics.get(queued.contact_id or "", ""), agent=agent,
                team=labels.team(agent) if agent else "",
                location=sites.get(accepted.id, "") if agent else "",
            ), agent  # fmt: skip
    return None


def _site_before(organisation_id: int, agent_id: str, event_id: int) -> str:
    """Where the agent worked at ``event_id``: the last location change before it; with
    none, the site the first later change left (its "from"); with no change at all,
    the site the agent has (set without an event: by an admin, or the demo). Home
    workers otherwise counted as "–" and the location filter offered only the office."""
    changes = RoutingEvent.objects.filter(
        organisation_id=organisation_id, name=EventName.AGENT_LOCATION_CHANGED, agent_id=int(agent_id)
    )
    before = changes.filter(id__lt=event_id).order_by("-id").values_list("data", flat=True).first()
    if before is not None:
        return str((before or {}).get("to") or "")
    after = changes.filter(id__gt=event_id).order_by("id").values_list("data", flat=True).first()
    if after is not None:
        return str((after or {}).get("from") or "")
    from distans.routing.models import AgentState

    site_id = (
        AgentState.objects.filter(organisation_id=organisation_id, person_id=int(agent_id))
        .values_list("site_id", flat=True)
        .first()
    )
    return str(site_id) if site_id else ""


def _is_release(event: _Ev) -> bool:
    if event.name == EventName.COMPLETED:
        return bool(event.agent_id)
    return event.name == EventName.AGENT_STATE_CHANGED and event.data.get("to") != "wrap_up"


def _previous_release(organisation_id: int, agent_id: str, before_id: int) -> _Ev | None:
    """The agent's latest release-type event before ``before_id`` (see :func:`_is_release`)."""
    rows = RoutingEvent.objects.filter(
        organisation_id=organisation_id, agent_id=int(agent_id),
        name__in=(EventName.COMPLETED, EventName.AGENT_STATE_CHANGED), id__lt=before_id,
    ).order_by("-id")  # fmt: skip
    for row in rows.iterator(chunk_size=20):
        event = _Ev(row)
        if _is_release(event):
            return event
    return None


def deltas_for_events(organisation_id: int, batch: list[RoutingEvent]) -> tuple[
    dict[AggregateKey, ContactCounts], dict[LoggedInKey, int]
]:  # fmt: skip
    """The aggregate deltas that the events of ``batch`` (in id order) add."""
    labels = Labels(organisation_id)
    events = [_Ev(row) for row in batch]
    last_id = events[-1].id
    # Contacts whose outcome or wrap-up this batch settles.
    ending = [e for e in events if e.name in ENDINGS and e.contact_id]
    releases = [e for e in events if _is_release(e)]
    previous_release: dict[str, _Ev | None] = {}
    wrapped: list[tuple[_Ev, datetime]] = []  # (completed event, wrap-up end)
    for event in releases:
        agent = event.agent_id or ""
        if agent not in previous_release:
            previous_release[agent] = _previous_release(organisation_id, agent, events[0].id)
        before = previous_release[agent]
        if before is not None and before.name == EventName.COMPLETED:
            wrapped.append((before, event.at))
        previous_release[agent] = event
    contact_ids = {e.contact_id for e in ending if e.contact_id} | {
        c.contact_id for c, _ in wrapped if c.contact_id
    }
    by_contact: dict[str, list[_Ev]] = {}
    ids = sorted(int(c) for c in contact_ids)
    for start in range(0, len(ids), 900):
        for row in RoutingEvent.objects.filter(
            organisation_id=organisation_id,
            contact_id__in=ids[start : start + 900],
            id__lte=last_id,
        ).order_by("id"):
            event = _Ev(row)
            by_contact.setdefault(event.contact_id or "", []).append(event)
    topics = labels.topics_of(by_contact)
    sites: dict[int, str] = {}
    for contact_events in by_contact.values():
        for event in contact_events:
            if event.name == EventName.ACCEPTED and event.agent_id:
                sites[event.id] = _site_before(organisation_id, event.agent_id, event.id)
    contacts: list[ContactOutcome] = []
    for event in ending:
        found = _outcome_of(
            [e for e in by_contact.get(event.contact_id or "", []) if e.id <= event.id],
            labels, topics, sites,
        )  # fmt: skip
        if found is not None and _ends_at(found[0], by_contact, event):
            contacts.append(found[0])
    rows: dict[AggregateKey, ContactCounts] = {}
    for outcome in contacts:
        key = (interval_start(outcome.arrived_at), outcome.group_key)
        delta = ContactCounts.from_outcome(outcome)
        rows[key] = rows[key] + delta if key in rows else delta
    for completed, ended_at in wrapped:
        found = _outcome_of(
            [e for e in by_contact.get(completed.contact_id or "", []) if e.id <= completed.id],
            labels, topics, sites,
        )  # fmt: skip
        wrap_ms = seconds_to_ms(max(0.0, (ended_at - completed.at).total_seconds()))
        if found is None or not wrap_ms:
            continue
        key = (interval_start(found[0].arrived_at), found[0].group_key)
        delta = ContactCounts(wrap_up_ms=wrap_ms)
        rows[key] = rows[key] + delta if key in rows else delta
    return rows, _logged_in_deltas(organisation_id, events, labels)


def _ends_at(outcome: ContactOutcome, by_contact: Mapping[str, list[_Ev]], event: _Ev) -> bool:
    """True when ``event`` is the contact's first ending (a contact is counted once)."""
    first = next((e for e in by_contact.get(event.contact_id or "", []) if e.name in ENDINGS), None)
    return first is not None and first.id == event.id


def _logged_in_deltas(
    organisation_id: int, events: list[_Ev], labels: Labels
) -> dict[LoggedInKey, int]:
    """Closed logged-in segments: from an agent's previous presence/location event to the next."""
    names = (EventName.AGENT_STATE_CHANGED, EventName.AGENT_LOCATION_CHANGED)
    state: dict[str, tuple[datetime, str, str]] = {}  # agent -> (since, presence, site)
    rows: dict[LoggedInKey, int] = {}
    for event in events:
        if event.name not in names or not event.agent_id:
            continue
        agent = event.agent_id
        if agent not in state:
            state[agent] = _state_before(organisation_id, agent, event.id)
        since, presence, site = state[agent]
        if presence not in ("", "offline") and since is not None:
            key = AgentKey(labels.team(agent), agent, site)
            for start, ms in split_into_intervals(since, event.at):
                rows[(start, key)] = rows.get((start, key), 0) + ms
        if event.name == EventName.AGENT_STATE_CHANGED:
            presence = str(event.data.get("to") or "")
        else:
            site = str(event.data.get("to") or "")
        state[agent] = (event.at, presence, site)
    return rows


def _state_before(organisation_id: int, agent: str, event_id: int) -> tuple[Any, str, str]:
    previous = (
        RoutingEvent.objects.filter(
            organisation_id=organisation_id, agent_id=int(agent), id__lt=event_id,
            name__in=(EventName.AGENT_STATE_CHANGED, EventName.AGENT_LOCATION_CHANGED),
        ).order_by("-id").first()
    )  # fmt: skip
    if previous is None:
        return None, "", ""
    last_state = (
        RoutingEvent.objects.filter(
            organisation_id=organisation_id, agent_id=int(agent), id__lt=event_id,
            name=EventName.AGENT_STATE_CHANGED,
        ).order_by("-id").values_list("data", flat=True).first()
    )  # fmt: skip
    presence = str((last_state or {}).get("to") or "")
    return previous.at, presence, _site_before(organisation_id, agent, event_id)


def _sites_at_start(organisation_id: int, rows: list[_Ev]) -> dict[str, str]:
    """Each agent's site before the log's first location change (as _site_before
    answers for an event before any change): that change's "from", or the site the
    agent has when it never changed."""
    from distans.routing.models import AgentState

    sites = {
        str(person): str(site)
        for person, site in AgentState.objects.filter(
            organisation_id=organisation_id, site_id__isnull=False
        ).values_list("person_id", "site_id")
    }
    seen: set[str] = set()
    for event in rows:
        if event.name == EventName.AGENT_LOCATION_CHANGED and event.agent_id and event.agent_id not in seen:
            seen.add(event.agent_id)
            sites[event.agent_id] = str(event.data.get("from") or "")
    return sites


def recompute_from_log(organisation_id: int, until: datetime | None = None) -> tuple[
    dict[AggregateKey, ContactCounts], dict[LoggedInKey, int]
]:  # fmt: skip
    """The aggregate of the whole event log, via the core's derivation (the reference)."""
    from distans.core.reports.aggregate import aggregate_contacts, aggregate_logged_in
    from distans.core.reports.events import (
        contact_outcomes_from_events,
        logged_in_spans_from_events,
    )

    labels = Labels(organisation_id)
    rows = [
        _Ev(r) for r in RoutingEvent.objects.filter(organisation_id=organisation_id).order_by("id")
    ]
    topics = labels.topics_of({e.contact_id for e in rows if e.contact_id})
    at_start = _sites_at_start(organisation_id, rows)
    outcomes = contact_outcomes_from_events(
        rows, topic_of=lambda c: topics.get(c, ""), team_of=labels.team, sites_at_start=at_start
    )
    contacts = aggregate_contacts(labels.label(o) for o in outcomes)
    end = until or (rows[-1].at if rows else None)
    spans = (
        logged_in_spans_from_events(rows, end, team_of=labels.team, sites_at_start=at_start)
        if end
        else iter(())
    )
    return contacts, aggregate_logged_in(spans)
