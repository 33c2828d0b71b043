"""Frequency scales for display (linear, logarithmic, mel) and the mapping of
spectrum bins onto screen rows.

Thread: any (pure numpy; objects are immutable after construction).

A scale maps a frequency f in Hz to a display coordinate u (``transform``) and
back (``inverse``).  Rows of a spectrogram image are spaced evenly in u; a row
spanning ``[f_lo, f_hi)`` Hz shows the **maximum** of every bin whose extent
``[(k - 1/2) Δf, (k + 1/2) Δf)`` overlaps it, so a tone confined to one bin is
never lost however many bins a row covers (no interpolation or sampling).  Tick
labels are always true frequencies in Hz.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .pooling import max_pool

LOG_F_MIN_HZ = 20.0
"""Default lower edge of the logarithmic scale (log of 0 Hz is undefined)."""

MEL_HZ_BREAK = 700.0
MEL_FACTOR = 2595.0


def format_hz(f_hz: float) -> str:
    """Short tick label for a frequency: ``'500'``, ``'1k'``, ``'2.5k'``, ``'20k'``."""
    if abs(f_hz) >= 1000.0:
        return f"{f_hz / 1000.0:g}k"
    return f"{f_hz:g}"


def _nice_step(span: float, target_ticks: int) -> float:
    """Tick step of the form 1, 2 or 5 times a power of ten giving about `target_ticks` ticks."""
    raw = span / max(1, target_ticks)
    if raw <= 0 or not math.isfinite(raw):
        return 1.0
    mag = 10.0 ** math.floor(math.log10(raw))
    for m in (1.0, 2.0, 5.0, 10.0):
        if m * mag >= raw:
            return m * mag
    return 10.0 * mag


class FrequencyScale:
    """Base class: a monotonic map between Hz and a display coordinate u."""

    name = "linear"

    def transform(self, f_hz: float | np.ndarray) -> float | np.ndarray:
        """Display coordinate u of frequency `f_hz` (Hz)."""
        raise NotImplementedError

    def inverse(self, u: float | np.ndarray) -> float | np.ndarray:
        """Frequency in Hz of display coordinate `u`."""
        raise NotImplementedError

    def ticks(self, f_min_hz: float, f_max_hz: float) -> tuple[list[tuple[float, str]], list[float]]:
        """Tick marks between two frequencies.

        Returns
        -------
        major : list of (float, str)
            ``(f_hz, label)`` pairs; labels are true Hz (``'1k'`` = 1000 Hz).
        minor : list of float
            Frequencies in Hz of unlabelled ticks.
        """
        raise NotImplementedError

    def clamp_range(self, f_min_hz: float, f_max_hz: float, nyquist_hz: float) -> tuple[float, float]:
        """A valid (f_min, f_max) for this scale within ``[0, nyquist_hz]``.

        Raises
        ------
        ValueError
            If ``f_min_hz >= f_max_hz`` after clamping.
        """
        lo = max(0.0, float(f_min_hz))
        hi = min(float(nyquist_hz), float(f_max_hz))
        if not lo < hi:
            raise ValueError(f"frequency range must have f_min < f_max within 0..{nyquist_hz:g} Hz, "
                             f"got {f_min_hz:g}..{f_max_hz:g}")
        return lo, hi


class LinearScale(FrequencyScale):
    """u = f (Hz)."""

    name = "linear"

    def transform(self, f_hz: float | np.ndarray) -> float | np.ndarray:
        return f_hz * 1.0

    def inverse(self, u: float | np.ndarray) -> float | np.ndarray:
        return u * 1.0

    def ticks(self, f_min_hz: float, f_max_hz: float) -> tuple[list[tuple[float, str]], list[float]]:
        step = _nice_step(f_max_hz - f_min_hz, 6)
        first = math.ceil(f_min_hz / step)
        last = math.floor(f_max_hz / step)
        major = [(i * step, format_hz(i * step)) for i in range(first, last + 1)]
        minor_step = step / 5.0
        minor = [i * minor_step for i in range(math.ceil(f_min_hz / minor_step), math.floor(f_max_hz / minor_step) + 1)
                 if i % 5 != 0]
        return major, minor


class LogScale(FrequencyScale):
    """u = log10(f / 1 Hz); frequencies at or below 0 are clamped to 1 mHz."""

    name = "log"

    def transform(self, f_hz: float | np.ndarray) -> float | np.ndarray:
        return np.log10(np.maximum(f_hz, 1e-3))

    def inverse(self, u: float | np.ndarray) -> float | np.ndarray:
        return np.power(10.0, u)

    def ticks(self, f_min_hz: float, f_max_hz: float) -> tuple[list[tuple[float, str]], list[float]]:
        lo = max(f_min_hz, 1e-3)
        if f_max_hz <= lo:
            return [], []
        decades = math.log10(f_max_hz / lo)
        labelled = (1, 2, 5) if decades <= 4 else (1,)
        major: list[tuple[float, str]] = []
        minor: list[float] = []
        for e in range(math.floor(math.log10(lo)), math.ceil(math.log10(f_max_hz)) + 1):
            for m in range(1, 10):
                f = m * 10.0**e
                if not lo * (1 - 1e-9) <= f <= f_max_hz * (1 + 1e-9):
                    continue
                if m in labelled:
                    major.append((f, format_hz(f)))
                else:
                    minor.append(f)
        return major, minor

    def clamp_range(self, f_min_hz: float, f_max_hz: float, nyquist_hz: float) -> tuple[float, float]:
        lo, hi = super().clamp_range(f_min_hz, f_max_hz, nyquist_hz)
        if lo <= 0.0:
            lo = min(LOG_F_MIN_HZ, hi / 10.0)
        return lo, hi


class MelScale(FrequencyScale):
    """HTK mel: u = 2595 log10(1 + f / 700 Hz)."""

    name = "mel"

    def transform(self, f_hz: float | np.ndarray) -> float | np.ndarray:
        return MEL_FACTOR * np.log10(1.0 + np.maximum(f_hz, 0.0) / MEL_HZ_BREAK)

    def inverse(self, u: float | np.ndarray) -> float | np.ndarray:
        return MEL_HZ_BREAK * (np.power(10.0, np.asarray(u, dtype=np.float64) / MEL_FACTOR) - 1.0)

    def ticks(self, f_min_hz: float, f_max_hz: float) -> tuple[list[tuple[float, str]], list[float]]:
        # About 8 ticks evenly spaced in mel, each rounded to one or two significant digits in Hz.
        u_lo, u_hi = float(self.transform(f_min_hz)), float(self.transform(f_max_hz))
        if not u_hi > u_lo:
            return [], []
        seen: set[float] = set()
        major: list[tuple[float, str]] = []
        for u in np.linspace(u_lo, u_hi, 9):
            f = float(self.inverse(u))
            if f <= 0:
                nice = 0.0
            else:
                leading_one = f / 10.0 ** math.floor(math.log10(f)) < 2.0
                nice = float(f"{f:.2g}") if leading_one else float(f"{f:.1g}")
            if f_min_hz <= nice <= f_max_hz and nice not in seen:
                seen.add(nice)
                major.append((nice, format_hz(nice)))
        major.sort()
        return major, []


SCALES: dict[str, type[FrequencyScale]] = {"linear": LinearScale, "log": LogScale, "mel": MelScale}
SCALE_NAMES = tuple(SCALES)


def make_scale(name: str) -> FrequencyScale:
    """Return the scale called `name` (``linear``, ``log`` or ``mel``).

    Raises
    ------
    ValueError
        For any other name.
    """
    try:
        return SCALES[name]()
    except KeyError:
        raise ValueError(f"scale must be one of {', '.join(SCALE_NAMES)}, got {name!r}") from None


@dataclass(frozen=True)
class BinRowMap:
    """Which spectrum bins each display row covers.

    Rows are evenly spaced in the scale's coordinate u from ``u_lo`` (bottom
    edge of row 0) to ``u_hi`` (top edge of the last row).  Row r shows the
    maximum of bins ``first_bin[r] .. last_bin[r]`` (inclusive).

    Attributes
    ----------
    scale : FrequencyScale
    first_bin, last_bin : numpy.ndarray of intp, shape (n_rows,)
    u_lo, u_hi : float
        Image edges in display coordinates.
    bins_are_rows : bool
        True when row r is exactly bin ``first_bin[0] + r`` (linear scale, no
        decimation); the row's centre then sits at that bin's frequency.
    """

    scale: FrequencyScale
    first_bin: np.ndarray
    last_bin: np.ndarray
    u_lo: float
    u_hi: float
    bins_are_rows: bool

    @property
    def n_rows(self) -> int:
        return int(self.first_bin.shape[0])

    @property
    def row_centres_u(self) -> np.ndarray:
        """Display coordinate of every row's centre."""
        h = (self.u_hi - self.u_lo) / self.n_rows
        return self.u_lo + (np.arange(self.n_rows) + 0.5) * h

    def apply(self, db: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """Map bins to rows by taking the maximum over each row's bins.

        Parameters
        ----------
        db : numpy.ndarray
            Shape (n_freqs,) or (n_freqs, n_frames).
        out : numpy.ndarray, optional
            Destination of shape (n_rows,) or (n_rows, n_frames).

        Returns
        -------
        numpy.ndarray
            Shape (n_rows,) or (n_rows, n_frames), same dtype as `db`.
        """
        if self.bins_are_rows:
            res = db[self.first_bin[0]: self.last_bin[-1] + 1]
        else:
            res = max_pool(db, self.first_bin, self.last_bin + 1, axis=0)
        if out is None:
            return np.array(res, copy=True)
        out[...] = res
        return out


def make_row_map(
    scale: FrequencyScale,
    delta_f_hz: float,
    n_freqs: int,
    f_min_hz: float,
    f_max_hz: float,
    max_rows: int = 4096,
    n_rows: int = 1024,
) -> BinRowMap:
    """Build the bins-to-rows map for a frequency range.

    Parameters
    ----------
    scale : FrequencyScale
    delta_f_hz : float
        Bin spacing Δf in Hz; bin k is centred at k Δf.
    n_freqs : int
        Number of bins (k = 0 .. n_freqs - 1).
    f_min_hz, f_max_hz : float
        Range to show in Hz (clamped by the scale to ``[0, (n_freqs - 1) Δf]``).
    max_rows : int
        Linear scale: with at most this many bins in range each row is one bin;
        with more, each row takes ``ceil(bins / max_rows)`` bins.
    n_rows : int
        Log and mel scales: number of rows, evenly spaced in u.

    Returns
    -------
    BinRowMap
        On the linear scale the image spans ``(k0 - 1/2) Δf .. (k1 + 1/2) Δf``
        so the centre of bin k's row is at exactly ``k Δf``.
    """
    if n_freqs < 2 or not delta_f_hz > 0:
        raise ValueError(f"need n_freqs >= 2 and delta_f_hz > 0, got {n_freqs}, {delta_f_hz}")
    nyquist = (n_freqs - 1) * delta_f_hz
    lo, hi = scale.clamp_range(f_min_hz, f_max_hz, nyquist)
    if isinstance(scale, LinearScale):
        k0 = int(np.clip(math.floor(lo / delta_f_hz + 0.5), 0, n_freqs - 1))
        k1 = int(np.clip(math.ceil(hi / delta_f_hz - 0.5), k0, n_freqs - 1))
        n_bins = k1 - k0 + 1
        step = max(1, math.ceil(n_bins / max_rows))
        rows = math.ceil(n_bins / step)
        first = k0 + step * np.arange(rows, dtype=np.intp)
        last = np.minimum(first + step - 1, n_freqs - 1)
        return BinRowMap(scale, first, last, (k0 - 0.5) * delta_f_hz, (k0 + rows * step - 0.5) * delta_f_hz,
                         bins_are_rows=step == 1)
    u_lo, u_hi = float(scale.transform(lo)), float(scale.transform(hi))
    edges_hz = np.asarray(scale.inverse(np.linspace(u_lo, u_hi, n_rows + 1)), dtype=np.float64)
    # Bin k covers [(k - 1/2) Δf, (k + 1/2) Δf); a row [f_a, f_b) overlaps bins
    # floor(f_a/Δf + 1/2) .. ceil(f_b/Δf + 1/2) - 1.
    first = np.floor(edges_hz[:-1] / delta_f_hz + 0.5).astype(np.intp)
    last = np.ceil(edges_hz[1:] / delta_f_hz + 0.5).astype(np.intp) - 1
    first = np.clip(first, 0, n_freqs - 1)
    last = np.clip(np.maximum(last, first), 0, n_freqs - 1)
    return BinRowMap(scale, first, last, u_lo, u_hi, bins_are_rows=False)
