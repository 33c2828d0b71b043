"""Spectrum averaging on power (never on dB): exponential, linear over N frames,
infinite, peak hold with decay and min hold.

Thread: any; an :class:`SpectrumAverager` belongs to one thread (the DSP worker).
:class:`AveragingSettings` is immutable and may be shared.

Modes, for power spectra ``P_n`` arriving every ``hop_s`` seconds (n = 1, 2, ...
since :meth:`SpectrumAverager.reset`):

* ``none``: ``Y_n = P_n``.
* ``exponential``: ``Y_n = Y_{n-1} + alpha (P_n - Y_{n-1})`` with
  ``alpha = 1 - exp(-hop_s / tau_s)``, the sampled first-order low-pass of time
  constant tau_s (Fast 0.125 s, Slow 1 s); ``Y_1 = P_1``, so a display does not
  fade in from silence.  After a step from 0 to 1 the average is
  ``1 - exp(-t / tau_s)`` at ``t = n hop_s``: 1 - 1/e at one time constant.
* ``linear``: the exact mean of the last N frames (fewer until N have arrived),
  N = ``n_frames`` or ``round(seconds / hop_s)``.  A running sum over a ring of
  N spectra, recomputed from the ring every N frames so rounding cannot drift:
  the error is at most about N eps times the largest frame of the last 2N
  (eps = 2.2e-16), and nothing of a frame is left 2N frames after it.
* ``infinite``: the mean of every frame since reset.
* ``peak_hold``: ``Y_n = max(P_n, Y_{n-1} 10**(-decay_db_per_s hop_s / 10))``:
  the held value falls by ``decay_db_per_s`` dB per second (0: holds forever).
* ``min_hold``: ``Y_n = min(P_n, Y_{n-1})``.

The array :meth:`SpectrumAverager.update` returns is new and read-only; it is
never written afterwards, so a reader in another thread may keep it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np

Mode = Literal["none", "exponential", "linear", "infinite", "peak_hold", "min_hold"]
MODES: tuple[str, ...] = ("none", "exponential", "linear", "infinite", "peak_hold", "min_hold")
FAST_S = 0.125
"""IEC 61672-1 time constant F (Fast), seconds."""
SLOW_S = 1.0
"""IEC 61672-1 time constant S (Slow), seconds."""


@dataclass(frozen=True)
class AveragingSettings:
    """How a :class:`SpectrumAverager` combines frames.

    Parameters
    ----------
    mode : str
        One of ``none``, ``exponential``, ``linear``, ``infinite``, ``peak_hold``, ``min_hold``.
    tau_s : float
        Exponential time constant in seconds, > 0.
    n_frames : int, optional
        Linear: frames to average, >= 1.  Exclusive with `seconds`.
    seconds : float, optional
        Linear: span in seconds, > 0; ``N = max(1, round(seconds / hop_s))``.
    decay_db_per_s : float
        Peak hold: fall rate of the held value in dB/s, >= 0 (0 holds forever).

    Raises
    ------
    ValueError
        If a parameter is invalid; the message names it.
    """

    mode: Mode = "exponential"
    tau_s: float = FAST_S
    n_frames: int | None = None
    seconds: float | None = None
    decay_db_per_s: float = 0.0

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}, got {self.mode!r}")
        _positive("tau_s", self.tau_s)
        object.__setattr__(self, "tau_s", float(self.tau_s))
        if self.n_frames is not None and self.seconds is not None:
            raise ValueError("n_frames and seconds are exclusive; give one")
        if self.n_frames is not None:
            if isinstance(self.n_frames, bool) or not isinstance(self.n_frames, (int, np.integer)) or self.n_frames < 1:
                raise ValueError(f"n_frames must be an integer >= 1, got {self.n_frames!r}")
            object.__setattr__(self, "n_frames", int(self.n_frames))
        if self.seconds is not None:
            _positive("seconds", self.seconds)
            object.__setattr__(self, "seconds", float(self.seconds))
        if self.mode == "linear" and self.n_frames is None and self.seconds is None:
            raise ValueError("n_frames or seconds must be given for mode 'linear'")
        d = self.decay_db_per_s
        if (
            isinstance(d, bool)
            or not isinstance(d, (int, float, np.integer, np.floating))
            or not (math.isfinite(d) and d >= 0)
        ):
            raise ValueError(f"decay_db_per_s must be a finite number >= 0, got {d!r}")
        object.__setattr__(self, "decay_db_per_s", float(d))

    def linear_frames(self, hop_s: float) -> int:
        """N for the linear mode: `n_frames`, or ``max(1, round(seconds / hop_s))``."""
        if self.n_frames is not None:
            return self.n_frames
        return max(1, round((self.seconds or 0.0) / hop_s))


class SpectrumAverager:
    """Averages successive power spectra as :class:`AveragingSettings` says.

    Parameters
    ----------
    settings : AveragingSettings
        The mode and its parameters.
    hop_s : float
        Time between frames in seconds (``StftConfig.hop_s``), > 0.
    """

    def __init__(self, settings: AveragingSettings, hop_s: float) -> None:
        _positive("hop_s", hop_s)
        self.settings = settings
        self.hop_s = float(hop_s)
        self.alpha = 1.0 - math.exp(-self.hop_s / settings.tau_s)
        """Exponential mode's per-frame coefficient, ``1 - exp(-hop_s / tau_s)``."""
        self.n_linear = settings.linear_frames(self.hop_s)
        """Linear mode's N."""
        self.decay_factor = 10.0 ** (-settings.decay_db_per_s * self.hop_s / 10.0)
        """Peak hold's per-frame power factor, ``10**(-decay_db_per_s hop_s / 10)``."""
        self.reset()

    def reset(self) -> None:
        """Forget every frame; the next :meth:`update` starts afresh."""
        self.n_frames_seen = 0
        self._state: np.ndarray | None = None
        self._ring: np.ndarray | None = None

    def update(self, power: np.ndarray) -> np.ndarray:
        """Add one power spectrum and return the average.

        Parameters
        ----------
        power : numpy.ndarray
            One frame's power spectrum (any shape, the same at every call until :meth:`reset`).

        Returns
        -------
        numpy.ndarray
            A new read-only float64 array of the same shape.
        """
        p = np.asarray(power, dtype=np.float64)
        mode = self.settings.mode
        if self._state is not None and p.shape != self._state.shape:
            raise ValueError(f"power must keep its shape {self._state.shape} until reset, got {p.shape}")
        n = self.n_frames_seen
        self.n_frames_seen = n + 1
        if mode == "linear":
            return self._linear(p, n)
        if self._state is None:
            self._state = p.copy()
            if mode == "infinite":
                return _frozen(self._state.copy())
        elif mode == "exponential":
            self._state += self.alpha * (p - self._state)
        elif mode == "infinite":
            self._state += p
            return _frozen(self._state / (n + 1))
        elif mode == "peak_hold":
            np.maximum(p, self._state * self.decay_factor, out=self._state)
        elif mode == "min_hold":
            np.minimum(p, self._state, out=self._state)
        else:  # none
            self._state = p.copy()
        return _frozen(self._state.copy())

    def _linear(self, p: np.ndarray, n: int) -> np.ndarray:
        size = self.n_linear
        if self._ring is None:
            self._ring = np.zeros((size, *p.shape))
            self._state = np.zeros(p.shape)
        slot = n % size
        if n >= size:
            self._state -= self._ring[slot]
        self._ring[slot] = p
        if slot == size - 1:  # a full ring: restart the sum from it, so rounding cannot accumulate
            self._state = self._ring.sum(axis=0)
        else:
            self._state += p
        return _frozen(self._state / min(n + 1, size))


def _positive(name: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ValueError(f"{name} must be a number of seconds, got {value!r}")
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be a finite number of seconds > 0, got {value!r}")


def _frozen(a: np.ndarray) -> np.ndarray:
    a.flags.writeable = False
    return a
