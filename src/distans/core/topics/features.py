"""Text features for topic suggestion: character n-grams (shipped), optionally stems.

TF-IDF with sublinear tf (1 + log tf), l2-normalised (Manning, Raghavan & Schütze,
*Introduction to Information Retrieval*, 2008, §6.4.1):

* word-bounded character 2–5-grams of the normalised text (catch inflection and
  compound parts: "vaccinet", "coronavaccin", Norwegian "vaksinen" after folding).
  This is what :func:`build_vectoriser` returns by default.
* ``build_vectoriser(stems=True)`` stacks a second block beside it: words without
  stop words, stemmed by the Snowball Swedish stemmer (Porter 2001;
  the ``snowballstemmer`` package, pure Python, no data files), with **compound
  splitting** against the vocabulary seen in training: a word of ≥ 8 letters that is
  not itself a training word is split into two training words (head ≥ 3, tail ≥ 4
  letters, an optional linking "s" between), longest tail first; both parts are added
  as features beside the whole word ("barnomsorg" → barnomsorg, barn, omsorg).
  Norwegian text is folded onto Swedish letters first (:func:`normalise_text`), so
  the Swedish stemmer serves both (measured in bench/topics.py; Norwegian-specific
  endings such as -ene are stripped by it as -en + -e).

Stems are cached per word, so the Python stemmer costs little after warm-up.

The stem block is not shipped: on the corona intents' learning curve (bench/topics.py,
docs/dev/topics.md) it lowered top-1 by about 0.01–0.02 at 5 examples per topic —
the character n-grams already see stems and compound parts. ``snowballstemmer`` is
therefore only a development (bench) dependency and imported lazily.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize

from distans.core.topics.text import STOPWORDS, normalise_text, words

FEATURES_DESCRIPTION = "tfidf(char_wb 2-5), sublinear tf, l2"
BACKGROUND_MAX_TEXTS = 5_000  # unlabelled texts for the idf (bench/topics.py)
_COMPOUND_MIN = 8
_HEAD_MIN = 3
_TAIL_MIN = 4
_CACHE_LIMIT = 200_000


class WordAnalyser:
    """Callable text → stemmed content words (plus compound parts); picklable."""

    def __init__(self) -> None:
        self.vocabulary: frozenset[str] = frozenset()
        self._stems: dict[str, tuple[str, ...]] = {}

    def __getstate__(self) -> dict[str, Any]:
        return {"vocabulary": self.vocabulary}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.vocabulary = state["vocabulary"]
        self._stems = {}

    def fit(self, texts: Iterable[str]) -> WordAnalyser:
        seen = {w for t in texts for w in words(normalise_text(t)) if w not in STOPWORDS}
        self.vocabulary = frozenset(w for w in seen if len(w) >= _HEAD_MIN)
        self._stems = {}
        return self

    def __call__(self, text: str) -> list[str]:
        result: list[str] = []
        for word in words(normalise_text(text)):
            if word in STOPWORDS:
                continue
            tokens = self._stems.get(word)
            if tokens is None:
                tokens = self._analyse(word)
                if len(self._stems) < _CACHE_LIMIT:
                    self._stems[word] = tokens
            result.extend(tokens)
        return result

    def _analyse(self, word: str) -> tuple[str, ...]:
        stem = swedish_stem(word)
        parts = split_compound(word, self.vocabulary) or split_compound(stem, self.vocabulary)
        if not parts:
            return (stem,)
        return (stem, *(swedish_stem(p) for p in parts))


def swedish_stem(word: str) -> str:
    """The Snowball Swedish stem of one normalised word."""
    return str(_stemmer().stemWord(word))


_STEMMER: Any = None


def _stemmer() -> Any:
    global _STEMMER
    if _STEMMER is None:
        import snowballstemmer

        _STEMMER = snowballstemmer.stemmer("swedish")
    return _STEMMER


def split_compound(word: str, vocabulary: frozenset[str] | set[str]) -> tuple[str, str] | None:
    """Split ``word`` into two vocabulary words (see the module docstring), or None."""
    if len(word) < _COMPOUND_MIN or word in vocabulary:
        return None
    for cut in range(_HEAD_MIN, len(word) - _TAIL_MIN + 1):
        head, tail = word[:cut], word[cut:]
        if tail not in vocabulary:
            continue
        if head in vocabulary:
            return head, tail
        if head.endswith("s") and head[:-1] in vocabulary and len(head) > _HEAD_MIN:
            return head[:-1], tail
    return None


class TopicFeatures:
    """Fit/transform texts to the stacked, l2-normalised sparse feature rows."""

    def __init__(self, stems: bool = False) -> None:
        self.analyser = WordAnalyser()
        self.chars = TfidfVectorizer(
            analyzer="char_wb",
            ngram_range=(2, 5),
            sublinear_tf=True,
            preprocessor=normalise_text,
            dtype=np.float32,
        )
        self.words: Any = (
            TfidfVectorizer(analyzer=self.analyser, sublinear_tf=True, dtype=np.float32)
            if stems
            else None
        )

    def fit_transform(
        self, texts: list[str] | tuple[str, ...], background: Sequence[str] = ()
    ) -> Any:
        """Fit on ``texts`` and return their rows.

        ``background`` (unlabelled texts of the same center) only sharpens the
        inverse document frequencies of the n-grams seen in ``texts``: the
        vocabulary stays that of ``texts``, so the model does not grow with it.
        """
        chars = self.chars.fit_transform(texts)
        if background:
            chars = self._refit_idf(list(texts), background)
        if self.words is None:
            return normalize(chars)
        self.analyser.fit(texts)
        try:
            stems = self.words.fit_transform(texts)
        except ValueError:  # no content word in any text (only stop words)
            self.words = None
            return normalize(chars)
        return self._stack(chars, stems)

    def fit(
        self, texts: list[str] | tuple[str, ...], background: Sequence[str] = ()
    ) -> TopicFeatures:
        self.fit_transform(texts, background)
        return self

    def _refit_idf(self, texts: list[str], background: Sequence[str]) -> Any:
        """Refit the character block's idf on texts + background, same vocabulary."""
        chars = TfidfVectorizer(
            analyzer="char_wb",
            ngram_range=(2, 5),
            sublinear_tf=True,
            preprocessor=normalise_text,
            dtype=np.float32,
            vocabulary=self.chars.vocabulary_,
        )
        chars.fit([*texts, *background])
        self.chars = chars
        return chars.transform(texts)

    def transform(self, texts: Any) -> Any:
        texts = list(texts)
        if self.words is None:
            return normalize(self.chars.transform(texts))
        return self._stack(self.chars.transform(texts), self.words.transform(texts))

    @staticmethod
    def _stack(chars: Any, stems: Any) -> Any:
        import scipy.sparse as sp

        return normalize(sp.hstack([chars, stems], format="csr", dtype=np.float32))


def build_vectoriser(stems: bool = False) -> TopicFeatures:
    """Return an unfitted transformer from texts to sparse features."""
    return TopicFeatures(stems=stems)
