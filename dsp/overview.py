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
import os
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np

from .config import AMIN, StftConfig
from .pooling import max_pool
from .stft import DB_PER_LN_POWER, FRAMES_PER_CHUNK_SAMPLES, FrameKernel, frame_view, map_chunks

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


@dataclass(frozen=True)
class PooledColumns:
    """Finished overview columns: ``db[:, j]`` is column ``first_column + j`` (read-only float32 dBFS).

    Attributes
    ----------
    first_column : int
        Index of the first column.
    db : numpy.ndarray
        Shape (n_freqs, n), read-only: never written after it is yielded.
    frames_done : int
        Frames of the pass computed so far (for progress).
    """

    first_column: int
    db: np.ndarray
    frames_done: int


def pooled_db_columns(
    blocks: Iterable[np.ndarray],
    n_samples: int,
    cfg: StftConfig,
    fpc: int,
    *,
    n_workers: int | None = None,
) -> Iterator[PooledColumns]:
    """Max-pooled dBFS columns of a streamed signal, each yielded once it is final.

    The batch engine of :mod:`specscope.dsp.stft` (:func:`~specscope.dsp.stft.map_chunks`)
    computes the power of every frame on its pool; each chunk is pooled
    there (:func:`pool_max`) and converted to dB; a column cut by a chunk
    boundary is carried until the next chunk completes it.  Column c covers
    frames ``[c * fpc, (c + 1) * fpc)`` of the signal (the last may be short).

    Parameters
    ----------
    blocks : iterable of numpy.ndarray
        Consecutive 1-D pieces of the signal, `n_samples` in all.
    n_samples : int
        Signal length in samples.
    cfg : StftConfig
        Transform settings.
    fpc : int
        Frames per column, >= 1.
    n_workers : int, optional
        Pool threads; default all cores.

    Yields
    ------
    PooledColumns
        Consecutive runs of finished columns, left to right.  Closing the
        generator stops the pass.
    """
    n_frames = cfg.n_frames(n_samples)
    if n_frames == 0:
        return
    kernel = FrameKernel(cfg)
    frames_per_chunk = max(1, FRAMES_PER_CHUNK_SAMPLES // cfg.n_fft)
    if frames_per_chunk > fpc:
        frames_per_chunk -= frames_per_chunk % fpc  # chunks end on column boundaries when they can
    scratch = threading.local()  # per worker: reused buffers, so the pass does not fault in fresh pages

    def work(first: int, segment: np.ndarray) -> tuple[int, np.ndarray]:
        frames = frame_view(segment, cfg.n_fft, cfg.hop)
        m = frames.shape[0]
        if getattr(scratch, "windowed", None) is None:
            scratch.windowed = np.empty((frames_per_chunk, cfg.n_fft), dtype=np.float32)
            scratch.power = np.empty((frames_per_chunk, cfg.n_freqs), dtype=np.float32)
        power = kernel.power(frames, out=scratch.power[:m], scratch=scratch.windowed)
        c0, pooled = pool_max(power, first, fpc)
        return c0, power_to_db(pooled, kernel.power_scale)

    n_workers = max(1, n_workers or os.cpu_count() or 1)
    carry: np.ndarray | None = None  # the column the previous chunk left unfinished
    chunks = map_chunks(blocks, cfg, n_frames, frames_per_chunk, work, n_workers=n_workers, depth=n_workers)
    try:
        for first, m, (c0, pooled) in chunks:
            if carry is not None:
                np.maximum(pooled[0], carry, out=pooled[0])
            end = first + m
            n_final = pooled.shape[0] if (end % fpc == 0 or end >= n_frames) else pooled.shape[0] - 1
            carry = pooled[n_final] if n_final < pooled.shape[0] else None
            if n_final:
                db = pooled[:n_final].T
                db.flags.writeable = False
                yield PooledColumns(c0, db, end)
    finally:
        chunks.close()
