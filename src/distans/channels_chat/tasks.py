"""Periodic chat jobs."""

from __future__ import annotations

from distans.background import every
from distans.channels_chat.actions import do_abandon_gone_visitors


@every(30)
def abandon_gone_visitors() -> None:
    """Waiting chats whose visitor closed the tab without saying goodbye."""
    do_abandon_gone_visitors()
