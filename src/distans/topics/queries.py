"""Reads: the topic tree, wrap-up choices, suggestions for a contact, active surges."""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from distans.accounts.models import Organisation
from distans.topics.models import PATH_SEPARATOR, SurgeAlert, Topic, TopicSettings

_SEPARATORS = re.compile(r"[›>/–—\-:]+")
_SPACES = re.compile(r"\s+")


def normalise_topic(text: str) -> str:
    """Lower case, separators (› – - / :) as spaces: "Corona – vaccination" = "Corona › Vaccination"."""
    return _SPACES.sub(" ", _SEPARATORS.sub(" ", text.lower())).strip()


def topic_tree(organisation: Organisation | int) -> list[tuple[Topic, int, str]]:
    """Every topic in tree order: ``(topic, depth, full path)``."""
    topics = list(Topic.objects.for_org(organisation).order_by("ordering", "name"))
    children: dict[int | None, list[Topic]] = {}
    for topic in topics:
        children.setdefault(topic.parent_id, []).append(topic)
    result: list[tuple[Topic, int, str]] = []

    def walk(parent: int | None, depth: int, prefix: str) -> None:
        for topic in children.get(parent, []):
            path = f"{prefix}{PATH_SEPARATOR}{topic.name}" if prefix else topic.name
            result.append((topic, depth, path))
            if depth < 20:
                walk(topic.pk, depth + 1, path)

    walk(None, 0, "")
    return result


def list_topic_choices(organisation: Organisation | int) -> list[tuple[str, str]]:
    """Active leaf topics for the wrap-up: ``(code, full path)`` in tree order.

    A leaf under an inactive parent is left out. Store the path ("Corona › Vaccination")
    as ``Contact.topic``.
    """
    tree = topic_tree(organisation)
    has_children = {t.parent_id for t, _, _ in tree if t.parent_id}
    inactive: set[int] = set()
    choices = []
    for topic, _depth, path in tree:
        if not topic.active or (topic.parent_id in inactive):
            inactive.add(topic.pk)
            continue
        if topic.pk not in has_children:
            choices.append((topic.code, path))
    return choices


def topic_paths_by_text(organisation: Organisation | int) -> dict[str, str]:
    """Normalised text (path, leaf name or code) -> full path, for matching stored topics."""
    index: dict[str, str] = {}
    tree = topic_tree(organisation)
    for topic, _depth, path in tree:  # names first, so a path or code wins a clash
        index.setdefault(normalise_topic(topic.name), path)
    for topic, _depth, path in tree:
        index[normalise_topic(path)] = path
        index[normalise_topic(topic.code)] = path
    return index


def resolve_topic(index: dict[str, str], text: str) -> str:
    """The full path of a stored topic text, or the text itself when no topic matches."""
    return index.get(normalise_topic(text), text.strip()) if text.strip() else ""


def keywords_by_path(organisation: Organisation | int) -> dict[str, list[str]]:
    """Keywords of the active leaf topics, keyed by full path (the model's labels)."""
    choices = {code for code, _ in list_topic_choices(organisation)}
    return {
        path: list(topic.keywords or [])
        for topic, _depth, path in topic_tree(organisation)
        if topic.code in choices and topic.keywords
    }


def topic_settings(organisation: Organisation | int) -> TopicSettings:
    org_id = organisation if isinstance(organisation, int) else organisation.pk
    settings_row, _ = TopicSettings.objects.get_or_create(organisation_id=org_id)
    return settings_row


def model_directory(organisation: Organisation | int) -> Path:
    """Where the organisation's suggestion model lives: VAR_DIR/models/<org id>."""
    org_id = organisation if isinstance(organisation, int) else organisation.pk
    return Path(settings.VAR_DIR) / "models" / str(org_id)


_models: dict[int, tuple[str, Any]] = {}
_models_lock = threading.Lock()
_learned_ids: dict[int, set[int]] = {}  # per organisation: contacts the cached model learnt
MAX_CATCH_UP = 2_000


def load_topic_model(organisation: Organisation | int) -> Any | None:
    """The organisation's trained model (cached per process by its trained_at), or None."""
    from distans.core.topics.storage import ModelFormatError, load_model, read_manifest

    org_id = organisation if isinstance(organisation, int) else organisation.pk
    directory = model_directory(org_id)
    try:
        stamp = str(read_manifest(directory).get("trained_at"))
    except (OSError, ValueError, ModelFormatError):
        return None
    with _models_lock:
        cached = _models.get(org_id)
        if cached is not None and cached[0] == stamp:
            return cached[1]
    try:
        model = load_model(directory)
    except (OSError, ValueError, ModelFormatError):
        return None
    with _models_lock:
        _models[org_id] = (stamp, model)
        _learned_ids[org_id] = set()
    return model


def learn_recent_wrap_ups(organisation: Organisation | int, model: Any) -> int:
    """Teach the cached model the wrap-ups since it was trained (online learning).

    Every contact completed with a topic after the model's ``trained_at`` — the agent
    chose or corrected that topic — is learnt once (``TopicModel.learn``: at once, no
    retraining); the hourly retraining then folds them into the classifier. Returns
    how many were learnt now.
    """
    from distans.contacts.choices import ContactStatus
    from distans.contacts.models import Contact

    org_id = organisation if isinstance(organisation, int) else organisation.pk
    ids = list(
        Contact.objects.for_org(org_id)
        .filter(status=ContactStatus.COMPLETED, ended_at__gte=model.trained_at)
        .exclude(topic="")
        .order_by("-id")
        .values_list("id", flat=True)[:MAX_CATCH_UP]
    )  # one index read per suggestion; texts are fetched only for new wrap-ups
    with _models_lock:
        seen = _learned_ids.setdefault(org_id, set())
        new_ids = [i for i in ids if i not in seen]
        seen.update(new_ids)
    if not new_ids:
        return 0
    fresh = list(
        Contact.objects.for_org(org_id).filter(id__in=new_ids).prefetch_related("messages")
        .order_by("-id")
    )  # fmt: skip
    index = topic_paths_by_text(org_id)
    texts, topics = [], []
    for contact in reversed(fresh):  # oldest first, so the newest stay in memory
        parts = [contact.subject, contact.body, contact.notes]
        parts += [m.body_text for m in contact.messages.all() if m.direction in ("in", "internal")]
        texts.append("\n".join(p for p in parts if p))
        topics.append(resolve_topic(index, contact.topic))
    with _models_lock:
        return int(model.learn(texts, topics))


def learned_counts(organisation: Organisation | int) -> dict[str, int]:
    """Per topic path, how many contacts the suggestion model has learnt from
    (training plus the wrap-ups learnt since); empty without a model."""
    model = load_topic_model(organisation)
    if model is None:
        return {}
    learn_recent_wrap_ups(organisation, model)
    return dict(model.learned_by_topic)


def contact_text(contact: Any) -> str:
    """Subject, body, the conversation's messages and the notes, as one text."""
    parts = [contact.subject, contact.body]
    parts += [m.body_text for m in contact.messages.filter(direction__in=("in", "internal"))]
    parts.append(contact.notes)
    return "\n".join(p for p in parts if p)


_keyword_models: dict[int, tuple[Any, Any, Any]] = {}


def _with_current_keywords(org_id: int, model: Any | None) -> Any | None:
    """The trained model with the topic tree's keywords as they are now: a topic added
    or given keywords since the last training (e.g. "skolskjuts") is suggested at once,
    without waiting for the hourly retraining. No model yet: a keyword-only one."""
    import dataclasses

    from distans.core.topics.model import train_model

    current = keywords_by_path(org_id)
    if model is not None and current == model.keywords_by_topic:
        return model
    signature = tuple(sorted((path, tuple(words)) for path, words in current.items()))
    with _models_lock:
        cached = _keyword_models.get(org_id)
        if cached is not None and cached[0] is model and cached[1] == signature:
            return cached[2]
    if model is None:
        if not any(current.values()):
            return None
        updated = train_model([], [], current, calibrate=False)
    else:
        labelled = list(model.classifier_topics)
        updated = dataclasses.replace(
            model,
            topics=tuple(labelled + sorted(set(current) - set(labelled))),
            keywords_by_topic=current,
        )
    with _models_lock:
        _keyword_models[org_id] = (model, signature, updated)
    return updated


def suggest_topics(contact: Any, top: int = 3) -> list[tuple[str, float]]:
    """Up to ``top`` suggested topics (full paths, from the active leaves) with confidence."""
    model = _with_current_keywords(
        contact.organisation_id, load_topic_model(contact.organisation_id)
    )
    text = contact_text(contact)
    if model is None or not text.strip():
        return []
    learn_recent_wrap_ups(contact.organisation_id, model)
    allowed = {path for _code, path in list_topic_choices(contact.organisation_id)}
    ranked = model.suggest([text], top=top + 5)[0]
    return [(topic, round(float(conf), 3)) for topic, conf in ranked if topic in allowed][:top]


def list_active_surges(organisation: Organisation | int) -> list[SurgeAlert]:
    """Ongoing surge alerts, newest first (for the wallboard)."""
    return list(
        SurgeAlert.objects.for_org(organisation).filter(ongoing=True).order_by("-detected_at")
    )


def list_recent_surges(organisation: Organisation | int, limit: int = 20) -> list[SurgeAlert]:
    return list(SurgeAlert.objects.for_org(organisation).order_by("-detected_at")[:limit])


def describe_surge(alert: SurgeAlert, time_zone: str | None = None) -> str:
    """One sentence in the active language: what was seen, what was expected, since when.

    E.g. "Vaccination: 42 contacts since Mon 6 Mar 09:00, expected 25 (1.7 times the
    usual)." For a new topic: "…: new topic, 12 contacts since …; none in the weeks
    before." Times in the organisation's zone (or ``time_zone``).
    """
    from zoneinfo import ZoneInfo

    from django.utils import formats
    from django.utils.translation import gettext, ngettext

    zone = ZoneInfo(time_zone or alert.organisation.time_zone)
    since = formats.date_format(alert.start.astimezone(zone), "D j M H:i")
    if alert.method == "new":
        text = ngettext(
            "%(topic)s: new topic, %(observed)d contact since %(since)s; none in the weeks before.",
            "%(topic)s: new topic, %(observed)d contacts since %(since)s; none in the weeks before.",
            alert.observed,
        )
        return text % {"topic": alert.key, "observed": alert.observed, "since": since}
    if alert.method == "cluster":
        return gettext("%(topic)s: %(observed)d similar uncategorised contacts since %(since)s.") % {
            "topic": alert.key, "observed": alert.observed, "since": since,
        }  # fmt: skip
    expected = alert.expected
    shown = formats.number_format(round(expected, 1) if expected < 10 else round(expected))
    text = ngettext(
        "%(topic)s: %(observed)d contact since %(since)s, expected %(expected)s (%(ratio)s times the usual).",
        "%(topic)s: %(observed)d contacts since %(since)s, expected %(expected)s (%(ratio)s times the usual).",
        alert.observed,
    )
    return text % {
        "topic": alert.key, "observed": alert.observed, "since": since, "expected": shown,
        "ratio": formats.number_format(round(alert.score, 1), decimal_pos=1),
    }  # fmt: skip


def surging_topics(organisation: Organisation, counts: dict[str, int]) -> set[str]:
    """Of the wallboard's topic texts, those whose topic has an ongoing surge alert."""
    active = {a.key for a in list_active_surges(organisation) if a.dimension == "topic"}
    if not active:
        return set()
    index = topic_paths_by_text(organisation)
    return {text for text in counts if resolve_topic(index, text) in active}


@dataclass(frozen=True)
class SurgeView:
    """A surge alert as people read it: what surges (the topic's path, the queue's
    name, or a new subject's telling phrases) and of which kind."""

    alert: SurgeAlert
    label: str
    kind: str  # translated: topic / queue / new subject


def label_surges(organisation: Organisation | int, alerts: list[SurgeAlert]) -> list[SurgeView]:
    from distans.routing.models import Queue

    codes = {a.key for a in alerts if a.dimension == "queue"}
    names = dict(
        Queue.objects.for_org(organisation).filter(code__in=codes).values_list("code", "name")
    )
    kinds = {"topic": _("Topic"), "queue": _("Queue"), "cluster": _("New subject")}
    return [
        SurgeView(
            alert=alert,
            label=names.get(alert.key, alert.key) if alert.dimension == "queue" else alert.key,
            kind=str(kinds.get(alert.dimension, alert.dimension)),
        )
        for alert in alerts
    ]


def surges_now(organisation: Organisation | int) -> list[SurgeView]:
    """Ongoing surges, labelled, newest first (wallboard, supervisor's home)."""
    return label_surges(organisation, list_active_surges(organisation))


def surging_queue_codes(organisation: Organisation | int) -> set[str]:
    """Codes of the queues with an ongoing surge (the wallboard's queue marker)."""
    return set(
        SurgeAlert.objects.for_org(organisation)
        .filter(ongoing=True, dimension="queue")
        .values_list("key", flat=True)
    )
