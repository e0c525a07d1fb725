"""Attach an inbound message to an existing case: headers first, case tag second.

A reply normally names the messages it answers in ``In-Reply-To`` and ``References``
(RFC 5322 §3.6.4); when it does, the case that holds the most recent of those
messages wins. Many mail programs and web-mail forms drop those headers, so the
subject's case tag is the fallback: Distans writes ``[#12345]`` into every subject it
sends (the template is configurable, e.g. ``"Ärende <digits>"``) and reads it back.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from distans.core.errors import InvalidInput

DIGITS_PLACEHOLDER = "<digits>"
DEFAULT_CASE_TAG_TEMPLATE = "[#<digits>]"


@dataclass(frozen=True)
class CaseTag:
    """A case-number tag in a subject, written from a template such as ``[#<digits>]``.

    Reading is case-insensitive and tolerant of white space where the template has
    it and around the digits (``[#12345 ]``, ``ärende  12345``); the digits must not
    touch other digits.
    """

    template: str = DEFAULT_CASE_TAG_TEMPLATE

    def __post_init__(self) -> None:
        if self.template.count(DIGITS_PLACEHOLDER) != 1:
            raise InvalidInput("The case tag template must contain <digits> exactly once.")

    @property
    def pattern(self) -> re.Pattern[str]:
        """The compiled regular expression that finds the tag; group 1 is the number."""
        before, after = self.template.split(DIGITS_PLACEHOLDER)

        def loose(literal: str) -> str:
            return r"\s*".join(re.escape(word) for word in literal.split())

        return re.compile(rf"{loose(before)}\s*(?<!\d)(\d+)(?!\d)\s*{loose(after)}", re.IGNORECASE)

    def format(self, case_number: int) -> str:
        """The tag for ``case_number``, e.g. ``[#12345]``."""
        return self.template.replace(DIGITS_PLACEHOLDER, str(case_number))

    def find(self, subject: str) -> int | None:
        """The case number in ``subject`` (the last tag when there are several)."""
        matches = self.pattern.findall(subject)
        return int(matches[-1]) if matches else None

    def add_to(self, subject: str, case_number: int) -> str:
        """``subject`` with the tag appended, unless that case's tag is already there."""
        if self.find(subject) == case_number:
            return subject
        tag = self.format(case_number)
        return f"{subject} {tag}" if subject else tag


class MatchedBy(StrEnum):
    """How an inbound message was attached to a case (shown to the agent)."""

    HEADERS = "headers"
    CASE_TAG = "case_tag"
    NEW_CASE = "new_case"


@dataclass(frozen=True)
class CaseMatch:
    """The case a message belongs to, or ``case_id=None`` for a new case."""

    case_id: int | None
    matched_by: MatchedBy


def match_case(
    *,
    references: tuple[str, ...],
    subject: str,
    case_of_message_id: Mapping[str, int] | Callable[[str], int | None],
    case_exists: Callable[[int], bool] = lambda _case_number: True,
    case_tag: CaseTag | None = None,
) -> CaseMatch:
    """Find the case for an inbound message.

    ``references`` is In-Reply-To/References in header order (oldest first); the most
    recent id known in ``case_of_message_id`` decides. Otherwise the case tag in the
    subject decides when ``case_exists`` accepts the number (a tag typed by a stranger
    must not open someone else's case: the caller checks e.g. the sender's address).
    """
    lookup = (
        case_of_message_id.get if isinstance(case_of_message_id, Mapping) else case_of_message_id
    )
    for message_id in reversed(references):
        case_id = lookup(message_id)
        if case_id is not None:
            return CaseMatch(case_id, MatchedBy.HEADERS)
    tag = case_tag if case_tag is not None else CaseTag()
    number = tag.find(subject)
    if number is not None and case_exists(number):
        return CaseMatch(number, MatchedBy.CASE_TAG)
    return CaseMatch(None, MatchedBy.NEW_CASE)
