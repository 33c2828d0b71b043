"""Programme loudness per ITU-R BS.1770-4 and EBU R128: momentary, short-term and
integrated loudness (LUFS) and the loudness range LRA (EBU Tech 3342, LU).

Thread: any, one meter per thread.  :class:`LoudnessMeter` is fed by whoever
reads the samples (the DSP worker live, a file-analysis job for files); it
allocates only per call, in proportion to the block, and never blocks.

Method
------
* K-weighting: a high-shelf pre-filter (+4 dB above about 2 kHz) followed by the
  RLB high-pass (about 38 Hz), both designed for the actual sample rate from the
  analog prototype parameters (f0, Q, gain) that reproduce the BS.1770-4 table
  at 48 kHz, by the bilinear transform with pre-warping (as libebur128 does):
  ``K = tan(pi f0 / fs)``, see :func:`k_weighting_sos`.
* Mean square per channel over 100 ms steps of ``step = round(0.1 fs)`` samples;
  a gating block is 4 steps (400 ms, 75 % overlap), a short-term block 30 steps
  (3 s, a new value every 100 ms).  Block loudness is
  ``L = -0.691 + 10 log10(sum_c G_c z_c)`` LUFS with z_c the channel's mean square
  and G_c its weight.
* Integrated loudness: blocks above the absolute gate (-70 LUFS); then those
  above the relative gate, 10 LU below the loudness of the absolute-gated
  blocks; the result is the loudness of the mean of their ``sum_c G_c z_c``.
* LRA: short-term blocks above -70 LUFS, then those above 20 LU below their
  power mean; LRA is the 95th minus the 10th percentile of their loudness
  (linear interpolation between ranks, as ``numpy.percentile``).

Memory: the gated values are kept as histograms over -70..+30 LUFS in
0.01 LU bins (10 000 bins, a count and an energy sum each, as libebur128's
histogram mode but ten times finer), so a 2-hour file costs the same 320 kB as
a 2-second one.  Quantisation: each bin's energy sum is exact, so the integrated
loudness is exact (to the float32 K-weighting, about 1e-6 LU) except that the
relative gate decides per bin, by the bin's centre (blocks within 0.005 LU of the gate may fall on the wrong side); LRA
percentiles use bin centres, so LRA is within 0.01 LU of the unquantised value.
Blocks above +30 LUFS (possible only with several channels near full scale)
count in the top bin with their exact energy.

Silence: every loudness reads ``-inf`` LUFS when nothing passes the gates (or
before the first complete block); LRA reads 0.0 LU then.
"""

from __future__ import annotations

import math

import numpy as np

from .block_sos import BlockSosFilter
from .channels import as_frames

LOUDNESS_OFFSET_DB = -0.691
"""BS.1770 constant: a 1 kHz sine of amplitude 1 on one channel reads -3.01 LUFS."""
ABSOLUTE_GATE_LUFS = -70.0
RELATIVE_GATE_LU = -10.0
LRA_RELATIVE_GATE_LU = -20.0
LRA_LOW_PERCENTILE = 10.0
LRA_HIGH_PERCENTILE = 95.0
STEP_S = 0.1
MOMENTARY_STEPS = 4
"""Momentary / gating block: 4 steps of 100 ms."""
SHORT_TERM_STEPS = 30
"""Short-term block: 30 steps of 100 ms."""
HIST_MIN_LUFS = -70.0
HIST_MAX_LUFS = 30.0
HIST_BIN_LU = 0.01
HIST_BINS = round((HIST_MAX_LUFS - HIST_MIN_LUFS) / HIST_BIN_LU)

# Analog prototypes that reproduce the BS.1770-4 48 kHz coefficients (values as in libebur128).
_SHELF_F0_HZ = 1681.974450955533
_SHELF_GAIN_DB = 3.999843853973347
_SHELF_Q = 0.7071752369554196
_SHELF_VB_EXPONENT = 0.4996667741545416
_HIGHPASS_F0_HZ = 38.13547087602444
_HIGHPASS_Q = 0.5003270373238773

_DEFAULT_WEIGHTS = {
    1: (1.0,),
    2: (1.0, 1.0),
    3: (1.0, 1.0, 1.0),
    5: (1.0, 1.0, 1.0, 1.41, 1.41),
    6: (1.0, 1.0, 1.0, 0.0, 1.41, 1.41),
}


def k_weighting_sos(fs_hz: float) -> np.ndarray:
    """The K-weighting filter for sample rate `fs_hz` as second-order sections.

    Stage 1 (shelf), with ``K = tan(pi f0 / fs)``, ``Vh = 10^(G/20)``,
    ``Vb = Vh^0.49967`` and ``a0 = 1 + K/Q + K^2``::

        b = [Vh + Vb K/Q + K^2, 2 (K^2 - Vh), Vh - Vb K/Q + K^2] / a0
        a = [1, 2 (K^2 - 1) / a0, (1 - K/Q + K^2) / a0]

    with f0 = 1681.97 Hz, G = 4.00 dB, Q = 0.7072.  Stage 2 (RLB high-pass),
    f0 = 38.135 Hz, Q = 0.5003: ``b = [1, -2, 1]`` (unnormalised, as in the
    standard) and ``a`` as above.  At 48 kHz these are the BS.1770-4 table values.

    Parameters
    ----------
    fs_hz : float
        Sample rate in Hz, > 2 * 1682 Hz.

    Returns
    -------
    numpy.ndarray
        float64 of shape (2, 6), rows ``[b0, b1, b2, 1, a1, a2]`` for :func:`scipy.signal.sosfilt`.
    """
    if not (math.isfinite(fs_hz) and fs_hz > 2 * _SHELF_F0_HZ):
        raise ValueError(f"fs_hz must be a sample rate above {2 * _SHELF_F0_HZ:.0f} Hz, got {fs_hz!r}")
    k = math.tan(math.pi * _SHELF_F0_HZ / fs_hz)
    vh = 10.0 ** (_SHELF_GAIN_DB / 20.0)
    vb = vh**_SHELF_VB_EXPONENT
    a0 = 1.0 + k / _SHELF_Q + k * k
    shelf = [
        (vh + vb * k / _SHELF_Q + k * k) / a0,
        2.0 * (k * k - vh) / a0,
        (vh - vb * k / _SHELF_Q + k * k) / a0,
        1.0,
        2.0 * (k * k - 1.0) / a0,
        (1.0 - k / _SHELF_Q + k * k) / a0,
    ]
    k = math.tan(math.pi * _HIGHPASS_F0_HZ / fs_hz)
    a0 = 1.0 + k / _HIGHPASS_Q + k * k
    highpass = [1.0, -2.0, 1.0, 1.0, 2.0 * (k * k - 1.0) / a0, (1.0 - k / _HIGHPASS_Q + k * k) / a0]
    return np.array([shelf, highpass])


def default_channel_weights(n_channels: int) -> tuple[float, ...]:
    """BS.1770-4 channel weights G_c for the usual layouts.

    1 (mono), 2 (L R), 3 (L R C): 1.0 each; 5 (L R C Ls Rs): 1, 1, 1, 1.41, 1.41;
    6 (5.1 in ITU/SMPTE order L R C LFE Ls Rs): the LFE is excluded (0).

    Raises
    ------
    ValueError
        For other channel counts, whose layout is ambiguous: pass weights explicitly.
    """
    try:
        return _DEFAULT_WEIGHTS[n_channels]
    except KeyError:
        raise ValueError(
            f"no default channel weights for {n_channels} channels; pass channel_weights explicitly"
        ) from None


def _loudness_lufs(energy: float) -> float:
    return LOUDNESS_OFFSET_DB + 10.0 * math.log10(energy) if energy > 0.0 else -math.inf


class LoudnessMeter:
    """Streaming BS.1770-4 / EBU R128 loudness of a signal pushed in blocks.

    Parameters
    ----------
    fs_hz : float
        Sample rate in Hz.
    n_channels : int
        Channels per frame, >= 1.
    channel_weights : sequence of float, optional
        G_c per channel (>= 0); default :func:`default_channel_weights`.

    Notes
    -----
    Any partition of the same signal into blocks gives the same results to the
    filter's float32 rounding (about 1e-6 LU; a block that lands in the
    neighbouring 0.01 LU histogram bin may move LRA by one bin): the filter
    keeps its state, and each 100 ms step is reduced only once complete, from
    one contiguous buffer.  The samples before the first are taken as
    silence for :attr:`momentary_lufs` and :attr:`short_term_lufs`; the gated
    measures use complete blocks only.
    """

    def __init__(self, fs_hz: float, n_channels: int, channel_weights: tuple[float, ...] | None = None) -> None:
        if isinstance(n_channels, bool) or not isinstance(n_channels, (int, np.integer)) or n_channels < 1:
            raise ValueError(f"n_channels must be a positive integer, got {n_channels!r}")
        weights = default_channel_weights(n_channels) if channel_weights is None else channel_weights
        weights = np.asarray(weights, dtype=np.float64)
        if weights.shape != (n_channels,) or not np.all(np.isfinite(weights)) or np.any(weights < 0):
            raise ValueError(f"channel_weights must be {n_channels} finite weights >= 0, got {channel_weights!r}")
        self.fs_hz = float(fs_hz)
        self.n_channels = int(n_channels)
        self.channel_weights = weights
        self.sos = k_weighting_sos(self.fs_hz)
        """The K-weighting sections (float64), run by a :class:`~specscope.dsp.block_sos.BlockSosFilter`."""
        self._filter = BlockSosFilter(self.sos, self.n_channels)
        self.step = max(1, round(STEP_S * self.fs_hz))
        """Samples per 100 ms step; blocks are 4 and 30 steps."""
        self.reset()

    def reset(self) -> None:
        """Forget everything: filter state, partial step, histograms."""
        self._filter.reset()
        self._partial = np.empty((self.n_channels, 1, self.step), np.float32)
        self._fill = 0
        # Weighted mean square of the last SHORT_TERM_STEPS - 1 steps (zeros before the start).
        self._recent = np.zeros(SHORT_TERM_STEPS - 1)
        self.n_steps = 0
        """Complete 100 ms steps since reset."""
        self._momentary = np.nan
        self._short_term = np.nan
        self._hist_m = (np.zeros(HIST_BINS, np.int64), np.zeros(HIST_BINS))
        self._hist_s = (np.zeros(HIST_BINS, np.int64), np.zeros(HIST_BINS))
        self._gated: dict[str, float] = {}
        """integrated_lufs and loudness_range_lu until the histograms change (a live meter asks every block)."""

    def process(self, block: np.ndarray) -> None:
        """Add samples.

        Parameters
        ----------
        block : numpy.ndarray
            Shape (n,) for mono or (n, n_channels); float, full scale = 1.0.
        """
        x = as_frames(block, self.n_channels)
        if x.shape[0] == 0:
            return
        self.process_planar(np.ascontiguousarray(x.T, dtype=np.float32))

    def process_planar(self, xt: np.ndarray) -> None:
        """Add samples given channel-major: shape (n_channels, n), C-contiguous float32 (not kept).

        The K-weighting runs on all channels at once as matrix products
        (:mod:`~specscope.dsp.block_sos`): against float64 ``sosfilt`` the loudness differs by
        about 1e-6 LU, and long blocks cost less than half as much.
        """
        if xt.shape[1] == 0:
            return
        y = self._filter.filter(xt)
        step, pos, n = self.step, 0, y.shape[1]
        energies = []
        if self._fill:
            take = min(step - self._fill, n)
            self._partial[:, 0, self._fill : self._fill + take] = y[:, :take]
            self._fill += take
            pos = take
            if self._fill == step:
                energies.append(self._step_energy(self._partial))
                self._fill = 0
        k = (n - pos) // step
        if k:
            energies.append(self._step_energy(y[:, pos : pos + k * step].reshape(self.n_channels, k, step)))
            pos += k * step
        if pos < n:
            self._partial[:, 0, : n - pos] = y[:, pos:]
            self._fill = n - pos
        if energies:
            self._add_steps(np.concatenate(energies))

    def _step_energy(self, steps: np.ndarray) -> np.ndarray:
        """``sum_c G_c mean(y_c^2)`` of each step; `steps` has shape (channels, k, step), C-ordered.

        Each step is reduced along its own contiguous row, and the channels are
        combined element-wise in a fixed order, so a step's value does not depend on
        how many steps came in the same call (nor on the path, partial buffer or direct).
        """
        ms = np.vecdot(steps, steps)
        e = ms[0] * self.channel_weights[0]
        for c in range(1, self.n_channels):
            e += ms[c] * self.channel_weights[c]
        return e / self.step

    def _add_steps(self, e: np.ndarray) -> None:
        hist = np.concatenate([self._recent, e])
        n_new = e.shape[0]
        m = _window_sums(hist, MOMENTARY_STEPS, n_new) / MOMENTARY_STEPS
        s = _window_sums(hist, SHORT_TERM_STEPS, n_new) / SHORT_TERM_STEPS
        first = self.n_steps  # index of e[0]
        self.n_steps += n_new
        self._recent = hist[-(SHORT_TERM_STEPS - 1) :].copy()
        self._momentary, self._short_term = m[-1], s[-1]
        # Step i completes the momentary block i - 3 and the short-term block i - 29.
        idx = np.arange(first, self.n_steps)
        _add_to_histogram(self._hist_m, m[idx >= MOMENTARY_STEPS - 1])
        _add_to_histogram(self._hist_s, s[idx >= SHORT_TERM_STEPS - 1])
        self._gated = {}

    @property
    def momentary_lufs(self) -> float:
        """Loudness of the last 400 ms (updated every 100 ms step) in LUFS; -inf before the first step."""
        return _loudness_lufs(self._momentary) if self.n_steps else -math.inf

    @property
    def short_term_lufs(self) -> float:
        """Loudness of the last 3 s (updated every 100 ms step) in LUFS; -inf before the first step."""
        return _loudness_lufs(self._short_term) if self.n_steps else -math.inf

    @property
    def integrated_lufs(self) -> float:
        """Gated loudness of everything since reset in LUFS (BS.1770-4 section 2.8); -inf if nothing passes."""
        if "integrated" not in self._gated:
            self._gated["integrated"] = self._integrated()
        return self._gated["integrated"]

    def _integrated(self) -> float:
        counts, energy = self._hist_m
        total = counts.sum()
        if total == 0:
            return -math.inf
        gate = _loudness_lufs(energy.sum() / total) + RELATIVE_GATE_LU
        keep = _bin_centres_lufs() > gate
        return _loudness_lufs(energy[keep].sum() / counts[keep].sum())

    @property
    def loudness_range_lu(self) -> float:
        """Loudness range LRA of everything since reset in LU (EBU Tech 3342); 0.0 if nothing passes."""
        if "range" not in self._gated:
            self._gated["range"] = self._range()
        return self._gated["range"]

    def _range(self) -> float:
        counts, energy = self._hist_s
        total = counts.sum()
        if total == 0:
            return 0.0
        centres = _bin_centres_lufs()
        gate = _loudness_lufs(energy.sum() / total) + LRA_RELATIVE_GATE_LU
        kept = np.where(centres >= gate, counts, 0)
        cum = np.cumsum(kept)
        n = int(cum[-1])
        low, high = (_percentile(cum, centres, n, q) for q in (LRA_LOW_PERCENTILE, LRA_HIGH_PERCENTILE))
        return high - low


def _window_sums(hist: np.ndarray, width: int, n_new: int) -> np.ndarray:
    """Sums of the `width` values ending at each of the last `n_new` entries of `hist`.

    Added term by term, oldest first, element-wise: the same rounding whatever `n_new` is.
    """
    start = hist.shape[0] - n_new - width + 1
    total = hist[start : start + n_new].copy()
    for j in range(1, width):
        total += hist[start + j : start + j + n_new]
    return total


_BIN_CENTRES_LUFS = HIST_MIN_LUFS + HIST_BIN_LU * (np.arange(HIST_BINS) + 0.5)
_BIN_CENTRES_LUFS.flags.writeable = False


def _bin_centres_lufs() -> np.ndarray:
    return _BIN_CENTRES_LUFS


def _add_to_histogram(hist: tuple[np.ndarray, np.ndarray], energy: np.ndarray) -> None:
    """Add blocks of mean-square `energy` (``sum_c G_c z_c``) above the absolute gate."""
    if energy.shape[0] == 0:
        return
    with np.errstate(divide="ignore"):
        lufs = LOUDNESS_OFFSET_DB + 10.0 * np.log10(energy)
    keep = lufs > ABSOLUTE_GATE_LUFS
    idx = np.minimum(((lufs[keep] - HIST_MIN_LUFS) / HIST_BIN_LU).astype(np.int64), HIST_BINS - 1)
    np.add.at(hist[0], idx, 1)
    np.add.at(hist[1], idx, energy[keep])


def _percentile(cum: np.ndarray, centres: np.ndarray, n: int, q: float) -> float:
    """``numpy.percentile(values, q)`` of the n values counted by cumulative counts `cum` at `centres`."""
    rank = q / 100.0 * (n - 1)
    lo = math.floor(rank)
    hi = min(lo + 1, n - 1)
    v_lo, v_hi = centres[np.searchsorted(cum, [lo, hi], side="right")]
    return float(v_lo + (rank - lo) * (v_hi - v_lo))


def integrated_loudness(samples: np.ndarray, fs_hz: float, channel_weights: tuple[float, ...] | None = None) -> float:
    """Integrated loudness of a whole signal in LUFS (-inf if nothing passes the gates).

    Parameters
    ----------
    samples : numpy.ndarray
        Shape (n,) or (n, n_channels), full scale = 1.0.
    fs_hz : float
        Sample rate in Hz.
    channel_weights : sequence of float, optional
        As for :class:`LoudnessMeter`.
    """
    samples = np.asarray(samples)
    meter = LoudnessMeter(fs_hz, 1 if samples.ndim == 1 else samples.shape[1], channel_weights)
    meter.process(samples)
    return meter.integrated_lufs
