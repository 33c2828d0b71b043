"""Long-term spectral average (LTSA): per-interval mean power spectra and percentiles, in bounded memory.

Thread: any; an :class:`LtsaAccumulator` belongs to one thread (one batch task).

A long recording is cut into fixed intervals of wall-clock time (60 s by
default); each interval becomes one column: the mean *power* spectrum of the
STFT frames whose centre falls in it (the Welch average, in the spectrogram's
dBFS, so a steady full-scale sine reads 0 dB), and optionally chosen
percentiles of the per-frame levels (e.g. 5th, 50th, 95th).

Frames arrive in blocks with the index of the interval each belongs to
(non-decreasing).  Memory is independent of the file's and of the interval's
length: per bin a float64 power sum and, when percentiles are asked for, a
histogram of the frame levels in steps of :data:`HIST_STEP_DB` over
:data:`HIST_RANGE_DB`, for the current interval only.  A percentile is read
from the histogram by nearest rank, so it is within ``HIST_STEP_DB / 2`` of
the exact nearest-rank percentile of the frames (levels outside the range are
clamped to its ends).

An interval that a file covers only in part (the first and last of a file)
keeps its histogram in the result, so :func:`combine_parts` can merge the
parts of two files that share an interval exactly: sums and counts add, and
histograms add.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from .config import AMIN

HIST_STEP_DB = 0.1
"""Level resolution of the percentile histograms, dB."""
HIST_RANGE_DB = (-200.0, 40.0)
"""Levels the percentile histograms cover, dBFS (the STFT floor AMIN is -200 dBFS)."""
N_LEVELS = round((HIST_RANGE_DB[1] - HIST_RANGE_DB[0]) / HIST_STEP_DB) + 1
POWER_FLOOR = AMIN**2
"""Floor of a mean power before the logarithm: -200 dBFS, the spectrogram's floor."""


@dataclass(frozen=True)
class LtsaPart:
    """What one file contributes: the intervals it touches.

    Attributes
    ----------
    index : numpy.ndarray
        int64 interval indices, increasing, shape (n,).
    count : numpy.ndarray
        int64 frames per interval, shape (n,).
    power_sum : numpy.ndarray
        float64 sum of the frames' power spectra (amplitude-scaled, full-scale
        sine = 0.5 ... i.e. the dBFS convention), shape (n, n_freqs).
    percentile_db : numpy.ndarray or None
        float32 shape (n, n_percentiles, n_freqs) for the intervals the file
        covers completely; None without percentiles.
    partial : dict
        Interval index -> uint32 histogram (n_freqs, N_LEVELS) for intervals
        the file covers only in part (empty without percentiles).
    """

    index: np.ndarray
    count: np.ndarray
    power_sum: np.ndarray
    percentile_db: np.ndarray | None
    partial: dict


class LtsaAccumulator:
    """Per-interval mean power (and percentiles) from frames delivered in blocks.

    Parameters
    ----------
    n_freqs : int
        Bins per frame.
    power_scale : numpy.ndarray
        Per-bin factor from ``|X[k]|**2`` to power in the dBFS convention:
        ``cfg.amplitude_scale ** 2`` (``10 log10`` of the result equals the
        spectrogram's ``20 log10`` of the amplitude).
    percentiles : sequence of float
        Percentiles in 0..100 to report per interval; empty for the mean only.
    is_complete : callable, optional
        ``is_complete(index)`` -> True when the file covers interval `index`
        entirely (no other file can contribute to it): its percentiles are
        then final.  Default: every interval is partial (its histogram is kept).
    """

    def __init__(self, n_freqs: int, power_scale: np.ndarray, percentiles: Sequence[float] = (),
                 is_complete: Callable[[int], bool] | None = None) -> None:
        self.n_freqs = int(n_freqs)
        self.power_scale = np.asarray(power_scale, dtype=np.float32)
        if self.power_scale.shape != (self.n_freqs,):
            raise ValueError(f"power_scale must have shape ({self.n_freqs},), got {self.power_scale.shape}")
        self.percentiles = tuple(float(p) for p in percentiles)
        for p in self.percentiles:
            if not 0.0 <= p <= 100.0:
                raise ValueError(f"percentiles must be in 0..100, got {p:g}")
        self._is_complete = is_complete
        self._index: list[int] = []
        self._count: list[int] = []
        self._sums: list[np.ndarray] = []
        self._pct: list[np.ndarray | None] = []
        self._partial: dict[int, np.ndarray] = {}
        self._cur = -1
        self._cur_count = 0
        self._cur_sum = np.zeros(self.n_freqs, dtype=np.float64)
        self._hist = np.zeros(self.n_freqs * N_LEVELS, dtype=np.int64) if self.percentiles else None
        self._offsets = (np.arange(self.n_freqs, dtype=np.int64) * N_LEVELS)[None, :]

    def add(self, spectrum: np.ndarray, interval: np.ndarray) -> None:
        """Take frames: complex spectra (m, n_freqs) and their interval indices (m,), non-decreasing."""
        x = np.asarray(spectrum)
        idx = np.asarray(interval, dtype=np.int64)
        if x.ndim != 2 or x.shape[1] != self.n_freqs or idx.shape != (x.shape[0],):
            raise ValueError(f"spectrum must be (m, {self.n_freqs}) with m interval indices, got {x.shape}, "
                             f"{idx.shape}")
        if x.shape[0] == 0:
            return
        if np.any(np.diff(idx) < 0) or idx[0] < self._cur:
            raise ValueError("interval indices must not decrease")
        power = np.abs(x) ** 2
        power *= self.power_scale
        cuts = np.flatnonzero(np.diff(idx)) + 1
        for a, b in zip(np.r_[0, cuts], np.r_[cuts, idx.shape[0]], strict=True):
            if idx[a] != self._cur:
                self._close()
                self._cur = int(idx[a])
            p = power[a:b]
            self._cur_sum += p.sum(axis=0, dtype=np.float64)
            self._cur_count += b - a
            if self._hist is not None:
                db = 10.0 * np.log10(np.maximum(p, np.float32(POWER_FLOOR)))
                lev = np.rint((db - HIST_RANGE_DB[0]) / HIST_STEP_DB).astype(np.int64)
                np.clip(lev, 0, N_LEVELS - 1, out=lev)
                lev += self._offsets
                self._hist += np.bincount(lev.ravel(), minlength=self._hist.shape[0])

    def _close(self) -> None:
        if self._cur < 0 or self._cur_count == 0:
            return
        self._index.append(self._cur)
        self._count.append(self._cur_count)
        self._sums.append(self._cur_sum.copy())
        if self._hist is not None:
            hist = self._hist.reshape(self.n_freqs, N_LEVELS)
            complete = self._is_complete is not None and self._is_complete(self._cur)
            if complete:
                self._pct.append(hist_percentiles_db(hist, self.percentiles))
            else:
                self._pct.append(None)
                self._partial[self._cur] = hist.astype(np.uint32)
            self._hist[:] = 0
        self._cur_sum[:] = 0.0
        self._cur_count = 0

    def result(self) -> LtsaPart:
        """The intervals seen so far (closing the current one); call once, at the end."""
        self._close()
        self._cur = -1
        n = len(self._index)
        pct = None
        if self.percentiles:
            pct = np.full((n, len(self.percentiles), self.n_freqs), np.nan, dtype=np.float32)
            for i, row in enumerate(self._pct):
                if row is not None:
                    pct[i] = row
        sums = np.array(self._sums, dtype=np.float64).reshape(n, self.n_freqs)
        return LtsaPart(np.array(self._index, dtype=np.int64), np.array(self._count, dtype=np.int64), sums, pct,
                        dict(self._partial))


def hist_percentiles_db(hist: np.ndarray, percentiles: Sequence[float]) -> np.ndarray:
    """Nearest-rank percentiles (dB) per bin from level histograms of shape (n_freqs, N_LEVELS).

    Percentile p is the level of the ``ceil(p/100 * n)``-th smallest frame
    (the smallest for p = 0), on the histogram's grid; float32 (n_percentiles, n_freqs).
    """
    cum = np.cumsum(hist, axis=1)
    total = cum[:, -1]
    out = np.empty((len(percentiles), hist.shape[0]), dtype=np.float32)
    for j, p in enumerate(percentiles):
        rank = np.maximum(1, np.ceil(p / 100.0 * total)).astype(np.int64)
        lev = np.count_nonzero(cum < rank[:, None], axis=1)
        out[j] = HIST_RANGE_DB[0] + lev * HIST_STEP_DB
    return out


def combine_parts(parts: Iterable[LtsaPart], n_intervals: int, n_freqs: int,
                  percentiles: Sequence[float] = ()) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
    """The LTSA of a deployment from its files' parts.

    Parameters
    ----------
    parts : iterable of LtsaPart
        One per file, any order (intervals shared by several files are merged);
        read once, so a generator keeps one part in memory at a time.
    n_intervals : int
        Columns of the result; parts' indices must be in ``0 .. n_intervals - 1``.
    n_freqs : int
        Bins.
    percentiles : sequence of float
        The percentiles the parts were accumulated with.

    Returns
    -------
    mean_db : numpy.ndarray
        float32 (n_freqs, n_intervals): ``10 log10(max(mean power, AMIN**2))``;
        NaN in intervals without frames (gaps).
    percentile_db : numpy.ndarray or None
        float32 (n_percentiles, n_freqs, n_intervals), NaN in gaps; None without percentiles.
    count : numpy.ndarray
        int64 frames per interval.
    """
    power = np.zeros((n_intervals, n_freqs), dtype=np.float64)
    count = np.zeros(n_intervals, dtype=np.int64)
    pct = np.full((n_intervals, len(percentiles), n_freqs), np.nan, dtype=np.float32) if percentiles else None
    merged: dict[int, np.ndarray] = {}
    for part in parts:
        if part.index.size and (part.index[0] < 0 or part.index[-1] >= n_intervals):
            raise ValueError(f"interval index outside 0..{n_intervals - 1}")
        np.add.at(power, part.index, part.power_sum)
        np.add.at(count, part.index, part.count)
        if pct is not None and part.percentile_db is not None:
            full = ~np.isnan(part.percentile_db[:, 0, 0])
            pct[part.index[full]] = part.percentile_db[full]
            for i, hist in part.partial.items():
                merged[i] = merged[i] + hist if i in merged else hist.astype(np.uint64)
    if pct is not None:
        for i, hist in merged.items():
            pct[i] = hist_percentiles_db(hist, percentiles)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = power / count[:, None]
    mean_db = (10.0 * np.log10(np.maximum(mean, POWER_FLOOR))).astype(np.float32)
    mean_db[count == 0] = np.nan
    pct_out = None if pct is None else np.ascontiguousarray(np.transpose(pct, (1, 2, 0)))
    return np.ascontiguousarray(mean_db.T), pct_out, count
