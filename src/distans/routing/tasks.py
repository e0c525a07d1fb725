"""Periodic routing work: the sweeper. Safe to run in several processes at once."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from distans.accounts.models import Organisation
from distans.background import every
from distans.routing.dispatcher import request_routing


@every(2.0)
def sweep_routing() -> None:
    """Request a round for every organisation with queued contacts or open offers.

    This is the safety net, not the trigger: rounds normally run on events. After a
    crash it recovers expired offers (the round expires them) and orphaned contacts
    (offered without an open offer → waiting again)."""
    from distans.contacts.choices import ContactStatus
    from distans.contacts.models import Contact
    from distans.routing.choices import OfferStatus
    from distans.routing.models import AgentState, Offer

    with transaction.atomic():
        orphaned = (
            Contact.objects.filter(status=ContactStatus.OFFERED)
            .exclude(offers__status=OfferStatus.OPEN)
            .values_list("pk", flat=True)
        )
        Contact.objects.filter(pk__in=list(orphaned), status=ContactStatus.OFFERED).update(
            status=ContactStatus.WAITING
        )
        # Wrap-up that ended while nobody was routing is ended by the round itself.
        busy_orgs = set(
            Contact.objects.filter(status__in=[ContactStatus.WAITING, ContactStatus.OFFERED])
            .values_list("organisation_id", flat=True)
            .distinct()
        )
        busy_orgs |= set(
            Offer.objects.filter(status=OfferStatus.OPEN)
            .values_list("organisation_id", flat=True)
            .distinct()
        )
        busy_orgs |= set(
            AgentState.objects.filter(
                presence="wrap_up", wrap_up_until__lte=timezone.now() + timedelta(seconds=1)
            )
            .values_list("organisation_id", flat=True)
            .distinct()
        )
        for organisation_id in Organisation.objects.filter(pk__in=busy_orgs).values_list(
            "pk", flat=True
        ):
            request_routing(organisation_id)
