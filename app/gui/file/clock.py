"""Times as h:mm:ss.mmm: formatting, parsing what a user types, and a time axis that uses them.

Thread: the Qt GUI thread for :class:`ClockTimeAxis`; the functions are pure.
"""

from __future__ import annotations

import math
import re

from ..axes import TimeAxis

CLOCK_FROM_S = 600.0
"""Recordings at least this long (10 min) show times as h:mm:ss on the axis and in readouts."""

CLOCK_TICK_STEPS_S = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 21600, 43200, 86400)
"""Tick spacings of the h:mm:ss axis from one second up (below a second: 1, 2, 5 x 10^k)."""

_CLOCK_RE = re.compile(r"^\s*(?:(\d+):)?(?:(\d+):)?(\d+(?:\.\d*)?|\.\d+)\s*s?\s*$")


def format_clock(t_s: float, with_hours: bool, decimals: int | None = None) -> str:
    """``'1:02:03.5'`` (h:mm:ss) or ``'62.5'`` (seconds) for a time in seconds.

    `decimals` fixes the digits after the seconds' point; None shows one
    only when the time is not a whole second.
    """
    if not with_hours:
        return f"{t_s:g}" if decimals is None else f"{t_s:.{decimals}f}"
    sign = "-" if t_s < 0 else ""
    t_s = abs(t_s)
    if decimals is None:
        decimals = 1 if abs(t_s - round(t_s)) > 1e-6 else 0
    t_s = round(t_s, decimals)
    h = int(t_s // 3600)
    m = int((t_s - 3600 * h) // 60)
    s = t_s - 3600 * h - 60 * m
    s_text = f"{s:0{3 + decimals}.{decimals}f}" if decimals else f"{round(s):02d}"
    return f"{sign}{h}:{m:02d}:{s_text}"


def format_time(t_s: float, clock: bool) -> str:
    """A readout time: ``'1:02:03.500'`` with `clock`, else ``'3723.500 s'`` (millisecond resolution)."""
    return format_clock(round(t_s, 3), True, 3) if clock else f"{t_s:.3f} s"


def parse_clock(text: str) -> float:
    """Seconds from ``'12.5'``, ``'12.5 s'``, ``'2:03.5'`` (m:ss) or ``'1:02:03.5'`` (h:mm:ss).

    Raises
    ------
    ValueError
        With a one-line message naming the text, for anything else (minutes
        and seconds after a colon must be below 60).
    """
    m = _CLOCK_RE.match(text)
    if not m:
        raise ValueError(f"{text.strip()!r} is not a time: use seconds (12.5) or h:mm:ss (1:02:03.5)")
    a, b, sec = m.group(1), m.group(2), float(m.group(3))
    if a is None:
        return sec
    if sec >= 60 or (b is not None and int(b) >= 60):
        raise ValueError(f"{text.strip()!r}: minutes and seconds after a colon must be below 60")
    if b is None:  # m:ss
        return 60.0 * int(a) + sec
    return 3600.0 * int(a) + 60.0 * int(b) + sec


class ClockTimeAxis(TimeAxis):
    """Seconds axis that switches its labels to h:mm:ss for long recordings."""

    def __init__(self, orientation: str = "bottom", **kwargs) -> None:
        super().__init__(orientation, **kwargs)
        self.clock = False

    def set_clock(self, clock: bool) -> None:
        self.clock = clock
        self.setLabel("Time", units="h:mm:ss" if clock else "s")
        self.picture = None
        self.update()

    def tickSpacing(self, minVal, maxVal, size):
        if not self.clock:
            return super().tickSpacing(minVal, maxVal, size)
        span = abs(maxVal - minVal)
        target = span / max(2.0, size / 110.0)  # about one label per 110 px
        if target < 1.0:
            return super().tickSpacing(minVal, maxVal, size)
        major = next((st for st in CLOCK_TICK_STEPS_S if st >= target), CLOCK_TICK_STEPS_S[-1])
        minor = next((st for st in reversed(CLOCK_TICK_STEPS_S) if st <= major / 4), major / 5)
        return [(float(major), 0.0), (float(minor), 0.0)]

    def tickStrings(self, values, scale, spacing):
        if not self.clock:
            return super().tickStrings(values, scale, spacing)
        decimals = 0 if spacing >= 1.0 else min(6, math.ceil(-math.log10(spacing) - 1e-9))
        return [format_clock(v, True, decimals) for v in values]
