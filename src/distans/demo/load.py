"""The demo centre's load: one description that the live traffic and the generated
history both follow, so that today's figures, the history, the forecast and the
surge baseline agree.

Rates are contacts per hour at the day's peak; :func:`load_factor` scales them over
the day and the week (a municipal day: a morning peak around 09:30, a smaller one
after lunch; Mondays busier, Fridays quieter; evenings and weekends at a low level,
since the demo's queues are always open). The peak is sized so that the week roster
the planning page solves for the demo's twelve agents (each queue staffed on its own
for 80 % within its target) is feasible: where shifts are published, the simulated
colleagues working them keep the service level around the target; in the evening,
when all of them work, above it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class QueueLoad:
    code: str
    phone_per_hour: float  # at the peak
    chat_per_hour: float
    talk_seconds: float  # median handling time of a call
    wrap_up_seconds: float
    topics: tuple[tuple[str, float], ...]  # (topic path, weight)


QUEUES: tuple[QueueLoad, ...] = (
    QueueLoad("vaxel", 25.0, 0.0, 50.0, 5.0, (("Övrigt", 5), ("Parkering", 2), ("Avfall", 2))),
    QueueLoad(
        "allmant", 19.0, 13.0, 150.0, 20.0,
        (("Avfall", 4), ("Parkering", 3), ("Corona › Företagsstöd", 1), ("Övrigt", 4)),
    ),
    QueueLoad("skola", 10.0, 0.0, 180.0, 25.0, (("Skola › Skolplikt", 3), ("Skola › Sjukanmälan", 5))),
    QueueLoad("bygglov", 4.5, 0.0, 300.0, 40.0, (("Bygglov", 1),)),
    QueueLoad("corona", 9.0, 0.0, 140.0, 20.0, (("Corona › Vaccination", 4), ("Corona › Skola", 1))),
)  # fmt: skip
BY_CODE = {queue.code: queue for queue in QUEUES}

#: E-mail to the general queue's mailbox per hour at the peak (scaled by :func:`load_factor`).
EMAIL_PER_HOUR = 4.0

#: The demo's corona surge: extra calls per hour on the corona line, from SURGE_FROM
#: to SURGE_UNTIL minutes of demo time after the traffic starts (enough for the surge
#: detector's 15-minute bin at any time of day).
SURGE_PER_HOUR = 40.0
SURGE_FROM_MINUTES, SURGE_UNTIL_MINUTES = 2.0, 22.0

_WEEKDAY = (1.15, 1.0, 1.0, 0.95, 0.85, 0.4, 0.35)  # Monday … Sunday
_FLOOR = 0.3  # evenings and nights, relative to the peak


def _day_shape(hours: float) -> float:
    return math.exp(-((hours - 9.5) ** 2) / 2.0) + 0.6 * math.exp(-((hours - 13.0) ** 2) / 1.5)


_PEAK = max(_day_shape(h / 60) for h in range(24 * 60))


def load_factor(local: datetime) -> float:
    """The share of the peak rate at ``local`` (a time in the organisation's zone)."""
    hours = local.hour + local.minute / 60 + local.second / 3600
    day = _FLOOR + (1 - _FLOOR) * _day_shape(hours) / _PEAK
    return _WEEKDAY[local.weekday()] * day


def peak_phone_per_hour() -> float:
    return sum(queue.phone_per_hour for queue in QUEUES)
