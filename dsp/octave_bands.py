"""Fractional-octave bands (IEC 61260-1, base 10) and their powers from an FFT power spectrum.

Thread: any.  A :class:`BandSet` is immutable; a :class:`BandPowers` holds only
precomputed read-only arrays, so one may be shared between threads.

Bands
-----
With the octave ratio ``G = 10**(3/10)`` and the fraction ``b`` (1/b octave),
band x has the exact mid-band frequency::

    f_m = 1000 G**(x / b)               for odd b   (1, 3)
    f_m = 1000 G**((2x + 1) / (2b))     for even b  (6, 12, 24)

and the edges ``f_1,2 = f_m G**(-+1 / (2b))``, so adjacent bands share an edge
and tile the axis.  Labels: for 1/1 and 1/3 octave the standard's nominal
frequencies (the R10 series 1, 1.25, 1.6, 2, 2.5, 3.15, 4, 5, 6.3, 8 times a
power of ten: 31.5, 63, 125 ... 16000 Hz for octaves); for b >= 6 the exact
mid-band frequency rounded to 3 significant figures.

A band set holds every band whose nominal frequency lies in ``[f_min_hz,
f_max_hz]`` (default 20 Hz to 20 kHz: the 1/3-octave bands 20 Hz ... 20 kHz,
the octaves 31.5 Hz ... 16 kHz).  Given ``fs_hz``,
bands whose mid-band frequency is not below Nyquist are dropped; a kept band
reaching above Nyquist is summed up to fs/2 only (a sampled signal holds
nothing above), while ``high_hz`` still reports its IEC edge.

Band power
----------
Input: the one-sided power spectrum ``P[k] = mag[k]**2`` in the convention of
:mod:`specscope.dsp.config` (``mag = amplitude_scale * |X|``, a full-scale sine
at a bin centre reads 1 in its bin).  Bin k stands for the interval
``[(k - 1/2) df, (k + 1/2) df]`` clipped to ``[0, fs/2]`` (DC and Nyquist get a
half interval).  A band's power is::

    P_band = sum_k  o_k q_k P[k],    q_k = c_k / (ENBW * zero_pad)

where ``o_k`` is the fraction of bin k's interval inside the band (edge bins
are split in proportion to the overlap, so the bands tile the spectrum and
their powers sum to the total: Parseval), ENBW is the window's equivalent noise
bandwidth in bins of fs/n_fft (``StftConfig.enbw_bins``) and c_k = 2 at DC and
Nyquist (whose amplitude scale is half the others'), 1 elsewhere.  The unit is
dBFS power: a sine of amplitude A has ``P_band = A**2`` (its power A²/2 relative
to a full-scale sine's 1/2) and reads ``20 log10(A)`` dB, as in the spectrum;
white noise of variance s² over the whole band 0..fs/2 sums to ``2 s**2``.

An optional weighting (A, C) multiplies ``q_k`` by the power gain at ``f_k``
(:func:`specscope.dsp.weighting.weighting_gain`), so a weighted band costs no
more than an unweighted one.

Applying it: ``P`` is multiplied by ``q``, summed between edge bins with
:func:`numpy.add.reduceat` (no running sum, hence no cancellation: a band 150 dB
below its neighbour keeps its digits) and the split edge bins are corrected;
5 to 8 us per frame for A-weighted 1/3-octave bands at N = 4096
(``benchmarks/bench_bands.py``).

Resolution
----------
A band is *resolved* when its width is at least ``RESOLVED_MIN_ENBW`` = 2.5
ENBW of the window (2.5 x 1.5 x fs/n_fft for Hann: 44 Hz at 48 kHz, N 4096, so
1/3-octave bands from 200 Hz up).  Then a tone at the mid-band frequency reads
its level within 0.03 dB for the tapered windows (Hann, Hamming, Blackman-Harris,
Kaiser 8.6, flat top; worst over the tone's offset from the bins, checked in the
tests); narrower bands mix in their neighbours' leakage and are flagged.  Two bands
away and beyond, the tone's leakage is at least 55 dB down with Hann (38 dB
Hamming, 70 dB Kaiser 8.6, 85 dB flat top, 100 dB Blackman-Harris).  The
rectangular window leaks too far for any threshold to give that promise.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from .config import AMIN, StftConfig
from .weighting import WEIGHTING_NAMES, weighting_gain

G = 10.0 ** (3.0 / 10.0)
"""Octave frequency ratio of IEC 61260-1 (base 10), 1.99526."""
FRACTIONS = (1, 3, 6, 12, 24)
R10 = (1.0, 1.25, 1.6, 2.0, 2.5, 3.15, 4.0, 5.0, 6.3, 8.0)
"""Nominal 1/3-octave mantissas (IEC 61260-1 Annex E); octaves take every third."""
RESOLVED_MIN_ENBW = 2.5
"""A band is resolved when at least this many window ENBWs wide (see the module docstring)."""
POWER_FLOOR = AMIN**2
"""Power floor before the logarithm: -200 dB, the spectrum's amplitude floor AMIN squared."""


@dataclass(frozen=True)
class BandSet:
    """The 1/b-octave bands overlapping a frequency range.

    Parameters
    ----------
    fraction : int
        b in 1/b octave: one of 1, 3, 6, 12, 24.
    f_min_hz, f_max_hz : float
        Range in Hz, 0 < f_min_hz < f_max_hz; every band whose nominal frequency lies in it is kept.
    fs_hz : float, optional
        Sample rate; if given, bands whose mid-band frequency is not below fs/2 are dropped.

    Raises
    ------
    ValueError
        If a parameter is invalid or no band remains; the message names it.
    """

    fraction: int = 3
    f_min_hz: float = 20.0
    f_max_hz: float = 20000.0
    fs_hz: float | None = None

    def __post_init__(self) -> None:
        if isinstance(self.fraction, bool) or self.fraction not in FRACTIONS:
            raise ValueError(f"fraction must be one of {', '.join(map(str, FRACTIONS))}, got {self.fraction!r}")
        object.__setattr__(self, "fraction", int(self.fraction))
        for name in ("f_min_hz", "f_max_hz") + (("fs_hz",) if self.fs_hz is not None else ()):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
                raise ValueError(f"{name} must be a number of Hz, got {value!r}")
            if not (math.isfinite(value) and value > 0):
                raise ValueError(f"{name} must be a finite number of Hz > 0, got {value!r}")
            object.__setattr__(self, name, float(value))
        if self.f_max_hz <= self.f_min_hz:
            raise ValueError(f"f_max_hz must exceed f_min_hz ({self.f_min_hz:g} Hz), got {self.f_max_hz!r}")
        if self.band_indices.size == 0:
            raise ValueError(f"f_min_hz must lie below Nyquist ({self.fs_hz / 2:g} Hz), got {self.f_min_hz!r}")

    def replace(self, **changes: object) -> BandSet:
        """Return a validated copy with some fields changed."""
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]

    @cached_property
    def band_indices(self) -> np.ndarray:
        """Band numbers x (0 is the band at or just above 1 kHz), ascending."""
        b = self.fraction
        lo = math.floor(b * math.log(self.f_min_hz / 1000.0, G)) - 2
        hi = math.ceil(b * math.log(self.f_max_hz / 1000.0, G)) + 2
        x = np.arange(lo, hi + 1)
        nominal = np.array(nominal_hz(b, x))
        keep = (nominal >= self.f_min_hz) & (nominal <= self.f_max_hz)
        if self.fs_hz is not None:
            keep &= mid_band_hz(b, x) < self.fs_hz / 2.0
        return _read_only(x[keep])

    @property
    def n_bands(self) -> int:
        """Number of bands."""
        return int(self.band_indices.size)

    @cached_property
    def centers_hz(self) -> np.ndarray:
        """Exact mid-band frequencies in Hz (see the module docstring)."""
        return _read_only(mid_band_hz(self.fraction, self.band_indices))

    @cached_property
    def low_hz(self) -> np.ndarray:
        """Lower band edges in Hz, ``f_m G**(-1/(2b))``."""
        return _read_only(self.centers_hz * G ** (-1.0 / (2 * self.fraction)))

    @cached_property
    def high_hz(self) -> np.ndarray:
        """Upper band edges in Hz, ``f_m G**(1/(2b))``; the next band's lower edge."""
        return _read_only(self.centers_hz * G ** (1.0 / (2 * self.fraction)))

    @cached_property
    def nominal_hz(self) -> tuple[float, ...]:
        """Nominal mid-band frequencies: the standard's for 1/1 and 1/3, else 3 significant figures."""
        return nominal_hz(self.fraction, self.band_indices)

    @property
    def labels(self) -> tuple[str, ...]:
        """Short labels of the nominal frequencies: ``31.5``, ``1k``, ``12.5k``."""
        return tuple(f"{f / 1000:g}k" if f >= 1000 else f"{f:g}" for f in self.nominal_hz)


def nominal_hz(fraction: int, x: np.ndarray) -> tuple[float, ...]:
    """Nominal mid-band frequencies in Hz of bands `x`: R10 series for 1/1 and 1/3, else 3 significant figures."""
    if fraction in (1, 3):
        n = np.asarray(x) * (3 // fraction)  # index in the 1/3-octave series
        return tuple(float(f"{R10[k % 10] * 10.0 ** (k // 10 + 3):.10g}") for k in n.tolist())
    return tuple(float(f"{f:.3g}") for f in mid_band_hz(fraction, x).tolist())


def mid_band_hz(fraction: int, x: int | np.ndarray) -> np.ndarray:
    """Exact mid-band frequency in Hz of band `x` of 1/`fraction` octave (IEC 61260-1, base 10)."""
    x = np.asarray(x, dtype=np.float64)
    if fraction % 2:
        return 1000.0 * G ** (x / fraction)
    return 1000.0 * G ** ((2.0 * x + 1.0) / (2.0 * fraction))


class BandPowers:
    """Band powers of one-sided FFT power spectra, precomputed for one STFT configuration.

    Parameters
    ----------
    cfg : StftConfig
        The spectra's settings (sample rate, bins, window ENBW).
    bands : BandSet
        The bands; if its ``fs_hz`` is None it is set to ``cfg.fs_hz`` (dropping bands above Nyquist).
    weighting : {"Z", "A", "C"}
        Frequency weighting applied to every bin before summing.

    Raises
    ------
    ValueError
        If the band set was made for another sample rate or `weighting` is unknown.
    """

    def __init__(self, cfg: StftConfig, bands: BandSet, weighting: str = "Z") -> None:
        if bands.fs_hz is None:
            bands = bands.replace(fs_hz=cfg.fs_hz)
        elif bands.fs_hz != cfg.fs_hz:
            raise ValueError(f"bands.fs_hz must equal cfg.fs_hz ({cfg.fs_hz:g} Hz), got {bands.fs_hz!r}")
        if weighting not in WEIGHTING_NAMES:
            raise ValueError(f"weighting must be one of {', '.join(WEIGHTING_NAMES)}, got {weighting!r}")
        self.cfg = cfg
        self.bands = bands
        self.weighting = weighting
        k_last = cfg.n_freqs - 1
        q = np.full(cfg.n_freqs, 1.0 / (cfg.enbw_bins * cfg.zero_pad))
        q[[0, k_last]] *= 2.0
        self.bin_weights = _read_only(q * weighting_gain(weighting, cfg.freqs_hz))
        """Per-bin factor q_k (times the weighting's power gain), applied before summing."""
        edges_hz = np.append(bands.low_hz, bands.high_hz[-1])
        # Position u in bin-interval units: bin k covers u in [k, k + 1) (DC: [1/2, 1), Nyquist: [K, K + 1/2]).
        u = np.clip(edges_hz / cfg.delta_f_hz + 0.5, 0.5, k_last + 0.5)
        idx = np.minimum(np.floor(u).astype(np.intp), k_last)
        start = idx.astype(np.float64)
        start[idx == 0] = 0.5
        width = np.ones_like(start)
        width[(idx == 0) | (idx == k_last)] = 0.5
        self._idx = idx
        self._frac = (u - start) / width
        self._empty = idx[:-1] == idx[1:]
        width_hz = bands.high_hz - bands.low_hz
        self.resolved = _read_only(width_hz >= RESOLVED_MIN_ENBW * cfg.enbw_bins * cfg.fs_hz / cfg.n_fft)
        """True for bands at least RESOLVED_MIN_ENBW window ENBWs wide."""

    @property
    def n_bands(self) -> int:
        """Number of bands."""
        return self.bands.n_bands

    @property
    def centers_hz(self) -> np.ndarray:
        """Exact mid-band frequencies in Hz."""
        return self.bands.centers_hz

    def __call__(self, power: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """Band powers of power spectra.

        Parameters
        ----------
        power : numpy.ndarray
            ``mag**2``, shape (..., n_freqs), one spectrum per row.
        out : numpy.ndarray, optional
            float64 of shape (..., n_bands) to write into.

        Returns
        -------
        numpy.ndarray
            float64 band powers, dBFS power units (a sine of amplitude A gives A²), shape (..., n_bands).
        """
        p = np.multiply(power, self.bin_weights, dtype=np.float64)
        idx, frac = self._idx, self._frac
        sums = np.add.reduceat(p, idx, axis=-1)[..., :-1]
        sums[..., self._empty] = 0.0
        edge = p[..., idx] * frac
        result = sums + edge[..., 1:] - edge[..., :-1]
        if out is None:
            return result
        out[...] = result
        return out


def power_to_db(power: np.ndarray) -> np.ndarray:
    """``10 log10(max(power, POWER_FLOOR))``: dB of band powers, floored at -200 dB."""
    return 10.0 * np.log10(np.maximum(power, POWER_FLOOR))


def _read_only(a: np.ndarray) -> np.ndarray:
    a.flags.writeable = False
    return a
