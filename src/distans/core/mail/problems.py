"""Codes for what was wrong with an inbound message (translated at the web edge)."""

from __future__ import annotations

from enum import StrEnum


class ParseProblem(StrEnum):
    """A defect found while parsing; the parser keeps going and lists these."""

    MISSING_MESSAGE_ID = "missing_message_id"
    MISSING_DATE = "missing_date"
    INVALID_DATE = "invalid_date"
    DATE_IN_FUTURE = "date_in_future"
    MISSING_FROM = "missing_from"
    INVALID_ADDRESS = "invalid_address"
    INVALID_HEADER = "invalid_header"
    RAW_8BIT_HEADER = "raw_8bit_header"
    UNKNOWN_CHARSET = "unknown_charset"
    UNDECODABLE_TEXT = "undecodable_text"
    BROKEN_MIME = "broken_mime"
    NO_TEXT_BODY = "no_text_body"
    ATTACHMENT_TOO_LARGE = "attachment_too_large"
    ATTACHMENTS_OVER_MESSAGE_LIMIT = "attachments_over_message_limit"
    TOO_MANY_PARTS = "too_many_parts"
    UNPARSEABLE = "unparseable"
