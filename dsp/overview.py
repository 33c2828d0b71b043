"""Max-pooling of spectrogram frames into overview columns.

Thread: any (pure numpy; the only state is the output array the caller owns).

The pooling itself is :func:`specscope.dsp.pooling.max_pool`; this module
knows the frames-to-columns geometry and the power/dB conversions.

A zoomed-out spectrogram has far more frames than screen columns.  Column c
of an overview with ``fpc`` frames per column covers frames
``[c * fpc, (c + 1) * fpc)`` and holds, for every bin, the **maximum** power
of those frames, so a click one frame long stays as bright as it is in the
full-resolution view instead of being averaged away or skipped.

Pooling is done on power (``|X|^2``) and the logarithm taken only once per
column, which is what makes a whole-file overview cheap: ``db = 10 log10(max(
scale_k * max_i |X_i[k]|^2, AMIN^2))`` equals the maximum of the per-frame
dBFS values because the logarithm is monotonic.
"""

from __future__ import annotations

import math

import numpy as np

from .config import AMIN
from .pooling import max_pool
from .stft import DB_PER_LN_POWER

FLOOR_DB = float(20.0 * np.log10(AMIN))
"""dBFS of the amplitude floor (-200 dB): the value of a column nothing has reached yet."""


def frames_per_column(n_frames: int, max_columns: int) -> int:
    """Smallest whole number of frames per column that fits `n_frames` into `max_columns`.

    ``ceil(n_frames / max_columns)``, at least 1.
    """
    if max_columns < 1:
        raise ValueError(f"max_columns must be >= 1, got {max_columns}")
    return max(1, math.ceil(n_frames / max_columns))


def n_columns(n_frames: int, fpc: int) -> int:
    """Columns needed for `n_frames` frames at `fpc` frames per column: ``ceil(n_frames / fpc)``."""
    return -(-n_frames // fpc)


def pool_max(values: np.ndarray, first_frame: int, fpc: int) -> tuple[int, np.ndarray]:
    """Maximum over the frames of each column a run of consecutive frames touches.

    Parameters
    ----------
    values : numpy.ndarray
        Shape (m, n_freqs): frames ``first_frame .. first_frame + m - 1``, m >= 1
        (power or dB; any quantity whose maximum is wanted).
    first_frame : int
        Index of the first row of `values` in the whole signal.
    fpc : int
        Frames per column.

    Returns
    -------
    first_column : int
        ``first_frame // fpc``.
    pooled : numpy.ndarray
        Shape (n_cols, n_freqs): the maximum of the rows of `values` that fall
        in each column from `first_column` on.  The first and last columns may
        be only partly covered by this run; merge them with
        :func:`merge_columns`.
    """
    m = values.shape[0]
    if m < 1:
        raise ValueError("values must hold at least one frame")
    c0 = first_frame // fpc
    c1 = (first_frame + m - 1) // fpc
    starts = np.arange(c0 + 1, c1 + 1, dtype=np.intp) * fpc - first_frame
    return c0, max_pool(values, np.concatenate(([0], starts)), axis=0)


def merge_columns(out: np.ndarray, first_column: int, pooled: np.ndarray) -> None:
    """``out[:, c] = max(out[:, c], pooled[c - first_column])`` for the pooled columns.

    Parameters
    ----------
    out : numpy.ndarray
        Overview of shape (n_freqs, n_cols_total), frequency along axis 0 (the
        layout an image wants: one row per bin).
    first_column : int
        Column of ``pooled[0]``.
    pooled : numpy.ndarray
        Shape (n, n_freqs), as :func:`pool_max` returns.
    """
    n = min(pooled.shape[0], out.shape[1] - first_column)
    if n <= 0:
        return
    dest = out[:, first_column : first_column + n]
    np.maximum(dest, pooled[:n].T, out=dest)


def power_to_db(power: np.ndarray, power_scale: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """dBFS of unscaled power ``|X|^2``: ``10 log10(max(power * power_scale, AMIN^2))``.

    Parameters
    ----------
    power : numpy.ndarray
        Shape (..., n_freqs), ``|X[k]|^2`` of the raw FFT.
    power_scale : numpy.ndarray
        Shape (n_freqs,), ``(c_k / sum(w))^2`` (``FrameKernel.power_scale``).
    out : numpy.ndarray, optional
        float32 destination of the same shape.
    """
    if out is None:
        out = np.empty(power.shape, dtype=np.float32)
    np.multiply(power, power_scale, out=out)
    np.maximum(out, np.float32(AMIN * AMIN), out=out)
    np.log(out, out=out)
    out *= np.float32(DB_PER_LN_POWER)
    return out


def power_of(spectrum: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """``|X|^2`` of a complex spectrum as float32 (real² + imag², no square root)."""
    if out is None:
        out = np.empty(spectrum.shape, dtype=np.float32)
    np.multiply(spectrum.real, spectrum.real, out=out)
    out += np.square(spectrum.imag)
    return out
