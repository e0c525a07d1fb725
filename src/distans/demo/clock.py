"""The demo traffic's clock: real time, or faster (``distans demo --speed 5``).

At speed *k* the simulated people live *k* times faster: customers arrive *k* times as
often, calls and breaks last a *k*-th as long, and the daily load curve and the
simulated colleagues' shifts follow the demo clock, which starts at the real time and
runs *k* times faster. The server's own timers (offer timeouts, wrap-up, service-level
thresholds) stay real, so waits measured against them look shorter than they were in
demo time. Mechanical polling (a phone asking for its route) stays in real seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

_speed = 1.0
_started_real = time.monotonic()
_started_at = datetime.now(UTC)
_zone = ZoneInfo("Europe/Stockholm")


def start(
    speed: float = 1.0, zone: str = "Europe/Stockholm", at: datetime | None = None
) -> None:
    """Start the demo clock now at ``speed`` (> 0); ``zone`` is the organisation's.

    ``at`` replays another moment (a naive time is in ``zone``): the traffic's time of
    day, load and the colleagues' shifts are those of ``at`` onwards, while the server
    keeps the real time (``distans demo --start 09:15`` shows a morning at night)."""
    global _speed, _started_real, _started_at, _zone
    if speed <= 0:
        raise ValueError("the demo speed must be positive")
    _speed = float(speed)
    _zone = ZoneInfo(zone)
    if at is not None and at.tzinfo is None:
        at = at.replace(tzinfo=_zone)
    _started_real = time.monotonic()
    _started_at = at.astimezone(UTC) if at is not None else datetime.now(UTC)


def speed() -> float:
    return _speed


def now() -> datetime:
    """The demo's current time (aware, UTC)."""
    return _started_at + timedelta(seconds=(time.monotonic() - _started_real) * _speed)


def local_now() -> datetime:
    """The demo's current time in the organisation's zone."""
    return now().astimezone(_zone)


def elapsed_minutes() -> float:
    """Demo minutes since the traffic started."""
    return (time.monotonic() - _started_real) * _speed / 60


def real_seconds(demo_seconds: float) -> float:
    return demo_seconds / _speed


async def pause(stop: asyncio.Event, demo_seconds: float) -> None:
    """Wait ``demo_seconds`` of demo time, or until ``stop``."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=max(0.0, demo_seconds / _speed))


async def pause_real(stop: asyncio.Event, seconds: float) -> None:
    """Wait ``seconds`` of real time (logging in is the server's work, not the demo's:
    staggered in real seconds at any speed), or until ``stop``."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=max(0.0, seconds))
