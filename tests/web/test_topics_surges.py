"""Surge alerts from the aggregate: a synthetic burst over the demo's seeded baseline."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from tests.factories import make_organisation

from distans.core.reports.records import GroupKey
from distans.reports.aggregation import upsert_contact_rows
from distans.topics import actions, queries
from distans.topics.demo import _counts, load_topics_demo, seed_history

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 23, 10, 20, tzinfo=ZoneInfo("Europe/Stockholm"))


def test_a_corona_burst_raises_one_alert_and_quiet_traffic_none(
    django_capture_on_commit_callbacks, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    # One clock for the whole test: load_topics_demo seeds its history up to today's
    # midnight, and on a later day than NOW's that left a synthetic NOW-day in place.
    monkeypatch.setattr(timezone, "now", lambda: NOW)
    org = make_organisation(time_zone="Europe/Stockholm")
    load_topics_demo(org)
    seed_history(org, now=NOW)
    published = []
    monkeypatch.setattr(
        actions, "publish", lambda group, kind, **data: published.append((group, kind, data))
    )
    start = datetime(2026, 11, 23, 9, 0, tzinfo=ZoneInfo("Europe/Stockholm"))
    quiet = {}
    for i in range(5):  # 09:00-10:15 at the usual rate, split as in the history
        for topic in ("Corona › Vaccination", "Corona › Skola"):
            quiet[(start + timedelta(minutes=15 * i), GroupKey("corona", "phone", topic))] = (
                _counts(6)
            )
    upsert_contact_rows(org.pk, quiet)
    assert actions.do_detect_surges(org, now=NOW) == []
    assert queries.list_active_surges(org) == []

    burst_at = datetime(2026, 11, 23, 10, 15, tzinfo=ZoneInfo("Europe/Stockholm"))
    upsert_contact_rows(
        org.pk, {(burst_at, GroupKey("corona", "phone", "Corona › Vaccination")): _counts(36)}
    )
    created = actions.do_detect_surges(org, now=NOW)
    keys = {(a.dimension, a.key) for a in created}
    assert ("queue", "corona") in keys and ("topic", "Corona › Vaccination") in keys
    assert all(a.score > 1.5 and a.ongoing for a in created)
    assert {(a.dimension, a.key) for a in queries.list_active_surges(org)} == keys
    assert [kind for _g, kind, _d in published] == ["surge"] * len(created)
    assert published[0][0] == f"sup.{org.pk}"
    # Running again does not raise the same episode twice.
    published.clear()
    assert actions.do_detect_surges(org, now=NOW) == [] and published == []
