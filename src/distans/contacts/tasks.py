"""Retention: each organisation's policy applied every hour (so what passes its day is
anonymised or deleted at most an hour later; runs that find nothing cost a few
indexed counts)."""

from __future__ import annotations

import logging

from distans.background import every

logger = logging.getLogger(__name__)


@every(3600.0)
def apply_retention() -> None:
    from distans.contacts.actions import do_apply_retention
    from distans.contacts.models import RetentionPolicy

    for policy in RetentionPolicy.objects.all():
        done = do_apply_retention(policy)
        if any(done.values()):
            logger.info("retention for organisation %s: %s", policy.organisation_id, done)
