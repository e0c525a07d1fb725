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
from django.db.models import Exists, OuterRef, Q, QuerySet

WORD = re.compile(r"[0-9a-z]+")
MAX_TERM = 100
RESULTS = 25
COMMON = 2000  # terms: a typed word at least this common is read in name order
SCAN = 10000  # entries: how far in name order the common path looks


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


def _range(prefix: str) -> dict[str, str]:
    """The lookups of "a word starting with ``prefix``": an index range scan."""
    if connection.vendor == "postgresql":
        return {"term__startswith": prefix}  # LIKE 'x%' on varchar_pattern_ops
    return {"term__gte": prefix, "term__lt": prefix + "\U0010ffff"}


def _starting(organisation_id: int, prefix: str) -> QuerySet[Any]:
    """Entry ids with a word starting with ``prefix`` (the organisation's terms)."""
    from distans.switchboard.models import SearchTerm

    terms = SearchTerm.objects.filter(organisation_id=organisation_id, **_range(prefix))
    return terms.values_list("entry_id", flat=True)


def _has_word(prefix: str) -> Exists:
    """The entry (outer row) has a word starting with ``prefix``: one seek of the
    (entry, term) index."""
    from distans.switchboard.models import SearchTerm

    return Exists(SearchTerm.objects.filter(entry_id=OuterRef("pk"), **_range(prefix)))


def _terms_up_to(organisation_id: int, prefix: str, cap: int) -> int:
    """How many terms start with ``prefix``, counted no further than ``cap`` (a
    bounded slice of the index: cheap however common the prefix is)."""
    from distans.switchboard.models import SearchTerm

    terms = SearchTerm.objects.filter(organisation_id=organisation_id, **_range(prefix))
    return terms.values("term")[:cap].count()  # from the index alone


def typed_words(query: str) -> list[str]:
    return list(dict.fromkeys(w[:MAX_TERM] for w in words(query)))


def matching(entries: QuerySet[Any], organisation_id: int, query: str) -> QuerySet[Any]:
    """All entries (of ``entries``, already the organisation's) with, for every typed
    word, a word starting with it — unordered, unbounded: the definition of a match
    (:func:`first` is the fast way to the first ones by name)."""
    typed = typed_words(query)
    if not typed:
        return entries.none()
    found = entries
    for word in typed:
        found = found.filter(_has_word(word))
    return found


def first(
    entries: QuerySet[Any], organisation_id: int, query: str, limit: int = RESULTS
) -> list[Any]:
    """The first ``limit`` matching entries (of ``entries``: the organisation's) by
    (name, pk) — exactly those, read in one
    of two ways chosen by how common the typed words are:

    - **rare** (a typed word starts fewer than ``COMMON`` terms, counted on a bounded
      slice of the index): that word's term range drives, the other words are probes,
      and the few matches are sorted by name;
    - **common** (every typed word starts at least ``COMMON`` terms: "a", "an",
      "per s"): the first ``SCAN`` entries in name order (the (organisation, name, id)
      index) are probed for the words, stopping at ``limit``. When ``limit`` are found
      among them they are the first ``limit`` of all (any earlier match would be in
      that slice); when fewer (the words are common but seldom together), the rare
      path reads the answer.

    So a one-letter query reads about ``COMMON`` + 25/density index entries, not the
    whole directory; only common words seldom together ("per str" when both are
    frequent) read the rarest word's whole range after the slice. The answer is the same as ``ORDER BY name, pk`` over all
    matches (tests/web/test_switchboard.py compares with a brute-force filter)."""
    typed = typed_words(query)
    if not typed:
        return []
    counts = {word: _terms_up_to(organisation_id, word, COMMON) for word in typed}
    rarest = min(typed, key=lambda w: (counts[w], -len(w)))
    if counts[rarest] >= COMMON:
        nth = list(entries.order_by("name", "pk").values_list("name", "pk")[SCAN - 1 : SCAN])
        boundary = nth[0] if nth else None
        scanned = entries
        if boundary is not None:
            name, pk = boundary
            # name <= the slice's last name is the index range; the rest is exactness
            scanned = entries.filter(name__lte=name).filter(Q(name__lt=name) | Q(pk__lte=pk))
        for word in typed:
            scanned = scanned.filter(_has_word(word))
        found = list(scanned.order_by("name", "pk")[:limit])
        if len(found) == limit or boundary is None:
            return found
    # Driven by the id list alone: the term rows are the organisation's, so its
    # entries are; a filter on the organisation here would let SQLite walk the
    # (organisation, name, id) index probing the list (the whole directory when the
    # word is rare) and PostgreSQL scan the table. Checked on the rows found instead.
    driven = entries.model.objects.filter(pk__in=_starting(organisation_id, rarest))
    for word in typed:
        if word != rarest:
            driven = driven.filter(_has_word(word))
    found = list(driven.order_by("name", "pk")[:limit])
    return [entry for entry in found if entry.organisation_id == organisation_id]
