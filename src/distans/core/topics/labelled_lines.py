"""Parse JSON lines of labelled (or unlabelled) texts, reporting bad lines.

Each line is a JSON object with a string ``text`` and, for training, a string
``topic``. Blank lines are ignored. A bad line is skipped and reported with its
1-based line number and the reason; nothing else is lost.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field


@dataclass
class LabelledTexts:
    """Texts with their topics (``None`` where a line had no topic) and bad lines."""

    texts: list[str] = field(default_factory=list)
    topics: list[str | None] = field(default_factory=list)
    bad_lines: list[tuple[int, str]] = field(default_factory=list)


def parse_labelled_lines(lines: Iterable[str | bytes], *, topic_required: bool) -> LabelledTexts:
    """Read JSON lines into texts and topics; see the module docstring for the rules.

    Lines given as bytes are decoded as UTF-8 (a byte-order mark is ignored); a line
    that is not UTF-8 is reported like any other bad line.
    """
    result = LabelledTexts()
    for number, raw in enumerate(lines, start=1):
        if isinstance(raw, bytes):
            try:
                line = raw.decode("utf-8-sig" if number == 1 else "utf-8")
            except UnicodeDecodeError:
                result.bad_lines.append((number, "not UTF-8 text"))
                continue
        else:
            line = raw
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            result.bad_lines.append((number, f"not valid JSON ({exc.msg})"))
            continue
        if not isinstance(row, dict):
            result.bad_lines.append((number, "not a JSON object"))
            continue
        text = row.get("text")
        topic = row.get("topic")
        if not isinstance(text, str) or not text.strip():
            result.bad_lines.append((number, "missing or empty 'text'"))
            continue
        if topic is not None and (not isinstance(topic, str) or not topic.strip()):
            result.bad_lines.append((number, "'topic' is not a non-empty string"))
            continue
        if topic is None and topic_required:
            result.bad_lines.append((number, "missing 'topic'"))
            continue
        result.texts.append(text)
        result.topics.append(topic.strip() if topic is not None else None)
    return result
