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


def send_reply(contact: object, person: object, text: str, attachments: tuple = ()) -> object:  # type: ignore[type-arg]
    channel = getattr(contact, "channel", "")
    sender = _senders.get(channel)
    if sender is None:
        raise InvalidInput(f"Replies on the {channel} channel are not possible here.")
    return sender(contact, person, text, attachments=attachments)
