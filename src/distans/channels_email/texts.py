"""Translated labels for what was wrong with an inbound mail (codes from
``distans.core.mail.problems.ParseProblem`` plus ``message_too_large``), and for the
loop-protection kinds — for the desk to show next to a message or contact."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

PROBLEM_LABELS: dict[str, Promise] = {
    "missing_message_id": _("The message had no Message-ID."),
    "missing_date": _("The message had no date; the time it arrived is used."),
    "invalid_date": _("The message's date could not be read; the time it arrived is used."),
    "date_in_future": _("The message was dated in the future; the time it arrived is used."),
    "missing_from": _("The message had no sender."),
    "invalid_address": _("An address in the message could not be read."),
    "invalid_header": _("A header of the message could not be read."),
    "raw_8bit_header": _("A header contained unencoded characters; they may look wrong."),
    "unknown_charset": _("The message named an unknown character set; text may look wrong."),
    "undecodable_text": _("Some text could not be decoded and may look wrong."),
    "broken_mime": _("The message's structure was broken; parts may be missing."),
    "no_text_body": _("The message had no text."),
    "attachment_too_large": _("An attachment was too large and was not kept."),
    "attachments_over_message_limit": _(
        "The attachments together were too large; some were not kept."
    ),
    "too_many_parts": _("The message had too many parts; some were not kept."),
    "unparseable": _("The message could not be read; its raw text is shown."),
    "message_too_large": _("The message was too large to fetch; only its header was kept."),
}

KIND_LABELS: dict[str, Promise] = {
    "human": _("From a person"),
    "bulk": _("Bulk or mailing-list mail"),
    "auto_reply": _("Automatic reply"),
    "bounce": _("Delivery failure notice"),
    "own_mailbox": _("From our own mailbox"),
}


def problem_labels(codes: list[str]) -> list[str]:
    """The translated lines for ``codes`` (unknown codes are shown as they are)."""
    return [str(PROBLEM_LABELS.get(code, code)) for code in codes]
