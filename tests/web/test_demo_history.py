"""The demo's history looks like a real centre's (issue 14 point 9: every past day had
10,224 contacts, 100 % service level, ASA 10 s, AHT 200 s) and comes in through the
product's own contact import, as `distans import contacts` brings a history in."""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from tests.factories import make_organisation, make_site

from distans.demo import history
from distans.demo.history import Agent, Sites, contact_rows, working_days

ZONE = ZoneInfo("Europe/Stockholm")
AGENTS = [Agent(str(i), "t1" if i < 5 else "t2", frozenset({"allmant", "vaxel", "corona", "skola", "bygglov"}))
          for i in range(10)]  # fmt: skip


def test_the_history_varies_like_a_real_centre() -> None:
    days = list(working_days(date(2026, 10, 5), date(2026, 11, 27)))
    rows = list(contact_rows(days, ZONE, AGENTS, Sites("1", "2"), seed=1))
    per_day = Counter(r[0][:10] for r in rows)
    assert len(per_day) == 40 and len(set(per_day.values())) > 30  # no two days alike
    assert statistics.pstdev(per_day.values()) > 20
    weekday = defaultdict(list)
    for day, n in per_day.items():
        weekday[date.fromisoformat(day).weekday()].append(n)
    assert statistics.mean(weekday[0]) > statistics.mean(weekday[4])  # Mondays busier than Fridays
    hours = Counter(datetime.fromisoformat(r[0]).hour for r in rows)
    assert set(hours) <= set(range(8, 17)) and hours[9] > 2 * hours[15]  # the morning peak
    phone = [r for r in rows if r[2] == "phone"]
    abandoned = [r for r in phone if r[6] == "abandoned"]
    assert 0.01 < len(abandoned) / len(phone) < 0.15
    assert all(r[5] == "" and r[7] == "" for r in abandoned)  # no handling, no agent
    answered = [r for r in phone if r[6] == "answered"]
    within = sum(float(r[4]) <= 20 for r in phone) / len(phone)
    assert 0.7 < within < 0.95  # around the 80 % target, not 100 %
    daily_levels = defaultdict(list)
    for r in phone:
        daily_levels[r[0][:10]].append(float(r[4]) <= 20)
    levels = [sum(v) / len(v) for v in daily_levels.values()]
    assert max(levels) - min(levels) > 0.08  # good days and bad days
    handled = [float(r[5]) for r in answered]
    assert statistics.pstdev(handled) > 30 and 60 < statistics.mean(handled) < 300
    assert len({r[3] for r in rows}) >= 8  # topics
    assert {r[2] for r in rows} == {"phone", "chat", "email"}
    locations = Counter(r[9] for r in answered)
    assert locations["1"] > 0.2 * len(answered) and locations["2"] > 0.2 * len(answered)


@pytest.mark.django_db
def test_the_demo_history_is_imported_through_the_contact_import(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from distans.planning.models import ImportedVolume
    from distans.reports import actions
    from distans.reports.models import DailyAggregate, ImportedContact, IntervalAggregate
    from distans.routing.demo import load_routing_demo

    calls = []

    original = actions.do_import_contacts
    monkeypatch.setattr(actions, "do_import_contacts", lambda *a, **k: calls.append(1) or original(*a, **k))
    monkeypatch.setattr(history, "HISTORY_WEEKS", 1)
    org = make_organisation(time_zone="Europe/Stockholm")
    make_site(org, name="Kontor", kind="office")
    make_site(org, name="Hemma", kind="home")
    load_routing_demo(org)
    today = date(2026, 12, 7)  # a Monday: the five working days before it
    imported = history.load_history(org, today)
    assert calls == [1]
    assert imported == ImportedContact.objects.for_org(org).count() > 1500
    first = datetime(2026, 11, 30, tzinfo=ZONE)
    assert not ImportedContact.objects.for_org(org).filter(arrived_at__lt=first).exists()
    assert not ImportedContact.objects.for_org(org).filter(arrived_at__gte=first + timedelta(days=5)).exists()
    assert IntervalAggregate.objects.filter(organisation=org).exclude(topic="").exists()
    assert DailyAggregate.objects.filter(organisation=org).count() > 0
    volumes = sum(ImportedVolume.objects.for_org(org).values_list("contacts", flat=True))
    assert volumes == imported  # planning's history is the same contacts
    assert history.load_history(org, today) == 0  # once
    assert history.load_history(org, today + timedelta(days=1)) > 200  # the day since
