"""The waiting caller's media: a leg of its own in rtpengine (call-id ``wait-<call>``)
gets the caller's SDP offer and a dummy send-receive answer, and plays the greeting,
the caller's place and music. Its answer SDP goes to the caller in 183 Session
Progress (early media), so the caller hears it while the INVITE is parked. Before
the call is connected to an agent, the leg is deleted (reusing the real call-id for
it breaks SRTP towards a browser)."""

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


def start_waiting(
    config: GatewayConfig,
    call_id: str,
    from_tag: str,
    sdp: str,
    kind: str,
    position: int,
    wait_seconds: float | None = None,
) -> str:
    """Start the waiting media; return the SDP for the caller ('' when it failed: the
    gateway then answers 480 rather than leaving the caller in silence)."""
    engine = Rtpengine(port=config.ng_port)
    try:
        engine.command(
            "offer",
            call_id=leg(call_id),
            from_tag=from_tag,
            sdp=sdp,
            ICE="remove",
            transport_protocol="RTP/AVP",
            DTLS="off",
            rtcp_mux=["demux"],
            codec={"transcode": ["PCMU"]},
            replace=["origin", "session-connection"],
        )
        answer = engine.command(
            "answer",
            call_id=leg(call_id),
            from_tag=from_tag,
            to_tag=WAIT_TAG,
            sdp=DUMMY_ANSWER,
            replace=["origin", "session-connection"],
        )
        audio = prompts.waiting_file(
            config.path / "prompts", config.language, kind, position, call_id, wait_seconds
        )
        audio.with_suffix(".tag").write_text(from_tag)
        engine.command(
            "play media",
            call_id=leg(call_id),
            from_tag=from_tag,
            file=str(audio),
            repeat_times=1 if kind == "closed" else 100,
        )
    except (RtpengineError, OSError) as exc:
        logger.warning("waiting media for call %s failed: %s", call_id, exc)
        stop_waiting(config, call_id)
        return ""
    if kind == "closed":
        # the message once, then the gateway ends the call (the caller is not left in
        # silence); a second after its end, for the jitter of a loaded machine
        timer = threading.Timer(seconds_of(audio) + 1.0, hang_up, (config, call_id))
        timer.daemon = True
        timer.start()
    return str(answer.get("sdp", ""))


def confirm_callback(config: GatewayConfig, call_id: str) -> None:
    """The caller pressed 1 and will be called back: the confirmation, then the end."""
    tag_file = config.path / "prompts" / "calls" / f"{call_id}.tag"
    tag = tag_file.read_text() if tag_file.exists() else ""
    prompts_dir = config.path / "prompts"
    folder = prompts_dir / (config.language if (prompts_dir / config.language).exists() else "sv")
    audio = folder / "callback.wav"
    engine = Rtpengine(port=config.ng_port)
    try:
        engine.command("stop media", call_id=leg(call_id), from_tag=tag)
        engine.command(
            "play media", call_id=leg(call_id), from_tag=tag, file=str(audio), repeat_times=1
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


def stop_waiting(config: GatewayConfig, call_id: str) -> None:
    """Delete the waiting leg, if the call has one (its audio file marks it)."""
    if not (config.path / "prompts" / "calls" / f"{call_id}.wav").exists():
        return
    engine = Rtpengine(port=config.ng_port, timeout=1.0)
    try:
        engine.command("delete", call_id=leg(call_id), delete_delay=0)
    except RtpengineError:
        pass  # already gone
    Path(config.path / "prompts" / "calls" / f"{call_id}.wav").unlink(missing_ok=True)
    Path(config.path / "prompts" / "calls" / f"{call_id}.tag").unlink(missing_ok=True)
