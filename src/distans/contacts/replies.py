"""Sending a reply to the customer on the contact's own channel.

Channel apps register a sender for their channel (``register_reply_sender`` in their
``apps.py`` ready()); the desktop calls :func:`send_reply` and never needs to know
how e-mail or chat deliver it.
"""

from __future__ import annotations

from collections.abc import Callable

from distans.core.errors import InvalidInput

ReplySender = Callable[..., object]  # (contact, person, text, attachments=()) -> Message
_senders: dict[str, ReplySender] = {}


def register_reply_sender(channel: str, sender: ReplySender) -> None:
    _senders[channel] = sender


def send_reply(contact: object, person: object, text: str, attachments: tuple = ()) -> object:
    channel = getattr(contact, "channel", "")
    sender = _senders.get(channel)
    if sender is None:
        raise InvalidInput(f"Replies on the {channel} channel are not possible here.")
    return sender(contact, person, text, attachments=attachments)


# Before an agent closes a contact: what the customer has not been told. Channel apps
# register a check returning translated warnings (empty: nothing to warn about).
CloseCheck = Callable[[object], list[str]]
_close_checks: dict[str, CloseCheck] = {}


def register_close_check(channel: str, check: CloseCheck) -> None:
    _close_checks[channel] = check


def close_warnings(contact: object) -> list[str]:
    """Why closing ``contact`` now may leave the customer without an answer."""
    check = _close_checks.get(getattr(contact, "channel", ""))
    return check(contact) if check is not None else []
