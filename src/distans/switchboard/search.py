"""Directory search: one normalisation for what is stored and what is typed.

Text is case-folded and stripped of diacritics ("Östersund" → "ostersund", so typing
"ostersund" or "Öster" both find it), split into words; every word of an entry is a
:class:`SearchTerm` row. A query matches an entry when each typed word is the start
of one of its words. The longest typed word picks the candidates through the term
index (a range scan on SQLite, ``LIKE 'x%'`` on the ``varchar_pattern_ops`` index on
PostgreSQL); the other words are checked against the entry's ``search_text``."""

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


def matching(entries: QuerySet[Any], organisation_id: int, query: str) -> QuerySet[Any]:
    """Entries (of ``entries``, already the organisation's) matching every typed word."""
    from distans.switchboard.models import SearchTerm

    typed = [w[:MAX_TERM] for w in words(query)]
    if not typed:
        return entries.none()
    lead = max(typed, key=len)
    terms = SearchTerm.objects.filter(organisation_id=organisation_id)
    if connection.vendor == "postgresql":
        terms = terms.filter(term__startswith=lead)
    else:
        terms = terms.filter(term__gte=lead, term__lt=lead + "\U0010ffff")
    result = entries.filter(pk__in=terms.values("entry_id"))
    for other in typed:
        if other != lead:
            result = result.filter(search_text__contains=" " + other)
    return result
