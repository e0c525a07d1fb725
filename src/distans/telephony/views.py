"""The demo's public "call us" page: a browser caller (JsSIP over WebRTC) rings a demo
queue line through the built-in gateway, so a newcomer can call from one tab and
answer as the agent in another. Without the gateway the page says so (the demo's phone
calls are then simulated)."""

from __future__ import annotations

import secrets

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from distans.accounts.models import Organisation
from distans.telephony.models import Line

# the demo line the button rings: general questions ("Allmänna frågor")
CALL_US_QUEUE = "allmant"


@require_GET
def call_us(request: HttpRequest) -> HttpResponse:
    from distans.demo.data import DEMO_SLUG
    from distans.telephony.gateway.config import current

    organisation = Organisation.objects.filter(slug=DEMO_SLUG).first()
    if organisation is None:
        raise Http404
    lines = Line.objects.for_org(organisation).select_related("queue")
    line = lines.filter(queue__code=CALL_US_QUEUE).first() or lines.order_by("number").first()
    config = current()
    caller = None
    if config is not None and config.organisation_id == organisation.pk and line is not None:
        # an anonymous caller: it does not register, it only calls the line
        caller = {
            "websocket": config.websocket_url,
            "uri": f"sip:demo-{secrets.token_hex(4)}@{config.domain}",
            "target": f"sip:{line.number}@{config.domain}",
        }
    return render(
        request,
        "telephony/call_us.html",
        {"organisation": organisation, "line": line, "caller": caller},
    )
