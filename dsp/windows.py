"""Periodic (DFT-even) analysis windows, computed with numpy alone.

Thread: any (pure functions, no shared state).

The window names follow :func:`scipy.signal.get_window`: ``boxcar`` (alias
``rect``), ``hann``, ``hamming``, ``blackman``, ``blackmanharris``,
``flattop``, ``kaiser:<beta>`` and ``gaussian:<sigma>``, where for the
Gaussian window *sigma* is the standard deviation as a fraction of the window
length N (scipy takes it in samples: ``std = sigma * N``).

The formulas are the same as scipy's with ``fftbins=True``: a symmetric window
of length N + 1 with its last sample dropped.  They are written out here so
that the command line and the live path do not pay the ~1.5 s import of
``scipy.signal``; ``tests/dsp/test_windows.py`` checks every window against
scipy.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# Cosine-sum coefficients a_m of w[n] = sum_m (-1)^m a_m cos(2 pi m n / N),
# as scipy.signal.windows defines them.
COSINE_SUM_COEFFS: dict[str, tuple[float, ...]] = {
    "boxcar": (1.0,),
    "hann": (0.5, 0.5),
    "hamming": (0.54, 0.46),
    "blackman": (0.42, 0.50, 0.08),
    "blackmanharris": (0.35875, 0.48829, 0.14128, 0.01168),
    "flattop": (0.21557895, 0.41663158, 0.277263158, 0.083578947, 0.006947368),
}

ALIASES = {"rect": "boxcar", "rectangular": "boxcar", "hanning": "hann"}

PARAMETRIC = ("kaiser", "gaussian")

WINDOW_NAMES = (*tuple(COSINE_SUM_COEFFS), "kaiser:8.6", "gaussian:0.4")
"""Window specs offered to users (parametric ones with a typical parameter)."""

# Half-width of the main lobe in bins (first zero of the window's transform)
# for the cosine sums; used by the peak estimator to choose its fit bins.
MAIN_LOBE_HALF_WIDTH_BINS = {
    "boxcar": 1.0,
    "hann": 2.0,
    "hamming": 2.0,
    "blackman": 3.0,
    "blackmanharris": 4.0,
    "flattop": 5.0,
}


@dataclass(frozen=True)
class WindowSpec:
    """A parsed window name.

    Attributes
    ----------
    name : str
        Canonical family name (``hann``, ``kaiser``, ...).
    param : float or None
        Kaiser's beta, or the Gaussian's sigma as a fraction of N.
    """

    name: str
    param: float | None = None

    @property
    def spec(self) -> str:
        """The canonical text form, e.g. ``hann`` or ``kaiser:8.6``."""
        if self.param is None:
            return self.name
        return f"{self.name}:{self.param:g}"

    @property
    def cosine_coeffs(self) -> tuple[float, ...] | None:
        """Cosine-sum coefficients, or None for Kaiser and Gaussian."""
        return COSINE_SUM_COEFFS.get(self.name)

    @property
    def main_lobe_half_width_bins(self) -> float:
        """Distance from the peak to the first null of the transform, in bins.

        For Kaiser it is sqrt(1 + (beta/pi)^2); for the Gaussian, which has no
        null, the distance at which the lobe has fallen by about 60 dB.
        """
        if self.name in MAIN_LOBE_HALF_WIDTH_BINS:
            return MAIN_LOBE_HALF_WIDTH_BINS[self.name]
        assert self.param is not None
        if self.name == "kaiser":
            return float(np.sqrt(1.0 + (self.param / np.pi) ** 2))
        # Gaussian: |W(nu)| ~ exp(-2 (pi sigma nu)^2), down 60 dB where that is 1e-3.
        return float(np.sqrt(np.log(1e3) / 2.0) / (np.pi * self.param))


def parse_window(spec: str) -> WindowSpec:
    """Parse a window name such as ``hann``, ``rect`` or ``kaiser:8.6``.

    Raises
    ------
    ValueError
        Naming the parameter ``window`` and the allowed values.
    """
    allowed = (
        "allowed: boxcar (rect), hann, hamming, blackman, blackmanharris, "
        "flattop, kaiser:<beta 0..50>, gaussian:<sigma 0.01..1 of N>"
    )
    if not isinstance(spec, str) or not spec.strip():
        raise ValueError(f"window must be a non-empty name; {allowed}")
    text = spec.strip().lower()
    name, sep, param_text = text.partition(":")
    name = ALIASES.get(name, name)
    if name in COSINE_SUM_COEFFS:
        if sep:
            raise ValueError(f"window {spec!r} takes no parameter; {allowed}")
        return WindowSpec(name)
    if name not in PARAMETRIC:
        raise ValueError(f"window {spec!r} is unknown; {allowed}")
    if not sep:
        example = "8.6" if name == "kaiser" else "0.4"
        raise ValueError(f"window {spec!r} needs a parameter, e.g. {name}:{example}; {allowed}")
    try:
        param = float(param_text)
    except ValueError:
        raise ValueError(f"window {spec!r}: parameter {param_text!r} is not a number; {allowed}") from None
    if name == "kaiser" and not 0.0 <= param <= 50.0:
        raise ValueError(f"window {spec!r}: kaiser beta must be in 0..50")
    if name == "gaussian" and not 0.01 <= param <= 1.0:
        raise ValueError(f"window {spec!r}: gaussian sigma must be in 0.01..1 (fraction of N)")
    return WindowSpec(name, param)


def periodic_window(spec: WindowSpec, n: int) -> np.ndarray:
    """Return the periodic window of length `n` as float64.

    Parameters
    ----------
    spec : WindowSpec
        The parsed window.
    n : int
        Window length in samples.

    Returns
    -------
    numpy.ndarray
        ``w[i]`` for i = 0 .. n-1, equal to ``scipy.signal.get_window(...,
        n, fftbins=True)``.
    """
    i = np.arange(n, dtype=np.float64)
    coeffs = spec.cosine_coeffs
    if coeffs is not None:
        w = np.zeros(n)
        for m, a in enumerate(coeffs):
            w += (-1) ** m * a * np.cos(2.0 * np.pi * m * i / n)
        return w
    assert spec.param is not None
    if spec.name == "kaiser":
        # Symmetric Kaiser of length n + 1 (alpha = n / 2), last sample dropped.
        alpha = n / 2.0
        ratio = (i - alpha) / alpha
        return np.i0(spec.param * np.sqrt(np.clip(1.0 - ratio * ratio, 0.0, None))) / np.i0(spec.param)
    # Gaussian, symmetric of length n + 1 centred at n / 2, std = sigma * n.
    std = spec.param * n
    return np.exp(-0.5 * ((i - n / 2.0) / std) ** 2)
