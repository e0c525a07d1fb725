from __future__ import annotations

from django.utils import timezone

from distans.realtime.actions import STALE_AFTER
from distans.realtime.models import LiveConnection


def online_person_ids(organisation_id: int) -> set[int]:
    cutoff = timezone.now() - STALE_AFTER
    return set(
        LiveConnection.objects.for_org(organisation_id)
        .filter(heartbeat_at__gte=cutoff)
        .values_list("person_id", flat=True)
    )
