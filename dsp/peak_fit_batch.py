"""The sub-bin frequency of :func:`~specscope.dsp.peak_fit.estimate_peak_frames` for many boxes at once.

Thread: any (pure functions; a :class:`PendingPeak` is immutable).

A selection table has hundreds of boxes, each a few dozen frames: fitted one
at a time, most of the time goes to the interpreter's overhead on small
arrays, not to arithmetic.  Here each box is first reduced to what its fit
needs (:func:`prepare_peak_frames`: the uphill walk to a maximum, the whitened
fit bins of its frames and their Gram matrix ``S = Z^T Z``, (r, r)), and the
kappa searches of all the boxes then run together, one array operation per
step for the whole batch (:func:`finish_peak_frames`).

The steps and grids are those of :func:`~specscope.dsp.peak_fit.fit_tone` for
many frames (coarse grid, zoom grid, a parabola, polish by a parabola through
three points 5e-4 bins apart), with the fitted energy of every step from the
Gram matrix (:func:`~specscope.dsp.peak_fit.energy`); ``fit_tone`` takes the
polish step's energy from the per-frame amplitudes instead, so the two agree
to rounding (``tests/dsp/test_peak_fit_batch.py``: within 1e-9 bins).  Boxes
the batch does not cover (one frame; a peak within a main lobe of DC or
Nyquist, where the search range differs and folding matters; bins whose
whitening is not the shared interior one) are fitted at once by
``estimate_peak_frames`` itself.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .config import StftConfig
from .peak_fit import (
    POLISH_STEP_BINS,
    ZOOM_POINTS,
    checked_frames,
    coarse_points,
    energy,
    estimate_peak_frames,
    fit_bins,
    fold_kappa,
    parabola_vertex,
    search_range,
)
from .peak_model import window_model


@dataclass(frozen=True)
class PendingPeak:
    """One box's fit, reduced to its fit bins and the Gram matrix of its whitened frames."""

    k0: int
    lo: int
    start: float
    stop: float
    n_coarse: int
    whitener: np.ndarray
    gram: np.ndarray


def prepare_peak_frames(spectra: np.ndarray, cfg: StftConfig, k0: int | None = None) -> float | PendingPeak:
    """The frequency (Hz) of ``estimate_peak_frames(spectra, cfg, k0)``, or what the batch needs to find it.

    Raises
    ------
    ValueError
        As :func:`~specscope.dsp.peak_fit.estimate_peak_frames`.
    """
    x, k0, model = checked_frames(spectra, cfg, k0)
    lo, n_bins = fit_bins(model, k0)
    lobe, start, stop = search_range(model, k0)
    half_m = model.n_fft_padded // 2
    q = model.whitener(lo, n_bins)
    if x.shape[0] == 1 or not lobe < k0 < half_m - lobe or q is not model.interior_whitener(n_bins):
        return estimate_peak_frames(x, cfg, k0).freq_hz
    k = lo + model.zero_pad * np.arange(n_bins)
    z = (x[:, k].astype(np.complex128) @ q).real
    return PendingPeak(k0, lo, start, stop, coarse_points(model, start, stop), q, z.T @ z)


def finish_peak_frames(cfg: StftConfig, pending: list[PendingPeak]) -> list[float]:
    """The frequencies (Hz) of the prepared boxes, in order."""
    out = [0.0] * len(pending)
    groups: dict[tuple[int, int], list[int]] = {}
    for i, p in enumerate(pending):
        groups.setdefault((id(p.whitener), p.n_coarse), []).append(i)
    model = window_model(cfg)
    hi_kappa = float(model.n_fft_padded // 2)
    h = POLISH_STEP_BINS * model.zero_pad
    for members in groups.values():
        boxes = [pending[i] for i in members]
        q = boxes[0].whitener
        kf = np.array([b.lo + model.zero_pad * np.arange(q.shape[0]) for b in boxes], dtype=np.float64)
        gram = np.stack([b.gram for b in boxes])
        start = np.array([b.start for b in boxes])
        stop = np.array([b.stop for b in boxes])
        n_coarse = boxes[0].n_coarse
        grid = np.linspace(start, stop, n_coarse, axis=-1)  # (B, n): each row as np.linspace(start, stop)
        step = (stop - start) / (n_coarse - 1)
        e = energy(model, q, kf, grid, gram)
        best = grid[np.arange(len(boxes)), np.argmax(e, axis=-1)]
        grid = fold_kappa(best[:, None] + step[:, None] * np.linspace(-1.0, 1.0, ZOOM_POINTS), hi_kappa)
        e = energy(model, q, kf, grid, gram)
        kappa = np.array([parabola_vertex(g, v) for g, v in zip(grid, e, strict=True)])
        polish = kappa[:, None] + h * np.array([-1.0, 0.0, 1.0])
        e = energy(model, q, kf, fold_kappa(polish, hi_kappa), gram)
        for i, g, v in zip(members, polish, e, strict=True):
            out[i] = float(fold_kappa(parabola_vertex(g, v), hi_kappa)) * cfg.delta_f_hz
    return out
