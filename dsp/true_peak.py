"""True peak per ITU-R BS.1770-4 Annex 2: the maximum absolute value of the
signal oversampled by polyphase FIR interpolation, in dBTP.

Thread: any, one meter per thread.  :class:`TruePeakMeter` runs where the
samples are read (the DSP worker live, a file-analysis job for files).

Method
------
* Oversampling factor L: the smallest of 1, 2, 4 that brings the rate to at
  least 176.4 kHz (4x at 44.1 and 48 kHz, 2x at 88.2 and 96 kHz, none at
  176.4 kHz and above, as the Annex allows), and 4x below 44.1 kHz.  So a tone
  up to 20 kHz is always sampled at least 8.8 times per period, and 4x
  oversampling under-reads it by at most ``-20 log10(cos(pi f / (L fs)))``:
  0.47 dB for 20 kHz at 48 kHz, 0.03 dB for 5 kHz.
* Interpolator: a Kaiser-windowed sinc (beta 6) of ``L * T - 1`` taps with
  T = 24 taps per phase, cut off at the original Nyquist frequency, each phase
  normalised to unit DC gain.  Its length is odd and its centre falls on phase
  L - 1, which is therefore the identity: the output contains every input sample
  unchanged, so the true peak is never below the sample peak.  At 4x: passband
  ripple below 0.01 dB up to 20 kHz (at 48 kHz), stopband from 28 kHz at least
  60 dB down.  Only the L - 1 other phases are computed: ``72`` multiply-adds
  per input sample and channel at 4x.
* Streaming: the last T - 1 samples of each channel are kept, so the result
  is that of the whole signal whatever the block sizes (to float32 rounding,
  below 1e-5 dB).  The samples before the first are taken as zeros; the
  interpolated points that involve samples after the last are only computed by
  :meth:`TruePeakMeter.flush` (which appends zeros), exactly as
  ``scipy.signal.upfirdn(taps, x, L)`` would.
* Arithmetic in float32 (relative error about 1e-6, 1e-5 dB).
* Skipping what cannot matter: an interpolated value is
  ``sum_k h_p[k] x[n - k]``, so over a stretch of SKIP_FRAMES windows it is
  at most ``G max|x|`` with ``G = max_p sum_k |h_p[k]|`` (2.29 at 4x) and the
  maximum over the stretch's samples.  Stretches whose bound does not exceed
  the peak already found (at least the block's sample peak) are not
  interpolated; the others are, loudest bound first, so the peak rises early
  and more stretches drop out.  A second bound is tighter for signals whose
  energy lies below a few kHz (most programme material): since each phase
  sums to 1, ``y_p = x[n - r] + sum_j c_j (x[n - j - 1] - x[n - j])`` with
  ``c_j`` partial sums of h_p (r its centre tap), so
  ``|y_p| <= max|x| + D max|dx|`` with ``D = max_p sum_j |c_j|`` (1.14 at 4x)
  and dx the first difference.  Each stretch takes the smaller of the two
  bounds, raised by 1e-5 of max|x| to cover float32 rounding.  The result is
  the same maximum; on pink noise the bound is about 1.5 dB above the sample
  peak instead of 7.2 dB, so only the loudest stretches are interpolated.
"""

from __future__ import annotations

import math

import numpy as np

from .channels import as_frames

TAPS_PER_PHASE = 24
KAISER_BETA = 6.0
TARGET_RATE_HZ = 176400.0
CHUNK_FRAMES = 4096
"""Windows interpolated at once (in rows of ROW_FRAMES): bounds the gathered samples at about 160 kB."""
ROW_FRAMES = 16
"""Windows per row of the block-Toeplitz product (see :func:`_row_filter`)."""
SKIP_FRAMES = 256
SHORT_BLOCK_FRAMES = 8192
"""History + block up to this many samples is interpolated whole (:meth:`TruePeakMeter._interpolate_all`)."""
"""Windows per stretch judged by one bound (see the module docstring)."""
ROUNDING_MARGIN = 1e-5
"""Relative to the window's max |x|, added to the skip bounds: float32 rounding of a 24-tap product."""
AMIN = 1e-10
"""Floor before the logarithm: -200 dBTP."""


def default_oversampling(fs_hz: float) -> int:
    """Oversampling factor for `fs_hz`: the smallest of 1, 2, 4 with ``L * fs_hz >= 176.4 kHz``, else 4."""
    if not (math.isfinite(fs_hz) and fs_hz > 0):
        raise ValueError(f"fs_hz must be a positive sample rate in Hz, got {fs_hz!r}")
    for factor in (1, 2):
        if factor * fs_hz >= TARGET_RATE_HZ:
            return factor
    return 4


def interpolation_filter(factor: int) -> np.ndarray:
    """The interpolator's impulse response at the oversampled rate.

    ``h[j] = sinc((j - c) / L) * kaiser(j; beta 6) / g_p`` for ``j = 0 .. L*T - 2``
    and centre ``c = L*T/2 - 1``, padded with one zero to ``L*T`` taps; ``g_p``
    makes each phase ``h[p::L]`` sum to 1.  Phase ``L - 1`` is the unit impulse
    at ``T/2 - 1``.

    Parameters
    ----------
    factor : int
        L, one of 1, 2, 4.

    Returns
    -------
    numpy.ndarray
        float64 of length ``L * T`` (``[1.0]`` for L = 1).  Upsampling with it,
        ``scipy.signal.upfirdn(h, x, L)``, is what :class:`TruePeakMeter` computes.
    """
    if factor not in (1, 2, 4):
        raise ValueError(f"oversampling must be 1, 2 or 4, got {factor!r}")
    if factor == 1:
        return np.ones(1)
    n = factor * TAPS_PER_PHASE - 1
    h = np.sinc((np.arange(n) - (n - 1) / 2) / factor) * np.kaiser(n, KAISER_BETA)
    h = np.append(h, 0.0)
    phases = h.reshape(TAPS_PER_PHASE, factor)  # column p is phase p
    phases = phases / phases.sum(axis=0)
    # sinc(k) at integers k != 0 is zero only to rounding: make the identity phase exact.
    phases[:, factor - 1] = 0.0
    phases[TAPS_PER_PHASE // 2 - 1, factor - 1] = 1.0
    return phases.reshape(-1)


def _difference_gain(kernel: np.ndarray) -> float:
    """D = max over phases of min over centres r of sum_j |c_j| (module docstring), for `kernel`'s columns.

    With window taps h_k (k = 0 .. T-1, summing to 1) and first differences d_j = w[j + 1] - w[j],
    ``sum_k h_k w_k = w_r + sum_j c_j d_j`` where c_j = sum_{k > j} h_k for j >= r and
    ``-sum_{k <= j} h_k`` for j < r.
    """
    worst = 0.0
    for h in kernel.astype(np.float64).T:
        tail = h.sum() - np.cumsum(h)[:-1]  # sum_{k > j} h_k, j = 0 .. T-2
        head = np.cumsum(h)[:-1]  # sum_{k <= j} h_k
        j = np.arange(h.shape[0] - 1)
        best = min(float(np.sum(np.abs(np.where(j >= r, tail, -head)))) for r in range(h.shape[0]))
        worst = max(worst, best)
    return worst


def _row_filter(kernel: np.ndarray) -> np.ndarray:
    """The block-Toeplitz matrix that interpolates ROW_FRAMES windows from one row of samples.

    With B = ROW_FRAMES and `kernel` (T, P) (window tap t, phase p), row samples s[0 .. B + T - 2]
    times the result, of shape (B + T - 1, B P), give ``sum_t kernel[t, p] s[i + t]`` at column
    ``i P + p``: one well-shaped BLAS product instead of a copy of every overlapping window.
    """
    taps, n_phases = kernel.shape
    h = np.zeros((ROW_FRAMES + taps - 1, ROW_FRAMES, n_phases), np.float32)
    for i in range(ROW_FRAMES):
        h[i : i + taps, i, :] = kernel
    return h.reshape(ROW_FRAMES + taps - 1, ROW_FRAMES * n_phases)


def _dbtp(peak: np.ndarray | float) -> np.ndarray | float:
    return 20.0 * np.log10(np.maximum(peak, AMIN))


class TruePeakMeter:
    """Streaming true peak, per channel, of a signal pushed in blocks.

    Parameters
    ----------
    fs_hz : float
        Sample rate in Hz.
    n_channels : int
        Channels per frame, >= 1.
    oversampling : int, optional
        1, 2 or 4; default :func:`default_oversampling`.
    """

    def __init__(self, fs_hz: float, n_channels: int, oversampling: int | None = None) -> None:
        if isinstance(n_channels, bool) or not isinstance(n_channels, (int, np.integer)) or n_channels < 1:
            raise ValueError(f"n_channels must be a positive integer, got {n_channels!r}")
        self.fs_hz = float(fs_hz)
        self.n_channels = int(n_channels)
        self.oversampling = default_oversampling(self.fs_hz) if oversampling is None else oversampling
        self.taps = interpolation_filter(self.oversampling)
        factor = self.oversampling
        # Phase p's output at input n is sum_k h[p + L k] x[n - k]: a dot product of the window
        # x[n - T + 1 .. n] with phase p reversed.  Columns: the L - 1 non-identity phases.
        if factor > 1:
            phases = self.taps.reshape(TAPS_PER_PHASE, factor)[::-1, : factor - 1]
            self._kernel = np.ascontiguousarray(phases, dtype=np.float32)
            self._toeplitz = _row_filter(self._kernel)
            self._gain = float(np.max(np.sum(np.abs(phases), axis=0)))
            """G: no interpolated value exceeds G times the largest |sample| of its window."""
            self._diff_gain = _difference_gain(self._kernel)
            """D: nor the largest |sample| plus D times the largest |first difference| of its window."""
        self.reset()

    @property
    def history(self) -> int:
        """Samples kept per channel between blocks: T - 1 (0 without oversampling)."""
        return TAPS_PER_PHASE - 1 if self.oversampling > 1 else 0

    def reset(self) -> None:
        """Forget the signal and the peak."""
        self._hist = np.zeros((self.n_channels, self.history), np.float32)
        self.reset_peak()

    def reset_peak(self) -> None:
        """Start a new maximum but keep the signal's history (for a meter's hold period)."""
        self._peak = np.zeros(self.n_channels)
        self._sample_peak = np.zeros(self.n_channels)

    def process(self, block: np.ndarray) -> None:
        """Add samples.

        Parameters
        ----------
        block : numpy.ndarray
            Shape (n,) for mono or (n, n_channels); full scale = 1.0.
        """
        x = as_frames(block, self.n_channels)
        if x.shape[0]:
            self.process_planar(x.T)

    def process_planar(self, xt: np.ndarray) -> None:
        """Add samples given channel-major, shape (n_channels, n) (any strides; not kept)."""
        n = xt.shape[1]
        if n == 0:
            return
        keep, k = self.history, SKIP_FRAMES
        if not keep:
            np.maximum(self._peak, np.max(np.abs(xt), axis=1), out=self._peak)
            np.maximum(self._sample_peak, self._peak, out=self._sample_peak)
            return
        # One planar copy of history + block, zero-padded to whole segments of k samples: stretch j's
        # windows read buf[j k : j k + k + T - 1], inside segments j and j + 1.
        n_buf = keep + n
        n_str = -(-(n_buf - TAPS_PER_PHASE + 1) // k)
        buf = np.zeros((self.n_channels, (n_str + 1) * k), np.float32)
        buf[:, :keep] = self._hist
        buf[:, keep:n_buf] = xt
        self._hist = buf[:, n:n_buf].copy()
        segs = buf.reshape(self.n_channels, n_str + 1, k)
        seg_max = np.maximum(segs.max(axis=2), -segs.min(axis=2))
        head = buf[:, keep : min(k, n_buf)]  # the first segment's new samples (the history was counted)
        sample_peak = np.maximum(seg_max[:, 1:].max(axis=1), np.max(np.abs(head), axis=1))
        np.maximum(self._peak, sample_peak, out=self._peak)
        np.maximum(self._sample_peak, sample_peak, out=self._sample_peak)
        if n_buf <= SHORT_BLOCK_FRAMES:  # a live block: interpolate it all at once, every channel
            self._interpolate_all(buf, n_buf)
            return
        x_max = np.maximum(seg_max[:, :-1], seg_max[:, 1:])
        for c in range(self.n_channels):
            candidates = np.flatnonzero(self._gain * x_max[c] > self._peak[c])
            if candidates.shape[0]:
                self._peak[c] = self._interpolated_peak(buf[c], n_buf, candidates, x_max[c], self._peak[c])

    def _interpolate_all(self, buf: np.ndarray, n_buf: int) -> None:
        """Raise the peaks to the largest |value| of the non-identity phases over every complete window.

        `buf` is history + block per channel, zero-padded by at least one segment; the windows that
        would read past ``n_buf`` wait for the next block (or :meth:`flush`).  One product for all
        channels: for blocks of a few thousand samples the per-stretch bounds cost more than they save.
        """
        n_win = n_buf - TAPS_PER_PHASE + 1
        if n_win <= 0:
            return
        n_rows = -(-n_win // ROW_FRAMES)
        y = self._row_products(buf, np.arange(n_rows)).reshape(self.n_channels, n_rows * ROW_FRAMES, -1)[:, :n_win]
        np.maximum(self._peak, np.maximum(y.max(axis=(1, 2)), -y.min(axis=(1, 2))), out=self._peak)

    def _row_products(self, samples: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """The non-identity phases of rows `rows` of `samples` (last axis), shape (..., len(rows), B (L - 1)).

        Row r holds windows r B .. r B + B - 1, i.e. samples r B .. r B + B + T - 2, which must exist
        (the callers' buffers are zero-padded by at least a segment).
        """
        span = np.arange(ROW_FRAMES + TAPS_PER_PHASE - 1)
        return samples[..., rows[:, None] * ROW_FRAMES + span] @ self._toeplitz

    def _interpolated_peak(self, row: np.ndarray, n_buf: int, candidates: np.ndarray, x_max: np.ndarray,
                           floor: float) -> float:
        """Max |value| of the non-identity phases over the `candidates` stretches of `row` (one channel's
        history + block, ``n_buf`` samples then zeros), or `floor` if none exceeds it (stretches whose
        bound is below `floor` are skipped).

        `x_max` is each stretch's largest |sample|; the candidates are those whose G bound exceeds `floor`.
        """
        buf = row[:n_buf]
        n_win, k = n_buf - TAPS_PER_PHASE + 1, SKIP_FRAMES
        # The difference bound, for the candidates only: their samples, first differences, max |dx|.
        span = np.arange(k + TAPS_PER_PHASE - 1)
        idx = np.minimum(candidates[:, None] * k + span, n_buf - 1)
        dx_max = np.max(np.abs(np.diff(buf[idx], axis=1)), axis=1)
        xm = x_max[candidates]
        bound = np.minimum(self._gain * xm, xm + self._diff_gain * dx_max) + ROUNDING_MARGIN * xm
        keep = bound > floor
        todo, bound = candidates[keep], bound[keep]
        order = np.argsort(-bound, kind="stable")
        todo, bound = todo[order], bound[order]
        rows_per_stretch, b = k // ROW_FRAMES, ROW_FRAMES
        per_batch = CHUNK_FRAMES // k
        peak = floor
        while todo.shape[0]:
            batch, todo, bound = todo[:per_batch], todo[per_batch:], bound[per_batch:]
            rows = (batch[:, None] * rows_per_stretch + np.arange(rows_per_stretch)).reshape(-1)
            y = self._row_products(row, rows).reshape(rows.shape[0], b, -1)
            if batch.max() == n_win // k:  # the last stretch: windows past the block's last are not yet known
                y[rows[:, None] * b + np.arange(b) >= n_win] = 0.0
            peak = max(peak, float(y.max()), -float(y.min()))
            still = bound > peak
            todo, bound = todo[still], bound[still]
        return peak

    def flush(self) -> None:
        """End the signal: append T - 1 zeros so the points after the last samples count too.

        Call once at the end of a file; :meth:`reset` before reusing the meter.
        """
        if self.history:
            self.process(np.zeros((self.history, self.n_channels), np.float32))

    @property
    def peak(self) -> np.ndarray:
        """Per channel, the largest absolute value since reset (linear, 1.0 = full scale)."""
        return self._peak.copy()

    @property
    def sample_peak(self) -> np.ndarray:
        """Per channel, the largest absolute sample since reset (linear): the bound the true peak starts from."""
        return self._sample_peak.copy()

    @property
    def peak_dbtp(self) -> np.ndarray:
        """Per channel, the true peak since reset in dBTP (``20 log10(peak)``, floor -200)."""
        return _dbtp(self._peak)

    @property
    def max_dbtp(self) -> float:
        """The largest true peak over all channels in dBTP."""
        return float(_dbtp(self._peak.max()))


def true_peak_dbtp(samples: np.ndarray, fs_hz: float, oversampling: int | None = None) -> float:
    """True peak of a whole signal (all channels) in dBTP, zeros assumed before and after.

    Parameters
    ----------
    samples : numpy.ndarray
        Shape (n,) or (n, n_channels), full scale = 1.0.
    fs_hz : float
        Sample rate in Hz.
    oversampling : int, optional
        As for :class:`TruePeakMeter`.
    """
    samples = np.asarray(samples)
    meter = TruePeakMeter(fs_hz, 1 if samples.ndim == 1 else samples.shape[1], oversampling)
    meter.process(samples)
    meter.flush()
    return meter.max_dbtp
