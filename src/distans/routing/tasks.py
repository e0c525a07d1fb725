"""Periodic routing work: the sweeper. Safe to run in several processes at once."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from distans.accounts.models import Organisation
from distans.background import every
from distans.routing.dispatcher import request_routing

#: A full round at least this often per organisation with anything queued: the safety
#: net for time rules whose deadline another (perhaps killed) process held, and for
#: queue changes saved in another process.
FULL_ROUND_EVERY_SECONDS = 10.0


@every(2.0)
def sweep_routing() -> None:
    """Recover what a killed process left behind, and keep time rules honest.

    This is the safety net, not the trigger: rounds normally run on events and at
    their deadlines. Every 2 s it requests a full round for an organisation with
    something overdue (an offer past its expiry, a wrap-up past its end, an orphaned
    contact: offered without an open offer, made waiting again here), and every
    ``FULL_ROUND_EVERY_SECONDS`` for one with anything queued."""
    from distans.contacts.choices import ContactStatus
    from distans.contacts.models import Contact
    from distans.routing.choices import OfferStatus
    from distans.routing.models import AgentState, Offer
    from distans.routing.rounds import seconds_since_full_round

    now = timezone.now()
    with transaction.atomic():
        orphaned = list(
            Contact.objects.filter(status=ContactStatus.OFFERED)
            .exclude(offers__status=OfferStatus.OPEN)
            .values_list("pk", "organisation_id")
        )
        Contact.objects.filter(
            pk__in=[pk for pk, _ in orphaned], status=ContactStatus.OFFERED
        ).update(status=ContactStatus.WAITING)
        overdue = {org for _, org in orphaned}
        overdue |= set(
            Offer.objects.filter(
                status=OfferStatus.OPEN, expires_at__lte=now - timedelta(seconds=1)
            )
            .values_list("organisation_id", flat=True)
            .distinct()
        )
        overdue |= set(
            AgentState.objects.filter(
                presence="wrap_up", wrap_up_until__lte=now - timedelta(seconds=1)
            )
            .values_list("organisation_id", flat=True)
            .distinct()
        )
        queued = set(
            Contact.objects.filter(status__in=[ContactStatus.WAITING, ContactStatus.OFFERED])
            .values_list("organisation_id", flat=True)
            .distinct()
        )
        due = overdue | {
            org for org in queued if seconds_since_full_round(org) >= FULL_ROUND_EVERY_SECONDS
        }
        for organisation_id in Organisation.objects.filter(pk__in=due).values_list("pk", flat=True):
            request_routing(organisation_id)


@every(3600.0)
def prune_idempotency_keys() -> None:
    """Idempotency keys of POST /api/contacts are honoured for a day."""
    from distans.routing.actions import do_prune_idempotency_keys

    do_prune_idempotency_keys()
