"""Text for peak labels, cursor readouts and musical note names (levels in a :class:`LevelDisplay`'s unit).

Thread: any (pure functions; no Qt).
"""

from __future__ import annotations

import math

import numpy as np

from specscope.dsp.config import StftConfig

from .level_display import DBFS, LevelDisplay

NOTE_NAMES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")
A4_HZ = 440.0
SILENCE_DBFS = -199.0
"""A level at or below this sits on the -200 dB floor (digital silence): it is no value, and
every view and command says so (an empty label, a dash, ``null``) instead of naming a number
(for a peak, a frequency)."""


def is_silent(level_db: float) -> bool:
    """True for a level on the floor of digital silence, or NaN (see :data:`SILENCE_DBFS`)."""
    return not level_db > SILENCE_DBFS


def note_name(f_hz: float, a4_hz: float = A4_HZ) -> str:
    """Nearest equal-tempered note and the deviation in cents, e.g. ``'D#6 +3 cents'``.

    MIDI number m = 69 + 12 log2(f / a4_hz); the note is round(m), octave
    ``round(m) // 12 - 1`` (so 440 Hz is A4), cents = 100 (m - round(m)).
    Returns ``''`` for frequencies at or below 0 Hz.
    """
    if not f_hz > 0 or not math.isfinite(f_hz):
        return ""
    m = 69.0 + 12.0 * math.log2(f_hz / a4_hz)
    n = round(m)
    cents = round(100.0 * (m - n))
    if cents == 0:
        cents = 0  # no "-0"
    return f"{NOTE_NAMES[n % 12]}{n // 12 - 1} {cents:+d} cents"


def peak_label(freq_hz: float, level_dbfs: float, bin_index: float, levels: LevelDisplay = DBFS) -> str:
    """``'1234.5 Hz, -12.0 dBFS, bin 52.67'`` (the level in `levels`' unit: ``'..., 82.0 dB SPL, ...'``)."""
    return f"{freq_hz:.1f} Hz, {levels.text(level_dbfs)}, bin {bin_index:.2f}"


def nearest_bin(f_hz: float, cfg: StftConfig) -> int:
    """Index of the bin whose extent ``[(k - 1/2) Δf, (k + 1/2) Δf)`` contains `f_hz`, clipped to the spectrum."""
    return int(np.clip(math.floor(f_hz / cfg.delta_f_hz + 0.5), 0, cfg.n_freqs - 1))


def cursor_readout(f_hz: float, cfg: StftConfig, db: np.ndarray | None, time_s: float | None = None,
                   levels: LevelDisplay = DBFS) -> str:
    """Readout under the mouse.

    Parameters
    ----------
    f_hz : float
        Frequency under the cursor in Hz.
    cfg : StftConfig
        Settings of the data shown.
    db : numpy.ndarray or None
        The spectrum (n_freqs,) at the cursor's time, dBFS, or None if there is none.
    time_s : float, optional
        Time under the cursor in seconds.
    levels : LevelDisplay
        Unit and calibration offset of the level shown (default dBFS).

    Returns
    -------
    str
        ``'t 1.234 s | 1000.0 Hz | bin 43 (1007.8 Hz) | -12.3 dBFS'`` (or ``'... | 81.7 dB SPL'``).
    """
    k = nearest_bin(f_hz, cfg)
    parts = [] if time_s is None else [f"t {time_s:.3f} s"]
    parts.append(f"{f_hz:.1f} Hz")
    parts.append(f"bin {k} ({k * cfg.delta_f_hz:.1f} Hz)")
    if db is not None and k < db.shape[0]:
        parts.append(levels.text(float(db[k])))
    return " | ".join(parts)


READOUT_REFRESH_S = 0.1
"""A still cursor's readout follows the data or the view at most this often (s)."""


class ReadoutThrottle:
    """When a still cursor's readout is due again: at most once per `interval_s` unless forced.

    Parameters
    ----------
    interval_s : float
        Shortest time between two refreshes, s (the views use :data:`READOUT_REFRESH_S`).
    """

    def __init__(self, interval_s: float = 0.1) -> None:
        self.interval_s = float(interval_s)
        self._last_s = -math.inf

    def due(self, now_s: float, force: bool = False) -> bool:
        """True (and the refresh counted as done at `now_s`) if forced or `interval_s` has passed since the last."""
        if not force and now_s - self._last_s < self.interval_s:
            return False
        self._last_s = now_s
        return True
