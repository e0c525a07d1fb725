"""Topic suggestion: training, keyword cold start, calibration bounds, persistence."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from distans.core.errors import InvalidInput
from distans.core.topics.keywords import KeywordMatcher
from distans.core.topics.model import train_model
from distans.core.topics.storage import FORMAT_VERSION, ModelFormatError, load_model, save_model
from distans.core.topics.text import light_stem, normalise_text

TRAINING = {
    "Vaccination": [
        "När kan jag få vaccin mot covid?",
        "Hur bokar jag tid för vaccination?",
        "Vilket vaccin får min mamma?",
        "Får jeg vaksine hos fastlegen?",
        "Behöver jag en tredje vaccindos?",
        "Var vaccinerar man sig i Malmö?",
    ],
    "Skola": [
        "Är skolan stängd i morgon?",
        "Min dotter vill inte gå till skolan",
        "Gäller skolplikten även nu?",
        "Når åpner skolen igjen?",
        "Har gymnasiet distansundervisning?",
        "Får eleverna äta lunch i skolmatsalen?",
    ],
    "Bygglov": [
        "Behöver jag bygglov för ett uterum?",
        "Hur lång tid tar bygglovet?",
        "Var skickar jag in bygganmälan?",
        "Må jeg søke byggetillatelse for garasje?",
        "Kan grannen överklaga mitt bygglov?",
        "Vad kostar ett bygglov för attefallshus?",
    ],
}


def _flatten(data: dict[str, list[str]]) -> tuple[list[str], list[str]]:
    texts = [t for ts in data.values() for t in ts]
    topics = [topic for topic, ts in data.items() for _ in ts]
    return texts, topics


@pytest.fixture(scope="module")
def model():  # type: ignore[no-untyped-def]
    texts, topics = _flatten(TRAINING)
    return train_model(texts, topics, {"Färdtjänst": ["färdtjänst", "taxiresa"]})


def test_separable_topics_are_suggested_first(model) -> None:  # type: ignore[no-untyped-def]
    # Given unseen phrasings, in Swedish and Norwegian, of three clearly different topics
    texts = ["Kan barnen gå i skolan i dag?", "Når får jeg vaksinen?", "Bygglov för altan?"]
    # When suggesting
    suggestions = model.suggest(texts, top=3)
    # Then each first suggestion is the right topic, with the highest confidence
    assert [s[0][0] for s in suggestions] == ["Skola", "Vaccination", "Bygglov"]
    for ranked in suggestions:
        confidences = [c for _, c in ranked]
        assert confidences == sorted(confidences, reverse=True)
        assert 0.0 < sum(confidences) <= 1.0 + 1e-6


def test_keyword_only_topic_is_suggested_for_inflected_and_compound_forms(model) -> None:  # type: ignore[no-untyped-def]
    # Given a topic with keywords and no training text, when its keyword appears inflected
    suggestions = model.suggest(["Färdtjänsten kom aldrig", "Min sjukresetaxiresan blev dyr"])
    # Then it is the first suggestion
    assert [s[0][0] for s in suggestions] == ["Färdtjänst", "Färdtjänst"]


def test_keyword_cold_start_without_any_training_text() -> None:
    # Given only keywords (no labelled contacts at all)
    model = train_model([], [], {"Vaccin": ["vaccin"], "Skola": ["skolplikt"]})
    # When texts hold inflected and compound forms of the keywords
    suggestions = model.suggest(
        ["När får jag vaccinationen?", "coronavaccinet", "skolplikten", "vädret i dag"]
    )
    # Then the keyword topics are suggested with full confidence, and nothing for no match
    assert suggestions == [[("Vaccin", 1.0)], [("Vaccin", 1.0)], [("Skola", 1.0)], []]


def test_keyword_matcher_counts_distinct_keywords_per_topic() -> None:
    matcher = KeywordMatcher({"A": ["vaccin", "spruta"], "B": ["ont i halsen"]}, ["A", "B"])
    counts = matcher.counts(["vaccinet och sprutan, vaccin igen", "jag har ont i halsen", "inget"])
    assert counts.tolist() == [[2.0, 0.0], [0.0, 1.0], [0.0, 0.0]]


@pytest.mark.parametrize(
    ("word", "stem"),
    [
        ("vaccination", "vaccin"),
        ("vaccinationen", "vaccin"),
        ("skolan", "skol"),
        ("bygglov", "bygglov"),
    ],
)
def test_light_stem_strips_one_suffix(word: str, stem: str) -> None:
    assert light_stem(word) == stem


def test_normalise_folds_norwegian_letters() -> None:
    assert normalise_text("Søknad om BÆRING") == "söknad om bäring"


@settings(max_examples=30, deadline=None)
@given(st.lists(st.text(max_size=40), min_size=1, max_size=5), st.integers(1, 6))
def test_confidences_are_probabilities_for_any_text(model, texts: list[str], top: int) -> None:  # type: ignore[no-untyped-def]
    conf = model.confidences(texts)
    assert np.all(conf >= 0.0)
    assert np.allclose(conf.sum(axis=1)[conf.sum(axis=1) > 0], 1.0)
    for ranked in model.suggest(texts, top=top):
        assert len(ranked) <= min(top, len(model.topics))


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(InvalidInput):
        train_model(["a"], [], None)
    with pytest.raises(InvalidInput):
        train_model([], [], None)


def test_saved_model_loads_and_suggests_the_same(model, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    save_model(model, tmp_path / "m")
    loaded = load_model(tmp_path / "m")
    texts = ["skolan", "vaksine", "uterum bygglov", "färdtjänst"]
    assert loaded.suggest(texts) == model.suggest(texts)
    manifest = json.loads((tmp_path / "m" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["format_version"] == FORMAT_VERSION
    assert set(manifest) >= {"topics", "trained_at", "metrics"}
    assert 0.0 <= manifest["metrics"]["cv_accuracy"] <= manifest["metrics"]["cv_top3_accuracy"]
    assert manifest["metrics"]["n_train"] == 18


def test_loading_another_format_version_is_refused(model, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    save_model(model, tmp_path / "m")
    path = tmp_path / "m" / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    manifest["format_version"] = FORMAT_VERSION + 1
    path.write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(ModelFormatError, match="format version"):
        load_model(tmp_path / "m")
    with pytest.raises(ModelFormatError, match="not a topic model"):
        load_model(tmp_path / "nothing")


def test_two_topics_and_a_single_topic_are_handled() -> None:
    # Given only two labelled topics (scikit-learn gives one score column for two classes)
    texts, topics = _flatten({k: TRAINING[k] for k in ("Skola", "Bygglov")})
    two = train_model(texts, topics)
    assert [s[0][0] for s in two.suggest(["skolan är stängd", "bygglov för altan"])] == [
        "Skola",
        "Bygglov",
    ]
    # And with a single labelled topic, it is always suggested with full confidence
    one = train_model(TRAINING["Skola"], ["Skola"] * len(TRAINING["Skola"]))
    assert one.suggest(["vad som helst"]) == [[("Skola", 1.0)]]


def test_background_texts_lower_the_weight_of_common_ngrams_without_growing_the_model() -> None:
    texts = [t for ts in TRAINING.values() for t in ts]
    topics = [topic for topic, ts in TRAINING.items() for _ in ts]
    background = [f"Hur kan jag få hjälp med ärende {i}? Zebrafinkar" for i in range(40)]
    plain = train_model(texts, topics, calibrate=False)
    sharpened = train_model(texts, topics, background_texts=background, calibrate=False)
    assert plain.vectoriser is not None and sharpened.vectoriser is not None
    before, after = plain.vectoriser.chars, sharpened.vectoriser.chars
    # the vocabulary is the labelled texts': background-only words add no feature
    assert before.vocabulary_ == after.vocabulary_
    assert not any("zebra" in gram for gram in after.vocabulary_)
    # " kan " is in every background text: its idf falls; "vaccin" is in none: it rises
    common, specific = before.vocabulary_[" kan "], before.vocabulary_["vacci"]
    assert after.idf_[common] < before.idf_[common]
    assert after.idf_[specific] > before.idf_[specific]
    assert sharpened.metrics["n_background"] == 40
    assert sharpened.suggest(["Hur kan jag få vaccin?"], top=1)[0][0][0] == "Vaccination"
