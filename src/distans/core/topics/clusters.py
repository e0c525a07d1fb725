"""Detect a growing cluster of similar uncategorised ("other") contacts.

Single-pass (leader) clustering over a sliding time window (Allan et al., "Topic
Detection and Tracking Pilot Study", 1998, §3 — on-line new-event detection):

* a text becomes the word-bounded character 3–5-grams of its normalised words, stop
  words removed, hashed into 2^18 columns, tf weighted 1 + log tf;
* idf is kept incrementally over the texts in the window, idf = ln((1+N)/(1+df)) + 1;
* the text joins the cluster whose centroid (sum of its members' tf vectors) has the
  highest tf-idf cosine similarity with it, if that is ≥ ``similarity`` (0.4); otherwise it
  starts a new cluster;
* members older than ``window`` are forgotten; when a cluster first holds
  ``min_members`` texts inside the window, :meth:`ClusterDetector.add` returns an
  alert with the cluster's top terms (words ranked by count × idf) and a *label* for
  people (:func:`cluster_label`): its most telling phrases.

Labels: candidate phrases are the runs of one to three content words between stop
words, short words and punctuation, in the manner of RAKE (Rose et al., "Automatic
keyword extraction from individual documents", 2010), matched across members by their
stems. A phrase must occur in at least half of the members; it scores
members-holding-it × the sum of its words' idf in the window (words common in the
window's other texts tell little), ×1.5 when it stands in the members' first line (a
mail's subject). The label is the best phrase and, when it scores at least half as
much and shares no word with it, the next one — each as its members wrote it most
often, in the order they appear in the text ("Sophämtning · töms soptunnorna", not
"två tömts veckor").
"""

from __future__ import annotations

import math
import re
from collections import Counter, deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from numpy.typing import NDArray

from distans.core.errors import InvalidInput
from distans.core.topics.text import STOPWORDS, light_stem, normalise_text, words

_N_FEATURES = 2**18


@dataclass(frozen=True)
class ClusterAlert:
    """A cluster of similar texts that reached the alert size inside the window."""

    cluster_id: int
    members: int
    first_at: datetime
    detected_at: datetime
    top_terms: tuple[str, ...]
    examples: tuple[str, ...]
    label: str = ""


@dataclass
class _Member:
    at: datetime
    columns: NDArray[np.int64]
    tf: NDArray[np.float64]
    stems: list[str]
    text: str


@dataclass
class _Cluster:
    cluster_id: int
    centroid: dict[int, float] = field(default_factory=dict)  # column -> summed tf
    members: deque[_Member] = field(default_factory=deque)
    alerted: bool = False

    def add(self, member: _Member, sign: float) -> None:
        for column, value in zip(member.columns.tolist(), member.tf.tolist(), strict=True):
            total = self.centroid.get(column, 0.0) + sign * value
            if total > 1e-9:
                self.centroid[column] = total
            else:
                self.centroid.pop(column, None)


def _content_words(text: str) -> list[str]:
    return [w for w in words(normalise_text(text)) if w not in STOPWORDS and len(w) > 1]


class ClusterDetector:
    """Feed texts in time order with :meth:`add`; it returns an alert or ``None``."""

    def __init__(
        self,
        *,
        window: timedelta = timedelta(hours=24),
        min_members: int = 5,
        similarity: float = 0.4,
    ) -> None:
        if min_members < 2 or not 0.0 < similarity <= 1.0 or window <= timedelta(0):
            raise InvalidInput("Need min_members >= 2, 0 < similarity <= 1 and a positive window.")
        from sklearn.feature_extraction.text import HashingVectorizer

        self.window = window
        self.min_members = min_members
        self.similarity = similarity
        self._hasher: Any = HashingVectorizer(
            analyzer="char_wb",
            ngram_range=(3, 5),
            n_features=_N_FEATURES,
            alternate_sign=False,
            norm=None,
            lowercase=False,
        )
        self._df = np.zeros(_N_FEATURES)
        self._word_df: Counter[str] = Counter()
        self._n_texts = 0
        self._clusters: list[_Cluster] = []
        self._next_id = 1

    def _idf(self, columns: NDArray[np.int64]) -> NDArray[np.float64]:
        return np.log((1.0 + self._n_texts) / (1.0 + self._df[columns])) + 1.0

    def _forget_before(self, cutoff: datetime) -> None:
        for cluster in self._clusters:
            while cluster.members and cluster.members[0].at < cutoff:
                member = cluster.members.popleft()
                cluster.add(member, -1.0)
                self._df[member.columns] -= 1
                self._word_df.subtract(set(member.stems))
                self._n_texts -= 1
        self._clusters = [c for c in self._clusters if c.members]

    def _similarity(self, cluster: _Cluster, query: NDArray[np.float64], member: _Member) -> float:
        """Cosine of tf-idf vectors: Σ q_i·c_i·idf_i² / (‖q·idf‖ ‖c·idf‖)."""
        columns = np.fromiter(cluster.centroid.keys(), dtype=np.int64, count=len(cluster.centroid))
        values = np.fromiter(cluster.centroid.values(), dtype=np.float64, count=len(columns))
        centroid_norm = float(np.linalg.norm(values * self._idf(columns)))
        query_norm = float(np.linalg.norm(query))
        if centroid_norm == 0.0 or query_norm == 0.0:
            return 0.0
        get = cluster.centroid.get
        shared = np.array([get(c, 0.0) for c in member.columns.tolist()])
        return float(query @ (shared * self._idf(member.columns))) / (centroid_norm * query_norm)

    def add(self, text: str, at: datetime) -> ClusterAlert | None:
        """Add one text that arrived at ``at`` (timezone-aware, non-decreasing)."""
        if at.tzinfo is None:
            raise InvalidInput("at must be timezone-aware.")
        self._forget_before(at - self.window)
        kept = _content_words(text)
        stems = [light_stem(w) for w in kept]
        sparse = self._hasher.transform([" ".join(kept)])
        member = _Member(
            at, sparse.indices.astype(np.int64), 1.0 + np.log(sparse.data), stems, text
        )
        self._n_texts += 1
        self._df[member.columns] += 1
        self._word_df.update(set(stems))
        best, best_similarity = None, 0.0
        if len(member.columns):
            query = member.tf * self._idf(member.columns)
            for cluster in self._clusters:
                score = self._similarity(cluster, query, member)
                if score > best_similarity:
                    best, best_similarity = cluster, score
        if best is None or best_similarity < self.similarity:
            best = _Cluster(self._next_id)
            self._next_id += 1
            self._clusters.append(best)
        best.members.append(member)
        best.add(member, 1.0)
        if best.alerted or len(best.members) < self.min_members:
            return None
        best.alerted = True
        return ClusterAlert(
            cluster_id=best.cluster_id,
            members=len(best.members),
            first_at=best.members[0].at,
            detected_at=at,
            top_terms=self._top_terms(best),
            examples=tuple(m.text for m in list(best.members)[:3]),
            label=cluster_label([m.text for m in best.members], self._word_idf),
        )

    def _word_idf(self, stem: str) -> float:
        return float(np.log((1.0 + self._n_texts) / (1.0 + self._word_df[stem])) + 1.0)

    def _top_terms(self, cluster: _Cluster, n: int = 5) -> tuple[str, ...]:
        """Top stems by (members holding it) × idf, each shown as its commonest word."""
        counts: Counter[str] = Counter()
        surface: dict[str, Counter[str]] = {}
        for member in cluster.members:
            counts.update(set(member.stems))
            for stem, word in zip(member.stems, _content_words(member.text), strict=True):
                surface.setdefault(stem, Counter())[word] += 1
        weight = {
            s: c * (np.log((1.0 + self._n_texts) / (1.0 + self._word_df[s])) + 1.0)
            for s, c in counts.items()
        }
        best = sorted(weight, key=lambda s: (-weight[s], s))[:n]
        return tuple(surface[s].most_common(1)[0][0] if s in surface else s for s in best)


# Words that never make a label telling: the stop words, numbers, greetings and
# sign-offs (Swedish and Norwegian, folded as normalise_text folds them).
LABEL_STOPWORDS = STOPWORDS | frozenset(
    """
    en ett två tre fyra fem sex sju åtta nio tio elva tolv
    én to fire seks syv sju åtte ni ti
    första andra tredje förste annen tredje
    mvh hälsningar hälsning vänliga vänlig med hilsen hilsener vennlig
    fått fick gör göra gjorde gjort gick sagt fikk gjør gjøre
    hallå god dag morgon kväll ha bra snälla please
    """.replace("æ", "ä")
    .replace("ø", "ö")
    .split()
)
_BREAK = re.compile(r"[.,;:!?()\[\]{}\"'«»–—\-/\\|<>]+|\n")
_MAX_PHRASE_WORDS = 3
_SUBJECT_BONUS = 1.5


def _phrases(text: str) -> tuple[list[tuple[tuple[str, ...], str]], set[tuple[str, ...]]]:
    """(stem tuple, surface) of every candidate phrase in ``text`` (in order), and the
    stem tuples found in its first non-empty line."""
    found: list[tuple[tuple[str, ...], str]] = []
    first_line: set[tuple[str, ...]] = set()
    lines = [line for line in text.splitlines() if line.strip()]
    for number, line in enumerate(lines):
        for chunk in _BREAK.split(line):
            run: list[str] = []
            for word in [*re.findall(r"[^\W\d_]+|\d+", chunk), ""]:
                folded = normalise_text(word)
                if word and folded not in LABEL_STOPWORDS and len(folded) > 1 and word.isalpha():
                    run.append(word)
                    continue
                for size in range(1, _MAX_PHRASE_WORDS + 1):
                    for start in range(len(run) - size + 1):
                        surface = run[start : start + size]
                        stems = tuple(light_stem(normalise_text(w)) for w in surface)
                        found.append((stems, " ".join(surface)))
                        if number == 0:
                            first_line.add(stems)
                run = []
    return found, first_line


def cluster_label(
    texts: Sequence[str], idf: Callable[[str], float] | None = None, max_phrases: int = 2
) -> str:
    """The most telling phrases of a cluster's ``texts`` (see the module docstring);
    ``idf(stem)`` weighs a word by its rarity outside the cluster (1.0 when not given)."""
    weight = idf or (lambda _stem: 1.0)
    support: Counter[tuple[str, ...]] = Counter()
    in_subject: Counter[tuple[str, ...]] = Counter()
    surfaces: dict[tuple[str, ...], Counter[str]] = {}
    position: dict[tuple[str, ...], float] = {}
    for text in texts:
        found, first_line = _phrases(text)
        seen = {stems for stems, _surface in found}
        support.update(seen)
        in_subject.update(first_line)
        for index, (stems, surface) in enumerate(found):
            surfaces.setdefault(stems, Counter())[surface] += 1
            position[stems] = min(position.get(stems, math.inf), index / max(1, len(found)))
    needed = max(2, math.ceil(len(texts) / 2))
    scores = {}
    for stems, n in support.items():
        if n < needed:
            continue
        bonus = _SUBJECT_BONUS if in_subject[stems] * 2 >= n else 1.0
        scores[stems] = n * sum(weight(s) for s in stems) * bonus
    ranked = sorted(scores, key=lambda p: (-scores[p], position[p], p))
    chosen: list[tuple[str, ...]] = []
    for stems in ranked:
        if len(chosen) >= max_phrases:
            break
        if chosen and scores[stems] < 0.5 * scores[chosen[0]]:
            break
        if any(set(stems) & set(other) for other in chosen):
            continue
        chosen.append(stems)
    chosen.sort(key=lambda p: position[p])
    return " · ".join(surfaces[p].most_common(1)[0][0] for p in chosen)
