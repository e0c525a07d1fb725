"""Per-sender rate limiting: a token bucket (Turner 1986; the GCRA of ITU-T I.371).

Each sender holds up to ``capacity`` tokens, refilled continuously at
``refill_per_second``; a message takes one token and is allowed only if one is there.
With capacity 5 and 5 tokens per hour a sender may send a burst of 5 and then one
every 12 minutes. The state is plain data, so callers may keep it in memory, in the
cache or in the database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from distans.core.errors import InvalidInput


@dataclass(frozen=True)
class BucketState:
    """Tokens left at ``updated_at`` for one sender."""

    tokens: float
    updated_at: datetime


def take_token(
    state: BucketState | None,
    now: datetime,
    *,
    capacity: float,
    refill_per_second: float,
) -> tuple[bool, BucketState]:
    """Refill ``state`` up to ``now``, then try to take one token.

    tokens(now) = min(capacity, tokens + refill_per_second · (now − updated_at));
    allowed when tokens(now) ≥ 1, which then drops by one. A clock going backwards
    refills nothing.
    """
    if now.tzinfo is None:
        raise InvalidInput("The rate limiter needs a timezone-aware time.")
    if capacity < 1 or refill_per_second < 0:
        raise InvalidInput("The rate limit needs a capacity of at least 1 and a refill ≥ 0.")
    if state is None:
        tokens = capacity
    else:
        elapsed_seconds = max(0.0, (now - state.updated_at).total_seconds())
        tokens = min(capacity, state.tokens + refill_per_second * elapsed_seconds)
    if tokens >= 1:
        return True, BucketState(tokens - 1, now)
    return False, BucketState(tokens, now)


@dataclass
class SenderRateLimiter:
    """In-memory buckets keyed by the sender's address (case-insensitive)."""

    capacity: float = 5
    refill_per_second: float = 5 / 3600
    buckets: dict[str, BucketState] = field(default_factory=dict)

    def allow(self, sender: str, now: datetime) -> bool:
        """Take a token for ``sender`` at ``now``; True when the message is allowed."""
        key = sender.strip().casefold()
        allowed, self.buckets[key] = take_token(
            self.buckets.get(key),
            now,
            capacity=self.capacity,
            refill_per_second=self.refill_per_second,
        )
        return allowed

    def forget_full(self, now: datetime) -> None:
        """Drop buckets that have refilled completely (they equal a fresh bucket)."""
        if self.refill_per_second == 0:
            return
        for key, state in list(self.buckets.items()):
            refill = self.refill_per_second * (now - state.updated_at).total_seconds()
            if state.tokens + refill >= self.capacity:
                del self.buckets[key]
