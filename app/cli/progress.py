"""A terminal progress bar for long command-line work.

Thread: the caller's (the CLI's main thread).

It draws on standard error only when that is a terminal, so piped or
redirected output carries nothing extra.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO


class ProgressBar:
    """``label [#####.....]  42 %  3.1 s`` redrawn in place, at most 10 times a second.

    Parameters
    ----------
    label : str
        Text before the bar.
    stream : TextIO, optional
        Where to draw; default ``sys.stderr``.
    """

    WIDTH = 30
    MIN_INTERVAL_S = 0.1

    def __init__(self, label: str, stream: TextIO | None = None) -> None:
        self.label = label
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = bool(getattr(self.stream, "isatty", lambda: False)())
        self._t0_s = time.monotonic()
        self._last_draw_s = -1.0
        self._drawn = False

    def __call__(self, done: int, total: int) -> None:
        """Report `done` of `total` units of work."""
        if not self.enabled:
            return
        now_s = time.monotonic()
        if done < total and now_s - self._last_draw_s < self.MIN_INTERVAL_S:
            return
        self._last_draw_s = now_s
        frac = 1.0 if total <= 0 else min(1.0, done / total)
        filled = round(frac * self.WIDTH)
        bar = "#" * filled + "." * (self.WIDTH - filled)
        self.stream.write(f"\r{self.label} [{bar}] {100 * frac:3.0f} %  {now_s - self._t0_s:.1f} s")
        self.stream.flush()
        self._drawn = True

    def close(self) -> None:
        """End the line the bar was drawn on, if any."""
        if self._drawn:
            self.stream.write("\n")
            self.stream.flush()
            self._drawn = False
