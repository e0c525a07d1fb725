"""Benchmark topic suggestion and surge detection; prints one JSON object.

    .venv/bin/python bench/topics.py [--data ../shared/data/corona_chatbot_sv/corona_intents_sv.json]
        [--folds 5] [--quick]

Suggestion: stratified k-fold cross-validation on the Swedish corona chatbot intents
(301 intents, 2,302 phrasings; intents with one phrasing stay in training), for the
shipped model (train_model) and for the alternatives compared in docs/dev/topics.md;
texts_per_s on one core (BLAS/OpenMP threads pinned to 1). Surges: detection delay
and misses on simulated Poisson arrivals with injected surges of +40/+100/+300 %, and
false alarms per topic-month on surge-free series.

The phrasings hold slot names such as ``_CORONA`` or ``_PERS_PRON`` (and a few
misspelt ones such as ``ELDERY_CARE``); each is replaced by one of a few plausible
Swedish words, chosen with a seeded RNG so the benchmark is repeatable.
"""

from __future__ import annotations

import os

for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_name] = "1"

import argparse  # noqa: E402
import contextlib  # noqa: E402
import json  # noqa: E402
import random  # noqa: E402
import re  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from collections.abc import Callable, Iterator  # noqa: E402
from datetime import UTC, datetime, timedelta  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402

from distans.core.topics.metrics import measure_quality, stratified_folds  # noqa: E402
from distans.core.topics.model import train_model  # noqa: E402
from distans.core.topics.simulation import simulate_hourly_counts  # noqa: E402
from distans.core.topics.surges import DAY, detect_surges  # noqa: E402
from distans.core.topics.text import STOPWORDS, normalise_text, words  # noqa: E402

DEFAULT_DATA = Path("../shared/data/corona_chatbot_sv/corona_intents_sv.json")
RETRAIN_EVERY = 50  # the product retrains after MIN_NEW_CONTACTS = 50 new contacts

FILLERS: dict[str, list[str]] = {
    "CORONA": ["corona", "covid-19", "coronaviruset", "covid", "viruset"],
    "PERS_PRON": ["jag", "man", "vi", "du", "hon", "han"],
    "PERS_PROM": ["jag"],
    "PER_PRON": ["jag"],
    "PRON": ["jag"],
    "CAN": ["kan", "får", "borde", "bör"],
    "CANNOT": ["kan inte", "får inte"],
    "POS_PRON": ["min", "mitt", "vår", "din"],
    "POS_PRONOMEN": ["min"],
    "INT_PRON": ["vad", "vilka", "vilket", "hur"],
    "REF_PRON": ["mig", "sig", "oss"],
    "SYMPTOM": ["symtom", "symptom", "feber", "hosta"],
    "CO_SYM": ["hosta", "feber", "snuva", "halsont", "förkylning"],
    "INFECTED": ["smittad", "sjuk", "infekterad", "smittsam"],
    "RISC": ["riskgrupp", "riskgruppen", "fara"],
    "BAD": ["dåligt", "nedsatt", "svagt"],
    "SYSTEM": ["immunförsvar"],
    "IMMUNE_SYSTEM": ["immunförsvar"],
    "SCHOOL": ["skolan", "skola", "gymnasiet", "förskolan"],
    "ELDERLY": ["mormor", "farfar", "gamla", "äldre", "pensionärer"],
    "ELDERLY_CARE": ["äldreboende", "äldreboendet", "hemtjänsten"],
    "ELDERY_CARE": ["äldreboenden"],
    "CARE": ["äldreboenden"],
    "PROTECT": ["skydda", "skydd", "hjälpa"],
    "JOB": ["jobbet", "arbetet", "kontoret"],
    "MY_CHILD": ["barn", "son", "dotter", "barnen"],
    "DIG_SCHOOL": ["distans", "nätet"],
    "VISIT": ["besöka", "hälsa på", "träffa"],
    "DISEASE": ["sjuk", "förkyld", "krasslig"],
    "PET": ["hund", "katt", "husdjur"],
    "FAMILYMEMBER": ["mamma", "pappa", "syster", "bror"],
    "DIE": ["dö", "avlida"],
    "CLOSE_PERSON": ["vänner", "kompisar", "sambo", "granne"],
    "TIMESPAN": ["länge", "många dagar"],
    "INFECTING_ACTIVITY": ["kramas", "pussas", "hälsa"],
    "CASH": ["kontanter", "sedlar", "kort"],
    "SMALL_EVENT": ["kalas", "fest", "middag", "bröllop"],
    "ACTIVITY": ["fika", "umgås", "äta"],
    "SAD": ["orolig", "rädd", "ledsen"],
    "HEALTHCARE": ["vården", "sjukvården", "läkare"],
    "BREATH": ["andas"],
    "FHM": ["Folkhälsomyndigheten", "FHM"],
    "PUPIL": ["elever", "studenter", "gymnasieelever"],
    "IMMUNE": ["immun"],
    "WORKOUT": ["träna", "gymma", "springa"],
    "HOME": ["hemma"],
    "BIG_EVENT": ["konsert", "fotbollsmatch", "festival"],
    "MEAN": ["betyder", "innebär"],
    "IF": ["om", "ifall"],
    "CITY": ["Stockholm", "Göteborg", "Malmö"],
    "VIRUS": ["virus"],
    "PUB_TRANS": ["kollektivtrafiken", "bussen", "tåget"],
    "PANDEMIC": ["pandemi", "epidemi"],
    "ASTMA": ["astma", "astmatiker"],
    "END": ["slut"],
    "FLU": ["influensa", "en förkylning"],
    "IVA": ["IVA", "intensivvården"],
    "ENGLISH": ["english", "engelska"],
    "SURVIVE": ["överlever", "lever"],
    "CLOSE_CONTACT": ["nära kontakt", "kontakt"],
    "INTCOUNTRY": ["Spanien", "Thailand", "utlandet"],
    "INTCITY": ["Paris", "London"],
    "SELF_TEST": ["självtest", "hemtest"],
    "TEST": ["testa"],
    "TREATMENT": ["behandling", "medicin", "vaccin"],
    "NUMBERS": ["siffrorna", "statistiken"],
    "STORE": ["affären", "butiken", "mataffären"],
    "DRINK": ["alkohol", "vatten"],
    "PRESCHOOL": ["förskolan", "dagis"],
    "READY": ["beredskap"],
    "ALLOWED": ["tillåtet", "okej"],
    "WELL": ["frisk", "pigg"],
    "RESTAURANT": ["restauranger", "krogen", "caféer"],
    "QUARANTINE": ["isolera mig", "karantän"],
    "SAFE": ["säkert", "riskfritt"],
    "BODY": ["kroppen"],
    "ANTI": ["antikroppar"],
    "AFFECT": ["drabbas", "påverkas"],
    "BEGIN": ["började", "startade"],
    "HELLO": ["hej", "hallå"],
    "THANKS": ["tack", "tack så mycket"],
    "ACCEPT": ["okej", "ok"],
    "GOODNIGHT": ["god natt"],
    "BYE": ["hej då", "adjö"],
    "PROM": ["jag"],
    "FORBIDDEN": ["förbjudet", "olagligt"],
    "TRUST": ["pålitligt", "säkert"],
}
_SLOT = re.compile(r"(?<![^\W\d_])(?:_?[A-Z]+(?:_[A-Z]+)+|_[A-Z]+)(?![^\W\d_])")


def fill_placeholders(text: str, rng: random.Random) -> str:
    """Replace every slot name in ``text`` by a filler word (unknown slots: dropped)."""

    def replace(match: re.Match[str]) -> str:
        name = match.group(0).lstrip("_")
        options = FILLERS.get(name)
        return rng.choice(options) if options else ""

    return re.sub(r"\s+", " ", _SLOT.sub(replace, text)).strip()


def load_intents(path: Path, seed: int = 6) -> tuple[list[str], list[str]]:
    """Return (texts, topics): one row per phrasing, the intent name as topic."""
    rng = random.Random(seed)
    texts: list[str] = []
    topics: list[str] = []
    for intent in json.loads(path.read_text(encoding="utf-8")):
        for example in intent["examples"]:
            text = fill_placeholders(example, rng)
            if text:
                texts.append(text)
                topics.append(intent["intent"])
    return texts, topics


# --------------------------------------------------------------------------- suggestion


def _evaluate_alternative(
    texts: list[str], topics: list[str], folds: list[Any], make: Callable[[], tuple[Any, Any]]
) -> dict[str, float]:
    y = np.array(topics)
    ranked: dict[int, list[str]] = {}
    for test in folds:
        train = np.setdiff1d(np.arange(len(texts)), test)
        vectoriser, classifier = make()
        classifier.fit(vectoriser.fit_transform([texts[i] for i in train]), y[train])
        features = vectoriser.transform([texts[i] for i in test])
        if hasattr(classifier, "decision_function"):
            scores = classifier.decision_function(features)
        else:
            scores = classifier.predict_log_proba(features)
        for i, row in zip(test, np.argsort(-scores, axis=1)[:, :3], strict=True):
            ranked[int(i)] = [str(c) for c in classifier.classes_[row]]
    rows = sorted(ranked)
    quality = measure_quality([topics[i] for i in rows], [ranked[i] for i in rows])
    vectoriser, classifier = make()
    classifier.fit(vectoriser.fit_transform(texts), y)
    batch = texts * 4
    started = time.perf_counter()
    for begin in range(0, len(batch), 2048):
        chunk = vectoriser.transform(batch[begin : begin + 2048])
        (getattr(classifier, "decision_function", None) or classifier.predict_log_proba)(chunk)
    per_s = len(batch) / (time.perf_counter() - started)
    return {
        "accuracy": round(quality.accuracy, 4),
        "top3_accuracy": round(quality.top3_accuracy, 4),
        "macro_f1": round(quality.macro_f1, 4),
        "texts_per_s": round(per_s),
    }


def _alternatives(quick: bool) -> dict[str, Callable[[], tuple[Any, Any]]]:
    from sklearn.feature_extraction.text import (
        HashingVectorizer,
        TfidfTransformer,
        TfidfVectorizer,
    )
    from sklearn.linear_model import LogisticRegression, RidgeClassifier, SGDClassifier
    from sklearn.naive_bayes import ComplementNB
    from sklearn.pipeline import make_pipeline, make_union
    from sklearn.svm import LinearSVC

    from distans.core.topics.features import build_vectoriser
    from distans.core.topics.text import stemmed_text

    pattern = r"(?u)\b\w+\b"

    def char(low: int = 2, high: int = 5) -> Any:
        return TfidfVectorizer(
            analyzer="char_wb",
            ngram_range=(low, high),
            sublinear_tf=True,
            preprocessor=normalise_text,
        )

    def both() -> Any:
        return make_union(
            char(),
            TfidfVectorizer(
                ngram_range=(1, 2),
                sublinear_tf=True,
                preprocessor=normalise_text,
                token_pattern=pattern,
            ),
        )

    def stems() -> Any:
        return TfidfVectorizer(
            ngram_range=(1, 2), sublinear_tf=True, preprocessor=stemmed_text, token_pattern=pattern
        )

    def hashed() -> Any:
        def block(analyzer: str, high: int) -> Any:
            return make_pipeline(
                HashingVectorizer(
                    analyzer=analyzer,
                    ngram_range=(1 if analyzer == "word" else 2, high),
                    n_features=2**18,
                    alternate_sign=False,
                    norm=None,
                    preprocessor=normalise_text,
                    token_pattern=pattern,
                ),
                TfidfTransformer(sublinear_tf=True),
            )

        return make_union(block("char_wb", 5), block("word", 2))

    table: dict[str, Callable[[], tuple[Any, Any]]] = {
        "char_wb 2-5, LinearSVC (shipped)": lambda: (build_vectoriser(), LinearSVC()),
        "char_wb 2-5 + word 1-2, LinearSVC": lambda: (both(), LinearSVC()),
        "char_wb 1-5, LinearSVC": lambda: (char(1, 5), LinearSVC()),
        "char_wb 3-5, LinearSVC": lambda: (char(3, 5), LinearSVC()),
        "char_wb 2-5 + stemmed word 1-2, LinearSVC": lambda: (
            make_union(char(), stems()),
            LinearSVC(),
        ),
        "hashing 2^18 char_wb 2-5 + word 1-2, LinearSVC": lambda: (hashed(), LinearSVC()),
        "char_wb 2-5 + word 1-2, ComplementNB": lambda: (
            both(),
            ComplementNB(alpha=0.3),
        ),
        "char_wb 2-5 + word 1-2, SGD modified_huber": lambda: (
            both(),
            SGDClassifier(loss="modified_huber", alpha=1e-4, random_state=0),
        ),
        "char_wb 2-5 + word 1-2, RidgeClassifier": lambda: (both(), RidgeClassifier()),
    }
    if not quick:
        table["char_wb 2-5 + word 1-2, LogisticRegression C=20"] = lambda: (
            both(),
            LogisticRegression(C=20, max_iter=300),
        )
    return table


def _calibration_error(confidences: list[float], correct: list[bool], bins: int = 10) -> float:
    """Expected calibration error of the top-1 confidence (Guo et al. 2017, eq. 3)."""
    conf = np.array(confidences)
    hit = np.array(correct, dtype=float)
    edges = np.minimum((conf * bins).astype(int), bins - 1)
    error = 0.0
    for b in range(bins):
        mask = edges == b
        if mask.any():
            error += mask.mean() * abs(hit[mask].mean() - conf[mask].mean())
    return float(error)


def bench_suggestion(
    texts: list[str], topics: list[str], folds_n: int, quick: bool
) -> dict[str, Any]:
    folds = stratified_folds(topics, folds_n, seed=0)
    ranked: dict[int, list[tuple[str, float]]] = {}
    train_seconds = 0.0
    for test in folds:
        train = np.setdiff1d(np.arange(len(texts)), test)
        started = time.perf_counter()
        model = train_model([texts[i] for i in train], [topics[i] for i in train])
        train_seconds += time.perf_counter() - started
        for i, r in zip(test, model.suggest([texts[i] for i in test], top=3), strict=True):
            ranked[int(i)] = r
    rows = sorted(ranked)
    truth = [topics[i] for i in rows]
    quality = measure_quality(truth, [[t for t, _ in ranked[i]] for i in rows])
    top_conf = [ranked[i][0][1] for i in rows]
    correct = [ranked[i][0][0] == topics[i] for i in rows]
    model = train_model(texts, topics)
    batch = texts * 10
    model.suggest(batch[:256])
    started, cpu_started = time.perf_counter(), time.process_time()
    for begin in range(0, len(batch), 2048):
        model.suggest(batch[begin : begin + 2048], top=3)
    texts_per_s = len(batch) / (time.perf_counter() - started)
    # CPU time of this process: the single-core rate, less disturbed by other jobs.
    texts_per_cpu_s = len(batch) / (time.process_time() - cpu_started)
    # The same after learning every phrasing once online (memory: up to 50 per topic).
    model.learn(texts, topics)
    started = time.perf_counter()
    for begin in range(0, len(batch), 2048):
        model.suggest(batch[begin : begin + 2048], top=3)
    texts_per_s_with_memory = len(batch) / (time.perf_counter() - started)
    alternatives = {}
    if not quick:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for name, make in _alternatives(quick).items():
                alternatives[name] = _evaluate_alternative(texts, topics, folds, make)
    return {
        "n_texts": len(texts),
        "n_topics": len(set(topics)),
        "n_evaluated": quality.n,
        "folds": folds_n,
        "accuracy": round(quality.accuracy, 4),
        "top3_accuracy": round(quality.top3_accuracy, 4),
        "macro_f1": round(quality.macro_f1, 4),
        "texts_per_s": round(texts_per_s),
        "texts_per_cpu_s": round(texts_per_cpu_s),
        "texts_per_s_with_full_memory": round(texts_per_s_with_memory),
        "train_seconds_per_fold": round(train_seconds / folds_n, 2),
        "temperature": round(model.temperature, 4),
        "mean_top1_confidence": round(float(np.mean(top_conf)), 4),
        "top1_calibration_error": round(_calibration_error(top_conf, correct), 4),
        "keyword_cold_start": bench_keyword_cold_start(texts, topics),
        "alternatives": alternatives,
    }


def bench_keyword_cold_start(texts: list[str], topics: list[str]) -> dict[str, float]:
    """No training texts: each intent's keywords are the content words of its name."""
    keywords: dict[str, list[str]] = {}
    for topic in sorted(set(topics)):
        name = topic.removeprefix("question: ")
        content = [w for w in words(normalise_text(name)) if w not in STOPWORDS and len(w) >= 4]
        keywords[topic] = content or [name]
    model = train_model([], [], keywords)
    suggested = [[t for t, _ in r] for r in model.suggest(texts, top=3)]
    quality = measure_quality(topics, suggested)
    return {
        "accuracy": round(quality.accuracy, 4),
        "top3_accuracy": round(quality.top3_accuracy, 4),
        "share_with_any_suggestion": round(sum(bool(s) for s in suggested) / len(texts), 4),
    }


# --------------------------------------------------------------------------- learning curve


def load_intents_with_names(path: Path, seed: int = 6) -> list[tuple[str, str, list[str]]]:
    """(intent, name, phrasings): the name without its "question: " prefix; phrasings
    equal to the name (after normalisation) or to an earlier phrasing are dropped, so
    that giving the model the name never hands it a test text."""
    rng = random.Random(seed)
    result = []
    for intent in json.loads(path.read_text(encoding="utf-8")):
        name = intent["intent"].removeprefix("question: ").strip()
        seen = {normalise_text(name).strip(" ?.!")}
        examples = []
        for example in intent["examples"]:
            text = fill_placeholders(example, rng)
            key = normalise_text(text).strip(" ?.!")
            if text and key not in seen:
                seen.add(key)
                examples.append(text)
        result.append((intent["intent"], name, examples))
    return result


def _baseline_svm(texts: list[str], topics: list[str]) -> Callable[[list[str]], list[list[str]]]:
    """The plain character n-gram SVM (char_wb 2-5 TF-IDF, LinearSVC C=1)."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.svm import LinearSVC

    vectoriser = TfidfVectorizer(
        analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, preprocessor=normalise_text
    )
    classifier = LinearSVC().fit(vectoriser.fit_transform(texts), topics)
    classes = np.array(classifier.classes_)

    def rank(batch: list[str]) -> list[list[str]]:
        scores = classifier.decision_function(vectoriser.transform(batch))
        return [list(map(str, classes[row])) for row in np.argsort(-scores, axis=1)[:, :3]]

    return rank


def _draws(
    intents: list[tuple[str, str, list[str]]], k: int, draws: int, n_topics: int | None
) -> list[tuple[dict[str, str], list[tuple[str, str]], list[tuple[str, str]]]]:
    """Per draw: names of the picked intents, k training rows each, the rest as test."""
    eligible = [i for i in intents if len(i[2]) >= k + 1]
    result = []
    for draw in range(draws):
        rng = random.Random(1000 * k + draw)
        picked = (
            rng.sample(eligible, n_topics) if n_topics and n_topics < len(eligible) else eligible
        )
        train: list[tuple[str, str]] = []
        test: list[tuple[str, str]] = []
        for intent, _name, examples in picked:
            order = examples[:]
            rng.shuffle(order)
            train += [(t, intent) for t in order[:k]]
            test += [(t, intent) for t in order[k:]]
        rng.shuffle(test)  # the order contacts arrive in, for the online variant
        result.append(({i: n for i, n, _ in picked}, train, test))
    return result


def _score(truth: list[str], ranked: list[list[str]]) -> tuple[float, float]:
    quality = measure_quality(truth, ranked)
    return quality.accuracy, quality.top3_accuracy


@contextlib.contextmanager
def _stem_features() -> Iterator[None]:
    """Train with the measured, not shipped, stem + compound-split features."""
    import distans.core.topics.model as model_module
    from distans.core.topics.features import build_vectoriser

    shipped = model_module.build_vectoriser
    model_module.build_vectoriser = lambda: build_vectoriser(stems=True)  # type: ignore[assignment]
    try:
        yield
    finally:
        model_module.build_vectoriser = shipped


def bench_learning_curve(
    path: Path, draws: int, ks: tuple[int, ...] = (1, 2, 5, 10, 20)
) -> dict[str, Any]:
    """Top-1/top-3 accuracy by examples per topic, 20-topic subsets and all intents.

    Variants: the plain char n-gram SVM baseline; the shipped model on the examples
    only; + each intent's name as one extra text (``extra_texts_by_topic``); the same
    with the stem + compound-split word features beside the character n-grams; +
    online learning: the test contacts arrive one by one in random order, each
    suggested before the agent's topic is learnt (:meth:`TopicModel.learn`, no
    retraining); the same, retrained every 50 wrap-ups as the product does; names +
    background idf (``background_texts``: the phrasings of the intents not drawn, as
    a center's unlabelled contacts), alone and online. Only names can be measured here: the corona intents have no
    descriptions, articles or canned answers.
    """
    intents = load_intents_with_names(path)
    result: dict[str, Any] = {}
    for n_topics, n_draws in ((20, draws), (None, 1)):
        for k in ks:
            eligible = sum(1 for i in intents if len(i[2]) >= k + 1)
            if n_topics and eligible < n_topics:
                continue
            scores: dict[str, list[tuple[float, float]]] = {}
            n_test = 0
            for names, train, test in _draws(intents, k, n_draws, n_topics):
                x, y = [t for t, _ in train], [c for _, c in train]
                tx, ty = [t for t, _ in test], [c for _, c in test]
                n_test += len(test)
                variants: dict[str, list[list[str]]] = {}
                if k >= 2:
                    variants["baseline char SVM"] = _baseline_svm(x, y)(tx)
                    model = train_model(x, y, calibrate=False)
                    variants["model: examples"] = [
                        [t for t, _ in r] for r in model.suggest(tx, top=3)
                    ]
                extras = {i: [n] for i, n in names.items()}
                with _stem_features():
                    stemmed = train_model(x, y, extra_texts_by_topic=extras, calibrate=False)
                variants["model + stems/compounds: examples + names"] = [
                    [t for t, _ in r] for r in stemmed.suggest(tx, top=3)
                ]
                # unlabelled texts of the center: every phrasing of the intents not drawn
                background = [t for i, _n, ex in intents if i not in names for t in ex]
                model = train_model(
                    x, y, extra_texts_by_topic=extras, background_texts=background,
                    calibrate=False,
                )  # fmt: skip
                variants["model: examples + names + background idf"] = [
                    [t for t, _ in r] for r in model.suggest(tx, top=3)
                ]
                retrained, seen = [], 0
                for text, topic in test:
                    retrained.append([t for t, _ in model.suggest([text], top=3)[0]])
                    model.learn([text], [topic])
                    seen += 1
                    if seen % RETRAIN_EVERY == 0:
                        done = test[:seen]
                        model = train_model(
                            x + [t for t, _ in done], y + [c for _, c in done],
                            extra_texts_by_topic=extras, background_texts=background,
                            calibrate=False,
                        )  # fmt: skip
                variants[f"model: … + background idf + online, retrained every {RETRAIN_EVERY}"] = (
                    retrained
                )
                model = train_model(x, y, extra_texts_by_topic=extras, calibrate=False)
                variants["model: examples + names"] = [
                    [t for t, _ in r] for r in model.suggest(tx, top=3)
                ]
                online = []
                for text, topic in test:
                    online.append([t for t, _ in model.suggest([text], top=3)[0]])
                    model.learn([text], [topic])
                variants["model: examples + names + online wrap-ups"] = online
                # as the product runs it: retrained after every 50 new wrap-ups
                retrained, seen = [], 0
                model = train_model(x, y, extra_texts_by_topic=extras, calibrate=False)
                for text, topic in test:
                    retrained.append([t for t, _ in model.suggest([text], top=3)[0]])
                    model.learn([text], [topic])
                    seen += 1
                    if seen % RETRAIN_EVERY == 0:
                        done = test[:seen]
                        model = train_model(
                            x + [t for t, _ in done], y + [c for _, c in done],
                            extra_texts_by_topic=extras, calibrate=False,
                        )  # fmt: skip
                variants[f"model: … + online, retrained every {RETRAIN_EVERY}"] = retrained
                for name, ranked in variants.items():
                    scores.setdefault(name, []).append(_score(ty, ranked))
            row: dict[str, Any] = {
                "topics": n_topics or eligible,
                "draws": n_draws,
                "test_texts_per_draw": round(n_test / n_draws),
            }
            for name, pairs in scores.items():
                top1 = np.array([p[0] for p in pairs])
                top3 = np.array([p[1] for p in pairs])
                se = float(top1.std(ddof=1) / np.sqrt(len(top1))) if len(top1) > 1 else None
                row[name] = {
                    "top1": round(float(top1.mean()), 3),
                    "top3": round(float(top3.mean()), 3),
                    "top1_se": round(se, 3) if se is not None else None,
                }
            label = f"{n_topics} topics" if n_topics else "all eligible intents"
            result[f"{label}, {k} examples per topic"] = row
    return result


# --------------------------------------------------------------------------- surges

_MONDAY = datetime(2026, 1, 5, tzinfo=UTC)
_SURGE_HOURS = 72


def _first_hit_hours(counts: np.ndarray, start: int, daily: bool) -> float | None:
    """Hours from surge start to the first alert at or after it (None: missed in 72 h)."""
    if daily:
        days = counts.reshape(-1, 24).sum(axis=1)
        alerts = detect_surges({"x": days}, first_bin_at=_MONDAY, bin_size=DAY)
        known_at = [a.detected_at + DAY for a in alerts]  # a day's count is known at its end
    else:
        alerts = detect_surges({"x": counts}, first_bin_at=_MONDAY)
        known_at = [a.detected_at + timedelta(hours=1) for a in alerts]
    begin = _MONDAY + timedelta(hours=start)
    later = [(t - begin).total_seconds() / 3600 for t in known_at if t > begin]
    hit = min(later, default=None)
    return hit if hit is not None and hit <= _SURGE_HOURS else None


def bench_surges(quick: bool) -> dict[str, Any]:
    rng = np.random.default_rng(2026)
    replicates = 20 if quick else 80
    quiet_topics = 30 if quick else 100
    results: dict[str, Any] = {}
    for daily in (False, True):
        for level in (50, 200, 1000):
            key = f"{'daily' if daily else 'hourly'} bins, {level} contacts/week"
            quiet_weeks = 20
            alarms = 0
            for _ in range(quiet_topics):
                counts = simulate_hourly_counts(rng, quiet_weeks, float(level))
                series = counts.reshape(-1, 24).sum(axis=1) if daily else counts
                alarms += len(
                    detect_surges(
                        {"x": series},
                        first_bin_at=_MONDAY,
                        bin_size=DAY if daily else timedelta(hours=1),
                    )
                )
            tested_months = quiet_topics * (quiet_weeks - 4) * 7 / 30.44
            row: dict[str, Any] = {"false_alarms_per_topic_month": round(alarms / tested_months, 3)}
            for increase in (0.4, 1.0, 3.0):
                delays = []
                for _ in range(replicates):
                    start = 8 * 168 + int(rng.integers(5)) * 24 + int(rng.integers(8, 16))
                    counts = simulate_hourly_counts(
                        rng, 10, float(level), start, _SURGE_HOURS, increase
                    )
                    delays.append(_first_hit_hours(counts, start, daily))
                found = [d for d in delays if d is not None]
                row[f"+{round(increase * 100)}%"] = {
                    "detected_share": round(len(found) / replicates, 3),
                    "median_delay_hours": round(float(np.median(found)), 1) if found else None,
                    "p90_delay_hours": round(float(np.percentile(found, 90)), 1) if found else None,
                }
            results[key] = row
    return results


# A new theme absent from the corona data, in Swedish and Norwegian paraphrases.
_BURST = [
    "Mitt tåg till Oslo är inställt, får jag pengarna tillbaka?",
    "Inställt tåg till Oslo, hur får jag återbetalning?",
    "Tåget till Oslo ställdes in, jag vill ha pengarna tillbaka",
    "Toget til Oslo er innstilt, får jeg pengene tilbake?",
    "Ersättning för inställt tåg till Oslo?",
    "Inställda tåget mot Oslo, pengarna tillbaka?",
    "Hur får jag tillbaka pengarna för en inställd tågresa till Oslo",
    "Min tågbiljett till Oslo gäller inte längre, återbetalning?",
]


def bench_clusters(texts: list[str]) -> dict[str, Any]:
    """Stream 1,000 corona phrasings as "other" contacts, 5 minutes apart, with the
    burst above spread over 4 hours from contact 700; count alerts and time per add."""
    from distans.core.topics.clusters import ClusterDetector

    rng = random.Random(7)
    stream = [(t, False) for t in rng.sample(texts, 1000)]
    for k, text in enumerate(_BURST):
        stream.insert(700 + k * 6 + k, (text, True))
    detector = ClusterDetector()
    at = _MONDAY
    background_alerts = 0
    burst_alert: dict[str, Any] | None = None
    burst_seen = 0
    started = time.perf_counter()
    for text, is_burst in stream:
        at += timedelta(minutes=5)
        burst_seen += is_burst
        alert = detector.add(text, at)
        if alert is None:
            continue
        if is_burst and burst_alert is None:
            burst_alert = {"burst_texts_seen": burst_seen, "top_terms": list(alert.top_terms)}
        elif not is_burst:
            background_alerts += 1
    elapsed = time.perf_counter() - started
    days = len(stream) * 5 / (60 * 24)
    return {
        "texts": len(stream),
        "ms_per_add": round(1000 * elapsed / len(stream), 2),
        "burst_detected": burst_alert,
        "other_alerts_per_day": round(background_alerts / days, 2),
    }


def run(
    data: Path = DEFAULT_DATA, folds: int = 5, quick: bool = False, draws: int = 30
) -> dict[str, Any]:
    texts, topics = load_intents(data)
    return {
        "machine_cores": os.cpu_count(),
        "threads": 1,
        "learning_curve": bench_learning_curve(data, 5 if quick else draws),
        "suggestion": bench_suggestion(texts, topics, folds, quick),
        "surges": bench_surges(quick),
        "clusters": bench_clusters(texts),
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="skip alternatives, fewer runs")
    parser.add_argument("--draws", type=int, default=30, help="20-topic draws per point")
    parser.add_argument(
        "--only", choices=("learning_curve",), help="run only this part (learning curve)"
    )
    options = parser.parse_args()
    if options.only == "learning_curve":
        output: dict[str, Any] = {
            "learning_curve": bench_learning_curve(options.data, options.draws)
        }
    else:
        output = run(options.data, options.folds, options.quick, options.draws)
    print(json.dumps(output, ensure_ascii=False, indent=2))
