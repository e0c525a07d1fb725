"""Loop protection: classification of robots, lists, bounces, our own mail; rate limits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from distans.core.errors import InvalidInput
from distans.core.mail.loop_protection import LoopSignals, MailKind, classify_mail
from distans.core.mail.parse import parse_message
from distans.core.mail.rate_limit import SenderRateLimiter, take_token

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
OWN = ("kundtjanst@kommun.se", "Support@Kommun.se")


def _classify(headers: str, body: str = "hej") -> MailKind:
    raw = ("Message-ID: <x@y>\r\n" + headers + "\r\n" + body).encode()
    return parse_message(raw, received_at=NOW, own_addresses=OWN).classification.kind


@pytest.mark.parametrize(
    ("headers", "kind"),
    [
        ("From: a@example.se\r\n", MailKind.HUMAN),
        ("From: a@example.se\r\nAuto-Submitted: no\r\n", MailKind.HUMAN),
        ("From: a@example.se\r\nAuto-Submitted: auto-replied\r\n", MailKind.AUTO_REPLY),
        ("From: a@example.se\r\nAuto-Submitted: auto-generated; owner=x\r\n", MailKind.AUTO_REPLY),
        ("From: a@example.se\r\nX-Autoreply: yes\r\n", MailKind.AUTO_REPLY),
        ("From: a@example.se\r\nX-Autorespond: x\r\n", MailKind.AUTO_REPLY),
        ("From: a@example.se\r\nX-Auto-Response-Suppress: All\r\n", MailKind.AUTO_REPLY),
        ("From: a@example.se\r\nPrecedence: bulk\r\n", MailKind.BULK),
        ("From: a@example.se\r\nPrecedence: Junk\r\n", MailKind.BULK),
        ("From: a@example.se\r\nList-Id: Nyheter <news.example.se>\r\n", MailKind.BULK),
        ("From: a@example.se\r\nList-Unsubscribe: <mailto:u@x>\r\n", MailKind.BULK),
        ("From: MAILER-DAEMON@mx.example.se\r\n", MailKind.BOUNCE),
        ("From: a@example.se\r\nReturn-Path: <>\r\n", MailKind.BOUNCE),
        ("From: a@example.se\r\nX-Failed-Recipients: b@x\r\n", MailKind.BOUNCE),
        ("From: Kundtjänst <KUNDTJANST@kommun.se>\r\n", MailKind.OWN_MAILBOX),
        ("From: a@example.se\r\nX-Loop: support@kommun.se\r\n", MailKind.OWN_MAILBOX),
        # precedence of rules: our own auto-reply is "own", a bounce from a list a bounce
        ("From: support@kommun.se\r\nAuto-Submitted: auto-replied\r\n", MailKind.OWN_MAILBOX),
        ("From: a@example.se\r\nReturn-Path: <>\r\nPrecedence: list\r\n", MailKind.BOUNCE),
    ],
)
def test_classification(headers: str, kind: MailKind) -> None:
    assert _classify(headers) == kind


def test_delivery_status_report_is_a_bounce_and_only_human_mail_may_be_answered() -> None:
    headers = (
        "From: postmaster@mx.example.se\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="b"\r\n'
    )
    body = "--b\r\nContent-Type: text/plain\r\n\r\nfailed\r\n--b--\r\n"
    raw = ("Message-ID: <x@y>\r\n" + headers + "\r\n" + body).encode()
    classification = parse_message(raw, received_at=NOW).classification
    assert classification.kind is MailKind.BOUNCE
    assert classification.reasons == ("delivery_status_report",)
    assert not classification.may_auto_reply
    assert classify_mail(LoopSignals(sender_address="a@b.se")).may_auto_reply


def test_token_bucket_allows_a_burst_then_one_per_refill_interval() -> None:
    limiter = SenderRateLimiter(capacity=3, refill_per_second=1 / 600)  # one per 10 min
    assert [limiter.allow("A@x.se", NOW) for _ in range(4)] == [True, True, True, False]
    assert limiter.allow("b@x.se", NOW)  # other senders are not affected
    assert not limiter.allow("a@x.se", NOW + timedelta(minutes=9))
    assert limiter.allow("a@X.se", NOW + timedelta(minutes=10, seconds=1))
    assert not limiter.allow("a@x.se", NOW + timedelta(minutes=11))


def test_forget_full_drops_only_refilled_buckets() -> None:
    limiter = SenderRateLimiter(capacity=2, refill_per_second=1 / 60)
    limiter.allow("a@x", NOW)
    limiter.allow("b@x", NOW + timedelta(seconds=50))
    limiter.forget_full(NOW + timedelta(seconds=61))
    assert set(limiter.buckets) == {"b@x"}


def test_rate_limiter_rejects_naive_times() -> None:
    with pytest.raises(InvalidInput):
        take_token(None, datetime(2026, 1, 1), capacity=1, refill_per_second=1)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.integers(min_value=0, max_value=10_000), min_size=1, max_size=60),
    st.integers(min_value=1, max_value=10),
    st.integers(min_value=1, max_value=3600),
)
def test_allowed_messages_never_exceed_capacity_plus_refill(
    offsets: list[int], capacity: int, seconds_per_token: int
) -> None:
    # invariant of a token bucket: over any run, allowed ≤ capacity + rate × duration
    times = [NOW + timedelta(seconds=s) for s in sorted(offsets)]
    state = None
    allowed = 0
    for time in times:
        ok, state = take_token(
            state, time, capacity=capacity, refill_per_second=1 / seconds_per_token
        )
        allowed += ok
    duration = (times[-1] - times[0]).total_seconds()
    assert allowed <= capacity + duration / seconds_per_token + 1e-9
    assert allowed >= min(len(times), capacity)
