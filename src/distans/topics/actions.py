"""Writes of the topics app: the tree (and its CSV import), training, surge alerts."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from distans.accounts.models import Organisation
from distans.contacts.choices import ContactStatus
from distans.contacts.models import Contact
from distans.core.errors import InvalidInput
from distans.realtime.groups import supervisors_group
from distans.realtime.publish import publish
from distans.topics import queries
from distans.topics.models import PATH_SEPARATOR, SurgeAlert, Topic
from distans.topics.tree_csv import parse_topics_csv

MIN_NEW_CONTACTS = 50  # retrain only when at least this many contacts were registered since
MAX_TRAINING_CONTACTS = 50_000
MAX_ARTICLES = 5_000


@dataclass
class TreeImport:
    created: int = 0
    updated: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)


@transaction.atomic
def do_import_topics(organisation: Organisation, text: str) -> TreeImport:
    """Create or update topics from CSV (by code); broken rows are reported and skipped."""
    parsed = parse_topics_csv(text)
    result = TreeImport(errors=list(parsed.errors))
    existing = {t.code: t for t in Topic.objects.for_org(organisation)}
    parents = {row.code: row.parent_code for row in parsed.rows}
    known = set(existing) | set(parents)
    good = []
    for row in parsed.rows:
        if row.parent_code and row.parent_code not in known:
            result.errors.append((row.line, _("Unknown parent code %s.") % row.parent_code))
            continue
        if _cycles(row.code, parents, existing):
            result.errors.append((row.line, _("The parent codes form a loop.")))
            continue
        good.append(row)
    saved: dict[str, Topic] = dict(existing)
    for row in good:
        topic = existing.get(row.code)
        if topic is None:
            topic = Topic(organisation=organisation, code=row.code)
            result.created += 1
        else:
            result.updated += 1
        topic.name, topic.active, topic.ordering, topic.keywords = (
            row.name,
            row.active,
            row.order,
            row.keywords,
        )
        topic.parent = None
        topic.save()
        saved[row.code] = topic
    for row in good:
        if row.parent_code and row.parent_code in saved:
            Topic.objects.filter(pk=saved[row.code].pk).update(parent=saved[row.parent_code])
    result.errors.sort()
    return result


def _cycles(code: str, parents: dict[str, str], existing: dict[str, Topic]) -> bool:
    ids = {t.pk: c for c, t in existing.items()}
    seen = {code}
    current = code
    for _step in range(100):
        if current in parents:
            parent = parents[current]
        elif current in existing and existing[current].parent_id:
            parent = ids.get(existing[current].parent_id, "")
        else:
            return False
        if not parent:
            return False
        if parent in seen:
            return True
        seen.add(parent)
        current = parent
    return True


def export_topics_csv(organisation: Organisation) -> str:
    from distans.topics.tree_csv import write_topics_csv

    return write_topics_csv(
        (
            t.code,
            t.parent.code if t.parent else "",
            t.name,
            t.active,
            t.ordering,
            list(t.keywords or []),
        )
        for t, _depth, _path in queries.topic_tree(organisation)
    )


@transaction.atomic
def do_save_topic(organisation: Organisation, topic: Topic | None, **values: Any) -> Topic:
    """Create or change one topic; a parent must be in the same organisation and no loop."""
    topic = topic or Topic(organisation=organisation)
    parent = values.get("parent")
    if parent is not None:
        if parent.organisation_id != organisation.pk:
            raise InvalidInput("The parent topic belongs to another organisation.")
        node = parent
        while node is not None:
            if topic.pk and node.pk == topic.pk:
                raise InvalidInput("A topic cannot be placed under itself.")
            node = node.parent
    for name, value in values.items():
        setattr(topic, name, value)
    topic.save()
    return topic


def training_data(organisation: Organisation | int) -> tuple[list[str], list[str]]:
    """Texts and topic paths of the organisation's completed contacts (newest first)."""
    index = queries.topic_paths_by_text(organisation)
    leaves = {path for _code, path in queries.list_topic_choices(organisation)}
    contacts = (
        Contact.objects.for_org(organisation)
        .filter(status=ContactStatus.COMPLETED)
        .exclude(topic="")
        .prefetch_related("messages")
        .order_by("-id")[:MAX_TRAINING_CONTACTS]
    )
    texts, topics = [], []
    for contact in contacts:
        path = queries.resolve_topic(index, contact.topic)
        parts = [contact.subject, contact.body, contact.notes]
        parts += [m.body_text for m in contact.messages.all() if m.direction in ("in", "internal")]
        text = "\n".join(p for p in parts if p)
        if path in leaves and text.strip():
            texts.append(text)
            topics.append(path)
    return texts, topics


def extra_texts(organisation: Organisation | int) -> dict[str, list[str]]:
    """What the center knows of each active leaf topic besides its contacts.

    The topic's name and its full path, and the title and text of every knowledge
    article filed under it (``Article.topic`` naming the topic by path, name or code).
    Canned answers are not filed under topics, so they are not used.
    """
    from distans.desk.models import Article

    index = queries.topic_paths_by_text(organisation)
    extras: dict[str, list[str]] = {}
    for _code, path in queries.list_topic_choices(organisation):
        leaf = path.rsplit(PATH_SEPARATOR, 1)[-1]
        extras[path] = [leaf] if leaf == path else [leaf, path.replace(PATH_SEPARATOR, " ")]
    articles = (
        Article.objects.for_org(organisation).exclude(topic="").only("title", "body", "topic")
    )
    for article in articles[:MAX_ARTICLES]:
        path = queries.resolve_topic(index, article.topic)
        if path in extras:
            extras[path].append(f"{article.title}\n{article.body}")
    return extras


def background_texts(organisation: Organisation | int) -> list[str]:
    """Unlabelled texts of the center, for the suggester's idf only.

    The newest completed contacts closed without a topic, the canned answers and the
    knowledge articles not filed under a topic (at most ``BACKGROUND_MAX_TEXTS``):
    they tell which words every contact uses ("hur kan jag", a greeting), so the
    few labelled examples' telling words weigh more (docs/dev/topics.md).
    """
    from distans.core.topics.features import BACKGROUND_MAX_TEXTS
    from distans.desk.models import Article, CannedAnswer

    texts = [
        f"{a.title}\n{a.body}"
        for a in CannedAnswer.objects.for_org(organisation).only("title", "body")[:1_000]
    ]
    texts += [
        f"{a.title}\n{a.body}"
        for a in Article.objects.for_org(organisation)
        .filter(topic="")
        .only("title", "body")[:1_000]
    ]
    untopiced = (
        Contact.objects.for_org(organisation)
        .filter(status=ContactStatus.COMPLETED, topic="")
        .only("subject", "body")
        .order_by("-id")[: max(0, BACKGROUND_MAX_TEXTS - len(texts))]
    )
    texts += ["\n".join(p for p in (c.subject, c.body) if p) for c in untopiced]
    return [t for t in texts if t.strip()]


def do_train_topic_model(organisation: Organisation, force: bool = False) -> bool:
    """Train and save the organisation's suggestion model.

    Learns from the completed contacts' topics, the topic names and the knowledge
    articles filed under each topic (:func:`extra_texts`); keywords for cold start;
    unlabelled texts (:func:`background_texts`) for the idf.

    Skipped (False) unless ``force`` or at least MIN_NEW_CONTACTS completed contacts
    arrived since the last training (or there is no model yet).
    """
    from distans.core.topics.model import train_model
    from distans.core.topics.storage import save_model

    settings_row = queries.topic_settings(organisation)
    completed = Contact.objects.for_org(organisation).filter(status=ContactStatus.COMPLETED).count()
    has_model = (queries.model_directory(organisation) / "manifest.json").exists()
    if not force and has_model and completed - settings_row.trained_contacts < MIN_NEW_CONTACTS:
        return False
    texts, topics = training_data(organisation)
    keywords = queries.keywords_by_path(organisation)
    extras = extra_texts(organisation)
    if len(set(topics)) < 2 and not any(keywords.values()) and len(extras) < 2:
        return False
    calibrate = len(texts) >= 30 and min(topics.count(t) for t in set(topics)) >= 3
    model = train_model(
        texts,
        topics,
        keywords,
        extra_texts_by_topic=extras,
        background_texts=background_texts(organisation),
        calibrate=calibrate,
    )
    save_model(model, queries.model_directory(organisation))
    settings_row.trained_at = timezone.now()
    settings_row.trained_contacts = completed
    settings_row.training_metrics = dict(model.metrics)
    settings_row.save(update_fields=["trained_at", "trained_contacts", "training_metrics"])
    return True


def hourly_counts(organisation: Organisation, bin_minutes: int, weeks: int, now: datetime) -> tuple[
    datetime, dict[str, list[int]]
]:  # fmt: skip
    """Arrivals per bin for every topic and queue ("queue:<code>") from the aggregate table.

    Bins are ``bin_minutes`` long in the organisation's zone, the first starting at local
    midnight ``weeks`` weeks ago; missing bins are 0.
    """
    from django.db.models import Sum

    from distans.reports.models import IntervalAggregate

    zone = ZoneInfo(organisation.time_zone)
    local_now = now.astimezone(zone)
    first_day = (local_now - timedelta(weeks=weeks)).date()
    first = datetime(first_day.year, first_day.month, first_day.day, tzinfo=zone)
    size = timedelta(minutes=bin_minutes)
    wall_first = first.replace(tzinfo=None)
    n_bins = int((local_now.replace(tzinfo=None) - wall_first) // size) + 1
    counts: dict[str, list[int]] = {}
    rows = IntervalAggregate.objects.filter(
        organisation=organisation, interval_start__gte=first, interval_start__lte=now
    )
    for dimension in ("topic", "queue"):
        for row in (
            rows.exclude(**{dimension: ""})
            .values("interval_start", dimension)
            .annotate(n=Sum("offered"))
            .order_by()
        ):
            wall = row["interval_start"].astimezone(zone).replace(tzinfo=None)
            index = int((wall - wall_first) // size)  # local wall-clock bins, as the core expects
            key = row[dimension] if dimension == "topic" else f"queue:{row[dimension]}"
            series = counts.setdefault(key, [0] * n_bins)
            if 0 <= index < n_bins:
                series[index] += int(row["n"])
    return first, counts


@transaction.atomic
def do_detect_surges(organisation: Organisation, now: datetime | None = None) -> list[SurgeAlert]:
    """Run the core's surge detection on per-topic and per-queue counts; store and publish.

    New episodes are published to the supervisors group (kind "surge"); episodes no
    longer running are marked not ongoing.
    """
    from distans.core.topics.surges import SurgeSettings, detect_surges

    now = now or timezone.now()
    config = queries.topic_settings(organisation)
    settings = SurgeSettings(
        cusum_threshold=config.surge_threshold, tail_probability=config.surge_tail_probability,
        min_count=config.surge_min_count,
    )  # fmt: skip
    first, counts = hourly_counts(
        organisation, config.surge_bin_minutes, settings.baseline_weeks + 1, now
    )
    if not counts:
        return []
    alerts = detect_surges(
        counts, first_bin_at=first, bin_size=timedelta(minutes=config.surge_bin_minutes), now=now,
        settings=settings,
    )  # fmt: skip
    ongoing_keys = set()
    created = []
    for alert in alerts:
        dimension, key = (
            ("queue", alert.topic[6:])
            if alert.topic.startswith("queue:")
            else ("topic", alert.topic)
        )
        values = {
            "detected_at": alert.detected_at, "score": alert.score if alert.score != float("inf") else 999.0,
            "observed": alert.observed, "expected": alert.expected, "method": alert.method,
            "ongoing": alert.ongoing, "updated_at": now,
        }  # fmt: skip
        row, new = SurgeAlert.objects.update_or_create(
            organisation=organisation,
            dimension=dimension,
            key=key,
            start=alert.start,
            defaults=values,
        )
        if alert.ongoing:
            ongoing_keys.add(row.pk)
        if new and alert.ongoing:
            created.append(row)
    ended = (
        SurgeAlert.objects.for_org(organisation)
        .filter(ongoing=True, dimension__in=("topic", "queue"))
        .exclude(pk__in=ongoing_keys)
        .update(ongoing=False, updated_at=now)
    )
    if ended:  # the wallboard and the supervisors' homes drop the marker at once
        publish(supervisors_group(organisation.pk), "surge", ended=ended)
    for row in created:
        publish(supervisors_group(organisation.pk), "surge", dimension=row.dimension, key=row.key,
                score=row.score)  # fmt: skip
    return created


@transaction.atomic
def do_detect_clusters(organisation: Organisation, now: datetime | None = None,
                       window: timedelta = timedelta(hours=24)) -> list[SurgeAlert]:  # fmt: skip
    """New clusters of similar "Övrigt"/uncategorised texts in the last day (core ClusterDetector)."""
    from distans.core.topics.clusters import ClusterDetector

    now = now or timezone.now()
    other = {
        p
        for p in queries.topic_paths_by_text(organisation).values()
        if queries.normalise_topic(p) in ("övrigt", "other", "annat")
    }
    contacts = (
        Contact.objects.for_org(organisation)
        .filter(enqueued_at__gte=now - window)
        .order_by("enqueued_at")
    )
    detector = ClusterDetector(window=window)
    created = []
    for contact in contacts.only("topic", "subject", "body", "notes", "enqueued_at", "status"):
        if (
            contact.topic
            and contact.topic not in other
            and queries.normalise_topic(contact.topic) != "övrigt"
        ):
            continue
        text = "\n".join(p for p in (contact.subject, contact.body, contact.notes) if p)
        if not text.strip():
            continue
        alert = detector.add(text, contact.enqueued_at)
        if alert is None:
            continue
        key = alert.label or " ".join(alert.top_terms[:3]) or f"cluster {alert.cluster_id}"
        # One episode per cluster start: a later run over a shifted window may word the
        # label differently (its idf moved), which must not make a second alert.
        row, new = SurgeAlert.objects.get_or_create(
            organisation=organisation, dimension="cluster", start=alert.first_at,
            defaults={"key": key[:200], "detected_at": alert.detected_at, "score": float(alert.members), "observed": alert.members,
                      "method": "cluster", "ongoing": True, "details": {"terms": list(alert.top_terms),
                      "examples": list(alert.examples)}},
        )  # fmt: skip
        if new:
            created.append(row)
            publish(
                supervisors_group(organisation.pk),
                "surge",
                dimension="cluster",
                key=row.key,
                score=row.score,
            )
    ended = (
        SurgeAlert.objects.for_org(organisation)
        .filter(dimension="cluster", ongoing=True, detected_at__lt=now - window)
        .update(ongoing=False)
    )
    if ended:
        publish(supervisors_group(organisation.pk), "surge", ended=ended)
    return created
