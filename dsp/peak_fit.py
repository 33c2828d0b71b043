"""Sub-bin fit of one tone to the complex bins around a spectral maximum, from one frame or many.

Thread: any (pure functions; the window models of :mod:`specscope.dsp.peak_model`
are shared safely).  The method is described in :mod:`specscope.dsp.peaks`:
a maximum-likelihood least-squares fit of ``a W(k - kappa) + conj(a) W(k + kappa)``
to the whitened main-lobe bins, maximised over kappa on grids.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .config import AMIN, StftConfig
from .peak_model import GUESS_STEP_BINS, WindowModel, window_model

_COARSE_POINTS = 13
ZOOM_POINTS = 33
POLISH_STEP_BINS = 5e-4
_SEARCH_HALF_RANGE_BINS = 1.5
_COARSE_STEP_BINS = 0.25


@dataclass(frozen=True)
class Peak:
    """A tone's frequency and level.

    Attributes
    ----------
    freq_hz : float
        Frequency in Hz.
    level_dbfs : float
        Amplitude in dBFS, ``20 log10(A)`` with A = 1 for a full-scale sine.
    bin : float
        Fractional bin index, ``freq_hz / cfg.delta_f_hz`` (bins of the padded FFT).
    """

    freq_hz: float
    level_dbfs: float
    bin: float

    def as_json(self) -> dict:
        """``{"freq_hz": ..., "level_dbfs": ..., "bin": ...}`` with plain floats."""
        return {"freq_hz": float(self.freq_hz), "level_dbfs": float(self.level_dbfs), "bin": float(self.bin)}


def fit_tone(model: WindowModel, spectra: np.ndarray, k0: int) -> tuple[float, np.ndarray]:
    """Fit one tone, common to all frames, to the bins around bin `k0`.

    Parameters
    ----------
    model : WindowModel
        The window's transform.
    spectra : numpy.ndarray
        Complex (m, n_freqs) unscaled one-sided spectra.
    k0 : int
        Bin of the local maximum.

    Returns
    -------
    kappa : float
        Fractional bin of the padded FFT, in ``[0, M/2]``.
    a : numpy.ndarray
        (m,) complex, per frame: half the amplitude times ``e^{j phase}`` (A = 2 |a|).

    Notes
    -----
    The fit uses the bins ``k0 + zero_pad * j`` for ``|j| <= fit_half_width``
    (shifted to stay within 0..M/2): one per bin of fs/n_fft, which carries the
    information of the main lobe without the near-singular correlation of
    neighbouring zero-padded bins.  Their real and imaginary parts are
    whitened with the exact covariance of windowed white noise
    (:meth:`WindowModel.whitener`), so the least squares is the maximum-likelihood
    fit for a tone in white noise; this matters near DC and Nyquist, where a
    bin's real and imaginary parts are correlated.  With several frames it is
    the joint maximum-likelihood fit of one frequency and a complex amplitude
    per frame: the fitted energy summed over the frames is maximised.
    """
    m_frames = spectra.shape[0]
    zp = model.zero_pad
    half_m = model.n_fft_padded // 2
    lo, n_bins = fit_bins(model, k0)
    k = lo + zp * np.arange(n_bins)
    q_complex = model.whitener(lo, n_bins)  # (b, r)
    z = (spectra[:, k].astype(np.complex128) @ q_complex).real  # (m, r), whitened data
    kf = k.astype(np.float64)

    def fit_at(kappa: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        # kappa (g,) -> fitted energy summed over the frames (g,) and a (m, g): 2x2 normal equations (Cramer).
        u, _, _, g11, g22, g12, det = normal_matrix(model, q_complex, kf, kappa)
        bz = z @ u.T  # (m, g): b1 + j b2
        b1, b2 = bz.real, bz.imag
        p = (g22 * b1 - g12 * b2) / det
        q = (g11 * b2 - g12 * b1) / det
        return np.sum(p * b1 + q * b2, axis=0), p + 1j * q

    gram = z.T @ z if m_frames > 1 else None  # (r, r): all the energy needs of many frames

    def energy_at(kappa: np.ndarray) -> np.ndarray:
        return fit_at(kappa)[0] if gram is None else energy(model, q_complex, kf, kappa, gram)

    # Search kappa within 1.5 bins of k0 (half a main lobe for wide windows); near DC and
    # Nyquist, where the mirror can move the maximum anywhere within the main lobe, within a lobe.
    hi_kappa = float(half_m)
    lobe, start, stop = search_range(model, k0)
    grid = None
    if m_frames == 1 and lobe < k0 < half_m - lobe:
        # One frame away from DC and Nyquist (the live case): start from the parabola through the
        # log magnitudes of k0 and the bins one bin of fs/n_fft either side.
        left, centre, right = (math.log(float(v) + 1e-300) for v in np.abs(spectra[0, k0 - zp : k0 + zp + 1 : zp]))
        curvature = left - 2.0 * centre + right
        guess = k0 + (0.5 * zp * (left - right) / curvature if curvature < 0 else 0.0)
        n_half = model.guess_half_points
        grid = fold_kappa(guess + GUESS_STEP_BINS * zp * np.arange(-n_half, n_half + 1), hi_kappa)
        e, a = fit_at(grid)
        if 1 < int(np.argmax(e)) < grid.size - 2:
            return _quartic_vertex(grid, e, a)
        grid = None  # the maximum is not inside: search
    if grid is None:
        # A coarse grid, then a finer one around its best point.
        n_coarse = coarse_points(model, start, stop)
        grid = np.linspace(start, stop, n_coarse)
        step = (stop - start) / (n_coarse - 1)
        e = energy_at(grid)
        grid = fold_kappa(grid[np.argmax(e)] + step * np.linspace(-1.0, 1.0, ZOOM_POINTS), hi_kappa)
        e = energy_at(grid)
    kappa = parabola_vertex(grid, e)
    # Polish: a parabola through three close points, then a by quadratic interpolation.
    h = POLISH_STEP_BINS * zp
    grid = kappa + h * np.array([-1.0, 0.0, 1.0])
    folded = fold_kappa(grid, hi_kappa)
    e, a = fit_at(folded)
    kappa = float(fold_kappa(parabola_vertex(grid, e), hi_kappa))
    if np.array_equal(folded, grid):
        t = (kappa - grid[1]) / h
        return kappa, a[:, 1] + 0.5 * t * (a[:, 2] - a[:, 0]) + 0.5 * t * t * (a[:, 2] - 2.0 * a[:, 1] + a[:, 0])
    # At DC or Nyquist (folding turns a into conj(a)): fit a at kappa itself.
    _, a = fit_at(np.array([kappa]))
    return kappa, a[:, 0]


def fit_bins(model: WindowModel, k0: int) -> tuple[int, int]:
    """``(lo, n_bins)``: the fit uses bins ``lo + zero_pad * j``, one per bin of fs/n_fft around `k0`."""
    zp, half_m = model.zero_pad, model.n_fft_padded // 2
    n_bins = min(2 * model.fit_half_width + 1, half_m // zp + 1)
    return min(max(k0 - zp * model.fit_half_width, 0), half_m - zp * (n_bins - 1)), n_bins


def search_range(model: WindowModel, k0: int) -> tuple[int, float, float]:
    """``(lobe, start, stop)``: kappa is searched in ``[start, stop]``; within `lobe` of DC or Nyquist
    the range is a whole lobe either side (the mirror can move the maximum anywhere within it)."""
    zp, half_m = model.zero_pad, model.n_fft_padded // 2
    lobe = (model.fit_half_width + 1) * zp
    reach = max(_SEARCH_HALF_RANGE_BINS, 0.5 * model.fit_half_width) * zp
    if k0 <= lobe or k0 >= half_m - lobe:
        reach = lobe
    return lobe, max(k0 - reach, 0.0), min(k0 + reach, float(half_m))


def coarse_points(model: WindowModel, start: float, stop: float) -> int:
    """Points of the coarse grid over ``[start, stop]`` (steps of at most a quarter bin of fs/n_fft)."""
    return max(_COARSE_POINTS, math.ceil((stop - start) / (_COARSE_STEP_BINS * model.zero_pad)) + 1)


def normal_matrix(model: WindowModel, q_complex: np.ndarray, kf: np.ndarray, kappa: np.ndarray):
    """The whitened model's columns and 2x2 normal matrix at each kappa.

    `kf` (..., b) fit bins, `kappa` (..., g) (leading axes broadcast: one box or a batch of boxes).
    Whitened model: ``Re(a A + conj(a) B) = p c1 + q c2`` with ``A, B = W(k -+ kappa) Qc``,
    ``a = p + j q``, ``c1 = Re(A + B)``, ``c2 = Im(B - A)``, i.e. ``c1 + j c2 = conj(A) + B``.
    The tiny ridge keeps kappa = 0 and M/2, where c2 = 0 (only Re a is seen), finite: there
    ``p = b1 / g11``, ``q = 0``.  Returns ``u = c1 + j c2``, c1, c2 (..., g, r), g11, g22, g12, det (..., g).
    """
    kap = kappa[..., :, None]
    signs = model.signs.reshape((2,) + (1,) * kap.ndim)
    w = model(kf[..., None, :] + signs * kap) @ q_complex  # (2, ..., g, r)
    u = np.conj(w[0]) + w[1]
    c1, c2 = u.real, u.imag
    g11 = np.vecdot(c1, c1)
    g22 = np.vecdot(c2, c2)
    g12 = np.vecdot(c1, c2)
    ridge = 1e-12 * g11 + 1e-300
    g11, g22 = g11 + ridge, g22 + ridge
    return u, c1, c2, g11, g22, g12, g11 * g22 - g12 * g12


def energy(model: WindowModel, q_complex: np.ndarray, kf: np.ndarray, kappa: np.ndarray, gram: np.ndarray):
    """The fitted energy summed over the frames at each kappa, from the frames' Gram matrix alone.

    ``sum_i b_i^T G^-1 b_i`` with ``sum_i b1_i^2 = c1^T S c1`` etc. for ``S = Z^T Z`` (`gram`, (..., r, r)
    of the whitened data Z), so its cost does not grow with the frames; (..., g).
    """
    _, c1, c2, g11, g22, g12, det = normal_matrix(model, q_complex, kf, kappa)
    s1 = c1 @ gram
    s11, s12, s22 = np.vecdot(s1, c1), np.vecdot(s1, c2), np.vecdot(c2 @ gram, c2)
    return (g22 * s11 - 2.0 * g12 * s12 + g11 * s22) / det


def _quartic_vertex(grid: np.ndarray, e: np.ndarray, a: np.ndarray) -> tuple[float, np.ndarray]:
    """Maximum of the quartic through the best point of `e` and two neighbours either side, and `a` there.

    `grid` is equispaced (step h).  With t in steps from the best point,
    ``e(t) = c0 + c1 t + c2 t^2 + c3 t^3 + c4 t^4`` (central differences), its
    maximum by Newton's method on ``e'(t) = 0`` from the parabola's vertex, and
    `a` by 5-point Lagrange interpolation.
    """
    i = int(np.argmax(e))
    em2, em1, e0, ep1, ep2 = (float(v) for v in e[i - 2 : i + 3])
    c1 = (em2 - 8.0 * em1 + 8.0 * ep1 - ep2) / 12.0
    c2 = (-em2 + 16.0 * em1 - 30.0 * e0 + 16.0 * ep1 - ep2) / 24.0
    c3 = (-em2 + 2.0 * em1 - 2.0 * ep1 + ep2) / 12.0
    c4 = (em2 - 4.0 * em1 + 6.0 * e0 - 4.0 * ep1 + ep2) / 24.0
    t = -c1 / (2.0 * c2) if c2 < 0 else 0.0
    for _ in range(4):
        slope = c1 + t * (2.0 * c2 + t * (3.0 * c3 + t * 4.0 * c4))
        bend = 2.0 * c2 + t * (6.0 * c3 + t * 12.0 * c4)
        if bend >= 0:
            break
        t = min(max(t - slope / bend, -1.0), 1.0)
    nodes = (-2.0, -1.0, 0.0, 1.0, 2.0)
    weights = np.array([math.prod((t - other) / (node - other) for other in nodes if other != node) for node in nodes])
    return float(grid[i] + t * (grid[i + 1] - grid[i])), a[:, i - 2 : i + 3] @ weights


def parabola_vertex(grid: np.ndarray, e: np.ndarray) -> float:
    """Abscissa of the maximum of the parabola through the best point of `e` on `grid` and its neighbours."""
    i = min(max(int(np.argmax(e)), 1), grid.size - 2)
    e_l, e_c, e_r = float(e[i - 1]), float(e[i]), float(e[i + 1])
    curvature = e_l - 2.0 * e_c + e_r
    shift = min(max(0.5 * (e_l - e_r) / curvature, -2.0), 2.0) if curvature < 0 else 0.0
    return float(grid[i] + shift * (grid[i + 1] - grid[i]))


def fold_kappa(kappa: np.ndarray, half_m: float) -> np.ndarray:
    """Map kappa into [0, M/2] by reflection at 0 and M/2, which leave the fitted energy unchanged.

    The model for -kappa (or M - kappa) is the model for kappa with a and conj(a) swapped.
    """
    return half_m - np.abs(half_m - np.abs(kappa))


def level_dbfs(amplitude: float) -> float:
    return 20.0 * math.log10(max(amplitude, AMIN))


def check_spectrum(spectrum: object, cfg: StftConfig) -> np.ndarray:
    if not isinstance(cfg, StftConfig):
        raise ValueError(f"cfg must be a StftConfig, got {type(cfg).__name__}")
    x = np.asarray(spectrum)
    if x.ndim != 1 or x.shape[0] != cfg.n_freqs:
        raise ValueError(f"spectrum must be 1-D with cfg.n_freqs = {cfg.n_freqs} bins, got shape {x.shape}")
    if not np.all(np.isfinite(x)):
        raise ValueError("spectrum contains NaN or infinite values")
    return x


def _climb(magnitude: np.ndarray, k: int) -> int:
    """Walk uphill from bin k to the nearest local maximum of `magnitude`."""
    last = magnitude.shape[0] - 1
    while True:
        left = magnitude[k - 1] if k > 0 else -np.inf
        right = magnitude[k + 1] if k < last else -np.inf
        if left > magnitude[k] and left >= right:
            k -= 1
        elif right > magnitude[k]:
            k += 1
        else:
            return k


def _climb_frames(spectra: np.ndarray, k: int) -> int:
    """:func:`_climb` on the frames' mean power, computing only the bins it visits."""
    last = spectra.shape[1] - 1
    memo: dict[int, float] = {}

    def power(j: int) -> float:
        if not 0 <= j <= last:
            return -np.inf
        if j not in memo:
            column = spectra[:, j]
            memo[j] = float(np.mean(column.real.astype(np.float64) ** 2 + column.imag.astype(np.float64) ** 2))
        return memo[j]

    while True:
        left, centre, right = power(k - 1), power(k), power(k + 1)
        if left > centre and left >= right:
            k -= 1
        elif right > centre:
            k += 1
        else:
            return k


def estimate_peak(spectrum: np.ndarray, cfg: StftConfig, k0: int | None = None) -> Peak:
    """Frequency and level of the tone whose main lobe holds bin `k0` of one frame.

    Parameters
    ----------
    spectrum : numpy.ndarray
        Complex one-sided unscaled spectrum of one frame, length ``cfg.n_freqs``,
        as ``FrameKernel(cfg).spectrum(frames)[i]`` returns it.
    cfg : StftConfig
        The settings the spectrum was computed with.
    k0 : int, optional
        A bin on the peak to refine; if it is not a local maximum of ``|X|`` the
        estimator first walks uphill to one.  Default: the strongest bin.

    Returns
    -------
    Peak
        ``freq_hz = kappa * delta_f_hz`` and ``level_dbfs = 20 log10(2 |a|)`` of
        the fitted model ``X[k] = a W(k - kappa) + conj(a) W(k + kappa)``.

    Raises
    ------
    ValueError
        If the spectrum's shape does not match `cfg` or `k0` is not a bin.
    """
    x = check_spectrum(spectrum, cfg)
    magnitude = np.abs(x)
    if k0 is None:
        k0 = int(np.argmax(magnitude))
    else:
        if isinstance(k0, bool) or not isinstance(k0, (int, np.integer)) or not 0 <= k0 < cfg.n_freqs:
            raise ValueError(f"k0 must be a bin index in 0..{cfg.n_freqs - 1}, got {k0!r}")
        k0 = _climb(magnitude, int(k0))
    kappa, a = fit_tone(window_model(cfg), x[None, :], k0)
    return peak_from_fit(cfg, kappa, 2.0 * abs(complex(a[0])))


def estimate_peak_frames(spectra: np.ndarray, cfg: StftConfig, k0: int | None = None) -> Peak:
    """Frequency and level of the one stationary tone, common to several frames, whose main lobe holds bin `k0`.

    The joint fit of :class:`PeakAccumulator` (one frequency, a complex
    amplitude per frame: the maximum-likelihood estimate for a stationary tone
    in white noise) without its strongest-first search, for a caller that
    chooses the bin itself (e.g. the strongest bin inside a selection's band).

    Parameters
    ----------
    spectra : numpy.ndarray
        Complex (m, n_freqs) unscaled one-sided spectra, m >= 1, as
        ``FrameKernel(cfg).spectrum(frames)`` returns them.
    cfg : StftConfig
        The settings the spectra were computed with.
    k0 : int, optional
        A bin on the peak; if it is not a local maximum of the frames' mean
        power, the estimator first walks uphill to one.  Default: the
        strongest bin of the mean power.

    Returns
    -------
    Peak
        The level is the power mean of the per-frame amplitudes,
        ``10 log10(mean(A_i^2))``, as :meth:`PeakAccumulator.peaks` reports it.

    Raises
    ------
    ValueError
        On a wrong shape, non-finite values or a `k0` that is not a bin.
    """
    x, k0, model = checked_frames(spectra, cfg, k0)
    kappa, a = fit_tone(model, x, k0)
    return peak_from_fit(cfg, kappa, 2.0 * math.sqrt(float(np.mean(np.abs(a) ** 2))))


def checked_frames(spectra: np.ndarray, cfg: StftConfig, k0: int | None) -> tuple[np.ndarray, int, WindowModel]:
    """The checks and uphill walk of :func:`estimate_peak_frames`: ``(spectra, k0 on a maximum, window model)``."""
    if not isinstance(cfg, StftConfig):
        raise ValueError(f"cfg must be a StftConfig, got {type(cfg).__name__}")
    x = np.asarray(spectra)
    if x.ndim != 2 or x.shape[0] < 1 or x.shape[1] != cfg.n_freqs:
        raise ValueError(f"spectra must have shape (m >= 1, {cfg.n_freqs}), got {x.shape}")
    if k0 is None:
        k0 = int(np.argmax(np.mean(np.abs(x) ** 2, axis=0)))
    else:
        if isinstance(k0, bool) or not isinstance(k0, (int, np.integer)) or not 0 <= k0 < cfg.n_freqs:
            raise ValueError(f"k0 must be a bin index in 0..{cfg.n_freqs - 1}, got {k0!r}")
        k0 = _climb_frames(x, int(k0))
    model = window_model(cfg)
    # Only the bins around the peak enter the fit: check those (a whole-spectrum check costs more than the fit).
    reach = (model.fit_half_width + 2) * cfg.zero_pad + 1
    if not np.all(np.isfinite(x[:, max(0, k0 - reach) : k0 + reach + 1])):
        raise ValueError("spectra contain NaN or infinite values")
    return x, k0, model


def peak_from_fit(cfg: StftConfig, kappa: float, amplitude: float) -> Peak:
    return Peak(freq_hz=kappa * cfg.delta_f_hz, level_dbfs=level_dbfs(amplitude), bin=kappa)
