"""The interval aggregate: incremental updates from the event log equal a recomputation."""

from __future__ import annotations

import pytest
from tests.factories import make_agent, make_organisation, make_queue, make_site
from tests.factories_reports import abandon_contact, handle_contact

from distans.core.reports.aggregate import COLUMN_NAMES, ContactCounts
from distans.core.reports.records import DIMENSIONS, GroupKey
from distans.reports import actions
from distans.reports.aggregation import recompute_from_log
from distans.reports.models import IntervalAggregate
from distans.routing import actions as routing

pytestmark = pytest.mark.django_db


@pytest.fixture
def run(django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    def call(function, *args, **kwargs):  # type: ignore[no-untyped-def]
        with django_capture_on_commit_callbacks(execute=True):
            return function(*args, **kwargs)

    return call


def stored(org) -> dict:  # type: ignore[no-untyped-def]
    return {
        (
            row.interval_start,
            GroupKey(*(getattr(row, d) for d in DIMENSIONS)),
        ): ContactCounts.from_columns({c: getattr(row, c) for c in COLUMN_NAMES})
        for row in IntervalAggregate.objects.for_org(org)
    }


def test_incremental_aggregate_equals_recomputation_from_the_log(run) -> None:  # type: ignore[no-untyped-def]
    org = make_organisation()
    queue = make_queue(org, code="skola")
    agent = make_agent(org, [queue])
    site = make_site(org, name="Hemma", kind="home")
    run(routing.do_set_location, agent, site)
    run(routing.do_set_presence, agent, "available")
    handle_contact(run, queue, agent, "Skolplikt")
    assert actions.do_update_aggregates(org) > 0
    handle_contact(run, queue, agent, "Bygglov", end_wrap_up=False)
    actions.do_update_aggregates(org)  # the wrap-up is still running here
    run(routing.do_end_wrap_up, agent)
    abandon_contact(run, queue)
    handle_contact(run, queue, agent, "Skolplikt")
    actions.do_update_aggregates(org)
    assert actions.do_update_aggregates(org) == 0  # idempotent: nothing new

    expected, _logged_in = recompute_from_log(org.pk)
    got = stored(org)
    assert got == expected
    total = sum(got.values(), ContactCounts())
    assert (total.offered, total.answered, total.abandoned) == (4, 3, 1)
    assert total.wrap_up_ms > 0
    keys = {key for _, key in got}
    assert {k.queue for k in keys} == {"skola"}
    assert {k.location for k in keys if k.agent} == {str(site.pk)}

    actions.do_rebuild_aggregates(org)
    assert stored(org) == expected
    # The daily table (no agent) holds the same totals, and a day report reads it.
    from datetime import timedelta

    from django.utils import timezone

    from distans.core.reports.periods import Granularity
    from distans.reports.models import DailyAggregate
    from distans.reports.queries import report_rows

    assert sum(d.offered for d in DailyAggregate.objects.for_org(org)) == 4
    today = timezone.localdate()
    days = report_rows(org, today - timedelta(days=1), today + timedelta(days=1), Granularity.DAY)
    by_agent = report_rows(
        org,
        today - timedelta(days=1),
        today + timedelta(days=1),
        Granularity.DAY,
        group_by=["agent"],
    )
    assert (
        sum(r.metrics.offered for r in days) == sum(r.metrics.offered for r in by_agent) == 3
    )  # 1 short abandon


def test_an_agent_whose_site_was_set_without_an_event_is_counted_at_that_site(run) -> None:  # type: ignore[no-untyped-def]
    """The demo (and an admin) set an agent's site directly: contacts handled at home
    are counted at home, not as "–", and the rebuild from the log agrees."""
    from distans.reports.queries import dimension_values
    from distans.routing.models import AgentState

    org = make_organisation()
    queue = make_queue(org, code="skola")
    agent = make_agent(org, [queue])
    home = make_site(org, name="Hemma", kind="home")
    AgentState.objects.filter(person=agent).update(site=home)  # no location event
    run(routing.do_set_presence, agent, "available")
    handle_contact(run, queue, agent, "Skolplikt")
    actions.do_update_aggregates(org)
    keys = {key for _, key in stored(org)}
    assert {k.location for k in keys if k.agent} == {str(home.pk)}
    assert str(home.pk) in dimension_values(org, "location")
    office = make_site(org, name="Kontoret", kind="office")
    run(routing.do_set_location, agent, office)  # a later move does not rewrite history
    expected, _logged_in = recompute_from_log(org.pk)
    assert {k.location for _, k in expected if k.agent} == {str(home.pk)}
