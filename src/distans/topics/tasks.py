"""Periodic topic work: surge detection (every 5 minutes), retraining (hourly), clusters."""

from __future__ import annotations

from distans.background import every


def _organisations():
    from distans.accounts.models import Organisation

    return Organisation.objects.all()


@every(300.0)
def detect_topic_surges() -> None:
    """Fold new events into the report aggregate, then look for surges per organisation."""
    from distans.reports.actions import do_update_aggregates
    from distans.topics.actions import do_detect_clusters, do_detect_surges

    for organisation in _organisations():
        do_update_aggregates(organisation)
        do_detect_surges(organisation)
        do_detect_clusters(organisation)


@every(3600.0)
def retrain_topic_models() -> None:
    """Retrain each organisation's suggestion model when enough new contacts were registered."""
    from distans.topics.actions import do_train_topic_model

    for organisation in _organisations():
        do_train_topic_model(organisation)
