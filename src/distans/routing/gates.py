"""Checks other apps register to hold an agent back from going available.

A gate is ``gate(person) -> None`` and raises a :class:`distans.core.errors.CoreError`
(with a message the desk translates) when the person may not go available yet; e.g.
``distans.announcements`` while a must-acknowledge announcement is unacknowledged.
Routing stays unaware of who registered what.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

# Filled once at start-up (AppConfig.ready); a tuple, so no per-process state hides here.
_gates: tuple[Callable[[Any], None], ...] = ()


def register_presence_gate(gate: Callable[[Any], None]) -> None:
    global _gates
    if gate not in _gates:
        _gates = (*_gates, gate)


def check_may_go_available(person: Any) -> None:
    for gate in _gates:
        gate(person)
