"""The telephony gateway that ships with Distans: Kamailio (SIP registrar and proxy,
WebSocket for browser softphones) and rtpengine (media: WebRTC <-> RTP, the waiting
caller's greeting and music), configured from the organisation's setup by
``distans telephony config`` and started by ``distans telephony run``.

See docs/dev/telephony.md. The pieces:

- ``config.py``: the gateway's settings (``<var>/telephony/gateway.json``) and the
  configuration files rendered from ``templates/``;
- ``prompts.py``: the greeting, closed message and music, made with espeak-ng and sox
  at setup time (replaceable by the organisation's own recordings);
- ``rtpengine.py``: a small client of rtpengine's control protocol (ng, bencode/UDP);
- ``media.py``: the waiting caller's media leg (greeting, place, music);
- ``adapter.py``: Distans → gateway: resume a waiting call towards the agent.
"""
