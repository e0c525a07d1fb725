"""The demo's simulated colleagues follow a roster: their published shifts and breaks
where anyone is scheduled, else everyone at work with staggered breaks (issue 14,
point 8: take the scheduled breaks and come back)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from distans.demo.load import load_factor
from distans.routing.demo_traffic import Duty, Roster, Span

ZONE = ZoneInfo("Europe/Stockholm")
MONDAY = datetime(2026, 12, 7, tzinfo=ZONE)


def at(hour: int, minute: int = 0) -> datetime:
    return MONDAY.replace(hour=hour, minute=minute)


def test_a_scheduled_colleague_works_their_shift_takes_its_breaks_and_goes_home() -> None:
    early = Duty(
        [Span(at(8), at(14))],
        [Span(at(10), at(10, 15), "break"), Span(at(12), at(12, 30), "lunch")],
    )
    late = Duty([Span(at(10), at(16))], [])
    roster = Roster({"early": early, "late": late}, ["early", "late"])
    assert roster.wanted("early", at(9)) == ("work", "")
    assert roster.wanted("early", at(10, 5)) == ("break", "break")
    assert roster.wanted("early", at(10, 15)) == ("work", "")
    assert roster.wanted("early", at(12, 10)) == ("break", "lunch")
    assert roster.wanted("late", at(9)) == ("off", "")  # before the shift, others at work
    assert roster.wanted("early", at(15)) == ("off", "")  # home; the late one still works
    assert roster.wanted("late", at(15)) == ("work", "")


def test_an_absent_colleague_has_a_stand_in_from_those_off_shift() -> None:
    """Two of a team's four are reported absent on their shift (the demo's Maja and
    Omar): colleagues with no shift then stand in for them, those serving the same
    queues first, and take the absent ones' breaks; nobody with a shift of their own
    is pulled in, and each absent colleague has one stand-in."""
    day = Span(at(8, 30), at(16, 30))
    syd = Duty([day], [Span(at(10, 15), at(10, 30), "break")])
    vast = Duty([Span(at(8), at(18))], [])
    duties = {
        "maja": syd,
        "omar": syd,
        "lars": syd,
        "johan": vast,
        "erik": Duty(),
        "fatima": Duty(),
        "bo": Duty(),
    }
    queues = {
        "maja": frozenset({"allmant", "corona", "vaxel"}),
        "omar": frozenset({"allmant", "corona", "vaxel"}),
        "lars": frozenset({"allmant", "corona", "vaxel"}),
        "johan": frozenset({"allmant", "vaxel"}),
        "bo": frozenset({"bygglov"}),
        "erik": frozenset({"allmant", "corona", "vaxel"}),
        "fatima": frozenset({"allmant", "corona"}),
    }
    order = ["bo", "johan", "erik", "fatima", "lars", "maja", "omar"]
    roster = Roster(duties, order, {"maja": [Span(at(0), at(23, 59), "absence")]}, queues)
    assert roster.wanted("maja", at(9)) == ("off", "")
    assert roster.wanted("erik", at(9)) == ("work", "")  # most queues in common with Maja
    assert roster.wanted("erik", at(10, 20)) == ("break", "break")  # Maja's break
    assert roster.wanted("erik", at(17)) == ("off", "")  # Maja's shift is over
    assert roster.wanted("fatima", at(9)) == ("off", "")  # not needed yet
    assert roster.wanted("johan", at(9)) == ("work", "")  # their own shift
    # The server refuses Omar as reported absent (the demo replays another day than
    # the one of his absence): off for the rest of the day, Fatima stands in.
    roster.note_absent("omar", at(9, 5), ZONE)
    assert roster.wanted("omar", at(9, 10)) == ("off", "")
    assert roster.wanted("fatima", at(9, 10)) == ("work", "")
    assert roster.wanted("erik", at(9, 10)) == ("work", "")
    assert roster.wanted("bo", at(9, 10)) == ("off", "")
    assert roster.wanted("omar", at(9) + timedelta(days=1))[0] != "off"  # the next day


def test_with_nobody_scheduled_everyone_works_with_staggered_breaks() -> None:
    people = [f"p{i}" for i in range(10)]
    roster = Roster({}, people)
    evening = at(18)
    on_break_per_minute = []
    breaks_per_person = dict.fromkeys(people, 0)
    for minute in range(120):
        moment = evening + timedelta(minutes=minute)
        wanted = {p: roster.wanted(p, moment)[0] for p in people}
        assert set(wanted.values()) <= {"work", "break"}
        on_break_per_minute.append(sum(w == "break" for w in wanted.values()))
        for p in people:
            breaks_per_person[p] += wanted[p] == "break"
    assert set(breaks_per_person.values()) == {15}  # one 15-minute break every two hours
    assert max(on_break_per_minute) <= 2  # never half the centre at once


def test_the_load_follows_the_day_and_the_week() -> None:
    assert load_factor(at(9, 30)) > 2 * load_factor(at(7))  # the morning peak
    assert load_factor(at(13)) > load_factor(at(11, 30))  # the smaller one after lunch
    assert load_factor(at(9, 30)) > load_factor(at(9, 30) + timedelta(days=4))  # Monday > Friday
    assert load_factor(at(9, 30) + timedelta(days=6)) < 0.5 * load_factor(at(9, 30))  # Sunday


def test_the_demo_clock_runs_faster_and_can_replay_a_morning() -> None:
    from distans.demo import clock
    from distans.demo.traffic import parse_start

    start = parse_start("2026-12-07T09:15", "Europe/Stockholm")
    assert start == at(9, 15)
    assert parse_start("09:15", "Europe/Stockholm").time().isoformat() == "09:15:00"
    try:
        clock.start(5, "Europe/Stockholm", start.replace(tzinfo=None))
        assert at(9, 15) <= clock.local_now() < at(9, 15) + timedelta(seconds=30)
        assert clock.real_seconds(60) == 12
    finally:
        clock.start(1)
