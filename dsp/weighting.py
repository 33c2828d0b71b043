"""Frequency weightings A, C and Z of IEC 61672-1: the analytic curves and a
digital filter for time-domain level meters.

Thread: any (pure functions; nothing is cached between calls).

Formulas (IEC 61672-1:2013, Annex E), with the pole frequencies

    f1 = 20.598997 Hz, f2 = 107.65265 Hz, f3 = 737.86223 Hz, f4 = 12194.217 Hz

and ``s = f**2``::

    C(f) = 20 log10( f4**2 s / ((s + f1**2)(s + f4**2)) ) - C1000
    A(f) = 20 log10( f4**2 s**2 / ((s + f1**2) sqrt(s + f2**2) sqrt(s + f3**2) (s + f4**2)) ) - A1000
    Z(f) = 0

The standard rounds the normalisation constants to C1000 = -0.062 dB and
A1000 = -2.000 dB; here they are computed from the same formula at 1000 Hz,
so that both weightings are 0 dB at 1 kHz exactly (the difference from the
rounded constants is below 0.0004 dB).

A and C have a zero at 0 Hz: :func:`weighting_db` returns ``-inf`` there and
:func:`weighting_gain` returns 0 (Z returns 0 dB and gain 1).

The digital filter (:func:`weighting_sos`) is the bilinear transform of the
analog prototype, without pre-warping, normalised to 0 dB at 1 kHz.  Its
deviation from the analytic curve grows towards Nyquist as the bilinear map
compresses the f4 poles (12.2 kHz) towards fs/2.  Measured (digital minus
analytic, dB, A weighting):

    ========  =======  =======  =======  =======  =======
    fs (Hz)    4 kHz    8 kHz   10 kHz  12.5 kHz  16 kHz
    ========  =======  =======  =======  =======  =======
    44100     -0.05    -0.66    -1.50    -3.37    -8.5
    48000     -0.04    -0.54    -1.22    -2.67    -6.4
    96000     -0.01    -0.12    -0.26    -0.53    -1.1
    ========  =======  =======  =======  =======  =======

Below 1 kHz the deviation is under 0.01 dB.  At 44.1 kHz and above this is
inside the IEC 61672-1 class-1 acceptance limits at every frequency up to
20 kHz (e.g. +2.0/-3.0 dB at 10 kHz, +2.0/-5.0 dB at 12.5 kHz, +2.5/-16 dB
at 16 kHz); ``tests/dsp/test_weighting.py`` checks it at 44.1 and 48 kHz.
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np

WeightingName = Literal["A", "C", "Z"]
WEIGHTING_NAMES: tuple[str, ...] = ("A", "C", "Z")

F1_HZ = 20.598997
F2_HZ = 107.65265
F3_HZ = 737.86223
F4_HZ = 12194.217
REFERENCE_HZ = 1000.0
FS_HZ_MIN = 2.0 * REFERENCE_HZ
"""The digital filter is normalised at 1 kHz, which must lie below Nyquist."""


def _check_name(name: object) -> str:
    if name not in WEIGHTING_NAMES:
        raise ValueError(f"name must be one of {', '.join(WEIGHTING_NAMES)}, got {name!r}")
    return str(name)


def _raw_db(name: str, f_hz: np.ndarray) -> np.ndarray:
    """The Annex E curves before normalisation, dB; -inf at 0 Hz for A and C."""
    s = f_hz * f_hz
    if name == "C":
        gain = F4_HZ**2 * s / ((s + F1_HZ**2) * (s + F4_HZ**2))
    else:
        gain = F4_HZ**2 * s * s / ((s + F1_HZ**2) * np.sqrt(s + F2_HZ**2) * np.sqrt(s + F3_HZ**2) * (s + F4_HZ**2))
    with np.errstate(divide="ignore"):
        return 20.0 * np.log10(gain)


_NORMALISATION_DB = {n: float(_raw_db(n, np.array([REFERENCE_HZ]))[0]) for n in ("A", "C")}
"""A1000 and C1000 computed exactly (about -2.000 and -0.062 dB)."""


def weighting_db(name: WeightingName, f_hz: float | np.ndarray) -> np.ndarray:
    """Relative response of weighting `name` at frequencies `f_hz`, in dB.

    Parameters
    ----------
    name : {"A", "C", "Z"}
        The weighting.
    f_hz : float or array_like
        Frequencies in Hz, finite and >= 0.

    Returns
    -------
    numpy.ndarray
        float64 dB, same shape as `f_hz`; 0 dB at 1 kHz; ``-inf`` at 0 Hz for A and C.

    Raises
    ------
    ValueError
        If `name` is unknown or a frequency is negative or not finite.
    """
    name = _check_name(name)
    f = np.asarray(f_hz, dtype=np.float64)
    if not np.all(np.isfinite(f)) or np.any(f < 0):
        raise ValueError("f_hz must be finite and >= 0 Hz")
    if name == "Z":
        return np.zeros_like(f)
    return _raw_db(name, f) - _NORMALISATION_DB[name]


def weighting_gain(
    name: WeightingName, f_hz: float | np.ndarray, quantity: Literal["power", "amplitude"] = "power"
) -> np.ndarray:
    """Linear gain of weighting `name`: ``10**(dB/10)`` for power, ``10**(dB/20)`` for amplitude.

    Multiply a power spectrum by the ``"power"`` gain (the default) and an
    amplitude spectrum by the ``"amplitude"`` gain.  Both are 1 at 1 kHz and
    0 at 0 Hz for A and C.

    Parameters
    ----------
    name : {"A", "C", "Z"}
        The weighting.
    f_hz : float or array_like
        Frequencies in Hz, finite and >= 0.
    quantity : {"power", "amplitude"}
        Which gain.

    Raises
    ------
    ValueError
        If a parameter is invalid; the message names it.
    """
    if quantity not in ("power", "amplitude"):
        raise ValueError(f"quantity must be 'power' or 'amplitude', got {quantity!r}")
    db = weighting_db(name, f_hz)
    return 10.0 ** (db / (10.0 if quantity == "power" else 20.0))


def analog_zpk(name: WeightingName) -> tuple[np.ndarray, np.ndarray, float]:
    """Zeros, poles (rad/s) and gain of the analog prototype, 0 dB at 1 kHz.

    A: four zeros at s = 0, poles -2 pi (f1, f1, f2, f3, f4, f4).
    C: two zeros at s = 0, poles -2 pi (f1, f1, f4, f4).  Z: no poles or zeros, gain 1.
    """
    name = _check_name(name)
    if name == "Z":
        return np.zeros(0), np.zeros(0), 1.0
    poles_hz = (F1_HZ, F1_HZ, F2_HZ, F3_HZ, F4_HZ, F4_HZ) if name == "A" else (F1_HZ, F1_HZ, F4_HZ, F4_HZ)
    p = -2.0 * np.pi * np.array(poles_hz)
    z = np.zeros(4 if name == "A" else 2)
    s = 2j * np.pi * REFERENCE_HZ
    k = 1.0 / abs(np.prod(s - z) / np.prod(s - p))
    return z, p, float(k)


def weighting_sos(name: WeightingName, fs_hz: float) -> np.ndarray:
    """Digital weighting filter for sample rate `fs_hz`, as second-order sections.

    The bilinear transform (:func:`scipy.signal.bilinear_zpk`) of
    :func:`analog_zpk`, scaled so that ``|H(e^{j 2 pi 1000 / fs})| = 1``.
    See the module docstring for its deviation near Nyquist.

    Parameters
    ----------
    name : {"A", "C", "Z"}
        The weighting; Z gives one pass-through section.
    fs_hz : float
        Sample rate in Hz, > 2000 (1 kHz must lie below Nyquist).

    Returns
    -------
    numpy.ndarray
        float64 of shape (n_sections, 6), for :func:`scipy.signal.sosfilt`.

    Raises
    ------
    ValueError
        If `name` is unknown or `fs_hz` is not a number above 2000 Hz.
    """
    import scipy.signal  # deferred: ~1 s to import, and weighting_db does not need it

    name = _check_name(name)
    if isinstance(fs_hz, bool) or not isinstance(fs_hz, (int, float, np.integer, np.floating)):
        raise ValueError(f"fs_hz must be a number of Hz, got {fs_hz!r}")
    if not (math.isfinite(fs_hz) and fs_hz > FS_HZ_MIN):
        raise ValueError(f"fs_hz must be above {FS_HZ_MIN:g} Hz, got {fs_hz!r}")
    if name == "Z":
        return np.array([[1.0, 0.0, 0.0, 1.0, 0.0, 0.0]])
    z, p, k = analog_zpk(name)
    zd, pd, kd = scipy.signal.bilinear_zpk(z, p, k, float(fs_hz))
    e = np.exp(2j * np.pi * REFERENCE_HZ / fs_hz)
    kd = 1.0 / abs(np.prod(e - zd) / np.prod(e - pd))
    return scipy.signal.zpk2sos(zd, pd, kd)
