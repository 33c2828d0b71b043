"""Sub-bin spectral peaks: the frequency and level of stationary tones, corrected
for the window's scalloping, from the complex spectrum of one frame or many.

Thread: any (the live path calls :func:`estimate_peak` in the DSP worker).  The
functions keep no state between calls except a memo of window models
(:func:`window_model`, an ``lru_cache`` of 4, each with its own memo of
whitening matrices; both only ever add entries computed from immutable inputs);
a :class:`PeakAccumulator` belongs to one thread.

Method
------
A real tone ``x[n] = A cos(2 pi f n / fs + phi)`` is ``a e^{j w n} + conj(a) e^{-j w n}``
with ``a = (A / 2) e^{j phi}``.  Its windowed, zero-padded FFT is exactly::

    X[k] = a W(k - kappa) + conj(a) W(k + kappa)

where ``W(nu) = sum_n w[n] exp(-j 2 pi nu n / M)`` is the window's transform at
``nu`` bins (``M = n_fft * zero_pad``) and ``kappa = f / delta_f`` is the tone's
fractional bin.  The second term, the tone's mirror at ``-f``, matters near DC
and (as W is M-periodic) near Nyquist.  For a fixed kappa the model is linear in
``(Re a, Im a)``: a two-parameter real least-squares fit to the complex bins of
the main lobe around the peak, one per bin of fs/n_fft (``k0 + zero_pad * j``),
whitened with the exact covariance of windowed white noise so that it is the
maximum-likelihood fit (this is what keeps tones 0.3 bins from DC within
target: there a bin's real and imaginary parts are correlated through the
mirror).  The fitted energy is maximised over kappa on a grid: for one frame away
from DC and Nyquist (the live case) a grid of 1/64 bin around the
log-parabola estimate and the maximum of the quartic through its best five
points (one evaluation of the model in all, on a grid sized at start-up from the
window's log-parabola bias; bias below 2e-6 bins); otherwise
a coarse then a fine grid, a parabola, and a second parabola through three
points 5e-4 bins apart.  The level is
``20 log10(2 |a|)`` dBFS, so a full-scale sine reads 0 dBFS with every window,
as in :mod:`specscope.dsp.config`.

``W`` has a closed form for the cosine-sum windows (a sum of shifted Dirichlet
kernels); for Kaiser and Gaussian it is interpolated (cubic Lagrange, 16 points
per bin) from one zero-padded FFT of the window.

Nothing here relies on a second frame: one frame is enough.  Several tones are
handled one after the other, strongest first, each fitted after subtracting the
fitted models of the stronger ones ("CLEAN"), so the side lobes of a strong tone
are not reported as peaks and do not bias the fit of a weaker neighbour.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from .config import AMIN, StftConfig
from .windows import WindowSpec, periodic_window

TABLE_POINTS_PER_BIN = 16
"""Sampling density of the interpolated transform of Kaiser and Gaussian windows."""

LEAKAGE_FLOOR_DB = -120.0
"""A fitted tone is removed from the spectrum out to where its window's leakage falls below this (re its peak)."""

SUBTRACT_WORK_ELEMENTS = 1 << 21
"""Bound on frames x bins when a fitted tone is removed from many kept frames (at least 64 bins of fs/n_fft)."""

FIT_STORE_BUDGET_BYTES = 64 << 20
"""Most memory a :class:`PeakAccumulator` spends on the complex spectra it keeps."""

_COARSE_POINTS = 13
_ZOOM_POINTS = 33
_POLISH_STEP_BINS = 5e-4
_GUESS_STEP_BINS = 1.0 / 64.0
_GUESS_MARGIN_BINS = 0.03
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


class WindowModel:
    """The transform ``W(nu)`` of one periodic window of length n_fft, nu in padded bins.

    Parameters
    ----------
    spec : WindowSpec
        The window.
    n_fft : int
        Window length N in samples.
    zero_pad : int
        FFT length factor; ``M = n_fft * zero_pad``.
    window : numpy.ndarray
        The window samples (``StftConfig.window_array``).

    Notes
    -----
    Shared between threads through :func:`window_model`: after construction
    it only adds entries to its memo of whitening matrices (single dict
    assignments of values computed from immutable inputs, atomic in CPython).
    """

    def __init__(self, spec: WindowSpec, n_fft: int, zero_pad: int, window: np.ndarray) -> None:
        self.n_fft = n_fft
        self.zero_pad = zero_pad
        self.n_fft_padded = n_fft * zero_pad
        self.signs = np.array([-1.0, 1.0]).reshape(2, 1, 1)
        """Broadcasts kappa to (-kappa, +kappa) over the leading axis."""
        self.signs.flags.writeable = False
        self.coeffs = spec.cosine_coeffs
        lobe = spec.main_lobe_half_width_bins
        # Fit bins (in bins of fs/n_fft): the main lobe around the peak, at least one either side.
        self.fit_half_width = max(1, math.floor(lobe + 1e-9))
        # Candidates must lie outside the main lobes of the stronger peaks.
        self.min_separation = max(1.0, lobe * zero_pad)
        self._table: np.ndarray | None = None
        w = np.asarray(window, dtype=np.float64)
        self._v = np.fft.fft(w * w, n=self.n_fft_padded)
        self._whiteners: dict[tuple[int, int], np.ndarray] = {}
        if self.coeffs is not None:
            # Term t of the closed form: offset o_t and weight g_t (see _cosine_sum).
            offsets, weights = [0.0], [complex(self.coeffs[0])]
            for order, coeff in enumerate(self.coeffs[1:], start=1):
                theta = np.pi * order * (n_fft - 1) / n_fft
                offsets += [-np.pi * order / n_fft, np.pi * order / n_fft]
                weights += [coeff / 2.0 * np.exp(1j * theta), coeff / 2.0 * np.exp(-1j * theta)]
            self._term_offsets = np.array(offsets)
            self._term_weights = np.array(weights)
        else:
            q = TABLE_POINTS_PER_BIN
            spectrum = np.fft.fft(w, n=n_fft * q)
            # Centred transform: W(u) e^{j pi u}, u in bins of fs/n_fft; smooth (band < 1/2 cycle per bin).
            self._table = spectrum * np.exp(1j * np.pi * np.arange(n_fft * q) / q)
        self.leakage_half_width = self._leakage_reach()
        """Bins (padded) beyond which |W| stays below LEAKAGE_FLOOR_DB re W(0)."""
        self.guess_half_points = self._guess_half_points()
        """Half-width of the grid around the log-parabola estimate, in steps of _GUESS_STEP_BINS."""

    def _guess_half_points(self) -> int:
        # The log-parabola's worst bias for this window (noise-free, no mirror), plus a margin for
        # noise; beyond it the search falls back to the full grid, so this only sets the speed.
        zp = self.zero_pad
        # Tone to maximum bin, in padded bins: within half a bin of fs/n_fft (flat-top's ripple can put
        # the maximum of a zero-padded spectrum that far off).
        offsets = np.linspace(0.0, 0.5 * zp, 26)
        k = np.array([-zp, 0.0, zp])
        log_mag = np.log(np.abs(self(k[None, :] - offsets[:, None])))
        left, centre, right = log_mag[:, 0], log_mag[:, 1], log_mag[:, 2]
        bias = np.max(np.abs(0.5 * zp * (left - right) / (left - 2.0 * centre + right) - offsets))
        reach = 1.5 * float(bias) / zp + _GUESS_MARGIN_BINS
        return max(3, math.ceil(min(reach, 0.375) / _GUESS_STEP_BINS))

    def _leakage_reach(self) -> int:
        # The side-lobe peaks lie near half-integer bins of fs/n_fft.
        u = np.arange(self.n_fft // 2 + 1) + 0.5
        level = np.abs(self(u * self.zero_pad)) / abs(self(np.zeros(1))[0])
        above = np.flatnonzero(level > 10 ** (LEAKAGE_FLOOR_DB / 20))
        reach = int(above[-1]) + 2 if above.size else 1
        return min(reach, self.n_fft // 2 + 1) * self.zero_pad

    def whitener(self, lo: int, n_bins: int) -> np.ndarray:
        """Whitening of the bins ``k_j = lo + zero_pad * j``, j = 0 .. n_bins - 1.

        Returns
        -------
        numpy.ndarray
            Complex (n_bins, r) matrix ``Qc`` such that for windowed white noise
            the r real numbers ``Re(X[k] @ Qc)`` have identity covariance (times
            sigma^2).  r = 2 n_bins minus the imaginary parts of DC and Nyquist,
            which are always 0.

        Notes
        -----
        For noise e[n] of variance sigma^2, ``E[X_k conj(X_l)] = sigma^2 V(k - l)`` and
        ``E[X_k X_l] = sigma^2 V(k + l)`` with ``V(d) = sum_n w[n]^2 exp(-j 2 pi d n / M)``.
        With ``L L^T`` the covariance of ``z = [Re X[k], Im X[k]]`` (Cholesky) and
        ``Q = L^-1``, ``Q z = Re(X[k] @ Qc)`` for ``Qc = Q[:, :b].T - j Q[:, b:].T``.
        Memoised per (lo, n_bins).
        """
        key = (lo, n_bins)
        cached = self._whiteners.get(key)
        if cached is not None:
            return cached
        m = self.n_fft_padded
        k = lo + self.zero_pad * np.arange(n_bins)
        r = self._v[(k[:, None] - k[None, :]) % m]
        s = self._v[(k[:, None] + k[None, :]) % m]
        cov = 0.5 * np.block([[(r + s).real, (s - r).imag], [(s + r).imag, (r - s).real]])
        is_real_bin = (k == 0) | (k == m // 2)
        keep = np.flatnonzero(np.concatenate([np.ones(n_bins, bool), ~is_real_bin]))
        cov = cov[np.ix_(keep, keep)]
        cov += np.eye(keep.size) * (1e-9 * float(np.max(np.diag(cov))))
        q = np.zeros((keep.size, 2 * n_bins))
        q[:, keep] = np.linalg.inv(np.linalg.cholesky(cov))
        q_complex = q[:, :n_bins].T - 1j * q[:, n_bins:].T
        if len(self._whiteners) < 256:
            self._whiteners[key] = q_complex
        return q_complex

    def __call__(self, nu: np.ndarray) -> np.ndarray:
        """``W(nu) = sum_n w[n] exp(-j 2 pi nu n / M)`` for nu in bins of the padded FFT."""
        nu = np.asarray(nu, dtype=np.float64)
        if self.coeffs is not None:
            return self._cosine_sum(nu)
        return self._interpolate(nu)

    def _cosine_sum(self, nu: np.ndarray) -> np.ndarray:
        """Closed form for ``w[n] = sum_m (-1)^m a_m cos(2 pi m n / N)``.

        With the Dirichlet kernel ``D(nu) = sum_{n<N} exp(-j 2 pi nu n / M)
        = e^{-j (N-1) x} sin(N x) / sin(x)``, ``x = pi nu / M``,
        ``W(nu) = sum_m (-1)^m a_m / 2 (D(nu - m zp) + D(nu + m zp))``.  All the
        shifted kernels share ``sin(N x)`` and ``e^{-j (N-1) x}`` up to the
        factors folded into ``_term_weights``, which leaves
        ``W = e^{-j (N-1) x} sum_t g_t sin(N x) / sin(x + o_t)``, ``o_t = -+ pi m / N``.
        """
        m, n = self.n_fft_padded, self.n_fft
        nu = nu - m * np.round(nu / m)  # W is M-periodic; now |x| <= pi / 2
        x = (np.pi / m) * nu
        y = x[..., None] + self._term_offsets
        s = np.sin(y)
        tiny = np.abs(s) < 1e-9
        ratio = np.sin(n * x)[..., None] / np.where(tiny, 1.0, s)
        if tiny.any():  # the 0/0 limit sin(N y) / sin(y) -> N cos(N y) / cos(y)
            ratio = np.where(tiny, (n * np.cos(n * x))[..., None] / np.cos(y), ratio)
        return (ratio @ self._term_weights) * np.exp(-1j * (n - 1) * x)

    def _interpolate(self, nu: np.ndarray) -> np.ndarray:
        """Cubic Lagrange interpolation of the centred transform table (Kaiser, Gaussian)."""
        assert self._table is not None
        q = TABLE_POINTS_PER_BIN
        u = np.mod(nu / self.zero_pad, float(self.n_fft))
        pos = u * q
        i = np.floor(pos)
        t = (pos - i)[..., None]
        nodes = (i.astype(np.intp)[..., None] + np.arange(-1, 3)) % self._table.shape[0]
        # Lagrange weights for nodes at -1, 0, 1, 2.
        weights = np.concatenate(
            [
                -t * (t - 1.0) * (t - 2.0) / 6.0,
                (t + 1.0) * (t - 1.0) * (t - 2.0) / 2.0,
                -(t + 1.0) * t * (t - 2.0) / 2.0,
                (t + 1.0) * t * (t - 1.0) / 6.0,
            ],
            axis=-1,
        )
        value = np.sum(self._table[nodes] * weights, axis=-1)
        return value * np.exp(-1j * np.pi * u)

    def tone(self, kappa: float, a: np.ndarray, k: np.ndarray) -> np.ndarray:
        """Model spectrum ``a W(k - kappa) + conj(a) W(k + kappa)``, broadcasting a against k."""
        return a * self(k - kappa) + np.conj(a) * self(k + kappa)


def window_model(cfg: StftConfig) -> WindowModel:
    """The :class:`WindowModel` of a configuration's window (memoised on window, n_fft, zero_pad)."""
    return _window_model(cfg.window_spec, cfg.n_fft, cfg.zero_pad)


@lru_cache(maxsize=4)
def _window_model(spec: WindowSpec, n_fft: int, zero_pad: int) -> WindowModel:
    return WindowModel(spec, n_fft, zero_pad, periodic_window(spec, n_fft))


def _fit(model: WindowModel, spectra: np.ndarray, k0: int) -> tuple[float, np.ndarray]:
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
    n_bins = min(2 * model.fit_half_width + 1, half_m // zp + 1)
    lo = min(max(k0 - zp * model.fit_half_width, 0), half_m - zp * (n_bins - 1))
    k = lo + zp * np.arange(n_bins)
    q_complex = model.whitener(lo, n_bins)  # (b, r)
    z = (spectra[:, k].astype(np.complex128) @ q_complex).real  # (m, r), whitened data
    kf = k.astype(np.float64)

    def fit_at(kappa: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        # kappa (g,) -> fitted energy summed over the frames (g,) and a (m, g).
        # Whitened model: Re(a A + conj(a) B) = p c1 + q c2 with A, B = W(k -+ kappa) Qc, a = p + j q,
        # c1 = Re(A + B), c2 = Im(B - A), i.e. c1 + j c2 = conj(A) + B.
        w = model(kf + model.signs * kappa[:, None]) @ q_complex  # (2, g, r)
        u = np.conj(w[0]) + w[1]
        c1, c2 = u.real, u.imag
        g11 = np.vecdot(c1, c1)
        g22 = np.vecdot(c2, c2)
        g12 = np.vecdot(c1, c2)
        bz = z @ u.T  # (m, g): b1 + j b2
        b1, b2 = bz.real, bz.imag
        # 2x2 normal equations (Cramer); the tiny ridge keeps kappa = 0 and M/2, where c2 = 0
        # (only Re a is seen), finite: there p = b1 / g11, q = 0.
        ridge = 1e-12 * g11 + 1e-300
        g11, g22 = g11 + ridge, g22 + ridge
        det = g11 * g22 - g12 * g12
        p = (g22 * b1 - g12 * b2) / det
        q = (g11 * b2 - g12 * b1) / det
        return np.sum(p * b1 + q * b2, axis=0), p + 1j * q

    # Search kappa within 1.5 bins of k0 (half a main lobe for wide windows); near DC and
    # Nyquist, where the mirror can move the maximum anywhere within the main lobe, within a lobe.
    hi_kappa = float(half_m)
    lobe = (model.fit_half_width + 1) * zp
    reach = max(_SEARCH_HALF_RANGE_BINS, 0.5 * model.fit_half_width) * zp
    if k0 <= lobe or k0 >= half_m - lobe:
        reach = lobe
    start, stop = max(k0 - reach, 0.0), min(k0 + reach, hi_kappa)
    grid = None
    if m_frames == 1 and lobe < k0 < half_m - lobe:
        # One frame away from DC and Nyquist (the live case): start from the parabola through the
        # log magnitudes of k0 and the bins one bin of fs/n_fft either side.
        left, centre, right = (math.log(float(v) + 1e-300) for v in np.abs(spectra[0, k0 - zp : k0 + zp + 1 : zp]))
        curvature = left - 2.0 * centre + right
        guess = k0 + (0.5 * zp * (left - right) / curvature if curvature < 0 else 0.0)
        n_half = model.guess_half_points
        grid = _fold(guess + _GUESS_STEP_BINS * zp * np.arange(-n_half, n_half + 1), hi_kappa)
        e, a = fit_at(grid)
        if 1 < int(np.argmax(e)) < grid.size - 2:
            return _quartic_vertex(grid, e, a)
        grid = None  # the maximum is not inside: search
    if grid is None:
        # A coarse grid, then a finer one around its best point.
        n_coarse = max(_COARSE_POINTS, math.ceil((stop - start) / (_COARSE_STEP_BINS * zp)) + 1)
        grid = np.linspace(start, stop, n_coarse)
        step = (stop - start) / (n_coarse - 1)
        e, _ = fit_at(grid)
        grid = _fold(grid[np.argmax(e)] + step * np.linspace(-1.0, 1.0, _ZOOM_POINTS), hi_kappa)
        e, _ = fit_at(grid)
    kappa = _vertex(grid, e)
    # Polish: a parabola through three close points, then a by quadratic interpolation.
    h = _POLISH_STEP_BINS * zp
    grid = kappa + h * np.array([-1.0, 0.0, 1.0])
    folded = _fold(grid, hi_kappa)
    e, a = fit_at(folded)
    kappa = float(_fold(_vertex(grid, e), hi_kappa))
    if np.array_equal(folded, grid):
        t = (kappa - grid[1]) / h
        return kappa, a[:, 1] + 0.5 * t * (a[:, 2] - a[:, 0]) + 0.5 * t * t * (a[:, 2] - 2.0 * a[:, 1] + a[:, 0])
    # At DC or Nyquist (folding turns a into conj(a)): fit a at kappa itself.
    _, a = fit_at(np.array([kappa]))
    return kappa, a[:, 0]


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


def _vertex(grid: np.ndarray, e: np.ndarray) -> float:
    """Abscissa of the maximum of the parabola through the best point of `e` on `grid` and its neighbours."""
    i = min(max(int(np.argmax(e)), 1), grid.size - 2)
    e_l, e_c, e_r = float(e[i - 1]), float(e[i]), float(e[i + 1])
    curvature = e_l - 2.0 * e_c + e_r
    shift = min(max(0.5 * (e_l - e_r) / curvature, -2.0), 2.0) if curvature < 0 else 0.0
    return float(grid[i] + shift * (grid[i + 1] - grid[i]))


def _fold(kappa: np.ndarray, half_m: float) -> np.ndarray:
    """Map kappa into [0, M/2] by reflection at 0 and M/2, which leave the fitted energy unchanged.

    The model for -kappa (or M - kappa) is the model for kappa with a and conj(a) swapped.
    """
    return half_m - np.abs(half_m - np.abs(kappa))


def _level_dbfs(amplitude: float) -> float:
    return 20.0 * math.log10(max(amplitude, AMIN))


def _check_spectrum(spectrum: object, cfg: StftConfig) -> np.ndarray:
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
    x = _check_spectrum(spectrum, cfg)
    magnitude = np.abs(x)
    if k0 is None:
        k0 = int(np.argmax(magnitude))
    else:
        if isinstance(k0, bool) or not isinstance(k0, (int, np.integer)) or not 0 <= k0 < cfg.n_freqs:
            raise ValueError(f"k0 must be a bin index in 0..{cfg.n_freqs - 1}, got {k0!r}")
        k0 = _climb(magnitude, int(k0))
    kappa, a = _fit(window_model(cfg), x[None, :], k0)
    return _peak(cfg, kappa, 2.0 * abs(complex(a[0])))


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
    kappa, a = _fit(model, x, k0)
    return _peak(cfg, kappa, 2.0 * math.sqrt(float(np.mean(np.abs(a) ** 2))))


def _peak(cfg: StftConfig, kappa: float, amplitude: float) -> Peak:
    return Peak(freq_hz=kappa * cfg.delta_f_hz, level_dbfs=_level_dbfs(amplitude), bin=kappa)


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
    x = _check_spectrum(spectrum, cfg)
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
        kappa, a = _fit(model, residual, k0)
        a2 = np.abs(a) ** 2
        peak = _peak(cfg, kappa, 2.0 * math.sqrt(float(np.mean(a2))))
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
