"""Save and load a :class:`~distans.core.topics.model.TopicModel` in a directory.

Layout: ``manifest.json`` (format version, topics, trained_at, metrics, temperature,
keywords, features) and ``estimators.joblib`` (the fitted scikit-learn vectoriser and
classifier). joblib files are pickles: load only model directories you trust (your
own organisation's, written by this code). Loading refuses any other format version.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from distans.core.errors import InvalidInput
from distans.core.topics.features import FEATURES_DESCRIPTION
from distans.core.topics.model import MEMORY_WEIGHT, SVM_C, TopicModel

FORMAT_VERSION = 2
MANIFEST_NAME = "manifest.json"
ESTIMATORS_NAME = "estimators.joblib"


class ModelFormatError(InvalidInput):
    """A model directory is missing, damaged or written in another format version."""

    code = "model_format"


def save_model(model: TopicModel, directory: Path | str) -> Path:
    """Write ``model`` into ``directory`` (created if needed); return the directory."""
    import joblib

    path = Path(directory)
    path.mkdir(parents=True, exist_ok=True)
    joblib.dump(
        {"vectoriser": model.vectoriser, "classifier": model.classifier, "memory": model.memory},
        path / ESTIMATORS_NAME,
    )
    manifest = {
        "format_version": FORMAT_VERSION,
        "topics": list(model.topics),
        "classifier_topics": list(model.classifier_topics),
        "trained_at": model.trained_at.isoformat(),
        "metrics": model.metrics,
        "temperature": model.temperature,
        "keywords_by_topic": model.keywords_by_topic,
        "learned_by_topic": model.learned_by_topic,
        "extra_by_topic": model.extra_by_topic,
        "features": FEATURES_DESCRIPTION,
        "classifier": f"LinearSVC(C={SVM_C}) + {MEMORY_WEIGHT} x nearest remembered text, temperature-scaled softmax",
    }
    text = json.dumps(manifest, ensure_ascii=False, indent=2)
    (path / MANIFEST_NAME).write_text(text + "\n", encoding="utf-8")
    return path


def read_manifest(directory: Path | str) -> dict[str, Any]:
    """Return the manifest of a model directory after checking its format version."""
    path = Path(directory) / MANIFEST_NAME
    if not path.is_file():
        raise ModelFormatError(f"{directory} is not a topic model directory (no {MANIFEST_NAME}).")
    try:
        manifest: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ModelFormatError(f"{path} is not valid JSON: {exc}.") from exc
    version = manifest.get("format_version")
    if version != FORMAT_VERSION:
        raise ModelFormatError(
            f"Topic model in {directory} has format version {version}; this Distans reads "
            f"version {FORMAT_VERSION}. Retrain it with 'distans topics train'."
        )
    return manifest


def load_model(directory: Path | str) -> TopicModel:
    """Load a model written by :func:`save_model` (same format version only)."""
    import joblib

    manifest = read_manifest(directory)
    estimators_path = Path(directory) / ESTIMATORS_NAME
    if not estimators_path.is_file():
        raise ModelFormatError(f"{directory} has no {ESTIMATORS_NAME}.")
    estimators = joblib.load(estimators_path)
    return TopicModel(
        topics=tuple(manifest["topics"]),
        vectoriser=estimators["vectoriser"],
        classifier=estimators["classifier"],
        classifier_topics=tuple(manifest["classifier_topics"]),
        temperature=float(manifest["temperature"]),
        keywords_by_topic={t: list(k) for t, k in manifest["keywords_by_topic"].items()},
        trained_at=datetime.fromisoformat(manifest["trained_at"]),
        metrics={k: float(v) for k, v in manifest["metrics"].items()},
        learned_by_topic={t: int(n) for t, n in manifest.get("learned_by_topic", {}).items()},
        extra_by_topic={t: int(n) for t, n in manifest.get("extra_by_topic", {}).items()},
        memory=dict(estimators.get("memory") or {}),
    )
