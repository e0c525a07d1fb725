"""Text that no field may hold: the one check every edge (API bodies and queries, web
forms, the chat socket) runs before anything is stored.

- NUL (U+0000): PostgreSQL's text type cannot store it (SQLite can, so a suite on
  SQLite alone never notices); a write with it fails deep in the database.
- Unpaired surrogates (U+D800–U+DFFF alone, e.g. JSON ``"\\ud800"``): not characters;
  they cannot be encoded as UTF-8, so sending or storing them fails.
- Nesting deeper than :data:`MAX_DEPTH`: no input of Distans is that deep; a deeper one
  only costs the server stack.

:func:`text_problem` answers why a value is refused (or None); :func:`clean_text`
replaces what cannot be stored, for inputs that must never be refused (a received
e-mail, an imported file's row).
"""

from __future__ import annotations

import re
from typing import Any

MAX_DEPTH = 32

NUL = "nul"
SURROGATE = "surrogate"
TOO_DEEP = "too_deep"

_BAD = re.compile("[\x00\ud800-\udfff]")


def _str_problem(value: str) -> str | None:
    match = _BAD.search(value)
    if match is None:
        return None
    return NUL if match.group() == "\x00" else SURROGATE


def text_problem(value: Any, depth: int = 0) -> str | None:
    """Why ``value`` (a str, or dicts/lists/tuples of them, keys included) cannot be
    taken: :data:`NUL`, :data:`SURROGATE`, :data:`TOO_DEEP`; None when it can."""
    if isinstance(value, str):
        return _str_problem(value)
    if isinstance(value, (dict, list, tuple)):
        if depth >= MAX_DEPTH:
            return TOO_DEEP
        items = value.items() if isinstance(value, dict) else ((None, v) for v in value)
        for key, item in items:
            problem = (_str_problem(key) if isinstance(key, str) else None) or text_problem(
                item, depth + 1
            )
            if problem is not None:
                return problem
    return None


def clean_text(value: str) -> str:
    """``value`` with NUL and unpaired surrogates replaced by U+FFFD (the replacement
    character), so it can be stored and shown."""
    return _BAD.sub("\ufffd", value) if _BAD.search(value) else value
