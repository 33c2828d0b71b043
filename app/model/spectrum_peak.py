"""The peak of a (averaged, max or min) dB spectrum: its strongest tonal bin in a frequency range, refined.

Thread: any (pure functions; no Qt).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from specscope.dsp.config import StftConfig
from specscope.dsp.peak_model import window_model

PEAK_PROMINENCE_DB = 6.0
"""A peak stands this far above the lowest bin within a main lobe's width on both sides: a tone does (by 20 dB
or more), the slope of pink noise or of a DC offset does not."""


@dataclass(frozen=True)
class SpectrumPeak:
    """The largest bin of the averaged spectrum, log-parabola interpolated.

    ``level_dbfs`` is in the snapshot's unit despite its name (kept so the spectrum panel can draw it).
    """

    freq_hz: float
    level_dbfs: float
    bin: float


def spectrum_peak(db: np.ndarray, cfg: StftConfig, floor_db: float = -190.0, f_lo_hz: float = 0.0,
                  f_hi_hz: float = math.inf, lobe_level: bool = True) -> SpectrumPeak | None:
    """Peak of an (averaged) dB spectrum: its largest tonal bin k within ``f_lo_hz .. f_hi_hz``, refined.

    Tonal: above the bin below it (so never DC nor the slope falling from it), not below the bin above it,
    and ``PEAK_PROMINENCE_DB`` above the lowest bin within ``L`` on each side (one side at the spectrum's
    ends), so the rising low end of pink noise is no peak; bin centres outside the range are not searched.

    Frequency: the log-parabola through bins k - 1, k, k + 1, ``delta = (a - c) / (2 (a - 2b + c))`` bins.
    Level: the power of the bins within ``L = ceil(2 ENBW) zero_pad`` of k summed and divided by the window's
    ENBW (as a band level, :mod:`specscope.dsp.octave_bands`), which does not scallop: a tone reads its
    level within 0.02 dB wherever it falls between bins.  With ``lobe_level=False`` the level is bin k's
    corrected by the window's response ``W`` at the offset instead, ``b - 20 log10(|W(delta)| / W(0))`` with
    ``W(d) = sum_n w[n] exp(-2 pi i d n / (N zero_pad))``: for a spectrum whose bins come from different
    frames (the max or min over a selection), where summing a lobe would mix frames.  None when the largest
    bin is below `floor_db` or no bin's centre is in the range.
    """
    n = db.shape[0]
    k_lo = max(1, math.ceil(f_lo_hz / cfg.delta_f_hz - 1e-9))
    k_hi = min(n - 1, math.floor(f_hi_hz / cfg.delta_f_hz + 1e-9)) if math.isfinite(f_hi_hz) else n - 1
    if n < 3 or k_hi < k_lo:
        return None
    half = math.ceil(2.0 * cfg.enbw_bins) * cfg.zero_pad
    k = _tonal_peak(np.asarray(db, dtype=np.float64), k_lo, k_hi, half)
    if k is None:
        return None
    b = float(db[k])
    if not (math.isfinite(b) and b >= floor_db):
        return None
    delta = 0.0
    if k < n - 1:
        a, c = float(db[k - 1]), float(db[k + 1])
        den = a - 2.0 * b + c
        if den < 0:
            delta = 0.5 * (a - c) / den
    kappa = k + delta
    if not lobe_level:
        response = np.abs(window_model(cfg)(np.array([delta, 0.0])))  # |W(delta)|, W(0) = sum of w
        level = b - 20.0 * math.log10(float(response[0] / response[1]))
        return SpectrumPeak(freq_hz=float(cfg.bin_to_hz(kappa)), level_dbfs=level, bin=kappa)
    lobe = np.asarray(db[max(1, k - half) : min(n - 1, k + half + 1)], dtype=np.float64)
    power = float(np.sum(np.power(10.0, 0.1 * lobe))) / (cfg.enbw_bins * cfg.zero_pad)
    return SpectrumPeak(freq_hz=float(cfg.bin_to_hz(kappa)), level_dbfs=10.0 * math.log10(power), bin=kappa)


def _tonal_peak(db: np.ndarray, k_lo: int, k_hi: int, width: int) -> int | None:
    """The largest tonal bin of ``db[k_lo .. k_hi]`` (``k_lo >= 1``), see :func:`spectrum_peak`; None if none."""
    n = db.shape[0]
    pad = np.full(width, np.inf)
    windows = np.lib.stride_tricks.sliding_window_view(np.concatenate([pad, db, pad]), width)
    k = np.arange(k_lo, k_hi + 1)
    left, right = windows[k].min(axis=1), windows[k + width + 1].min(axis=1)  # db[k-w:k], db[k+1:k+1+w]
    ref = np.maximum(np.where(np.isinf(left), -np.inf, left), np.where(np.isinf(right), -np.inf, right))
    v = db[k]
    above = np.append(db[k[:-1] + 1], db[k[-1] + 1] if k[-1] + 1 < n else -np.inf)
    tonal = (v > db[k - 1]) & (v >= above) & (v - ref >= PEAK_PROMINENCE_DB)
    if not tonal.any():
        return None
    return int(k[tonal][np.argmax(v[tonal])])
