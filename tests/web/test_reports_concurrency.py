"""Two workers folding the event log at once count every event exactly once (PostgreSQL)."""

from __future__ import annotations

import os
import threading

import pytest
from django.db import connection
from tests.conftest import require_service
from tests.factories import make_agent, make_organisation, make_queue
from tests.factories_reports import abandon_contact, handle_contact

from distans.core.reports.aggregate import ContactCounts
from distans.reports import actions
from distans.reports.aggregation import recompute_from_log
from distans.reports.models import IntervalAggregate
from distans.routing import actions as routing

pytestmark = pytest.mark.django_db(transaction=True)


def test_concurrent_updates_do_not_double_count(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    if connection.vendor != "postgresql":
        # Runs in the PostgreSQL pass of the suite (make pytest-postgres), which CI
        # requires; SQLite has no row locks to test.
        if os.environ.get("DISTANS_TEST_DB") == "postgres":
            require_service("postgres", False, "PostgreSQL pass without PostgreSQL")
        pytest.skip("row-lock test: runs in the suite's second pass (see Makefile)")
    org = make_organisation()
    queue = make_queue(org)
    agent = make_agent(org, [queue])

    def run(function, *args, **kwargs):  # type: ignore[no-untyped-def]
        return function(*args, **kwargs)

    routing.do_set_presence(agent, "available")
    for n in range(6):
        if n % 3 == 2:
            abandon_contact(run, queue)
        else:
            handle_contact(run, queue, agent, "Skolplikt")
    monkeypatch.setattr(actions, "BATCH_EVENTS", 7)  # many small batches, so the workers interleave
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            actions.do_update_aggregates(org.pk)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    total = sum(
        (ContactCounts.from_columns({c: getattr(r, c) for c in ContactCounts().to_columns()})
         for r in IntervalAggregate.objects.filter(organisation=org)),
        ContactCounts(),
    )  # fmt: skip
    expected = sum(recompute_from_log(org.pk)[0].values(), ContactCounts())
    assert total == expected
    assert total.offered == 6 and total.abandoned == 2
