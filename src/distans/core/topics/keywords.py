"""Cold-start topic evidence from keywords, robust to inflection and compounds.

Each keyword (or each word of a keyword phrase) is reduced with
:func:`~distans.core.topics.text.light_stem`; a stem of four or more characters then
matches anywhere inside a word, so the keyword "vaccin" (or "vaccination") matches
"vaccinationen", "coronavaccinet" and Norwegian "vaksine" does "vaksinasjonen".
Shorter stems must start a word. All stems go into one regular expression
(longest first), so matching costs one scan of each text whatever the number of
topics.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import numpy as np
from numpy.typing import NDArray

from distans.core.topics.text import light_stem, normalise_text, words

_INFIX_MIN_CHARS = 4


def keyword_pattern(keyword: str) -> str | None:
    """Return the regular expression for one keyword or phrase (None if it has no word)."""
    stems = [light_stem(w) for w in words(normalise_text(keyword))]
    if not stems:
        return None
    parts = []
    for i, stem in enumerate(stems):
        head = r"\w*" if len(stem) >= _INFIX_MIN_CHARS else r"\b"
        if i > 0:
            head = r"\W+" + (r"\w*" if len(stem) >= _INFIX_MIN_CHARS else "")
        parts.append(head + re.escape(stem))
    return "".join(parts)


class KeywordMatcher:
    """Count, per topic, how many distinct keywords of that topic occur in a text."""

    def __init__(self, keywords_by_topic: Mapping[str, Sequence[str]], topics: Sequence[str]):
        self.topics = tuple(topics)
        column = {t: i for i, t in enumerate(self.topics)}
        self._owners: list[tuple[int, int]] = []  # group index -> (topic column, keyword id)
        patterns: list[tuple[int, str]] = []
        keyword_id = 0
        for topic, keywords in keywords_by_topic.items():
            for keyword in keywords:
                pattern = keyword_pattern(keyword)
                if pattern is None:
                    continue
                patterns.append((len(pattern), pattern))
                self._owners.append((column[topic], keyword_id))
                keyword_id += 1
        self.keyword_count = keyword_id
        order = sorted(range(len(patterns)), key=lambda i: -patterns[i][0])
        self._owners = [self._owners[i] for i in order]
        self._regex = (
            re.compile("|".join(f"({patterns[i][1]})" for i in order)) if patterns else None
        )

    def counts(self, texts: Sequence[str]) -> NDArray[np.float64]:
        """Return a (texts × topics) array of distinct matched keywords per topic."""
        result = np.zeros((len(texts), len(self.topics)))
        if self._regex is None:
            return result
        for row, text in enumerate(texts):
            seen: set[int] = set()
            for match in self._regex.finditer(normalise_text(text)):
                column, keyword_id = self._owners[(match.lastindex or 1) - 1]
                if keyword_id not in seen:
                    seen.add(keyword_id)
                    result[row, column] += 1.0
        return result
