"""Replies and acknowledgements: RFC 5322 threading headers, subject, loop safety."""

from __future__ import annotations

from datetime import UTC, datetime
from email import message_from_bytes, policy

import pytest
from hypothesis import given
from hypothesis import strategies as st

from distans.core.errors import InvalidInput
from distans.core.mail.case_match import CaseTag, MatchedBy, match_case
from distans.core.mail.compose import (
    MAX_REFERENCES,
    Mailbox,
    build_acknowledgement,
    build_reply,
)
from distans.core.mail.parse import ParsedMessage, parse_message
from distans.core.mail.subject import reply_subject

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
MAILBOX = Mailbox("kundtjanst@kommun.se", "Kundtjänst")


def _inbound(extra_headers: str = "", subject: str = "SV: Re: Fråga") -> ParsedMessage:
    raw = (
        "From: Åsa <asa@example.se>\r\n"
        f"Subject: {subject}\r\n"
        "Message-ID: <m3@example.se>\r\n"
        "In-Reply-To: <m2@kommun.se>\r\n"
        "References: <m1@example.se> <m2@kommun.se>\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n" + extra_headers + "\r\nHej\r\n"
    ).encode()
    return parse_message(raw, received_at=NOW)


def test_reply_threads_per_rfc_5322_and_tags_the_case() -> None:
    reply = build_reply(_inbound(), mailbox=MAILBOX, body_text="Tack!", case_number=4711, now=NOW)
    assert reply["In-Reply-To"] == "<m3@example.se>"
    assert reply["References"] == "<m1@example.se> <m2@kommun.se> <m3@example.se>"
    assert reply["Subject"] == "Re: Fråga [#4711]"
    assert reply["To"] == "Åsa <asa@example.se>"
    assert reply["Message-ID"].endswith("@kommun.se>")
    assert "Auto-Submitted" not in reply
    # and it survives a round trip through bytes
    again = message_from_bytes(reply.as_bytes(), policy=policy.default)
    assert again["Subject"] == "Re: Fråga [#4711]"


def test_reply_to_a_tagged_subject_does_not_repeat_the_tag_or_prefix() -> None:
    inbound = _inbound(subject="Re: Re: Fråga [#4711]")
    reply = build_reply(inbound, mailbox=MAILBOX, body_text="x", case_number=4711, now=NOW)
    assert reply["Subject"] == "Re: Fråga [#4711]"


def test_reply_goes_to_reply_to_and_references_are_trimmed() -> None:
    refs = " ".join(f"<r{i}@x>" for i in range(40))
    inbound = _inbound(f"Reply-To: svar@example.se\r\nX-Ignore: {refs}\r\n")
    reply = build_reply(inbound, mailbox=MAILBOX, body_text="x", case_number=None, now=NOW)
    assert reply["To"] == "svar@example.se"
    long_raw = (f"From: a@x.se\r\nMessage-ID: <last@x>\r\nReferences: {refs}\r\n\r\nx").encode()
    long_thread = parse_message(long_raw, received_at=NOW)
    refs_out = build_reply(long_thread, mailbox=MAILBOX, body_text="x", case_number=None, now=NOW)[
        "References"
    ].split()
    assert len(refs_out) == MAX_REFERENCES
    assert refs_out[0] == "<r0@x>" and refs_out[-1] == "<last@x>"


def test_reply_needs_aware_time_and_a_sender() -> None:
    with pytest.raises(InvalidInput):
        build_reply(
            _inbound(), mailbox=MAILBOX, body_text="x", case_number=1, now=datetime(2026, 1, 1)
        )
    no_sender = parse_message(b"Subject: x\r\n\r\nx", received_at=NOW)
    with pytest.raises(InvalidInput):
        build_reply(no_sender, mailbox=MAILBOX, body_text="x", case_number=1, now=NOW)


def test_acknowledgement_is_marked_auto_replied_and_carries_the_case_number() -> None:
    ack = build_acknowledgement(
        _inbound(), mailbox=MAILBOX, body_text="Ärende 4711 mottaget", case_number=4711, now=NOW
    )
    assert ack is not None
    assert ack["Auto-Submitted"] == "auto-replied"
    assert ack["X-Auto-Response-Suppress"] == "All"
    assert ack["Subject"] == "Re: Fråga [#4711]"
    assert ack["In-Reply-To"] == "<m3@example.se>"


@pytest.mark.parametrize(
    "headers",
    [
        "Auto-Submitted: auto-replied\r\n",
        "Precedence: bulk\r\n",
        "Return-Path: <>\r\n",
        "X-Loop: kundtjanst@kommun.se\r\n",
    ],
)
def test_no_acknowledgement_to_automatic_mail(headers: str) -> None:
    raw = "From: a@example.se\r\nMessage-ID: <q@x>\r\nSubject: x\r\n" + headers + "\r\nx"
    inbound = parse_message(raw.encode(), received_at=NOW, own_addresses=(MAILBOX.address,))
    ack = build_acknowledgement(inbound, mailbox=MAILBOX, body_text="x", case_number=1, now=NOW)
    assert ack is None


def test_our_own_acknowledgement_coming_back_is_never_answered() -> None:
    ack = build_acknowledgement(_inbound(), mailbox=MAILBOX, body_text="x", case_number=9, now=NOW)
    assert ack is not None
    echoed = parse_message(ack.as_bytes(), received_at=NOW, own_addresses=(MAILBOX.address,))
    assert (
        build_acknowledgement(echoed, mailbox=MAILBOX, body_text="x", case_number=9, now=NOW)
        is None
    )
    # even when the other side rewrote From, Auto-Submitted stops the loop
    foreign = parse_message(ack.as_bytes(), received_at=NOW)
    assert foreign.classification.kind.value == "auto_reply"


def test_case_match_prefers_headers_then_the_case_tag() -> None:
    known = {"<m2@kommun.se>": 17, "<m1@example.se>": 5}
    by_headers = match_case(
        references=("<m1@example.se>", "<m2@kommun.se>"), subject="[#99]", case_of_message_id=known
    )
    assert (by_headers.case_id, by_headers.matched_by) == (17, MatchedBy.HEADERS)
    by_tag = match_case(references=("<zz@x>",), subject="SV: Fråga [#99]", case_of_message_id=known)
    assert (by_tag.case_id, by_tag.matched_by) == (99, MatchedBy.CASE_TAG)
    unknown_tag = match_case(
        references=(), subject="[#99]", case_of_message_id=known, case_exists=lambda n: n != 99
    )
    assert (unknown_tag.case_id, unknown_tag.matched_by) == (None, MatchedBy.NEW_CASE)


@pytest.mark.parametrize(
    ("template", "subject", "number"),
    [
        ("[#<digits>]", "Re: Fråga [#12345]", 12345),
        ("[#<digits>]", "Re: Fråga [#12345 ]", 12345),
        ("[#<digits>]", "[#1] and later [#22]", 22),
        ("[#<digits>]", "Order #12345", None),
        ("[#<digits>]", "[#12a45]", None),
        ("Ärende <digits>", "SV: ärende 12345: hej", 12345),
        ("Ärende <digits>", "Ärende12345", 12345),
        ("Ärende <digits>", "Ärende x", None),
    ],
)
def test_case_tag_reads_the_configured_pattern(
    template: str, subject: str, number: int | None
) -> None:
    assert CaseTag(template).find(subject) == number


def test_case_tag_round_trips_and_rejects_templates_without_digits() -> None:
    tag = CaseTag("Ärende <digits>")
    assert tag.find(tag.add_to("Hej", 8)) == 8
    assert tag.add_to("Hej Ärende 8", 8) == "Hej Ärende 8"
    with pytest.raises(InvalidInput):
        CaseTag("[#]")


@given(st.text(max_size=60), st.integers(min_value=0, max_value=10**9))
def test_case_tag_added_to_any_subject_is_found_again(subject: str, number: int) -> None:
    for template in ("[#<digits>]", "Ärende <digits>"):
        tag = CaseTag(template)
        tagged = tag.add_to(subject, number)
        assert tag.find(tagged) == number
        assert tag.add_to(tagged, number) == tagged


@given(
    st.lists(st.sampled_from(["Re: ", "SV: ", "AW:", "Fwd: ", "VS: ", "RE[2]: ", "[list] "])),
    st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=30),
)
def test_reply_subject_is_idempotent_and_never_stacks(prefixes: list[str], rest: str) -> None:
    once = reply_subject("".join(prefixes) + rest)
    assert reply_subject(once) == once
    assert not once.lower().startswith(("re: re:", "re: sv:", "re: aw:"))
