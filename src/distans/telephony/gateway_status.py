"""The built-in gateway's health as Distans sees it (``tasks.watch_gateway``, every few
seconds): up/down transitions in the event log (``gateway_down``, ``gateway_up``; a
``gateway_up`` after Kamailio started anew has ``restarted``), shown on the wallboard,
and the calls a restarted gateway no longer holds ended with a reason.

A gateway that does not answer is *down*: Kamailio may be stopped, or only busy (its
workers waiting on Distans). Calls are reconciled only when Kamailio answers with a
new start time: then its memory (parked INVITEs, transactions) is known to be gone."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db import transaction
from django.utils import timezone

from distans.contacts.choices import QUEUED_STATUSES, ContactStatus
from distans.core.errors import StateConflict
from distans.realtime.groups import supervisors_group
from distans.realtime.publish import publish
from distans.routing import actions as routing
from distans.routing.models import RoutingEvent
from distans.telephony.choices import CallState
from distans.telephony.gateway import config as gateway_config
from distans.telephony.gateway import health as gateway_health
from distans.telephony.models import Call, TelephonySettings

logger = logging.getLogger(__name__)

GATEWAY_UP = "gateway_up"
GATEWAY_DOWN = "gateway_down"
#: the event log's reason for calls a restarted gateway no longer held
LOST_IN_RESTART = "gateway_restarted"
#: the gateway's call ids: the MD5 of the SIP Call-ID (the simulator's are ``sim-…``)
GATEWAY_CALL_ID = re.compile(r"^[0-9a-f]{32}$")
#: how long the wallboard says "restarted HH:MM"
SHOW_RESTART_FOR = timedelta(hours=1)


@dataclass(frozen=True)
class GatewayStatus:
    up: bool
    since: datetime  # when it went down / came up
    restarted: bool  # came up as a new Kamailio (its parked calls were lost)


def _last(organisation_id: int, *names: str) -> RoutingEvent | None:
    return (
        RoutingEvent.objects.filter(organisation_id=organisation_id, name__in=names)
        .order_by("-at", "-id")
        .first()
    )


def status(organisation_id: int) -> GatewayStatus | None:
    """The gateway's last known state, or None when Distans has never seen it."""
    event = _last(organisation_id, GATEWAY_UP, GATEWAY_DOWN)
    if event is None:
        return None
    return GatewayStatus(
        up=event.name == GATEWAY_UP, since=event.at, restarted=bool(event.data.get("restarted"))
    )


def wallboard_status(organisation_id: int) -> GatewayStatus | None:
    """What the wallboard shows: down, or restarted within the last hour; else nothing."""
    now = status(organisation_id)
    if now is None or (
        now.up and (not now.restarted or timezone.now() - now.since > SHOW_RESTART_FOR)
    ):
        return None
    return now


def do_watch_gateway(
    check: Callable[[gateway_config.GatewayConfig], gateway_health.Health] = gateway_health.check,
) -> GatewayStatus | None:
    """Ask the gateway how it is; log a transition; reconcile after a restart."""
    config = gateway_config.current()
    if config is None:
        return None
    health = check(config)
    org = config.organisation_id
    with transaction.atomic():
        # one watcher at a time per organisation (several workers run the periodic jobs)
        TelephonySettings.objects.get_or_create(organisation_id=org)
        TelephonySettings.objects.select_for_update().filter(organisation_id=org).first()
        last = _last(org, GATEWAY_UP, GATEWAY_DOWN)
        last_up = last if last is not None and last.name == GATEWAY_UP else _last(org, GATEWAY_UP)
        now = timezone.now()
        if not health.up:
            if last is None or last.name != GATEWAY_DOWN:
                RoutingEvent.objects.create(
                    organisation_id=org, name=GATEWAY_DOWN, at=now,
                    data={"kamailio": health.kamailio, "rtpengine": health.rtpengine},
                )  # fmt: skip
                logger.warning("the telephony gateway is down (kamailio %s, rtpengine %s)",
                               health.kamailio, health.rtpengine)  # fmt: skip
                publish(supervisors_group(org), "gateway")
            return status(org)
        known_start = last_up.data.get("started") if last_up is not None else None
        restarted = known_start is not None and known_start != health.started
        if last is None or last.name != GATEWAY_UP or restarted:
            RoutingEvent.objects.create(
                organisation_id=org, name=GATEWAY_UP, at=now,
                data={"started": health.started, "restarted": restarted},
            )  # fmt: skip
            if restarted:
                logger.warning("the telephony gateway restarted")
            publish(supervisors_group(org), "gateway")
    if health.started is not None and (last is None or last.name != GATEWAY_UP or restarted):
        # Distans sees this Kamailio for the first time (or again): calls it does not hold
        # that reached Distans before it started are gone
        started = datetime.fromtimestamp(health.started, tz=UTC)
        reconcile(config, started, health.parked)
    return status(org)


def reconcile(
    config: gateway_config.GatewayConfig, started: datetime, parked: frozenset[str]
) -> int:
    """End the calls Distans thinks wait or are being connected that the gateway,
    started at ``started``, does not hold: a waiting one is ``abandoned`` (reason
    ``gateway_restarted``), one being connected is completed for its agent (topic
    ``gateway_restarted``). Their waiting media is stopped. Returns how many."""
    from distans.telephony.gateway import media

    ended = 0
    calls = Call.objects.filter(
        organisation_id=config.organisation_id,
        state__in=(CallState.QUEUED, CallState.CONNECTING),
        created_at__lt=started,
    ).select_related("contact")
    for call in calls:
        if not GATEWAY_CALL_ID.match(call.call_id) or call.call_id in parked:
            continue
        if call.state == CallState.CONNECTING and call.updated_at >= started:
            continue  # connected by this gateway
        try:
            _end_lost(call)
        except StateConflict as exc:  # it changed meanwhile (the caller hung up, an agent took it)
            logger.info("gateway: call %s changed while reconciled: %s", call.call_id, exc)
            continue
        media.stop_waiting(config, call.call_id)
        ended += 1
    if ended:
        logger.warning("gateway restarted: %d calls it no longer held were ended", ended)
    return ended


@transaction.atomic
def _end_lost(call: Call) -> None:
    call = Call.objects.select_for_update(of=("self",)).select_related("contact").get(pk=call.pk)
    contact = call.contact
    if call.state not in (CallState.QUEUED, CallState.CONNECTING):
        raise StateConflict("The call is no longer waiting.")
    if contact.status in QUEUED_STATUSES:
        routing.do_abandon_contact(contact, reason=LOST_IN_RESTART)
        call.state = CallState.ABANDONED
    elif contact.status == ContactStatus.ACTIVE and contact.agent is not None:
        routing.do_complete_contact(
            contact.agent, contact.pk, topic=LOST_IN_RESTART,
            notes="the phone gateway restarted while the call was being connected",
        )  # fmt: skip
        call.state = CallState.ENDED
    else:
        call.state = CallState.ENDED
    call.updated_at = timezone.now()
    call.save(update_fields=["state", "updated_at"])
