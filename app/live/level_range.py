"""The spectrum panel's level axis: its own range, autoscaled to what is shown, or set by hand.

Thread: the Qt GUI thread (the panel calls it as it draws), but nothing here imports Qt.

The panel's level range is independent of the spectrogram's colour range (issue 12 #8: with a colour
range of -80..-20 dBFS a -12 dBFS tone left the panel).  Autoscale keeps the strongest level shown
(the live trace and the peak hold) inside, with a margin, and the noise floor near the left edge:

* the top is ``ceil((max + MARGIN_DB) / STEP_DB) * STEP_DB``, the bottom
  ``floor((p5 - MARGIN_DB) / STEP_DB) * STEP_DB`` with p5 the 5th percentile of the levels, and the
  range is at least ``MIN_SPAN_DB`` and at most ``MAX_SPAN_DB`` wide;
* it widens at once (a louder tone is never outside the panel) and narrows only after the narrower
  range has been enough for ``SHRINK_AFTER_S`` (the axis does not twitch with every frame);
* the range moves in whole steps of 10 dB, so the axis labels are redrawn only when it moves.
"""

from __future__ import annotations

import math

import numpy as np

STEP_DB = 10.0
MARGIN_DB = 3.0
MIN_SPAN_DB = 40.0
MAX_SPAN_DB = 140.0
SHRINK_AFTER_S = 2.0
LEVEL_MIN_DB, LEVEL_MAX_DB = -240.0, 40.0
"""Autoscale never goes beyond these (the dBFS floor of the transform is -200 dBFS)."""


class LevelRange:
    """The level axis range in dBFS: autoscaled (default) or manual.

    Attributes
    ----------
    lo_db, hi_db : float
        The range now in force (left and right edge of the level axis).
    autoscale : bool
        True while the range follows the data.
    """

    def __init__(self, lo_db: float = -120.0, hi_db: float = 0.0, autoscale: bool = True) -> None:
        self.lo_db, self.hi_db = _checked(lo_db, hi_db)
        self.autoscale = bool(autoscale)
        self._shrink_since_s: float | None = None
        self._shrink_to: tuple[float, float] | None = None

    def set_manual(self, lo_db: float, hi_db: float) -> None:
        """Fix the range (autoscale off).

        Raises
        ------
        ValueError
            If the range is empty or not finite.
        """
        self.lo_db, self.hi_db = _checked(lo_db, hi_db)
        self.autoscale = False

    def set_autoscale(self, on: bool = True) -> None:
        """Follow the data (from the next :meth:`update`), or keep the current range."""
        self.autoscale = bool(on)
        self._shrink_since_s = self._shrink_to = None

    def target(self, levels_db: np.ndarray) -> tuple[float, float]:
        """The range autoscale aims at for these levels (see the module docstring)."""
        finite = levels_db[np.isfinite(levels_db)]
        if finite.size == 0:
            return self.lo_db, self.hi_db
        top = float(finite.max())
        floor = float(np.percentile(finite, 5.0))
        hi = STEP_DB * math.ceil((top + MARGIN_DB) / STEP_DB)
        lo = STEP_DB * math.floor((floor - MARGIN_DB) / STEP_DB)
        hi = min(max(hi, LEVEL_MIN_DB + MIN_SPAN_DB), LEVEL_MAX_DB)
        lo = min(max(lo, hi - MAX_SPAN_DB, LEVEL_MIN_DB), hi - MIN_SPAN_DB)
        return lo, hi

    def update(self, levels_db: np.ndarray, now_s: float) -> bool:
        """Autoscale to the levels shown now (`now_s`: any clock in seconds); True if the range changed."""
        if not self.autoscale:
            return False
        lo, hi = self.target(np.asarray(levels_db))
        new_lo, new_hi = min(lo, self.lo_db), max(hi, self.hi_db)
        grew = (new_lo, new_hi) != (self.lo_db, self.hi_db)
        if grew:
            self._shrink_since_s = self._shrink_to = None
        elif (lo, hi) != (self.lo_db, self.hi_db):
            # Narrower would do: only once it has done for SHRINK_AFTER_S, to the widest of those ranges.
            if self._shrink_since_s is None or self._shrink_to is None:
                self._shrink_since_s, self._shrink_to = now_s, (lo, hi)
            else:
                self._shrink_to = (min(lo, self._shrink_to[0]), max(hi, self._shrink_to[1]))
                if now_s - self._shrink_since_s >= SHRINK_AFTER_S:
                    new_lo, new_hi = self._shrink_to
                    self._shrink_since_s = self._shrink_to = None
        else:
            self._shrink_since_s = self._shrink_to = None
        changed = (new_lo, new_hi) != (self.lo_db, self.hi_db)
        self.lo_db, self.hi_db = new_lo, new_hi
        return changed


def _checked(lo_db: float, hi_db: float) -> tuple[float, float]:
    lo, hi = float(lo_db), float(hi_db)
    if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
        raise ValueError(f"level range must be finite with low < high, got {lo_db!r} .. {hi_db!r} dBFS")
    return lo, hi
