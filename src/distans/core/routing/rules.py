"""The routing rules as small pure functions, shared by full and targeted rounds.

- Effective priority (aging): ``priority + aging_per_minute × minutes since enqueued_at``.
  Within one queue every contact ages at the same rate, so a queue's order never
  changes while its contacts wait. A round's service order (the rows of
  :func:`distans.core.routing.round_offers.waiting_lines`) is effective priority
  (highest first), then arrival, then id.
- Skill widening: after each ``WideningStep.after_seconds`` in the queue the required
  levels are capped at ``min_level``; ``None`` drops skills and language entirely.
- Capacity: a channel is free when its load (accepted + open offers) is below its
  capacity; exclusive channels (phone, callback) need zero load everywhere and, while
  held, block every other channel.
"""

from collections.abc import Mapping
from datetime import datetime, timedelta

from distans.core.routing.model import EXCLUSIVE_CHANNELS, Channel, Contact, Queue

Requirements = tuple[tuple[str, int], ...]


def waited_seconds(contact: Contact, now: datetime) -> float:
    """Seconds the contact has waited in its current queue."""
    return (now - contact.entered_at).total_seconds()


def effective_priority(contact: Contact, queue: Queue, now: datetime) -> float:
    """``priority + aging_per_minute × minutes since enqueued_at`` (higher is served first).

    Computed exactly as a round's rows (:func:`round_offers.waiting_lines`, which
    inlines it per queue), so both give the same float."""
    return contact.priority + queue.aging_per_minute / 60.0 * (
        now.timestamp() - contact.enqueued_ts
    )


def leave_thresholds(queue: Queue) -> set[float]:
    """Seconds in the queue at which a contact may have to leave it: overflow after a
    wait, the maximum wait (its fallback)."""
    seconds = {float(r.after_seconds) for r in queue.overflow if r.after_seconds is not None}
    if queue.max_wait_seconds is not None:
        seconds.add(float(queue.max_wait_seconds))
    return seconds


def rule_thresholds(queue: Queue) -> tuple[float, ...]:
    """Seconds in the queue at which a time rule of ``queue`` changes something:
    widening steps, overflow after a wait, the maximum wait (sorted, no duplicates)."""
    seconds = {float(step.after_seconds) for step in queue.widening} | leave_thresholds(queue)
    return tuple(sorted(seconds))


def next_rule_change(contact: Contact, queue: Queue, now: datetime) -> datetime | None:
    """The next moment after ``now`` at which a time rule changes ``contact``'s routing
    (it widens, overflows or gets the fallback), or ``None``. A round must run then."""
    waited = waited_seconds(contact, now)
    for threshold in rule_thresholds(queue):
        if threshold > waited:
            return contact.entered_at + timedelta(seconds=threshold)
    return None


def effective_requirements(
    contact: Contact, queue: Queue, waited: float
) -> tuple[Requirements, str | None]:
    """Return the skill requirements and language in force after ``waited`` seconds.

    Requirements are sorted ``(skill, level)`` pairs; the language is ``None`` when any
    language will do.
    """
    cap: int | None = 10
    for step in queue.widening:
        if step.after_seconds > waited:
            break
        cap = step.min_level
    if cap is None:
        return (), None
    required = tuple((s, min(level, cap)) for s, level in contact.requirement_key)
    return required, contact.language


def widening_wait_for(
    contact: Contact, queue: Queue, skills: Mapping[str, int], languages: frozenset[str]
) -> float | None:
    """Seconds in the queue after which an agent with ``skills``/``languages`` qualifies.

    0 if they qualify at once, ``None`` if never (exclusions and targets not considered).
    """
    speaks = contact.language is None or not languages or contact.language in languages
    if speaks and all(skills.get(s, 0) >= level for s, level in contact.required_skills.items()):
        return 0.0
    for step in queue.widening:
        if (
            step.min_level is None
            or speaks
            and all(
                skills.get(s, 0) >= min(level, step.min_level)
                for s, level in contact.required_skills.items()
            )
        ):
            return step.after_seconds
    return None


def meets(
    skills: Mapping[str, int],
    languages: frozenset[str],
    required: Requirements,
    language: str | None,
) -> bool:
    """Whether an agent with ``skills``/``languages`` satisfies the requirements."""
    if language is not None and languages and language not in languages:
        return False
    for skill, level in required:  # a plain loop: this is the hottest check of a round
        if skills.get(skill, 0) < level:
            return False
    return True


def channel_is_free(
    channel: Channel, capacity: Mapping[Channel, int], load: Mapping[Channel, int]
) -> bool:
    """Whether one more contact on ``channel`` fits, given total ``load`` incl. open offers."""
    if not load:
        return capacity.get(channel, 0) >= 1
    if any(load.get(c, 0) > 0 for c in EXCLUSIVE_CHANNELS):
        return False
    if channel in EXCLUSIVE_CHANNELS:
        return capacity.get(channel, 0) >= 1 and not any(n > 0 for n in load.values())
    return load.get(channel, 0) < capacity.get(channel, 0)


def occupancy(capacity: Mapping[Channel, int], load: Mapping[Channel, int]) -> float:
    """Sum over channels of ``load / capacity``: the least-occupied strategy's measure."""
    return sum(n / capacity[c] for c, n in load.items() if n and capacity.get(c))
