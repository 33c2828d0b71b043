"""The strongest tones of one frame or of many frames (strongest first, each fitted, then removed: "CLEAN").

Thread: any; a :class:`PeakAccumulator` belongs to one thread.  Each candidate
is refined by :func:`specscope.dsp.peak_fit.fit_tone`; the method is
described in :mod:`specscope.dsp.peaks`.
"""

from __future__ import annotations

import math

import numpy as np

from .config import StftConfig
from .peak_fit import Peak, check_spectrum, fit_tone, peak_from_fit
from .peak_model import WindowModel, window_model

SUBTRACT_WORK_ELEMENTS = 1 << 21
"""Bound on frames x bins when a fitted tone is removed from many kept frames (at least 64 bins of fs/n_fft)."""

FIT_STORE_BUDGET_BYTES = 64 << 20
"""Most memory a :class:`PeakAccumulator` spends on the complex spectra it keeps."""


def find_peaks(spectrum: np.ndarray, cfg: StftConfig, top: int = 5, min_level_dbfs: float = -120.0) -> list[Peak]:
    """The strongest tones of one frame, each refined to sub-bin accuracy.

    Parameters
    ----------
    spectrum : numpy.ndarray
        Complex one-sided unscaled spectrum of one frame (length ``cfg.n_freqs``).
    cfg : StftConfig
        The settings the spectrum was computed with.
    top : int
        At most this many peaks, >= 1.
    min_level_dbfs : float
        Peaks weaker than this are not reported.

    Returns
    -------
    list of Peak
        Strongest first.  Peaks are found one at a time: the strongest local
        maximum of what is left after subtracting the tones already fitted
        (out to where their leakage is below ``LEAKAGE_FLOOR_DB``), and at least one main-lobe
        half-width (the distance to the first null,
        ``main_lobe_half_width_bins * zero_pad`` bins) away from them, so no peak
        lies in another's main lobe and side lobes are not reported.
    """
    x = check_spectrum(spectrum, cfg)
    _check_top(top, min_level_dbfs)
    return _clean(cfg, x[None, :], None, top, min_level_dbfs)


class PeakAccumulator:
    """Strongest peaks of a whole file or slice, from frames delivered in chunks, in bounded memory.

    Parameters
    ----------
    cfg : StftConfig
        The settings the spectra are computed with.
    n_frames_total : int
        How many frames :meth:`add` will receive in all (``cfg.n_frames(n_samples)``), >= 1.
    max_fit_frames : int
        At most this many frames' complex spectra are kept for the fits, >= 1;
        fewer if they would take more than ``FIT_STORE_BUDGET_BYTES``.

    Notes
    -----
    * Candidates come from the mean power spectrum over *all* frames
      (Welch-like), accumulated in float64.
    * Each candidate is refined by the complex fit of :func:`estimate_peak` on
      the kept frames: frames ``floor((j + 1/2) n_frames_total / n_keep)``,
      j = 0 .. n_keep - 1, spread evenly over the file.  The fit is joint: one
      frequency for all of them and a complex amplitude per frame, the
      maximum-likelihood estimate for a stationary tone (frames where the tone
      is absent add only noise to the fitted energy and do not pull the
      frequency).  The level is the power mean of the per-frame amplitudes,
      ``10 log10(mean(A_i^2))``, so a stationary tone reads its level and a
      tone present half of the time reads 3 dB less, as it does in an averaged
      spectrum.
    * As in :func:`find_peaks`, tones are taken strongest first; each fitted
      tone's model is subtracted from the kept frames and its mean power from
      the mean spectrum before the next candidate is chosen.  When every frame
      is kept (``n_frames_total <= max_fit_frames``) the candidates come from
      the residual of the frames themselves, so one frame gives exactly
      :func:`find_peaks`.
    * It is meant for stationary tones.  A tone whose frequency wanders reads
      the frequency that explains most of its energy over the kept frames.
    * Memory: ``n_freqs`` float64 plus ``n_keep * n_freqs`` complex64.
    """

    def __init__(self, cfg: StftConfig, n_frames_total: int, max_fit_frames: int = 256) -> None:
        if not isinstance(cfg, StftConfig):
            raise ValueError(f"cfg must be a StftConfig, got {type(cfg).__name__}")
        for name, value in (("n_frames_total", n_frames_total), ("max_fit_frames", max_fit_frames)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError(f"{name} must be an integer >= 1, got {value!r}")
        self.cfg = cfg
        self.n_frames_total = int(n_frames_total)
        budget_frames = max(1, FIT_STORE_BUDGET_BYTES // (8 * cfg.n_freqs))
        n_keep = min(int(max_fit_frames), self.n_frames_total, budget_frames)
        self.kept_frames = (np.arange(n_keep) * 2 + 1) * self.n_frames_total // (2 * n_keep)
        """Indices of the frames whose spectra are kept, increasing."""
        self._kept = np.empty((n_keep, cfg.n_freqs), dtype=np.complex64)
        self._n_kept = 0
        self._power_sum = np.zeros(cfg.n_freqs, dtype=np.float64)
        self.n_frames_added = 0

    def add(self, spectra: np.ndarray) -> None:
        """Take the next frames.

        Parameters
        ----------
        spectra : numpy.ndarray
            Complex (m, n_freqs) unscaled spectra of consecutive frames, as
            ``StreamingStft(cfg, keep_spectrum=True).push`` returns them.

        Raises
        ------
        ValueError
            On a wrong shape or more frames than ``n_frames_total``.
        """
        x = np.asarray(spectra)
        if x.ndim != 2 or x.shape[1] != self.cfg.n_freqs:
            raise ValueError(f"spectra must have shape (m, {self.cfg.n_freqs}), got {x.shape}")
        first = self.n_frames_added
        if first + x.shape[0] > self.n_frames_total:
            raise ValueError(f"more frames than n_frames_total = {self.n_frames_total}")
        self._power_sum += _power_sum(x)
        lo, hi = np.searchsorted(self.kept_frames, [first, first + x.shape[0]])
        take = self.kept_frames[lo:hi] - first
        self._kept[self._n_kept : self._n_kept + take.size] = x[take]
        self._n_kept += take.size
        self.n_frames_added += x.shape[0]

    def peaks(self, top: int = 5, min_level_dbfs: float = -120.0) -> list[Peak]:
        """The strongest `top` tones of the frames added so far, strongest first.

        Raises
        ------
        ValueError
            If no frame has been added or `top` < 1.
        """
        _check_top(top, min_level_dbfs)
        if self._n_kept == 0:
            raise ValueError("no frames were added")
        if self._n_kept == self.n_frames_added:  # every frame is kept: the exact residual power
            return _clean(self.cfg, self._kept[: self._n_kept], None, top, min_level_dbfs)
        mean_power = self._power_sum / self.n_frames_added
        return _clean(self.cfg, self._kept[: self._n_kept], mean_power, top, min_level_dbfs)


def _check_top(top: object, min_level_dbfs: object) -> None:
    if isinstance(top, bool) or not isinstance(top, (int, np.integer)) or top < 1:
        raise ValueError(f"top must be an integer >= 1, got {top!r}")
    if not isinstance(min_level_dbfs, (int, float, np.integer, np.floating)) or math.isnan(min_level_dbfs):
        raise ValueError(f"min_level_dbfs must be a number of dB, got {min_level_dbfs!r}")


def _clean(
    cfg: StftConfig,
    spectra: np.ndarray,
    mean_power: np.ndarray | None,
    top: int,
    min_level_dbfs: float,
) -> list[Peak]:
    """Find and fit up to `top` tones in the frames `spectra` (m, n_freqs), strongest first.

    The candidates are local maxima of `mean_power` minus the mean power of the
    tones fitted so far or, if `mean_power` is None, of the mean power of the
    residual spectra (the fitted tones subtracted).
    """
    model = window_model(cfg)
    n_freqs = spectra.shape[1]
    residual = np.array(spectra, dtype=np.result_type(spectra.dtype, np.complex64))  # the input's precision
    if mean_power is None:
        power = np.mean(residual.real**2 + residual.imag**2, axis=0)
    else:
        power = np.array(mean_power, dtype=np.float64)
    allowed = np.ones(n_freqs, dtype=bool)
    bins = np.arange(n_freqs)
    peaks: list[Peak] = []
    for _ in range(top):
        is_max = allowed & (power > 0)
        is_max[1:] &= power[1:] >= power[:-1]
        is_max[:-1] &= power[:-1] >= power[1:]
        candidates = np.flatnonzero(is_max)
        if candidates.size == 0:
            break
        k0 = int(candidates[np.argmax(power[candidates])])
        kappa, a = fit_tone(model, residual, k0)
        a2 = np.abs(a) ** 2
        peak = peak_from_fit(cfg, kappa, 2.0 * math.sqrt(float(np.mean(a2))))
        if peak.level_dbfs < min_level_dbfs:
            break
        peaks.append(peak)
        allowed &= np.abs(bins - peak.bin) >= model.min_separation
        allowed[k0] = False
        _subtract(model, residual, power, kappa, a, exact_power=mean_power is None)
    peaks.sort(key=lambda p: -p.level_dbfs)
    return peaks


def _subtract(
    model: WindowModel,
    residual: np.ndarray,
    power: np.ndarray,
    kappa: float,
    a: np.ndarray,
    exact_power: bool,
) -> None:
    """Remove a fitted tone from the residual spectra and from the candidates' power, in place.

    The tone is subtracted from each frame out to ``leakage_half_width``
    (bounded by ``SUBTRACT_WORK_ELEMENTS`` for many frames).  With
    `exact_power` (every frame is in `residual`) the power is then recomputed
    from the residual; otherwise the tone's mean power, ``mean |a|^2
    (|W(k - kappa)|^2 + |W(k + kappa)|^2)``, is subtracted from `power`.
    """
    n_freqs = residual.shape[1]
    reach = model.leakage_half_width
    if residual.shape[0] > 1:
        reach = min(reach, max(64 * model.zero_pad, SUBTRACT_WORK_ELEMENTS // (2 * residual.shape[0])))
    lo, hi = max(0, int(kappa) - reach), min(n_freqs, int(kappa) + reach + 2)
    k = np.arange(lo, hi, dtype=np.float64)
    residual[:, lo:hi] -= model.tone(kappa, a[:, None], k[None, :])
    if exact_power:
        power[lo:hi] = np.mean(residual[:, lo:hi].real ** 2 + residual[:, lo:hi].imag ** 2, axis=0)
        return
    reach = model.leakage_half_width
    lo, hi = max(0, int(kappa) - reach), min(n_freqs, int(kappa) + reach + 2)
    k = np.arange(lo, hi, dtype=np.float64)
    tone_power = float(np.mean(np.abs(a) ** 2)) * (np.abs(model(k - kappa)) ** 2 + np.abs(model(k + kappa)) ** 2)
    power[lo:hi] = np.maximum(power[lo:hi] - tone_power, 0.0)


def _power_sum(x: np.ndarray) -> np.ndarray:
    """Sum over frames of ``|X[k]|^2`` for complex spectra (m, n_freqs), float64 of shape (n_freqs,).

    A complex64 block is squared in float32 (exact to 6e-8 of each term) and
    summed in float64 over its interleaved real and imaginary parts: within
    1e-8 of squaring in float64 and about twice as fast, with no float64
    copies of the block (each cost a page-faulted temporary per chunk).
    """
    if x.dtype == np.complex64 and x.flags.c_contiguous:
        sq = np.square(x.view(np.float32))
        return sq.sum(axis=0, dtype=np.float64).reshape(-1, 2).sum(axis=1)
    return np.sum(x.real.astype(np.float64) ** 2 + x.imag.astype(np.float64) ** 2, axis=0)
