"""Max-pooling: the one function that shrinks spectrogram data without losing narrow events.

Thread: any (pure numpy; no state).

Every place that maps more values onto fewer cells — frames onto overview
columns, image columns onto screen pixels, bins onto display rows, a tile
onto its on-screen size — calls :func:`max_pool`: cell j holds the
**maximum** of the values in its run, so a click one frame long or a tone
one bin wide keeps its level however far the view is shrunk (an average
would dilute it and sampling could skip it).

Runs are given by their starts and (exclusive) stops along one axis; the
helpers :func:`uniform_starts` (fixed-size groups) and :func:`even_starts`
(``n`` values onto ``n_out`` equal cells) build the usual layouts.
"""

from __future__ import annotations

import numpy as np

GATHER_MAX_RUN = 8
"""Runs up to this long are pooled by repeated gathers (the usual case: a few
bins per pixel); longer ones with ``np.maximum.reduceat``."""


def uniform_starts(n: int, group: int) -> np.ndarray:
    """Starts of runs of `group` consecutive values over ``n`` (the last run may be shorter)."""
    if group < 1:
        raise ValueError(f"group must be >= 1, got {group}")
    return np.arange(0, n, group, dtype=np.intp)


def even_starts(n: int, n_out: int) -> np.ndarray:
    """Starts of `n_out` runs covering ``n`` values: run j is ``floor(j n / n_out) .. floor((j+1) n / n_out) - 1``.

    With ``n_out <= n`` no run is empty.
    """
    if not 1 <= n_out <= n:
        raise ValueError(f"n_out must be in 1..{n}, got {n_out}")
    return ((np.arange(n_out, dtype=np.int64) * n) // n_out).astype(np.intp)


def max_pool(
    values: np.ndarray,
    starts: np.ndarray,
    stops: np.ndarray | None = None,
    *,
    axis: int = 0,
) -> np.ndarray:
    """Maximum of `values` over runs along `axis`.

    Parameters
    ----------
    values : numpy.ndarray
        Any shape; the runs are taken along `axis`.
    starts : numpy.ndarray of int
        First index of each run, ascending.
    stops : numpy.ndarray of int, optional
        One past the last index of each run (``stops[j] > starts[j]``); runs
        may overlap or leave gaps.  Default: each run ends where the next
        starts, the last at the end of the axis.
    axis : int
        Axis to pool.

    Returns
    -------
    numpy.ndarray
        A new array, `values`' dtype, with ``len(starts)`` entries along
        `axis`: ``out[j] = values[starts[j]:stops[j]].max(axis)``.
    """
    values = np.asarray(values)
    axis = axis % values.ndim
    n = values.shape[axis]
    starts = np.asarray(starts, dtype=np.intp)
    if starts.size == 0:
        shape = list(values.shape)
        shape[axis] = 0
        return np.empty(shape, values.dtype)
    if stops is None:
        stops = np.append(starts[1:], n)
    else:
        stops = np.asarray(stops, dtype=np.intp)
    lengths = stops - starts
    if starts[0] < 0 or stops.max() > n or lengths.min() < 1:
        raise ValueError("every run must be non-empty and inside the axis")
    longest = int(lengths.max())
    if longest == 1:
        return np.take(values, starts, axis=axis)
    group = int(lengths[0])
    uniform = (lengths[:-1] == group).all() and lengths[-1] <= group and stops[-1] == n
    if uniform and (starts == np.arange(starts.size) * group).all():
        return _pool_uniform(values, group, axis)
    if longest <= GATHER_MAX_RUN:
        out = np.take(values, starts, axis=axis)
        last = stops - 1
        for offset in range(1, longest):
            np.maximum(out, np.take(values, np.minimum(starts + offset, last), axis=axis), out=out)
        return out
    # reduceat over (start, stop) pairs; a stop at the end of the axis cannot be expressed, those
    # runs take their last value explicitly.
    idx = np.empty(2 * starts.size, dtype=np.intp)
    idx[0::2] = starts
    idx[1::2] = np.minimum(stops, n - 1)
    out = np.take(np.maximum.reduceat(values, idx, axis=axis), np.arange(0, idx.size, 2), axis=axis)
    at_end = np.nonzero(stops == n)[0]
    if at_end.size:
        sl = [slice(None)] * values.ndim
        sl[axis] = at_end
        last_val = np.take(values, [n - 1], axis=axis)
        out[tuple(sl)] = np.maximum(out[tuple(sl)], last_val)
    return out


def _pool_uniform(values: np.ndarray, group: int, axis: int) -> np.ndarray:
    """Runs of `group` from index 0: `group` element-wise maxima of strided views (several times faster
    than ``reduceat`` along a non-leading axis)."""
    v = np.moveaxis(values, axis, 0)
    n = v.shape[0]
    n_full = n // group
    n_out = -(-n // group)
    shape = list(values.shape)
    shape[axis] = n_out
    result = np.empty(shape, dtype=values.dtype)  # the input's layout, so each maximum streams both
    out = np.moveaxis(result, axis, 0)
    if n_full:
        runs = v[: n_full * group]
        np.copyto(out[:n_full], runs[0::group])
        for j in range(1, group):
            np.maximum(out[:n_full], runs[j::group], out=out[:n_full])
    if n_out > n_full:
        out[n_full] = v[n_full * group :].max(axis=0)
    return result
