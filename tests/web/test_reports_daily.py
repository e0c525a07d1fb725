"""The day tables (by agent, without agent, logged-in time) agree with the interval tables.

Reports of a day or longer read ``AgentDailyAggregate``/``DailyAggregate`` and
``LoggedInDailyAggregate``; every report here is compared with the one the core
computes straight from the stored interval rows, after incremental upserts, after
a rebuild, after the migration's back-fill, and per organisation.
"""

from __future__ import annotations

import importlib
import random
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from tests.factories import make_agent, make_organisation, make_queue, make_site
from tests.factories_reports import abandon_contact, handle_contact

from distans.core.reports.aggregate import (
    COLUMN_NAMES,
    ContactCounts,
    aggregate_contacts,
    aggregate_logged_in,
)
from distans.core.reports.metrics import MetricOptions
from distans.core.reports.periods import Granularity, period_start
from distans.core.reports.records import (
    DIMENSIONS,
    AgentKey,
    ContactOutcome,
    GroupKey,
    LoggedInSpan,
    Outcome,
)
from distans.core.reports.report import build_report, local_date_range
from distans.reports import actions, aggregation, queries
from distans.reports.models import (
    AGENT_DAILY_DIMENSIONS,
    AgentDailyAggregate,
    DailyAggregate,
    IntervalAggregate,
    LoggedInAggregate,
    LoggedInDailyAggregate,
    ReportDimensionValue,
)
from distans.routing import actions as routing

pytestmark = pytest.mark.django_db

ZONE = "Europe/Stockholm"
# Around both clock changes of 2026 (29 March, 25 October) and two month ends.
DAYS = [date(2026, 3, 27) + timedelta(days=n) for n in range(7)] + [
    date(2026, 10, 23) + timedelta(days=n) for n in range(10)
]
AGENTS = {"1": ("10", "5"), "2": ("10", ""), "3": ("20", "6")}  # agent -> (team, location)


def _outcomes(seed: int, n: int) -> list[ContactOutcome]:
    rng = random.Random(seed)
    zone = ZoneInfo(ZONE)
    records = []
    for _ in range(n):
        day = rng.choice(DAYS)
        at = datetime(day.year, day.month, day.day, tzinfo=zone) + timedelta(
            minutes=rng.randrange(24 * 60)
        )
        answered = rng.random() < 0.8
        agent = rng.choice(list(AGENTS)) if answered else ""
        team, location = AGENTS.get(agent, ("", ""))
        records.append(
            ContactOutcome(
                arrived_at=at.astimezone(UTC),
                queue=rng.choice(["a", "b"]),
                channel=rng.choice(["phone", "chat"]),
                outcome=Outcome.ANSWERED if answered else Outcome.ABANDONED,
                waited_seconds=rng.randrange(0, 200),
                topic=rng.choice(["", "x", "y › z"]),
                handled_seconds=rng.randrange(30, 600) if answered else 0,
                wrap_up_seconds=rng.randrange(0, 60) if answered else 0,
                agent=agent,
                team=team,
                location=location,
            )  # fmt: skip
        )
    return records


def _spans(seed: int) -> list[LoggedInSpan]:
    rng = random.Random(seed)
    zone = ZoneInfo(ZONE)
    spans = []
    for day in DAYS:
        for agent, (team, location) in AGENTS.items():
            start = datetime(day.year, day.month, day.day, tzinfo=zone) + timedelta(
                minutes=rng.randrange(0, 20 * 60)
            )  # some spans run past local midnight
            end = start + timedelta(minutes=rng.randrange(10, 8 * 60))
            spans.append(LoggedInSpan(agent, start, end, team=team, location=location))
    return spans


def _fill(org_id: int, seed: int = 1) -> None:
    """Upsert in several batches, so rows are added to as well as created."""
    records = _outcomes(seed, 900)
    for part in range(3):
        aggregation.upsert_contact_rows(org_id, aggregate_contacts(records[part::3]))
    spans = _spans(seed)
    for part in range(2):
        aggregation.upsert_logged_in_rows(org_id, aggregate_logged_in(spans[part::2]))


def _interval_rows(org: Any) -> tuple[dict, dict]:
    contacts = {
        (row.interval_start, GroupKey(*(getattr(row, d) for d in DIMENSIONS))): (
            ContactCounts.from_columns({c: getattr(row, c) for c in COLUMN_NAMES})
        )
        for row in IntervalAggregate.objects.for_org(org)
    }
    logged_in = {
        (row.interval_start, AgentKey(row.team, row.agent, row.location)): row.logged_in_ms
        for row in LoggedInAggregate.objects.for_org(org)
    }
    return contacts, logged_in


def _logged_in_days_from_intervals(org: Any) -> dict:
    zone = ZoneInfo(org.time_zone)
    days: dict = {}
    for (start, key), ms in _interval_rows(org)[1].items():
        day = (period_start(start, Granularity.DAY, zone), *key)
        days[day] = (days.get(day, (0,))[0] + ms,)
    return days


def _reference(org: Any, first: date, last: date, granularity: Granularity,
               group_by: tuple[str, ...], filters: dict[str, set[str]],
               options: MetricOptions | None = None) -> list:  # fmt: skip
    """The report the core computes straight from the stored interval rows."""
    zone = ZoneInfo(org.time_zone)
    start, end = local_date_range(first, last, zone)
    contacts, logged_in = _interval_rows(org)
    return build_report(
        contacts, granularity, zone, options=options or queries.metric_options(org), group_by=group_by,
        filters=filters, start=start, end=end,
        logged_in_rows=logged_in if set(group_by) | set(filters) <= set(AGENT_DAILY_DIMENSIONS) else None,
        include_empty=not group_by,
    )  # fmt: skip


CASES = [
    ((), {}),
    (("agent",), {}),
    (("team",), {}),
    (("location",), {}),
    (("agent",), {"team": {"10"}}),
    ((), {"agent": {"1"}}),
    (("location",), {"agent": {"1", "3"}}),
    (("queue",), {"agent": {"2"}}),  # agent with queue: the interval table
    (("queue",), {}),
    (("agent",), {"channel": {"chat"}}),
]


OPTIONS = (None, MetricOptions(60, 10, exclude_short_abandons=False), MetricOptions(10, 30))


def _check_all_reports(org: Any) -> int:
    """Every case at day, week and month equals the reference; returns reports compared.

    Thresholds vary between cases (only the T and s columns are summed).
    """
    compared = 0
    for first, last in (
        (date(2026, 3, 28), date(2026, 4, 30)),
        (date(2026, 10, 24), date(2026, 11, 2)),
    ):
        for granularity in (Granularity.DAY, Granularity.WEEK, Granularity.MONTH):
            for group_by, filters in CASES:
                options = OPTIONS[compared % len(OPTIONS)]
                got = queries.report_rows(org, first, last, granularity, group_by, filters, options)
                expected = _reference(org, first, last, granularity, group_by, filters, options)
                assert got == expected, (granularity, group_by, filters)
                assert any(r.metrics.answered for r in got)
                compared += 1
    return compared


def _snapshot(org: Any) -> dict[str, Any]:
    """The derived tables' contents (keys → values), for comparing two ways of filling them."""

    def rows(model: Any, keys: tuple[str, ...], columns: tuple[str, ...]) -> dict:
        return {
            tuple(getattr(r, k) for k in keys): tuple(getattr(r, c) for c in columns)
            for r in model.objects.for_org(org)
        }

    days = ("day_start",)
    return {
        "agent_daily": rows(AgentDailyAggregate, days + AGENT_DAILY_DIMENSIONS, COLUMN_NAMES),
        "daily": rows(DailyAggregate, days + ("queue", "channel", "topic", "team", "location"),
                      COLUMN_NAMES),
        "logged_in_daily": rows(LoggedInDailyAggregate, days + AGENT_DAILY_DIMENSIONS,
                                ("logged_in_ms",)),
        "values": rows(ReportDimensionValue, ("dimension", "value"), ()),
    }  # fmt: skip


def test_reports_from_day_tables_equal_reports_from_intervals() -> None:
    org = make_organisation(time_zone=ZONE)
    _fill(org.pk)
    assert _check_all_reports(org) == 2 * 3 * len(CASES)
    # About one row per agent and day (+ the unanswered), whatever queues and topics.
    assert AgentDailyAggregate.objects.for_org(org).count() <= len(DAYS) * (len(AGENTS) + 1) + 8
    total = sum((ContactCounts.from_columns({c: getattr(r, c) for c in COLUMN_NAMES})
                 for r in AgentDailyAggregate.objects.for_org(org)), ContactCounts())  # fmt: skip
    assert total.offered == 900


def test_a_month_by_agent_reads_the_day_tables_only() -> None:
    org = make_organisation(time_zone=ZONE)
    _fill(org.pk)
    for group_by, filters in ((("agent",), {}), (("team",), {"agent": {"1"}})):
        with CaptureQueriesContext(connection) as captured:
            rows = queries.report_rows(org, date(2026, 10, 1), date(2026, 10, 31),
                                       Granularity.MONTH, group_by, filters)  # fmt: skip
        sql = " ".join(q["sql"] for q in captured.captured_queries)
        assert "reports_agentdailyaggregate" in sql and "reports_loggedindailyaggregate" in sql
        assert "reports_intervalaggregate" not in sql and "reports_loggedinaggregate" not in sql
        assert all(r.metrics.occupancy is not None for r in rows if r.group.get("agent", "1"))


def _tables_read(org: Any, *args: Any) -> set[str]:
    with CaptureQueriesContext(connection) as captured:
        queries.report_rows(org, date(2026, 10, 1), date(2026, 10, 31), Granularity.MONTH, *args)
    sql = " ".join(q["sql"] for q in captured.captured_queries)
    names = ("reports_dailyaggregate", "reports_agentdailyaggregate", "reports_intervalaggregate")
    return {name for name in names if f"{name}." in sql or f'"{name}"' in sql}


def test_without_agent_the_smaller_day_table_is_read() -> None:
    few_agents = make_organisation(time_zone=ZONE)
    _fill(few_agents.pk)  # 3 agents, many queue × channel × topic combinations a day
    many_agents = make_organisation(time_zone=ZONE)
    at = datetime(2026, 10, 23, 10, tzinfo=UTC)
    counts = ContactCounts(offered=1, answered=1, answered_within=(1,) * 11, talk_ms=60_000)
    aggregation.upsert_contact_rows(
        many_agents.pk,
        {(at, GroupKey("a", "phone", "", "10", str(n), "5")): counts for n in range(30)},
    )
    aggregation.upsert_logged_in_rows(many_agents.pk, {(at, AgentKey("10", "1", "5")): 900_000})
    assert "reports_agentdailyaggregate" in _tables_read(few_agents)
    assert "reports_agentdailyaggregate" in _tables_read(few_agents, ("team",))
    assert "reports_dailyaggregate" in _tables_read(many_agents, ("location",))
    assert "reports_dailyaggregate" in _tables_read(few_agents, ("topic",))
    assert _tables_read(few_agents, ("queue",), {"agent": {"1"}}) == {"reports_intervalaggregate"}
    for org in (few_agents, many_agents):
        for group_by in ((), ("team",), ("location",)):
            args = (date(2026, 10, 1), date(2026, 10, 31), Granularity.MONTH, group_by, {})
            assert queries.report_rows(org, *args) == _reference(org, *args)
    total = queries.report_rows(
        many_agents, date(2026, 10, 1), date(2026, 10, 31), Granularity.MONTH
    )
    assert total[0].metrics.answered == 30 and total[0].metrics.occupancy == pytest.approx(2.0)


def test_rebuild_and_migration_back_fill_equal_the_incremental_tables() -> None:
    org = make_organisation(time_zone=ZONE)
    _fill(org.pk, seed=7)
    incremental = _snapshot(org)
    assert all(incremental.values())

    aggregation.rebuild_daily(org.pk)
    assert _snapshot(org) == incremental

    for model in aggregation.DERIVED_TABLES:
        model.objects.for_org(org).delete()  # type: ignore[attr-defined]
    from django.apps import apps

    migration = importlib.import_module("distans.reports.migrations.0003_agent_daily")
    migration.fill_derived_tables(apps, None)
    assert _snapshot(org) == incremental
    assert _check_all_reports(org)


@pytest.fixture
def run(django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    def call(function, *args, **kwargs):  # type: ignore[no-untyped-def]
        with django_capture_on_commit_callbacks(execute=True):
            return function(*args, **kwargs)

    return call


def test_event_log_folding_keeps_day_tables_and_rebuild_recomputes_them(run) -> None:  # type: ignore[no-untyped-def]
    org = make_organisation(time_zone=ZONE)
    queue = make_queue(org, code="skola")
    other = make_queue(org, code="bygg")
    anna = make_agent(org, [queue, other])
    bo = make_agent(org, [queue, other])
    site = make_site(org, name="Hemma", kind="home")
    run(routing.do_set_location, anna, site)
    for agent in (anna, bo):
        run(routing.do_set_presence, agent, "available")
    handle_contact(run, queue, anna, "Skolplikt")
    actions.do_update_aggregates(org)
    handle_contact(run, other, bo, "Bygglov", end_wrap_up=False)
    actions.do_update_aggregates(org)  # bo's wrap-up still runs: added later to the same rows
    run(routing.do_end_wrap_up, bo)
    abandon_contact(run, queue)
    handle_contact(run, other, anna, "Bygglov")
    run(routing.do_set_presence, bo, "offline")
    run(routing.do_set_presence, anna, "offline")
    actions.do_update_aggregates(org)
    incremental = _snapshot(org)
    agents = {key[2] for key in incremental["agent_daily"]}
    assert agents == {"", str(anna.pk), str(bo.pk)}
    assert {key[2] for key in incremental["logged_in_daily"]} == {str(anna.pk), str(bo.pk)}
    assert ("agent", str(anna.pk)) in incremental["values"]

    today = datetime.now(ZoneInfo(ZONE)).date()
    first, last = today - timedelta(days=1), today + timedelta(days=1)
    for group_by, filters in ((("agent",), {}), ((), {"agent": {str(anna.pk)}})):
        got = queries.report_rows(org, first, last, Granularity.DAY, group_by, filters)
        assert got == _reference(org, first, last, Granularity.DAY, group_by, filters)
    by_agent = {r.group["agent"]: r.metrics for r in
                queries.report_rows(org, first, last, Granularity.MONTH, ("agent",))}  # fmt: skip
    assert by_agent[str(anna.pk)].answered == 2 and by_agent[str(bo.pk)].answered == 1
    assert by_agent[str(bo.pk)].wrap_up_seconds > 0
    assert by_agent[str(anna.pk)].logged_in_hours > 0

    assert incremental["logged_in_daily"] == _logged_in_days_from_intervals(org)

    actions.do_rebuild_aggregates(org)
    rebuilt = _snapshot(org)
    # Logged-in time is compared with its own interval rows: the interval table itself
    # differs by a few ms between folding and rebuild (each folded segment is floored
    # to whole ms; the rebuild's spans are longer), which the day table inherits.
    assert rebuilt.pop("logged_in_daily") == _logged_in_days_from_intervals(org)
    incremental.pop("logged_in_daily")
    assert rebuilt == incremental


def test_day_tables_are_kept_apart_per_organisation() -> None:
    mine = make_organisation(time_zone=ZONE)
    theirs = make_organisation(time_zone="America/New_York")
    _fill(mine.pk, seed=3)
    _fill(theirs.pk, seed=4)  # the same agent ids, queues and days
    aggregation.upsert_contact_rows(
        theirs.pk,
        {(datetime(2026, 10, 23, 12, tzinfo=UTC), GroupKey("secret", agent="99")): ContactCounts(
            offered=5, answered=5, answered_within=(5,) * 11, talk_ms=1000)},
    )  # fmt: skip
    before = _snapshot(mine)
    expected = _reference(mine, date(2026, 10, 1), date(2026, 10, 31), Granularity.MONTH,
                          ("agent",), {})  # fmt: skip
    got = queries.report_rows(mine, date(2026, 10, 1), date(2026, 10, 31), Granularity.MONTH,
                              ("agent",))  # fmt: skip
    assert got == expected
    assert {r.group["agent"] for r in got} == {"", "1", "2", "3"}
    assert "99" not in queries.dimension_values(mine, "agent")
    assert "secret" not in queries.dimension_values(mine, "queue")
    assert "99" in queries.dimension_values(theirs, "agent")

    aggregation.rebuild_daily(theirs.pk)
    actions.do_rebuild_aggregates(theirs)  # no events: their tables are emptied, mine stay
    assert not AgentDailyAggregate.objects.for_org(theirs).exists()
    assert _snapshot(mine) == before
