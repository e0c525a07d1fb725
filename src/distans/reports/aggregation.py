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
(max for ``max_wait_ms``). ``rebuild`` recomputes a range from the whole log with the
core's ``contact_outcomes_from_events`` (the reference the incremental path must equal).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

from django.db import connection

from distans.core.reports.aggregate import (
    COLUMN_NAMES,
    AggregateKey,
    ContactCounts,
    LoggedInKey,
    seconds_to_ms,
)
from distans.core.reports.periods import interval_start, split_into_intervals
from distans.core.reports.records import (
    DIMENSIONS,
    AgentKey,
    ContactOutcome,
    GroupKey,
    Outcome,
)
from distans.reports.models import (
    DAILY_DIMENSIONS,
    DailyAggregate,
    IntervalAggregate,
    LoggedInAggregate,
)
from distans.routing.models import RoutingEvent

ENDINGS = ("completed", "abandoned", "fallback_given")


def _greatest() -> str:
    return "GREATEST" if connection.vendor == "postgresql" else "MAX"


def _db_time(at: datetime) -> Any:
    """An aware instant as the database stores it (raw SQL bypasses the field's adaptation)."""
    return connection.ops.adapt_datetimefield_value(at)


def _upsert(table: str, keys: list[str], items: list[tuple[list[Any], list[int]]]) -> None:
    columns = keys + list(COLUMN_NAMES)
    sets = ", ".join(
        f"{c} = {_greatest()}({table}.{c}, excluded.{c})" if c == "max_wait_ms"
        else f"{c} = {table}.{c} + excluded.{c}"
        for c in COLUMN_NAMES
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


def upsert_contact_rows(organisation_id: int, rows: Mapping[AggregateKey, ContactCounts]) -> None:
    """Add ``rows`` to the stored interval aggregate and to the daily one."""
    if not rows:
        return
    _upsert(
        IntervalAggregate._meta.db_table,
        ["organisation_id", "interval_start", *DIMENSIONS],
        [
            ([organisation_id, _db_time(start), *group], counts.to_flat())
            for (start, group), counts in rows.items()
        ],
    )
    upsert_daily_rows(organisation_id, rows)


def upsert_daily_rows(organisation_id: int, rows: Mapping[AggregateKey, ContactCounts]) -> None:
    """Add interval rows to the daily aggregate (local days, agent left out)."""
    from zoneinfo import ZoneInfo

    from distans.accounts.models import Organisation
    from distans.core.reports.periods import Granularity, period_start

    zone = ZoneInfo(
        Organisation.objects.values_list("time_zone", flat=True).get(pk=organisation_id)
    )
    days: dict[tuple[datetime, tuple[str, ...]], ContactCounts] = {}
    starts: dict[datetime, datetime] = {}
    for (start, group), counts in rows.items():
        day = starts.get(start)
        if day is None:
            day = starts[start] = period_start(start, Granularity.DAY, zone)
        key = (day, tuple(getattr(group, d) for d in DAILY_DIMENSIONS))
        days[key] = days[key] + counts if key in days else counts
    _upsert(
        DailyAggregate._meta.db_table,
        ["organisation_id", "day_start", *DAILY_DIMENSIONS],
        [
            ([organisation_id, _db_time(day), *values], counts.to_flat())
            for (day, values), counts in days.items()
        ],
    )


def rebuild_daily(organisation_id: int) -> None:
    """Recompute the daily aggregate from the interval aggregate."""
    from django.db.models import Max, Sum

    DailyAggregate.objects.filter(organisation_id=organisation_id).delete()
    sums = {c: (Max(c) if c == "max_wait_ms" else Sum(c)) for c in COLUMN_NAMES}
    rows = IntervalAggregate.objects.filter(organisation_id=organisation_id)
    batch: dict[AggregateKey, ContactCounts] = {}
    for row in (
        rows.values("interval_start", *DAILY_DIMENSIONS)
        .annotate(**sums)
        .order_by()
        .iterator(chunk_size=5000)
    ):
        key = (row["interval_start"], GroupKey(**{d: row[d] for d in DAILY_DIMENSIONS}))
        batch[key] = ContactCounts.from_columns(row)
        if len(batch) >= 20_000:
            upsert_daily_rows(organisation_id, batch)
            batch = {}
    upsert_daily_rows(organisation_id, batch)


def upsert_logged_in_rows(organisation_id: int, rows: Mapping[LoggedInKey, int]) -> None:
    if not rows:
        return
    table = LoggedInAggregate._meta.db_table
    items = list(rows.items())
    with connection.cursor() as cursor:
        for chunk_start in range(0, len(items), 500):
            chunk = items[chunk_start : chunk_start + 500]
            params: list[Any] = []
            for (start, key), ms in chunk:
                params += [organisation_id, _db_time(start), key.team, key.agent, key.location, ms]
            cursor.execute(
                f"INSERT INTO {table} (organisation_id, interval_start, team, agent, location,"  # noqa: S608
                " logged_in_ms) VALUES "
                + ", ".join(["(%s, %s, %s, %s, %s, %s)"] * len(chunk))
                + " ON CONFLICT (organisation_id, interval_start, team, agent, location)"
                + f" DO UPDATE SET logged_in_ms = {table}.logged_in_ms + excluded.logged_in_ms",
                params,
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
            for pk, code in Queue.objects.for_org(organisation_id).values_list("pk", "code")
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
    queued = next((e for e in contact_events if e.name == "contact_queued"), None)
    if queued is None:
        return None
    accepted = None
    for event in contact_events:
        if event.id < queued.id:
            continue
        if event.name == "accepted" and accepted is None:
            accepted = event
        elif event.name in ("abandoned", "fallback_given"):
            kind = Outcome.ABANDONED if event.name == "abandoned" else Outcome.OTHER
            return ContactOutcome(
                arrived_at=queued.at, queue=labels.queue(event.queue_id or queued.queue_id or ""),
                channel=str(queued.data.get("channel") or ""), outcome=kind,
                waited_seconds=max(0.0, (event.at - queued.at).total_seconds()),
                topic=topics.get(queued.contact_id or "", ""),
            ), ""  # fmt: skip
        elif event.name == "completed":
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
    row = (
        RoutingEvent.objects.filter(
            organisation_id=organisation_id, name="agent_location_changed",
            agent_id=int(agent_id), id__lt=event_id,
        ).order_by("-id").values_list("data", flat=True).first()
    )  # fmt: skip
    return str((row or {}).get("to") or "")


def _is_release(event: _Ev) -> bool:
    if event.name == "completed":
        return bool(event.agent_id)
    return event.name == "agent_state_changed" and event.data.get("to") != "wrap_up"


def _previous_release(organisation_id: int, agent_id: str, before_id: int) -> _Ev | None:
    """The agent's latest release-type event before ``before_id`` (see :func:`_is_release`)."""
    rows = RoutingEvent.objects.filter(
        organisation_id=organisation_id, agent_id=int(agent_id),
        name__in=("completed", "agent_state_changed"), id__lt=before_id,
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
        if before is not None and before.name == "completed":
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
            if event.name == "accepted" and event.agent_id:
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
    names = ("agent_state_changed", "agent_location_changed")
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
        if event.name == "agent_state_changed":
            presence = str(event.data.get("to") or "")
        else:
            site = str(event.data.get("to") or "")
        state[agent] = (event.at, presence, site)
    return rows


def _state_before(organisation_id: int, agent: str, event_id: int) -> tuple[Any, str, str]:
    previous = (
        RoutingEvent.objects.filter(
            organisation_id=organisation_id, agent_id=int(agent), id__lt=event_id,
            name__in=("agent_state_changed", "agent_location_changed"),
        ).order_by("-id").first()
    )  # fmt: skip
    if previous is None:
        return None, "", ""
    last_state = (
        RoutingEvent.objects.filter(
            organisation_id=organisation_id, agent_id=int(agent), id__lt=event_id,
            name="agent_state_changed",
        ).order_by("-id").values_list("data", flat=True).first()
    )  # fmt: skip
    presence = str((last_state or {}).get("to") or "")
    return previous.at, presence, _site_before(organisation_id, agent, event_id)


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
    outcomes = contact_outcomes_from_events(
        rows, topic_of=lambda c: topics.get(c, ""), team_of=labels.team
    )
    contacts = aggregate_contacts(labels.label(o) for o in outcomes)
    end = until or (rows[-1].at if rows else None)
    spans = logged_in_spans_from_events(rows, end, team_of=labels.team) if end else iter(())
    return contacts, aggregate_logged_in(spans)
