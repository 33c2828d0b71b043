"""Batch progress: a bar of files and audio hours on a terminal, one line per file otherwise.

Thread: the main thread (the batch driver).
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

from .manifest import Entry


def _clock(seconds: float) -> str:
    s = round(seconds)
    return f"{s // 3600}h{s % 3600 // 60:02d}m" if s >= 3600 else f"{s // 60}m{s % 60:02d}s"


class BatchProgress:
    """Reports finished inputs.

    On a terminal: ``batch [####......] 12/200 files  0.20/3.33 h audio  1.5 h/min  ETA 2m10s``,
    redrawn in place at most 10 times a second; otherwise one line per input:
    ``done    rel  (1.23 s)`` or ``failed  reason`` (the reason names the file).
    """

    WIDTH = 24
    MIN_INTERVAL_S = 0.1

    def __init__(self, n_files: int, audio_s: float, stream: TextIO | None = None) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.n_files = n_files
        self.audio_s = audio_s
        self.files_done = 0
        self.audio_done_s = 0.0
        self._t0 = time.monotonic()
        self._last = -1.0
        self._drawn = False

    def note(self, text: str) -> None:
        """A line of its own (the dashboard address, a warning)."""
        self._clear()
        self.stream.write(text + "\n")
        self.stream.flush()

    def finished(self, entry: Entry) -> None:
        """Count `entry` (done or failed) and report it."""
        self.files_done += 1
        self.audio_done_s += entry.duration_s or 0.0
        if not self.tty:
            if entry.status == "failed":
                self.stream.write(f"failed  {entry.reason}\n")
            else:
                self.stream.write(f"{entry.status:<7} {entry.rel}  ({entry.seconds:.2f} s)\n")
            self.stream.flush()
            return
        if entry.status == "failed":
            self.note(f"failed  {entry.reason}")
        self._draw()

    def line(self) -> str:
        """The bar's text."""
        elapsed = max(time.monotonic() - self._t0, 1e-9)
        frac = self.files_done / self.n_files if self.n_files else 1.0
        if self.audio_s > 0:
            frac = self.audio_done_s / self.audio_s
        filled = round(min(1.0, frac) * self.WIDTH)
        rate_h_per_min = self.audio_done_s / 3600.0 / (elapsed / 60.0)
        eta = elapsed * (1 - frac) / frac if frac > 0 else float("nan")
        eta_text = _clock(eta) if eta == eta else "?"
        return (f"batch [{'#' * filled}{'.' * (self.WIDTH - filled)}] {self.files_done}/{self.n_files} files  "
                f"{self.audio_done_s / 3600:.2f}/{self.audio_s / 3600:.2f} h audio  {rate_h_per_min:.2f} h/min  "
                f"ETA {eta_text}")

    def _draw(self) -> None:
        now = time.monotonic()
        if self.files_done < self.n_files and now - self._last < self.MIN_INTERVAL_S:
            return
        self._last = now
        self.stream.write("\r" + self.line())
        self.stream.flush()
        self._drawn = True

    def _clear(self) -> None:
        if self._drawn:
            self.stream.write("\r\x1b[K")
            self._drawn = False

    def close(self) -> None:
        """End the bar's line."""
        if self._drawn:
            self.stream.write("\n")
            self.stream.flush()
            self._drawn = False
