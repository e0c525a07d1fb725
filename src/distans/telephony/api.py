"""The telephony adapter contract: how a PBX or telephony provider reports calls and
asks where to send them. Authenticate with the organisation's API key."""

from __future__ import annotations

from typing import Any, Literal

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import Field

from distans.api.auth import Caller
from distans.api.errors import ErrorOut, Forbidden
from distans.routing.errors import NotFound
from distans.telephony import actions
from distans.telephony.models import Call

router = Router(tags=["telephony"])


class IncomingCall(Schema):
    call_id: str = Field(..., min_length=1, max_length=200, description="the PBX's id of the call")
    line: str = Field(..., min_length=1, max_length=40, description="the dialled queue line or switchboard number (or a queue code)")
    caller_number: str = Field("", max_length=40)


class CallOut(Schema):
    call_id: str
    contact_id: int
    state: str
    route: dict[str, Any] = Field(description="what to do now: wait (with position and, when agents serve the queue, estimated_wait_seconds), connect (endpoint), consult (hold the caller, ring number for the agent), transfer (put the caller through to number), fallback (kind) or hangup")


class CallEvent(Schema):
    event: Literal["answered", "ended", "abandoned", "transferred", "callback_requested", "callback_failed", "not_answered"]
    number: str | None = Field(None, max_length=40, description="callback_requested: the number to call back; transferred (without to_queue): the number the call was put through to")
    to_queue: str | None = Field(None, max_length=50, description="transferred: the queue code")


def _org(request: HttpRequest) -> int:
    caller: Caller = request.auth  # type: ignore[attr-defined]
    if caller.token is None:
        raise Forbidden("The telephony API is for the PBX's API key.")
    return caller.require("telephony.adapter").organisation_id


def _call(organisation_id: int, call_id: str) -> Call:
    call = Call.objects.for_org(organisation_id).filter(call_id=call_id).first()
    if call is None:
        raise NotFound("No such call.")
    return call


def _out(call: Call) -> CallOut:
    call.refresh_from_db()
    return CallOut(call_id=call.call_id, contact_id=call.contact_id, state=call.state,
                   route=actions.route_for_call(call))


@router.post("/telephony/calls", response={201: CallOut, 403: ErrorOut, 404: ErrorOut})
def incoming_call(request: HttpRequest, payload: IncomingCall) -> Status[CallOut]:
    """A call arrives on a queue line or the switchboard; it queues like any contact."""
    call = actions.do_receive_call(_org(request), payload.line, payload.caller_number, payload.call_id)
    return Status(201, _out(call))


@router.get("/telephony/calls/{call_id}/route", response={200: CallOut, 403: ErrorOut, 404: ErrorOut})
def route_call(request: HttpRequest, call_id: str) -> CallOut:
    """Where should this call go now? ``connect`` carries the chosen agent's endpoint:
    a softphone (SIP) address or, for an agent at home, a mobile number."""
    return _out(_call(_org(request), call_id))


class GatewayCall(IncomingCall):
    sdp: str = Field("", max_length=20000, description="the caller's SDP offer")
    from_tag: str = Field("", max_length=200, description="the SIP From tag of the caller")


class GatewayCallOut(CallOut):
    sdp: str = Field("", description="early media for the caller (greeting, place, music); empty when none")
    ring: bool = Field(False, description="no early media but the call waits: the gateway sends 180 Ringing (a browser caller over WebRTC)")


@router.post("/telephony/gateway/calls", response={201: GatewayCallOut, 403: ErrorOut, 404: ErrorOut})
def gateway_call(request: HttpRequest, payload: GatewayCall) -> Status[GatewayCallOut]:
    """The built-in gateway (Kamailio) reports a call like any PBX, with the caller's SDP;
    while the call waits (or is given the closed message) the answer carries the SDP
    of its waiting media, played by the gateway's rtpengine."""
    from distans.telephony.gateway import config as gateway_config
    from distans.telephony.gateway import media

    organisation_id = _org(request)
    call = actions.do_receive_call(organisation_id, payload.line, payload.caller_number, payload.call_id)
    out = _out(call)
    sdp = ""
    config = gateway_config.current()
    action = out.route.get("action")
    ring = False
    if config is not None and config.organisation_id == organisation_id and payload.sdp and action in ("wait", "fallback"):
        kind = "waiting" if action == "wait" else "closed"
        if media.is_webrtc(payload.sdp):
            # a browser caller keeps the DTLS session of the first answer it gets, so a
            # waiting leg of its own would leave the connected call without keys: it
            # hears ringing instead (and the closed message is not played: 480)
            return Status(201, GatewayCallOut(**out.model_dump(), ring=action == "wait"))
        estimate = out.route.get("estimated_wait_seconds")
        sdp = media.start_waiting(config, call.call_id, payload.from_tag, payload.sdp, kind,
                                  int(out.route.get("position") or 0),
                                  float(estimate) if estimate is not None else None)
    return Status(201, GatewayCallOut(**out.model_dump(), sdp=sdp, ring=ring))


@router.post("/telephony/calls/{call_id}/events", response={200: CallOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut})
def call_event(request: HttpRequest, call_id: str, payload: CallEvent) -> CallOut:
    """The PBX reports what happened: answered, ended, abandoned, transferred,
    callback_requested (keeps the caller's place in line), callback_failed or
    not_answered (the agent's phone did not answer: back in the queue, same place)."""
    call = actions.do_call_event(_call(_org(request), call_id), payload.event, payload.model_dump())
    if payload.event in ("abandoned", "ended", "answered"):
        from distans.telephony.gateway import config as gateway_config
        from distans.telephony.gateway import media

        config = gateway_config.current()
        if config is not None and config.organisation_id == call.organisation_id:
            media.stop_waiting(config, call.call_id)
    return _out(call)
