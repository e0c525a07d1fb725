"""Wrap-up topics for the desk. The one place the desk reads topics from.

The organisation's topic tree (topics app: active leaves as full paths, e.g.
"Corona › Vaccination"); an organisation without a tree falls back to the flat list
of :class:`desk.models.TopicChoice`. Suggestions come from the topics app's model.
"""

from __future__ import annotations

from distans.accounts.models import Organisation
from distans.desk.models import TopicChoice


def topic_names(organisation: Organisation | int) -> list[str]:
    """Topics an agent may choose at wrap-up: the tree's active leaves (full paths, in
    tree order), else the flat list sorted."""
    from distans.topics.queries import list_topic_choices

    tree = [path for _code, path in list_topic_choices(organisation)]
    if tree:
        return tree
    return list(
        TopicChoice.objects.for_org(organisation).filter(active=True).values_list("name", flat=True)
    )


def suggestions(contact: object) -> list[tuple[str, int]]:
    """Top-3 suggested topics with confidence in whole percent (empty until trained)."""
    from distans.topics.queries import suggest_topics

    return [(topic, round(confidence * 100)) for topic, confidence in suggest_topics(contact, top=3)]
