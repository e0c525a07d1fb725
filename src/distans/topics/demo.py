"""Demo topics and surge sensitivity for the demo traffic.

The demo's history (its surge baseline too) is imported by the planning loader
(:mod:`distans.demo.history`). :func:`seed_history` writes a flat synthetic baseline
(every 15 minutes alike) straight into the aggregate: the surge tests use it as a
controlled background; the demo does not.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction

from distans.accounts.models import Organisation
from distans.core.reports.aggregate import THRESHOLDS_SECONDS, ContactCounts
from distans.demo.data import DEMO_LOADERS
from distans.topics.models import Topic, TopicSettings

# (code, parent code, name, keywords)
TOPICS = [
    ("skola", "", "Skola", []),
    ("skolplikt", "skola", "Skolplikt", ["skolplikt", "frånvaro", "ledighet", "skolgång"]),
    ("sjukanmalan", "skola", "Sjukanmälan", ["sjukanmälan", "sjukanmäla", "sjuk", "feber"]),
    ("corona", "", "Corona", []),
    (
        "corona-vaccination",
        "corona",
        "Vaccination",
        ["vaccin", "vaccination", "spruta", "dos", "boka tid"],
    ),
    ("corona-skola", "corona", "Skola", ["distansundervisning", "stängd skola", "smittad elev"]),
    (
        "corona-foretagsstod",
        "corona",
        "Företagsstöd",
        ["företagsstöd", "stöd", "permittering", "hyresstöd"],
    ),
    ("bygglov", "", "Bygglov", ["bygglov", "altan", "attefall", "ritning", "tillbyggnad"]),
    ("avfall", "", "Avfall", ["sophämtning", "soptunna", "återvinning", "grovsopor", "avfall"]),
    ("parkering", "", "Parkering", ["parkering", "parkeringstillstånd", "p-böter", "felparkering"]),
    ("ovrigt", "", "Övrigt", []),
]
# Live demo rates (phone: one call per 12 s, lines weighted 3:4:2:1:2) per 15 minutes;
# the corona line at its rate, the rest 1.5× so that only a real rise stands out.
HISTORY_PER_15_MIN = {"corona": 12.5, "vaxel": 28.0, "allmant": 37.5, "skola": 19.0, "bygglov": 9.5}
HISTORY_TOPICS = {
    "corona": ["Corona › Vaccination", "Corona › Skola"],
    "vaxel": ["Övrigt", "Parkering", "Avfall"],
    "allmant": ["Avfall", "Parkering", "Corona › Företagsstöd", "Övrigt"],
    "skola": ["Skola › Skolplikt", "Skola › Sjukanmälan"],
    "bygglov": ["Bygglov"],
}
HISTORY_WEEKS = 8


def load_topics_demo(organisation: Organisation) -> None:
    with transaction.atomic():
        made: dict[str, Topic] = {}
        for order, (code, parent, name, keywords) in enumerate(TOPICS):
            topic, _ = Topic.objects.get_or_create(
                organisation=organisation, code=code,
                defaults={"name": name, "keywords": keywords, "ordering": order, "parent": made.get(parent)},
            )  # fmt: skip
            made[code] = topic
        TopicSettings.objects.update_or_create(
            organisation=organisation,
            defaults={"surge_bin_minutes": 15, "surge_threshold": 4.0, "surge_tail_probability": 1e-4,
                      "surge_min_count": 8},
        )  # fmt: skip


def _counts(n: int) -> ContactCounts:
    waited = 10
    within = tuple(n if t >= waited else 0 for t in THRESHOLDS_SECONDS)
    return ContactCounts(
        offered=n, answered=n, answered_within=within, wait_answered_ms=n * waited * 1000,
        max_wait_ms=waited * 1000 if n else 0, talk_ms=n * 180_000, wrap_up_ms=n * 20_000,
    )  # fmt: skip


@transaction.atomic
def seed_history(organisation: Organisation, now: datetime | None = None) -> int:
    """Replace the synthetic history: HISTORY_WEEKS weeks up to local midnight today."""
    from django.utils import timezone

    from distans.core.reports.records import GroupKey
    from distans.reports.aggregation import rebuild_daily, upsert_contact_rows
    from distans.reports.models import IntervalAggregate

    zone = ZoneInfo(organisation.time_zone)
    local = (now or timezone.now()).astimezone(zone)
    end = datetime(local.year, local.month, local.day, tzinfo=zone)
    start = end - timedelta(weeks=HISTORY_WEEKS)
    IntervalAggregate.objects.filter(
        organisation=organisation, interval_start__lt=end, agent=""
    ).exclude(topic="").delete()
    rebuild_daily(organisation.pk)
    rows = {}
    step = timedelta(minutes=15)
    at = start.astimezone(ZoneInfo("UTC"))
    index = 0
    while at < end:
        for queue, rate in HISTORY_PER_15_MIN.items():
            n = int(rate) + (1 if (index * (rate % 1)) % 1 + rate % 1 >= 1 else 0)
            topics = HISTORY_TOPICS[queue]
            for k, topic in enumerate(topics):
                share = n // len(topics) + (1 if (index + k) % len(topics) < n % len(topics) else 0)
                if share:
                    rows[(at, GroupKey(queue, "phone", topic))] = _counts(share)
        at += step
        index += 1
    upsert_contact_rows(organisation.pk, rows)
    return len(rows)


DEMO_LOADERS.append(load_topics_demo)
