"""The waiting caller's media: a leg of its own in rtpengine (call-id ``wait-<call>``)
gets the caller's SDP offer and a dummy send-receive answer, and plays the greeting,
the caller's place and music. Its answer SDP goes to the caller in 183 Session
Progress (early media), so the caller hears it while the INVITE is parked; it plays
on while an agent's phone rings and is deleted when the call is answered. A browser
caller's waiting media plays in the SIP call's own session instead (see
``start_waiting``)."""

from __future__ import annotations

import logging
import threading
import wave
from pathlib import Path

import httpx

from distans.telephony.gateway import prompts
from distans.telephony.gateway.config import GatewayConfig
from distans.telephony.gateway.rtpengine import Rtpengine, RtpengineError

logger = logging.getLogger(__name__)

DUMMY_ANSWER = (
    "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=distans\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
    "m=audio 9 RTP/AVP 0 8 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n"
    "a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\na=sendrecv\r\n"
)
WAIT_TAG = "distans-wait"


def is_webrtc(sdp: str) -> bool:
    """A browser's offer (DTLS-SRTP)."""
    return "UDP/TLS/RTP/SAVPF" in sdp or "a=fingerprint:" in sdp


def leg(call_id: str) -> str:
    return f"wait-{call_id}"


WEBRTC_ANSWER = {
    # towards a browser caller: as Kamailio's rtpengine_answer for a WebSocket caller
    "ICE": "force",
    "transport_protocol": "UDP/TLS/RTP/SAVPF",
    "rtcp_mux": ["offer", "require"],
    "flags": ["generate-mid"],
    "SDES": ["off"],
}


def _calls(config: GatewayConfig) -> Path:
    return config.path / "prompts" / "calls"


def media_call(config: GatewayConfig, call_id: str) -> str:
    """The rtpengine call the waiting media plays in: the SIP call's own (a browser
    caller, its Call-ID kept in ``<call>.sip``) or a leg of its own."""
    own = _calls(config) / f"{call_id}.sip"
    return own.read_text() if own.exists() else leg(call_id)


def start_waiting(
    config: GatewayConfig,
    call_id: str,
    from_tag: str,
    sdp: str,
    kind: str,
    position: int,
    wait_seconds: float | None = None,
    sip_call_id: str = "",
) -> str:
    """Start the waiting media; return the SDP for the caller ('' when it failed: the
    gateway then answers 480 rather than leaving the caller in silence).

    A browser caller (DTLS-SRTP, ``sip_call_id`` given) hears it in the SIP call's own
    rtpengine session: the browser keeps the DTLS session of the first answer it gets,
    so the connected call must reuse the same session (ports, ICE, DTLS) rather than
    a leg of its own. The agent's answer later joins that session as a branch of the
    same offer; the player is stopped when the call is answered."""
    webrtc = is_webrtc(sdp)
    in_call = bool(sip_call_id) and webrtc
    media_id = sip_call_id if in_call else leg(call_id)
    engine = Rtpengine(port=config.ng_port)
    try:
        offer: dict[str, object] = {
            "ICE": "remove",
            "transport_protocol": "RTP/AVP",
            "DTLS": "off",
            "rtcp_mux": ["demux"],
            "replace": ["origin", "session-connection"],
        }
        if not in_call:
            offer["codec"] = {"transcode": ["PCMU"]}
        if in_call:
            # a branch of its own: the agent's offer (Kamailio's, via-branch=auto) forks
            offer["via_branch"] = WAIT_TAG
        engine.command("offer", call_id=media_id, from_tag=from_tag, sdp=sdp, **offer)
        answer = engine.command(
            "answer",
            call_id=media_id,
            from_tag=from_tag,
            to_tag=WAIT_TAG,
            sdp=DUMMY_ANSWER,
            replace=["origin", "session-connection"],
            **({**WEBRTC_ANSWER, "via_branch": WAIT_TAG} if in_call else {}),
            **({**WEBRTC_ANSWER, "DTLS_fingerprint": "sha-1"} if webrtc and not in_call else {}),
        )
        audio = prompts.waiting_file(
            config.path / "prompts", config.language, kind, position, call_id, wait_seconds
        )
        audio.with_suffix(".tag").write_text(from_tag)
        if in_call:
            audio.with_suffix(".sip").write_text(sip_call_id)
        engine.command(
            "play media",
            call_id=media_id,
            from_tag=from_tag,
            file=str(audio),
            repeat_times=1 if kind == "closed" else 100,
        )
    except (RtpengineError, OSError) as exc:
        logger.warning("waiting media for call %s failed: %s", call_id, exc)
        if in_call:
            _calls(config).mkdir(parents=True, exist_ok=True)
            (_calls(config) / f"{call_id}.sip").write_text(sip_call_id)
        stop_waiting(config, call_id)
        return ""
    if kind == "closed":
        # the message once, then the gateway ends the call (the caller is not left in
        # silence); a second after its end, for the jitter of a loaded machine
        timer = threading.Timer(seconds_of(audio) + 1.0, hang_up, (config, call_id))
        timer.daemon = True
        timer.start()
    return str(answer.get("sdp", ""))


def resume_waiting(config: GatewayConfig, call_id: str) -> None:
    """An agent's phone did not answer a browser caller: Kamailio deleted the agent's
    branch of the call's own session, which ends the player there; play the waiting
    media again (a caller on a leg of its own never stopped hearing it)."""
    calls = _calls(config)
    own, tag_file, audio = (calls / f"{call_id}{suffix}" for suffix in (".sip", ".tag", ".wav"))
    if not own.exists() or not audio.exists():
        return
    engine = Rtpengine(port=config.ng_port)
    tag = tag_file.read_text() if tag_file.exists() else ""
    try:
        engine.command("stop media", call_id=own.read_text(), from_tag=tag)
    except RtpengineError:
        pass  # it had stopped
    try:
        engine.command("play media", call_id=own.read_text(), from_tag=tag, file=str(audio),
                       repeat_times=100)
    except RtpengineError as exc:
        logger.warning("waiting media for call %s could not resume: %s", call_id, exc)


def confirm_callback(config: GatewayConfig, call_id: str) -> None:
    """The caller pressed 1 and will be called back: the confirmation, then the end."""
    tag_file = config.path / "prompts" / "calls" / f"{call_id}.tag"
    tag = tag_file.read_text() if tag_file.exists() else ""
    prompts_dir = config.path / "prompts"
    folder = prompts_dir / (config.language if (prompts_dir / config.language).exists() else "sv")
    audio = folder / "callback.wav"
    engine = Rtpengine(port=config.ng_port)
    try:
        engine.command("stop media", call_id=media_call(config, call_id), from_tag=tag)
        engine.command(
            "play media", call_id=media_call(config, call_id), from_tag=tag, file=str(audio),
            repeat_times=1,
        )
        seconds = seconds_of(audio)
    except (RtpengineError, OSError) as exc:
        logger.warning("callback confirmation for call %s failed: %s", call_id, exc)
        seconds = 0.0
    timer = threading.Timer(seconds + 1.0, hang_up, (config, call_id))
    timer.daemon = True
    timer.start()


def seconds_of(audio: Path) -> float:
    with wave.open(str(audio)) as file:
        return file.getnframes() / float(file.getframerate() or 1)


def hang_up(config: GatewayConfig, call_id: str) -> None:
    """End a call parked in the gateway (after the closed message): Kamailio answers
    the caller's INVITE 480 and reports ``ended``."""
    try:
        answer = httpx.post(
            config.hangup_url,
            json={"call_id": call_id},
            headers={"X-Distans-Gateway": config.control_token},
            timeout=5.0,
        )
        if answer.status_code not in (200, 404):  # 404: the caller hung up first
            logger.warning("gateway: ending call %s gave %s", call_id, answer.status_code)
    except httpx.HTTPError as exc:
        logger.warning("gateway: ending call %s failed: %s", call_id, exc)
    stop_waiting(config, call_id)


def stop_waiting(config: GatewayConfig, call_id: str, *, answered: bool = False) -> None:
    """Delete the waiting leg, if the call has one (its audio file marks it). Waiting
    media in the SIP call's own session (a browser caller) is stopped when the call is
    answered, and the session deleted only when the call ends without Kamailio's
    BYE (abandoned, given up)."""
    calls = _calls(config)
    if not (calls / f"{call_id}.wav").exists() and not (calls / f"{call_id}.sip").exists():
        return
    engine = Rtpengine(port=config.ng_port, timeout=1.0)
    own = calls / f"{call_id}.sip"
    try:
        if own.exists():
            tag_file = calls / f"{call_id}.tag"
            tag = tag_file.read_text() if tag_file.exists() else ""
            if answered:
                engine.command("stop media", call_id=own.read_text(), from_tag=tag)
            else:
                engine.command("delete", call_id=own.read_text(), delete_delay=0)
        else:
            engine.command("delete", call_id=leg(call_id), delete_delay=0)
    except RtpengineError:
        pass  # already gone
    for suffix in (".wav", ".tag", ".sip"):
        Path(calls / f"{call_id}{suffix}").unlink(missing_ok=True)


def hold(config: GatewayConfig, sip_call_id: str, caller_tag: str, agent_tag: str) -> bool:
    """The caller waits on hold while the agent consults: music in the connected call's
    own rtpengine session (call-id and tags of its SIP dialog; a browser caller keeps
    its keys), the agent's audio blocked towards the caller."""
    engine = Rtpengine(port=config.ng_port)
    try:
        engine.command("block media", call_id=sip_call_id, from_tag=agent_tag)
        engine.command(
            "play media",
            call_id=sip_call_id,
            from_tag=caller_tag,
            file=str(config.path / "prompts" / "music.wav"),
            repeat_times=1000,
        )
    except RtpengineError as exc:
        logger.warning("holding call %s failed: %s", sip_call_id, exc)
        return False
    return True


def unhold(config: GatewayConfig, sip_call_id: str, caller_tag: str, agent_tag: str) -> None:
    """Back to the caller: the music stops, the agent is heard again."""
    engine = Rtpengine(port=config.ng_port)
    for command, tag in (("stop media", caller_tag), ("unblock media", agent_tag)):
        try:
            engine.command(command, call_id=sip_call_id, from_tag=tag)
        except RtpengineError as exc:
            logger.warning("taking call %s off hold (%s) failed: %s", sip_call_id, command, exc)
