"""Text features for topic suggestion: TF-IDF of word-bounded character n-grams.

Chosen by measurement on the Swedish corona intents (bench/topics.py, table in
docs/dev/topics.md): character 2–5-grams inside word boundaries catch inflection
and compound parts ("vaccinet", "coronavaccin", Norwegian "vaksinen" after
normalisation). Adding word 1–2-grams gave the same accuracy and top-3 accuracy
(+0.01 macro F1, within noise) at half the speed, so they are left out. Sublinear
tf (1 + log tf) and l2 normalisation (Manning, Raghavan & Schütze, *Introduction to
Information Retrieval*, 2008, §6.4.1).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from distans.core.topics.text import normalise_text

FEATURES_DESCRIPTION = "tfidf(char_wb 2-5), sublinear tf, l2"


def build_vectoriser() -> Any:
    """Return an unfitted scikit-learn transformer from texts to sparse features."""
    return TfidfVectorizer(
        analyzer="char_wb",
        ngram_range=(2, 5),
        sublinear_tf=True,
        preprocessor=normalise_text,
        dtype=np.float32,
    )
