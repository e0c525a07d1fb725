"""Loop protection: which inbound mail must never get an automatic answer.

An automatic acknowledgement sent to another robot can start a mail loop. Following
RFC 3834 ("Recommendations for Automatic Responses to Electronic Mail") §2 and the
headers real systems send, a message is classified, in this order of precedence:

* ``own_mailbox`` — From one of the organisation's own mailbox addresses, or an
  ``X-Loop`` header naming one of them;
* ``bounce`` — a delivery status notification: ``multipart/report;
  report-type=delivery-status`` (RFC 3464), an empty Return-Path ``<>`` (RFC 5321
  §4.5.5), a ``MAILER-DAEMON`` sender, or ``X-Failed-Recipients``;
* ``auto_reply`` — ``Auto-Submitted`` other than ``no`` (RFC 3834 §5), ``X-Autoreply``,
  ``X-Autorespond``, or Exchange's ``X-Auto-Response-Suppress`` (set on out-of-office
  replies);
* ``bulk`` — ``Precedence: bulk/junk/list`` or a mailing-list header (``List-Id``,
  ``List-Unsubscribe``, RFC 2369/2919): nobody is waiting for a personal answer;
* ``human`` — everything else. Only ``human`` mail is acknowledged automatically.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


class MailKind(StrEnum):
    """What sent a message, as far as loop protection is concerned."""

    HUMAN = "human"
    BULK = "bulk"
    AUTO_REPLY = "auto_reply"
    BOUNCE = "bounce"
    OWN_MAILBOX = "own_mailbox"


@dataclass(frozen=True)
class LoopSignals:
    """The header facts loop protection looks at (all strings already decoded)."""

    sender_address: str = ""
    return_path: str | None = None
    content_type: str = "text/plain"
    report_type: str = ""
    auto_submitted: str | None = None
    x_autoreply: bool = False
    x_autorespond: bool = False
    x_auto_response_suppress: str | None = None
    precedence: str | None = None
    list_id: str | None = None
    list_unsubscribe: bool = False
    x_failed_recipients: bool = False
    x_loop: tuple[str, ...] = ()


@dataclass(frozen=True)
class MailClassification:
    """The kind of a message and the reason codes that led there (for the agent)."""

    kind: MailKind
    reasons: tuple[str, ...]

    @property
    def may_auto_reply(self) -> bool:
        """True only for human mail: never answer robots, lists, bounces or ourselves."""
        return self.kind is MailKind.HUMAN


def _bare(address: str) -> str:
    return address.strip().strip("<>").strip().casefold()


def classify_mail(signals: LoopSignals, own_addresses: Iterable[str] = ()) -> MailClassification:
    """Classify a message by the rules in the module docstring (first match wins)."""
    own = {_bare(a) for a in own_addresses if a.strip()}
    sender = _bare(signals.sender_address)
    rules: list[tuple[MailKind, str, bool]] = [
        (MailKind.OWN_MAILBOX, "from_own_mailbox", bool(sender) and sender in own),
        (MailKind.OWN_MAILBOX, "x_loop_own_mailbox", any(_bare(x) in own for x in signals.x_loop)),
        (
            MailKind.BOUNCE,
            "delivery_status_report",
            signals.content_type == "multipart/report"
            and signals.report_type.lower() == "delivery-status",
        ),
        (
            MailKind.BOUNCE,
            "empty_return_path",
            signals.return_path is not None and _bare(signals.return_path) == "",
        ),
        (MailKind.BOUNCE, "mailer_daemon", sender.split("@")[0] == "mailer-daemon"),
        (MailKind.BOUNCE, "x_failed_recipients", signals.x_failed_recipients),
        (
            MailKind.AUTO_REPLY,
            "auto_submitted",
            signals.auto_submitted is not None
            and signals.auto_submitted.split(";")[0].strip().lower() not in ("no", ""),
        ),
        (MailKind.AUTO_REPLY, "x_autoreply", signals.x_autoreply),
        (MailKind.AUTO_REPLY, "x_autorespond", signals.x_autorespond),
        (
            MailKind.AUTO_REPLY,
            "x_auto_response_suppress",
            signals.x_auto_response_suppress is not None
            and any(
                token.strip().lower() in ("all", "oof", "autoreply")
                for token in signals.x_auto_response_suppress.split(",")
            ),
        ),
        (
            MailKind.BULK,
            "precedence_bulk",
            (signals.precedence or "").strip().lower() in ("bulk", "junk", "list"),
        ),
        (MailKind.BULK, "list_id", bool(signals.list_id and signals.list_id.strip())),
        (MailKind.BULK, "list_unsubscribe", signals.list_unsubscribe),
    ]
    reasons = tuple(code for _, code, hit in rules if hit)
    kind = next((k for k, _, hit in rules if hit), MailKind.HUMAN)
    return MailClassification(kind, reasons)
