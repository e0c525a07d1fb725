"""Shift templates, their breaks, and the concrete shift patterns they expand to.

A template says how long a shift is, in which window it may start (every
``start_step_minutes``) and which breaks it holds. Each break has a window of allowed
start offsets from the shift start. Break windows of one template must not overlap
(each break's window ends before the next one's begins): then any way of spreading
break starts over the agents on a shift is a valid set of individual schedules, which
is what lets the solver place breaks as counts per shift (aggregated, exact).
"""

from dataclasses import dataclass

from distans.core.errors import InvalidInput

MINUTES_PER_DAY = 24 * 60


@dataclass(frozen=True, slots=True)
class BreakRule:
    """A break of ``duration_minutes`` starting between the two offsets from shift start."""

    duration_minutes: int
    earliest_offset_minutes: int
    latest_offset_minutes: int
    label: str = "break"


@dataclass(frozen=True, slots=True)
class ShiftTemplate:
    """Shifts of ``length_minutes`` (paid, breaks included) starting in a window."""

    name: str
    length_minutes: int
    earliest_start_minutes: int = 0
    latest_start_minutes: int = MINUTES_PER_DAY
    start_step_minutes: int = 30
    breaks: tuple[BreakRule, ...] = ()


@dataclass(frozen=True, slots=True)
class ShiftPattern:
    """One concrete shift: a template at a start, in interval units of one day."""

    template: ShiftTemplate
    start_period: int
    length_periods: int
    break_windows: tuple[tuple[int, int, int], ...]  # (first start, last start, length), periods

    @property
    def end_period(self) -> int:
        """First interval after the shift."""
        return self.start_period + self.length_periods


def _in_periods(minutes: int, interval_minutes: int, what: str) -> int:
    if minutes % interval_minutes:
        raise InvalidInput(f"{what} ({minutes} min) is not a multiple of {interval_minutes} min")
    return minutes // interval_minutes


def expand_patterns(
    templates: tuple[ShiftTemplate, ...],
    interval_minutes: int,
    open_from_minutes: int = 0,
    open_until_minutes: int = MINUTES_PER_DAY,
) -> list[ShiftPattern]:
    """Return every shift pattern of ``templates`` that lies within the opening hours."""
    if not templates:
        raise InvalidInput("no shift templates given")
    patterns: list[ShiftPattern] = []
    for template in templates:
        length = _in_periods(template.length_minutes, interval_minutes, f"{template.name} length")
        if length <= 0:
            raise InvalidInput(f"shift template {template.name} has no length")
        step = _in_periods(template.start_step_minutes, interval_minutes, "start step")
        if step <= 0:
            raise InvalidInput(f"shift template {template.name} has a start step of 0")
        windows = _break_windows(template, interval_minutes, length)
        first = max(template.earliest_start_minutes, open_from_minutes)
        last = min(template.latest_start_minutes, open_until_minutes - template.length_minutes)
        start = -(-first // interval_minutes) * interval_minutes
        while start <= last:
            patterns.append(ShiftPattern(template, start // interval_minutes, length, windows))
            start += template.start_step_minutes
    if not patterns:
        raise InvalidInput("no shift template fits inside the opening hours")
    return patterns


def _break_windows(
    template: ShiftTemplate, interval_minutes: int, length: int
) -> tuple[tuple[int, int, int], ...]:
    windows = []
    previous_end = 0
    for rule in template.breaks:
        first = _in_periods(rule.earliest_offset_minutes, interval_minutes, "break offset")
        last = _in_periods(rule.latest_offset_minutes, interval_minutes, "break offset")
        duration = _in_periods(rule.duration_minutes, interval_minutes, "break length")
        if duration <= 0 or last < first or first < previous_end or last + duration > length:
            raise InvalidInput(
                f"shift template {template.name}: break windows must be ordered, "
                "non-overlapping and inside the shift"
            )
        windows.append((first, last, duration))
        previous_end = last + duration
    return tuple(windows)
