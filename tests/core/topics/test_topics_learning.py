"""Issue 22: what a center has beyond examples (names, articles), online learning from
wrap-ups, and the optional stem/compound features."""

from __future__ import annotations

import pytest

from distans.core.errors import InvalidInput
from distans.core.topics.features import WordAnalyser, build_vectoriser, split_compound
from distans.core.topics.model import MEMORY_PER_TOPIC, train_model
from distans.core.topics.storage import load_model, save_model

EXAMPLES = {
    "Vaccination": ["När kan jag få vaccin?", "Hur bokar jag tid för vaccination?"],
    "Skola": ["Är skolan stängd i morgon?", "Har gymnasiet distansundervisning?"],
}


def _rows(examples: dict[str, list[str]]) -> tuple[list[str], list[str]]:
    texts = [t for ts in examples.values() for t in ts]
    topics = [k for k, ts in examples.items() for _ in ts]
    return texts, topics


def test_a_topic_known_only_by_its_name_and_article_is_suggested() -> None:
    texts, topics = _rows(EXAMPLES)
    extras = {"Bygglov": ["Bygglov", "Altan och uterum: du behöver bygglov för en inglasad altan."]}
    model = train_model(texts, topics, extra_texts_by_topic=extras, calibrate=False)
    assert model.suggest(["Måste jag ha bygglov för altanen?"])[0][0][0] == "Bygglov"
    # contacts and extra texts are counted apart
    assert model.learned_by_topic == {"Vaccination": 2, "Skola": 2}
    assert model.extra_by_topic == {"Bygglov": 2}
    assert model.metrics["n_train"] == 4 and model.metrics["n_extra"] == 2


def test_a_wrap_up_is_learnt_at_once_and_counted() -> None:
    texts, topics = _rows(EXAMPLES)
    model = train_model(texts, topics, calibrate=False)
    question = "Min dotter har ont i magen varje morgon före lektionerna"
    before = model.suggest([question])[0][0][0]
    wrong = "Vaccination" if before == "Skola" else "Skola"
    # the agent files it under the other topic
    assert model.learn([question], [wrong]) == 1
    assert model.suggest([question + "!"])[0][0][0] == wrong
    assert model.learned_by_topic[wrong] == 3
    # topics the classifier does not know, and empty texts, are not learnt
    assert model.learn(["Om parkering", "  "], ["Parkering", "Skola"]) == 0


def test_learning_keeps_only_the_newest_per_topic_and_survives_saving(tmp_path) -> None:  # type: ignore[no-untyped-def]
    texts, topics = _rows(EXAMPLES)
    model = train_model(texts, topics, calibrate=False)
    model.learn([f"fråga nummer {i} om skolan" for i in range(MEMORY_PER_TOPIC + 5)],
                ["Skola"] * (MEMORY_PER_TOPIC + 5))  # fmt: skip
    assert model.memory["Skola"].shape[0] == MEMORY_PER_TOPIC
    assert model.learned_by_topic["Skola"] == 2 + MEMORY_PER_TOPIC + 5
    save_model(model, tmp_path)
    loaded = load_model(tmp_path)
    assert loaded.learned_by_topic == model.learned_by_topic
    probe = ["fråga nummer 7 om skolan"]
    assert loaded.confidences(probe)[0].tolist() == pytest.approx(
        model.confidences(probe)[0].tolist()
    )


def test_learn_refuses_mismatched_lengths() -> None:
    texts, topics = _rows(EXAMPLES)
    model = train_model(texts, topics, calibrate=False)
    with pytest.raises(InvalidInput):
        model.learn(["a", "b"], ["Skola"])


def test_compounds_split_into_known_words_with_a_linking_s() -> None:
    vocabulary = frozenset({"barn", "omsorg", "försäkring", "kassa"})
    assert split_compound("barnomsorg", vocabulary) == ("barn", "omsorg")
    assert split_compound("försäkringskassan", vocabulary) is None  # "kassan" unknown
    assert split_compound("försäkringskassa", vocabulary) == ("försäkring", "kassa")
    assert split_compound("omsorg", vocabulary) is None  # short, and a word itself


def test_the_stem_features_add_stems_and_compound_parts() -> None:
    analyser = WordAnalyser().fit(["barn", "omsorg", "vaccin"])
    tokens = analyser("Barnomsorgen och vaccinationerna")
    assert "barn" in tokens and "omsorg" in tokens
    assert any(t.startswith("vaccin") for t in tokens)
    features = build_vectoriser(stems=True)
    matrix = features.fit_transform(["barnomsorg i kommunen", "vaccin mot covid"])
    assert matrix.shape[0] == 2


def test_the_memory_keeps_the_newest_rows_of_all_topics_within_its_bound(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from distans.core.topics import model as model_module

    monkeypatch.setattr(model_module, "MEMORY_MAX_ROWS", 40)
    texts, topics = _rows(EXAMPLES)
    model = train_model(texts, topics, calibrate=False)
    model.learn([f"skolfråga {i}" for i in range(35)], ["Skola"] * 35)
    model.learn([f"vaccinfråga {i}" for i in range(30)], ["Vaccination"] * 30)
    rows = {t: m.shape[0] for t, m in model.memory.items()}
    # the 25 oldest (all Skola) are dropped, the newest of every topic kept
    assert rows == {"Skola": 10, "Vaccination": 30}
    assert model.learned_by_topic["Skola"] == 37  # counts are not trimmed
    newest = model.vectoriser.transform(["skolfråga 34"])
    assert abs(model.memory["Skola"][-1] - newest).max() == 0
