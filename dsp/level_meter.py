"""A streaming per-channel level meter: sample peak, Fast and Slow RMS, Leq, peak hold and a latched clip flag.

Thread: any; a :class:`LevelMeter` belongs to one thread (the DSP worker).  Its
:class:`LevelReading` results are immutable and may be handed to the GUI.

Levels are dBFS with the spectrum's convention: a full-scale sine reads 0 dB.
For a mean square ``m`` (of the weighted signal) the level is
``L = 10 log10(2 m)``, so a sine of amplitude A reads ``20 log10(A)``; a
sample peak ``p`` reads ``20 log10(p)`` (a full-scale sine's peak: 0 dBFS too).
Levels are floored at -200 dB.

* Frequency weighting (A, C or Z) is :func:`specscope.dsp.weighting.weighting_sos`
  run with :func:`scipy.signal.sosfilt`, its state kept across blocks.  It
  applies to the RMS levels and Leq; the sample peak, peak hold and clip flag
  look at the raw samples (clipping is a property of the digital signal).
* Time weighting (IEC 61672-1): the squared weighted signal through a
  first-order low-pass of time constant tau (Fast 0.125 s, Slow 1 s), exactly
  sampled, per sample: ``m[n] = a m[n-1] + (1 - a) x[n]**2`` with
  ``a = exp(-1 / (fs tau))``.  A reading needs only the value at a block's end,
  ``m[n-1] = a^n m[-1] + sum_k (1 - a) a^(n-1-k) x[k]**2``: one product of the
  block's squares with the weights (cached per block length), for Fast and Slow
  at once, in float64; any split into blocks gives the same levels to rounding.  The meter starts from silence:
  after a step to a tone of level L it reads ``L + 10 log10(1 - exp(-t / tau))``
  (-2.0 dB at one time constant).
* Leq since reset: ``10 log10(2 sum(x**2) / n)`` over every weighted sample.
* Peak hold: the largest sample peak since reset.
* Clip: latched when any sample reaches ``|x| >= CLIP_LEVEL`` (32767/32768, the
  largest 16-bit sample, so a clipped 16-bit, 24-bit or float stream all count),
  until :meth:`LevelMeter.reset`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .averaging import FAST_S, SLOW_S
from .channels import as_frames
from .weighting import WEIGHTING_NAMES, weighting_sos

CLIP_LEVEL = 1.0 - 2.0**-15
"""Samples at or beyond this magnitude set the clip flag: the largest int16 sample, 32767/32768."""
MEAN_SQUARE_FLOOR = 0.5e-20
"""Floor of the mean square before the logarithm: -200 dBFS."""
PEAK_FLOOR = 1e-10
"""Floor of the sample peak before the logarithm: -200 dBFS."""


@dataclass(frozen=True)
class LevelReading:
    """Levels at the end of a block, one value per channel (float64 arrays, read-only).

    Attributes
    ----------
    peak_dbfs : numpy.ndarray
        Sample peak of the block, dBFS.
    peak_hold_dbfs : numpy.ndarray
        Largest sample peak since reset, dBFS.
    fast_db, slow_db : numpy.ndarray
        Exponentially time-weighted RMS levels (Fast 125 ms, Slow 1 s), dBFS.
    leq_db : numpy.ndarray
        Equivalent continuous level since reset, dBFS.
    clipped : numpy.ndarray
        bool: a sample reached CLIP_LEVEL since reset.
    weighting : str
        "A", "C" or "Z": the frequency weighting of the RMS levels and Leq.
    """

    peak_dbfs: np.ndarray
    peak_hold_dbfs: np.ndarray
    fast_db: np.ndarray
    slow_db: np.ndarray
    leq_db: np.ndarray
    clipped: np.ndarray
    weighting: str


class LevelMeter:
    """Streaming level meter for blocks of interleaved channels.

    Parameters
    ----------
    fs_hz : float
        Sample rate in Hz, > 2000.
    n_channels : int
        Channels, >= 1.
    weighting : {"Z", "A", "C"}
        Frequency weighting of the RMS levels and Leq.

    Raises
    ------
    ValueError
        If a parameter is invalid; the message names it.
    """

    def __init__(self, fs_hz: float, n_channels: int = 1, weighting: str = "Z") -> None:
        import scipy.signal  # deferred like dsp/windows.py: scipy.signal takes ~1 s to import

        self._signal = scipy.signal
        if weighting not in WEIGHTING_NAMES:
            raise ValueError(f"weighting must be one of {', '.join(WEIGHTING_NAMES)}, got {weighting!r}")
        if isinstance(n_channels, bool) or not isinstance(n_channels, (int, np.integer)) or n_channels < 1:
            raise ValueError(f"n_channels must be an integer >= 1, got {n_channels!r}")
        self._sos = weighting_sos(weighting, fs_hz)  # validates fs_hz
        self.fs_hz = float(fs_hz)
        self.n_channels = int(n_channels)
        self.weighting = weighting
        self.fast_coeff = math.exp(-1.0 / (self.fs_hz * FAST_S))
        """Fast's per-sample pole, ``exp(-1 / (fs 0.125 s))``."""
        self.slow_coeff = math.exp(-1.0 / (self.fs_hz * SLOW_S))
        """Slow's per-sample pole, ``exp(-1 / (fs 1 s))``."""
        self._weights_n = -1
        self.reset()

    def reset(self) -> None:
        """Back to silence: filters, Leq, peak hold and the clip flag are cleared."""
        c = self.n_channels
        self._sos_state = np.zeros((self._sos.shape[0], c, 2))  # sosfilt's zi for channel-major rows
        self._fast = np.zeros(c)
        self._slow = np.zeros(c)
        self._energy = np.zeros(c)
        self.n_samples = 0
        self._peak_hold = np.zeros(c)
        self._clipped = np.zeros(c, dtype=bool)
        self._last_peak = np.zeros(c)

    def process(self, block: np.ndarray) -> LevelReading:
        """Feed samples and return the levels at the block's end.

        Parameters
        ----------
        block : numpy.ndarray
            Shape (n_samples, n_channels), or (n_samples,) for one channel; full scale = 1.0.

        Returns
        -------
        LevelReading
            The levels after the block's last sample.
        """
        x = as_frames(block, self.n_channels, rows="n_samples")
        if x.shape[0]:
            xt = np.ascontiguousarray(x.T, dtype=np.float64)  # channel-major: fast reductions along rows
            peak = np.maximum(xt.max(axis=1), -xt.min(axis=1))
            self._last_peak = peak
            np.maximum(self._peak_hold, peak, out=self._peak_hold)
            self._clipped |= peak >= CLIP_LEVEL
            y, self._sos_state = self._signal.sosfilt(self._sos, xt, axis=-1, zi=self._sos_state)
            sq = y * y
            self._energy += sq.sum(axis=1)
            self.n_samples += x.shape[0]
            weights, decay = self._smoothing(x.shape[0])
            ends = sq @ weights  # (channels, 2): Fast, Slow
            self._fast = decay[0] * self._fast + ends[:, 0]
            self._slow = decay[1] * self._slow + ends[:, 1]
        return self.reading()

    def _smoothing(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        """For blocks of `n` samples: weights ``(1 - a) a^(n-1-k)`` (n, 2) and decays ``a^n`` (2,), Fast and Slow.

        ``a^(n-1-k)`` is ``exp((n-1-k) ln a)``, exact to float64 rounding for any n.
        """
        if self._weights_n != n:
            a = np.array([self.fast_coeff, self.slow_coeff])
            lags = np.arange(n - 1, -1, -1, dtype=np.float64)[:, None]
            self._weights = (1.0 - a) * np.exp(lags * np.log(a))
            self._decay = np.exp(n * np.log(a))
            self._weights_n = n
        return self._weights, self._decay

    def reading(self) -> LevelReading:
        """The current levels without feeding samples."""
        leq = self._energy / max(self.n_samples, 1)
        return LevelReading(
            peak_dbfs=_frozen(_amplitude_db(self._last_peak)),
            peak_hold_dbfs=_frozen(_amplitude_db(self._peak_hold)),
            fast_db=_frozen(mean_square_to_dbfs(self._fast)),
            slow_db=_frozen(mean_square_to_dbfs(self._slow)),
            leq_db=_frozen(mean_square_to_dbfs(leq)),
            clipped=_frozen(self._clipped.copy()),
            weighting=self.weighting,
        )


SUM_ROW_SAMPLES = 4096
"""Samples summed in float32 before the float64 total (see :func:`sum_of_squares`)."""


def sum_of_squares(xt: np.ndarray) -> np.ndarray:
    """``sum_t x_c[t]^2`` per channel of a channel-major float32 block, as float64.

    Rows of 4096 samples are summed by ``np.vecdot`` in float32 (SIMD), then the
    rows in float64: against a float64 sum the relative error is about 1e-8
    (4e-8 dB), at a tenth of the cost of casting the block to float64.

    Parameters
    ----------
    xt : numpy.ndarray
        Shape (n_channels, n), each row contiguous.
    """
    c, n = xt.shape
    whole = n // SUM_ROW_SAMPLES * SUM_ROW_SAMPLES
    rows = xt[:, :whole].reshape(c, -1, SUM_ROW_SAMPLES)
    total = np.vecdot(rows, rows).astype(np.float64).sum(axis=1)
    if whole < n:
        total += np.vecdot(xt[:, whole:], xt[:, whole:])
    return total


def mean_square_to_dbfs(mean_square: np.ndarray) -> np.ndarray:
    """``10 log10(2 m)``: dBFS of a mean square, a full-scale sine (m = 1/2) reading 0 dB; floored at -200 dB."""
    return 10.0 * np.log10(2.0 * np.maximum(mean_square, MEAN_SQUARE_FLOOR))


def _amplitude_db(peak: np.ndarray) -> np.ndarray:
    return 20.0 * np.log10(np.maximum(peak, PEAK_FLOOR))


def _frozen(a: np.ndarray) -> np.ndarray:
    a.flags.writeable = False
    return a
