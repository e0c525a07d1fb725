"""Directory search: one normalisation for what is stored and what is typed.

Text is case-folded and stripped of diacritics ("Östersund" → "ostersund", so typing
"ostersund" or "Öster" both find it), split into words; every word of an entry is a
:class:`SearchTerm` row. A query matches an entry when each typed word is the start
of one of its words: each typed word is an index range scan of the terms (``term >=
'x' AND term < 'x\U0010ffff'`` on SQLite, ``LIKE 'x%'`` on the ``varchar_pattern_ops``
index on PostgreSQL), intersected. ``search_text`` keeps the same words in one column
(what the entry is found by, for the administrator and for checks)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import Any

from django.db import connection
from django.db.models import QuerySet

WORD = re.compile(r"[0-9a-z]+")
MAX_TERM = 100
RESULTS = 25
CANDIDATES = 1000


def normalise(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def words(text: str) -> list[str]:
    return WORD.findall(normalise(text))


def entry_words(*fields: str) -> list[str]:
    """The distinct words of an entry's searchable fields (phone numbers as digits)."""
    seen: dict[str, None] = {}
    for field in fields:
        for word in words(field):
            seen.setdefault(word[:MAX_TERM], None)
        digits = re.sub(r"\D", "", field)
        if len(digits) >= 4 and field.strip().startswith(("+", "0")):
            seen.setdefault(digits[:MAX_TERM], None)
            seen.setdefault(digits[-4:], None)  # the extension people say
    return list(seen)


def search_text_of(terms: Iterable[str]) -> str:
    """Stored with a leading space so " word" finds a word's start anywhere."""
    return " " + " ".join(terms)


def _starting(organisation_id: int, prefix: str) -> QuerySet[Any]:
    """Entry ids with a word starting with ``prefix``: an index range scan."""
    from distans.switchboard.models import SearchTerm

    terms = SearchTerm.objects.filter(organisation_id=organisation_id)
    if connection.vendor == "postgresql":
        terms = terms.filter(term__startswith=prefix)  # LIKE 'x%' on varchar_pattern_ops
    else:
        terms = terms.filter(term__gte=prefix, term__lt=prefix + "\U0010ffff")
    return terms.values_list("entry_id", flat=True)


def matching(entries: QuerySet[Any], organisation_id: int, query: str) -> QuerySet[Any]:
    """Entries (of ``entries``, already the organisation's) matching every typed word.

    The candidates are the intersection of each word's term range, at most
    ``CANDIDATES`` of them: a one-letter query in a directory of 100,000 reads a
    bounded slice of the index instead of sorting half the directory by name (the
    operator types a second letter; the 25 shown are then the right ones)."""
    typed = list(dict.fromkeys(w[:MAX_TERM] for w in words(query)))
    if not typed:
        return entries.none()
    typed.sort(key=len, reverse=True)
    candidates = _starting(organisation_id, typed[0])
    for other in typed[1:]:
        candidates = candidates.intersection(_starting(organisation_id, other))
    ids = list(candidates[:CANDIDATES])
    return entries.filter(pk__in=ids)
