"""Measurements of a time-frequency box from its spectrogram, with the names Raven Pro uses.

Thread: any (pure functions of their arguments; the window model memo of
:mod:`specscope.dsp.peaks` is thread-safe).

The box
-------
A selection ``begin_s .. end_s`` (seconds, file time), ``low_hz .. high_hz``
(Hz; None is 0 Hz and Nyquist) covers the spectrogram *cells* (i, k) whose
frame centre ``t_i = (i hop + N/2) / fs`` lies in ``[begin_s, end_s]`` and
whose bin centre ``f_k = k Δf`` lies in ``[low_hz, high_hz]``; at least the
nearest frame and the nearest bin (:func:`box_frames`, :func:`box_bins`).
A cell's power is the squared amplitude in the project's scaling,
``p[i, k] = (c_k |X_i[k]| / sum(w))^2`` (c_k = 2 but 1 at DC and Nyquist), so
the cell of a full-scale sine reads 0 dB, as on the spectrogram.

The measurements (``E`` is energy: the sum of ``p`` over cells)
----------------------------------------------------------------
* **Begin Time (s), End Time (s), Low Freq (Hz), High Freq (Hz)**: the box as
  given (None bounds as 0 Hz and Nyquist); **Delta Time (s)** = end - begin,
  **Delta Freq (Hz)** = high - low.
* **Max Power (dB)** = ``10 log10(max p)`` over the box's cells; **Peak Time
  (s)** = ``t_i`` of the frame holding that cell.
* **Peak Freq (Hz)**: the strongest bin ``k0`` of the box's mean power
  spectrum ``P[k] = mean_i p[i, k]`` (within the box's bins), refined to
  sub-bin accuracy by :func:`specscope.dsp.peaks.estimate_peak_frames`, the
  joint maximum-likelihood fit of one stationary tone to the box's complex
  frames (at most :data:`PEAK_FIT_MAX_FRAMES`, the strongest at ``k0``).  Raven
  takes the frequency of the maximum cell; for a steady tone both agree, and
  the fit is not limited to the bin grid.
* **Center Freq (Hz), Freq 5 % (Hz), Freq 95 % (Hz)**: the frequencies below
  which 50 %, 5 % and 95 % of the box's energy lie.  The energy per bin
  ``E_k = sum_i p[i, k]`` is spread evenly over the bin's width
  ``[f_k - Δf/2, f_k + Δf/2]`` (cut at the box's edges), so the cumulative
  energy is piecewise linear in f and each quantile is interpolated within
  its bin.
* **Dur 90 % (s)** = ``t95 - t5``: the same with the energy per frame
  ``E_i = sum_k p[i, k]`` spread over ``[t_i - hop/2, t_i + hop/2]`` (cut at
  the box's edges), ``t5`` and ``t95`` where the cumulative energy over time
  reaches 5 % and 95 % (also returned as ``time_5_s``, ``time_95_s``).
* **Avg Power (dB)** = ``10 log10(mean p)`` over the box's cells.
* **SNR (dB)** = ``10 log10(mean p / mean n)``: the box's mean cell power
  against a noise reference's mean power ``n[k]`` (:func:`noise_power`, the
  noise box's frames) over the *box's own bins*, so both sides cover the same
  band.  None without a noise reference.

A box whose cells hold no energy (digital silence) reads NaN for the
frequencies and times that divide energy, and ``10 log10(AMIN^2)`` = -200 dB.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from functools import lru_cache

import numpy as np

from .config import AMIN, StftConfig
from .peaks import estimate_peak_frames
from .stft import FrameKernel, frame_view

PEAK_FIT_MAX_FRAMES = 512
"""Most frames of a box the sub-bin peak fit uses (the strongest at the peak bin)."""

POWER_FLOOR = AMIN * AMIN
"""Power floor before the logarithm (-200 dB)."""

COLUMNS = (
    "Begin Time (s)", "End Time (s)", "Low Freq (Hz)", "High Freq (Hz)", "Delta Time (s)", "Delta Freq (Hz)",
    "Peak Freq (Hz)", "Peak Time (s)", "Max Power (dB)", "Center Freq (Hz)", "Freq 5% (Hz)", "Freq 95% (Hz)",
    "Dur 90% (s)", "Avg Power (dB)", "SNR (dB)",
)
"""Raven Pro's column names, in the order :meth:`SelectionMeasures.as_columns` gives them."""

MEASUREMENT_COLUMNS = COLUMNS[4:]
"""The computed columns (the four bounds are the selection's own)."""


@dataclass(frozen=True)
class SelectionMeasures:
    """The measurements of one box (see the module docstring for each formula)."""

    begin_time_s: float
    end_time_s: float
    low_freq_hz: float
    high_freq_hz: float
    delta_time_s: float
    delta_freq_hz: float
    peak_freq_hz: float
    peak_time_s: float
    max_power_db: float
    center_freq_hz: float
    freq_5_hz: float
    freq_95_hz: float
    dur_90_s: float
    avg_power_db: float
    snr_db: float | None
    time_5_s: float
    time_95_s: float
    n_frames: int
    n_bins: int

    def as_columns(self) -> dict[str, float | None]:
        """``{Raven column name: value}`` in :data:`COLUMNS` order."""
        values = [getattr(self, f.name) for f in fields(self)][: len(COLUMNS)]
        return dict(zip(COLUMNS, values, strict=True))


def box_frames(cfg: StftConfig, n_frames_total: int, begin_s: float, end_s: float) -> tuple[int, int]:
    """Frames whose centres lie in ``[begin_s, end_s]`` as ``(first, n)``; at least the nearest one.

    ``first = ceil((begin fs - N/2) / hop)``, ``last = floor((end fs - N/2) / hop)``,
    clipped to the ``n_frames_total`` frames of the file.
    """
    if n_frames_total < 1:
        return 0, 0
    first = math.ceil(float(cfg.frame_at_s(begin_s)) - 1e-9)
    last = math.floor(float(cfg.frame_at_s(end_s)) + 1e-9)
    first, last = min(max(first, 0), n_frames_total - 1), min(max(last, 0), n_frames_total - 1)
    if last < first:
        first = last = min(max(round(float(cfg.frame_at_s(0.5 * (begin_s + end_s)))), 0), n_frames_total - 1)
    return first, last - first + 1


def box_bins(cfg: StftConfig, low_hz: float | None, high_hz: float | None) -> tuple[int, int]:
    """Bins whose centres lie in ``[low_hz, high_hz]`` as ``(first, n)``; at least the nearest one."""
    nyquist = float(cfg.freqs_hz[-1])
    lo = 0.0 if low_hz is None else min(max(float(low_hz), 0.0), nyquist)
    hi = nyquist if high_hz is None else min(max(float(high_hz), 0.0), nyquist)
    first = math.ceil(lo / cfg.delta_f_hz - 1e-9)
    last = math.floor(hi / cfg.delta_f_hz + 1e-9)
    if last < first:
        first = last = min(round(0.5 * (lo + hi) / cfg.delta_f_hz), cfg.n_freqs - 1)
    return first, last - first + 1


def slice_spectra(samples: np.ndarray, cfg: StftConfig) -> np.ndarray:
    """Complex unscaled spectra (n_frames, n_freqs) of the frames ``[i hop, i hop + N)`` of `samples`."""
    frames = frame_view(np.ascontiguousarray(samples, dtype=np.float32), cfg.n_fft, cfg.hop)
    return _kernel(cfg).spectrum(frames)


@lru_cache(maxsize=4)
def _kernel(cfg: StftConfig) -> FrameKernel:
    """One :class:`FrameKernel` per configuration, shared: its arrays are made read-only."""
    kernel = FrameKernel(cfg)
    for array in (kernel.window, kernel.amplitude_scale, kernel.power_scale):
        array.flags.writeable = False
    return kernel


def noise_power(spectra: np.ndarray, cfg: StftConfig) -> np.ndarray:
    """Mean cell power per bin, ``n[k] = mean_i p[i, k]``, of a noise reference's frames (float64, n_freqs)."""
    x = np.asarray(spectra)
    power = x.real.astype(np.float64) ** 2 + x.imag.astype(np.float64) ** 2
    return np.mean(power, axis=0) * cfg.amplitude_scale**2


def measure_box(
    spectra: np.ndarray,
    cfg: StftConfig,
    first_frame: int,
    begin_s: float,
    end_s: float,
    low_hz: float | None,
    high_hz: float | None,
    noise: np.ndarray | None = None,
) -> SelectionMeasures:
    """Measure one box from the complex spectra of its frames.

    Parameters
    ----------
    spectra : numpy.ndarray
        Complex (m, n_freqs) unscaled spectra of frames ``first_frame ..
        first_frame + m - 1`` of the file (all of them in the box: see
        :func:`box_frames`), m >= 1.
    cfg : StftConfig
        The transform's settings.
    first_frame : int
        File frame index of ``spectra[0]`` (its centre is ``t_i`` above).
    begin_s, end_s : float
        Time bounds in seconds.
    low_hz, high_hz : float or None
        Frequency bounds in Hz; None is 0 Hz and Nyquist.
    noise : numpy.ndarray, optional
        :func:`noise_power` of a noise reference, for SNR.

    Returns
    -------
    SelectionMeasures
    """
    return _measure_box(spectra, cfg, first_frame, begin_s, end_s, low_hz, high_hz, noise, None)[0]


def _measure_box(spectra, cfg, first_frame, begin_s, end_s, low_hz, high_hz, noise, prepare):
    """measure_box; `prepare` (:func:`specscope.dsp.peak_fit_batch.prepare_peak_frames`) or None; returns
    the measures and, when `prepare` deferred the peak fit, its pending part (Peak Freq then NaN)."""
    x = np.asarray(spectra)
    if x.ndim != 2 or x.shape[0] < 1 or x.shape[1] != cfg.n_freqs:
        raise ValueError(f"spectra must have shape (m >= 1, {cfg.n_freqs}), got {x.shape}")
    nyquist = float(cfg.freqs_hz[-1])
    lo_hz = 0.0 if low_hz is None else float(low_hz)
    hi_hz = nyquist if high_hz is None else float(high_hz)
    k_first, n_bins = box_bins(cfg, low_hz, high_hz)
    band = x[:, k_first : k_first + n_bins]
    scale = (cfg.amplitude_scale[k_first : k_first + n_bins] ** 2).astype(np.float32)
    p = (band.real**2 + band.imag**2) * scale  # (m, b) cell power, float32
    m = p.shape[0]
    times_s = (np.arange(first_frame, first_frame + m) * cfg.hop + cfg.n_fft / 2.0) / cfg.fs_hz
    freqs_hz = (k_first + np.arange(n_bins)) * cfg.delta_f_hz

    flat = int(np.argmax(p))
    i_max, k_max = divmod(flat, n_bins)
    max_power = float(p[i_max, k_max])
    e_time = p.sum(axis=1, dtype=np.float64)
    e_freq = p.sum(axis=0, dtype=np.float64)
    total = float(e_time.sum())
    mean_power = total / p.size

    half_df, half_hop = 0.5 * cfg.delta_f_hz, 0.5 * cfg.hop_s
    # Bin and frame edges, cut at the box's bounds (not inside the nearest bin or frame of a tiny box).
    # (np.minimum/np.maximum rather than np.clip: the same values, a fraction of the call's overhead)
    f_edges = _clamp(np.concatenate([freqs_hz - half_df, [freqs_hz[-1] + half_df]]),
                     min(lo_hz, freqs_hz[0]), max(hi_hz, freqs_hz[-1]))
    t_edges = _clamp(np.concatenate([times_s - half_hop, [times_s[-1] + half_hop]]),
                     min(begin_s, times_s[0]), max(end_s, times_s[-1]))
    f5, f50, f95 = _quantiles(e_freq, f_edges, (0.05, 0.5, 0.95))
    t5, t95 = _quantiles(e_time, t_edges, (0.05, 0.95))

    if total > 0:
        k0 = k_first + int(np.argmax(e_freq))
        fit = x
        if m > PEAK_FIT_MAX_FRAMES:
            strongest = np.argpartition(np.abs(x[:, k0]), m - PEAK_FIT_MAX_FRAMES)[m - PEAK_FIT_MAX_FRAMES :]
            fit = x[np.sort(strongest)]
        peak_hz = estimate_peak_frames(fit, cfg, k0).freq_hz if prepare is None else prepare(fit, cfg, k0)
    else:
        peak_hz = math.nan
    pending = None
    if not isinstance(peak_hz, float):  # the batch's: the frequency comes later
        pending, peak_hz = peak_hz, math.nan

    snr = None
    if noise is not None:
        n_mean = float(np.mean(noise[k_first : k_first + n_bins]))
        snr = _db(mean_power) - _db(n_mean)
    return SelectionMeasures(
        begin_time_s=float(begin_s), end_time_s=float(end_s), low_freq_hz=lo_hz, high_freq_hz=hi_hz,
        delta_time_s=float(end_s) - float(begin_s), delta_freq_hz=hi_hz - lo_hz,
        peak_freq_hz=float(peak_hz), peak_time_s=float(times_s[i_max]), max_power_db=_db(max_power),
        center_freq_hz=f50, freq_5_hz=f5, freq_95_hz=f95, dur_90_s=t95 - t5, avg_power_db=_db(mean_power),
        snr_db=snr, time_5_s=t5, time_95_s=t95, n_frames=m, n_bins=n_bins,
    ), pending


def measure_samples(
    samples: np.ndarray,
    cfg: StftConfig,
    first_frame: int,
    begin_s: float,
    end_s: float,
    low_hz: float | None,
    high_hz: float | None,
    noise: np.ndarray | None = None,
) -> SelectionMeasures:
    """:func:`measure_box` of the frames of `samples`, which start at file sample ``first_frame * hop``."""
    return measure_box(slice_spectra(samples, cfg), cfg, first_frame, begin_s, end_s, low_hz, high_hz, noise)


def _quantiles(energy: np.ndarray, edges: np.ndarray, qs: tuple[float, ...]) -> tuple[float, ...]:
    """Where the cumulative of `energy`, spread evenly between consecutive `edges`, reaches each fraction."""
    total = float(energy.sum())
    if not total > 0:
        return tuple(math.nan for _ in qs)
    cumulative = np.concatenate([[0.0], np.cumsum(energy)]) / total
    q = np.asarray(qs, dtype=np.float64)
    # The segment j - 1 .. j with c[j-1] < q <= c[j] (its energy is > 0, so the division is safe).
    j = np.minimum(np.maximum(np.searchsorted(cumulative, q, side="left"), 1), cumulative.size - 1)
    c0, c1 = cumulative[j - 1], cumulative[j]
    t = np.minimum(np.maximum((q - c0) / np.maximum(c1 - c0, 1e-300), 0.0), 1.0)
    return tuple(float(v) for v in edges[j - 1] + t * (edges[j] - edges[j - 1]))


def _clamp(x: np.ndarray, lo: float, hi: float) -> np.ndarray:
    return np.minimum(np.maximum(x, lo), hi)


def _db(power: float) -> float:
    return 10.0 * math.log10(max(power, POWER_FLOOR))
