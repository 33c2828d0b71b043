"""The transform W(nu) of a periodic window, and the whitening of its bins, for the sub-bin peak fit.

Thread: any.  :func:`window_model` memoises one :class:`WindowModel` per
(window, n_fft, zero_pad) (an ``lru_cache`` of 4); a model only ever adds
entries to its bounded memo of whitening matrices, computed from immutable
inputs, so models are shared between threads.

``W(nu) = sum_n w[n] exp(-j 2 pi nu n / M)`` (nu in bins of the padded FFT,
``M = n_fft * zero_pad``) has a closed form for the cosine-sum windows (a sum
of shifted Dirichlet kernels); for Kaiser and Gaussian it is interpolated
(cubic Lagrange, 16 points per bin) from one zero-padded FFT of the window.
The method that uses it is described in :mod:`specscope.dsp.peaks`.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from .config import StftConfig
from .windows import WindowSpec, periodic_window

TABLE_POINTS_PER_BIN = 16
"""Sampling density of the interpolated transform of Kaiser and Gaussian windows."""

LEAKAGE_FLOOR_DB = -120.0
"""A fitted tone is removed from the spectrum out to where its window's leakage falls below this (re its peak)."""

GUESS_STEP_BINS = 1.0 / 64.0
"""Grid step (bins of fs/n_fft) of the one-frame search around the log-parabola estimate."""
GUESS_MARGIN_BINS = 0.03
"""Noise margin added to the log-parabola's worst bias when sizing that grid."""

MIRROR_NEGLIGIBLE = 1e-12
"""``|V(k + l)|`` below this times ``V(0)`` is left out of the whitening (see :meth:`WindowModel.whitener`)."""
WHITENER_MEMO_SIZE = 256
"""Most whitening matrices one :class:`WindowModel` keeps."""


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
        self._v0 = float(abs(self._v[0]))
        self._whiteners: dict[tuple[int | None, int], np.ndarray] = {}
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
        """Half-width of the grid around the log-parabola estimate, in steps of GUESS_STEP_BINS."""

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
        reach = 1.5 * float(bias) / zp + GUESS_MARGIN_BINS
        return max(3, math.ceil(min(reach, 0.375) / GUESS_STEP_BINS))

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
        ``V(k - l)`` does not depend on `lo`; ``V(k + l)`` (the mirror at -f)
        only matters near DC and Nyquist.  Where every ``|V(k + l)|`` is below
        :data:`MIRROR_NEGLIGIBLE` ``V(0)`` (far below the 1e-9 ridge added to
        the covariance's diagonal) it is taken as 0, and the whitener depends
        only on `n_bins`: one matrix serves every bin away from DC and Nyquist.
        Memoised per (lo, n_bins) near DC and Nyquist, per n_bins elsewhere; at
        most :data:`WHITENER_MEMO_SIZE` entries per model.
        """
        m = self.n_fft_padded
        k = lo + self.zero_pad * np.arange(n_bins)
        s = self._v[(k[:, None] + k[None, :]) % m]
        interior = float(np.max(np.abs(s))) <= MIRROR_NEGLIGIBLE * self._v0
        key = (None, n_bins) if interior else (lo, n_bins)
        cached = self._whiteners.get(key)
        if cached is not None:
            return cached
        if interior:
            s = np.zeros_like(s)
        r = self._v[(k[:, None] - k[None, :]) % m]
        cov = 0.5 * np.block([[(r + s).real, (s - r).imag], [(s + r).imag, (r - s).real]])
        is_real_bin = (k == 0) | (k == m // 2)
        keep = np.flatnonzero(np.concatenate([np.ones(n_bins, bool), ~is_real_bin]))
        cov = cov[np.ix_(keep, keep)]
        cov += np.eye(keep.size) * (1e-9 * float(np.max(np.diag(cov))))
        q = np.zeros((keep.size, 2 * n_bins))
        q[:, keep] = np.linalg.inv(np.linalg.cholesky(cov))
        q_complex = q[:, :n_bins].T - 1j * q[:, n_bins:].T
        if len(self._whiteners) < WHITENER_MEMO_SIZE:
            self._whiteners[key] = q_complex
        return q_complex

    def interior_whitener(self, n_bins: int) -> np.ndarray | None:
        """The one whitener of `n_bins` bins away from DC and Nyquist, once :meth:`whitener` made it."""
        return self._whiteners.get((None, n_bins))

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
