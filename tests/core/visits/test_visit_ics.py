"""The visit's calendar file: UTC times, stable UID, escaping, folding, cancellation."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from distans.core.errors import InvalidInput
from distans.core.visits import IcsEvent, visit_ics

START = datetime(2026, 12, 8, 8, 0, tzinfo=UTC)
END = datetime(2026, 12, 8, 8, 30, tzinfo=UTC)


def event(**kwargs) -> IcsEvent:  # type: ignore[no-untyped-def]
    fields = {
        "uid": "visit-7@distans",
        "starts_at": START,
        "ends_at": END,
        "summary": "Bygglovsmöte",
    }
    return IcsEvent(**{**fields, **kwargs})


def unfold(text: str) -> list[str]:
    return text.replace("\r\n ", "").split("\r\n")


def test_the_file_has_one_event_in_utc_with_crlf_lines() -> None:
    text = visit_ics(event(location="Stadshuset, plan 2; rum 4"), stamp=START)
    lines = unfold(text)
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
    assert "DTSTART:20261208T080000Z" in lines and "DTEND:20261208T083000Z" in lines
    assert "UID:visit-7@distans" in lines and "METHOD:PUBLISH" in lines
    assert "LOCATION:Stadshuset\\, plan 2\\; rum 4" in lines


def test_long_lines_fold_at_75_octets_without_splitting_characters() -> None:
    text = visit_ics(event(description="åäö " * 60), stamp=START)
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    assert "DESCRIPTION:" + ("åäö " * 60).rstrip() + " " in unfold(text)


def test_a_cancellation_has_the_same_uid_and_a_higher_sequence() -> None:
    lines = unfold(visit_ics(event(sequence=2), stamp=START, cancelled=True))
    assert "METHOD:CANCEL" in lines and "STATUS:CANCELLED" in lines
    assert "UID:visit-7@distans" in lines and "SEQUENCE:2" in lines


def test_an_event_must_end_after_it_starts() -> None:
    with pytest.raises(InvalidInput):
        visit_ics(event(ends_at=START), stamp=START)
