"""STFT engines: a batch one for whole files and a streaming one for live input.

Thread: the batch engine runs in the caller's thread and uses a small pool of
its own for both cores; a :class:`StreamingStft` belongs to one thread (the
DSP worker) and is not shared.

Both engines compute each frame with :func:`frames_to_db`, so they give
identical frames; ``tests/dsp/test_stft.py`` checks that against an
independent float64 ``numpy.fft.rfft`` recomputation and against each other.
Arithmetic is float32 (``scipy.fft``), which keeps bins within 100 dB of a
frame's peak within 0.1 dB of float64 and runs several times faster.
"""

from __future__ import annotations

import os
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

import numpy as np
import scipy.fft

from .config import AMIN, StftConfig

DB_PER_LN_POWER = 10.0 / np.log(10.0)
"""10 / ln(10): dB = DB_PER_LN_POWER * ln(power), for power spectra (the file overview pools power)."""
DB_PER_LN_AMPLITUDE = 20.0 / np.log(10.0)
"""20 / ln(10): dB = DB_PER_LN_AMPLITUDE * ln(amplitude); ln is ~4x faster than log10 on float32."""

T = TypeVar("T")

FRAMES_PER_CHUNK_SAMPLES = 1 << 20
"""Batch work unit: about this many input samples (frames x n_fft) per chunk, 4 MiB of float32
(measured faster than 8 MiB here: each pass over a chunk stays closer to the caches)."""


class FrameKernel:
    """Window, FFT and dBFS scaling for a stack of frames.

    Parameters
    ----------
    cfg : StftConfig
        The transform's settings.

    Notes
    -----
    ``db[k] = 20 log10(max(mag[k], AMIN))`` with ``mag[k] = c_k |X[k]| / sum(w)``;
    ``np.abs`` of the complex64 spectrum is faster here than summing the
    squares of its strided real and imaginary parts.
    """

    def __init__(self, cfg: StftConfig) -> None:
        self.cfg = cfg
        self.window = cfg.window_array.astype(np.float32)
        self.amplitude_scale = cfg.amplitude_scale.astype(np.float32)
        self.power_scale = (cfg.amplitude_scale**2).astype(np.float32)

    def spectrum(self, frames: np.ndarray, workers: int = 1, scratch: np.ndarray | None = None) -> np.ndarray:
        """Complex one-sided spectrum (unscaled) of frames of shape (n, n_fft).

        `scratch`, float32 of shape (>= n, n_fft), receives the windowed
        frames; reusing one per thread keeps a long batch from mapping and
        faulting in fresh pages for every chunk (a third of its CPU time here).
        """
        if scratch is None:
            windowed = np.multiply(frames, self.window, dtype=np.float32)
        else:
            windowed = np.multiply(frames, self.window, out=scratch[: frames.shape[0]])
        return scipy.fft.rfft(windowed, n=self.cfg.n_fft_padded, axis=-1, workers=workers, overwrite_x=True)

    def power(self, frames: np.ndarray, out: np.ndarray, scratch: np.ndarray | None = None) -> np.ndarray:
        """Unscaled power ``|X[k]|^2`` of frames (n, n_fft) into `out` (n, n_freqs) float32.

        Squares instead of :meth:`to_db`'s magnitude (no square root): the
        overview pools power and takes the logarithm once per column.
        """
        spectrum = self.spectrum(frames, scratch=scratch)
        np.multiply(spectrum.real, spectrum.real, out=out)
        out += np.square(spectrum.imag)
        return out

    def to_db(self, spectrum: np.ndarray, out: np.ndarray) -> np.ndarray:
        """dBFS of a complex spectrum of shape (n, n_freqs), written into `out` (float32)."""
        np.abs(spectrum, out=out)
        out *= self.amplitude_scale
        np.maximum(out, np.float32(AMIN), out=out)
        np.log(out, out=out)
        out *= np.float32(DB_PER_LN_AMPLITUDE)
        return out

    def __call__(
        self,
        frames: np.ndarray,
        out: np.ndarray | None = None,
        workers: int = 1,
        scratch: np.ndarray | None = None,
    ) -> np.ndarray:
        """dBFS spectra of frames (n, n_fft) -> (n, n_freqs) float32; `scratch` as in :meth:`spectrum`."""
        if out is None:
            out = np.empty((frames.shape[0], self.cfg.n_freqs), dtype=np.float32)
        return self.to_db(self.spectrum(frames, workers, scratch), out)


def frame_view(samples: np.ndarray, n_fft: int, hop: int) -> np.ndarray:
    """Frames [i*hop, i*hop + n_fft) of a 1-D array, as a read-only strided view of shape (n_frames, n_fft).

    Built with the ``ndarray`` constructor on the samples' buffer (about 1 us) rather than
    ``sliding_window_view(...)[::hop]`` (18 us, identical frames): the live worker pays this on
    every batch.  A non-contiguous input goes through ``as_strided``.
    """
    n = samples.shape[0]
    n_frames = 0 if n < n_fft else 1 + (n - n_fft) // hop
    step = samples.strides[0]
    if samples.flags.c_contiguous and n > 0:
        view = np.ndarray((n_frames, n_fft), samples.dtype, buffer=samples, strides=(hop * step, step))
        view.flags.writeable = False
        return view
    return np.lib.stride_tricks.as_strided(samples, (n_frames, n_fft), (hop * step, step), writeable=False)


def stft_db(
    samples: np.ndarray,
    cfg: StftConfig,
    *,
    out: np.ndarray | None = None,
    n_workers: int | None = None,
) -> np.ndarray:
    """Spectrogram of an in-memory mono signal in dBFS.

    Parameters
    ----------
    samples : numpy.ndarray
        1-D signal, full scale = 1.0.
    cfg : StftConfig
        Transform settings.
    out : numpy.ndarray, optional
        Preallocated float32 output of shape (n_freqs, n_frames).
    n_workers : int, optional
        Threads to use; default: all cores.

    Returns
    -------
    numpy.ndarray
        float32 array of shape (n_freqs, n_frames), frequency along axis 0.
    """
    samples = np.asarray(samples)
    if samples.ndim != 1:
        raise ValueError(f"samples must be 1-D, got shape {samples.shape}")
    return stft_db_blocks([samples], samples.shape[0], cfg, out=out, n_workers=n_workers)


def stft_db_blocks(
    blocks: Iterable[np.ndarray],
    n_samples: int,
    cfg: StftConfig,
    *,
    out: np.ndarray | None = None,
    n_workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> np.ndarray:
    """Spectrogram of a mono signal delivered in blocks (e.g. read from a file).

    Parameters
    ----------
    blocks : iterable of numpy.ndarray
        Consecutive 1-D pieces of the signal, any sizes, ``n_samples`` in all.
    n_samples : int
        Total length in samples; fixes the output shape before reading.
    cfg : StftConfig
        Transform settings.
    out : numpy.ndarray, optional
        Preallocated float32 output of shape (n_freqs, n_frames).  Fastest
        when it is the transpose of a C-contiguous (n_frames, n_freqs) array,
        as the default is: each frame is then written in place as it is
        computed, with no transposing copy.
    n_workers : int, optional
        Threads computing chunks in parallel; default ``os.cpu_count()``.
    progress : callable, optional
        Called as ``progress(frames_done, n_frames)``.
    cancelled : callable, optional
        Polled between chunks; when it returns True the work stops and the
        frames computed so far are returned (the rest of `out` is untouched).

    Returns
    -------
    numpy.ndarray
        `out`, float32 of shape (n_freqs, n_frames) with
        ``n_frames = cfg.n_frames(n_samples)``.  By default it is
        Fortran-ordered (each frame contiguous in memory): the layout the
        FFT produces, and the one a CSV row or a display column reads.
    """
    n_frames = cfg.n_frames(n_samples)
    shape = (cfg.n_freqs, n_frames)
    if out is None:
        out = np.empty(shape[::-1], dtype=np.float32).T
    elif out.shape != shape or out.dtype != np.float32:
        raise ValueError(f"out must be float32 of shape {shape}, got {out.dtype} {out.shape}")
    if n_frames == 0:
        return out
    kernel = FrameKernel(cfg)
    frames_per_chunk = max(1, FRAMES_PER_CHUNK_SAMPLES // cfg.n_fft)
    frames_major = out.T.flags.c_contiguous
    local = threading.local()  # per worker thread: its reused window buffer

    def work(first: int, segment: np.ndarray) -> int:
        frames = frame_view(segment, cfg.n_fft, cfg.hop)
        m = frames.shape[0]
        if getattr(local, "windowed", None) is None:
            local.windowed = np.empty((frames_per_chunk, cfg.n_fft), dtype=np.float32)
        if frames_major:
            kernel(frames, out=out.T[first : first + m], scratch=local.windowed)
        else:
            _store_transposed(kernel(frames, scratch=local.windowed), out, first)
        return m

    done = 0
    chunks = map_chunks(blocks, cfg, n_frames, frames_per_chunk, work, n_workers=n_workers)
    try:
        for _, m, _ in chunks:
            done += m
            if progress is not None:
                progress(done, n_frames)
            if cancelled is not None and cancelled():
                break
    finally:
        chunks.close()
    return out


def map_chunks(
    blocks: Iterable[np.ndarray],
    cfg: StftConfig,
    n_frames: int,
    frames_per_chunk: int,
    work: Callable[[int, np.ndarray], T],
    *,
    n_workers: int | None = None,
    depth: int | None = None,
) -> Iterator[tuple[int, int, T]]:
    """The batch engine: cut `blocks` into chunks of whole frames and run `work` on a thread pool.

    Parameters
    ----------
    blocks : iterable of numpy.ndarray
        Consecutive 1-D pieces of the signal (see :func:`frame_segments`).
    cfg : StftConfig
        Transform settings (frame length and hop).
    n_frames : int
        Frames to compute.
    frames_per_chunk : int
        Frames per work unit.
    work : callable
        ``work(first_frame, segment)``, called in a pool thread; `segment`
        holds exactly the samples of its frames (a private copy).
    n_workers : int, optional
        Pool threads; default ``os.cpu_count()``.
    depth : int, optional
        Chunks in flight before the oldest is waited for; default ``2 * n_workers``.

    Yields
    ------
    first_frame, n_frames, result
        In signal order.  Closing the generator cancels the chunks not started.
    """
    n_workers = max(1, n_workers or os.cpu_count() or 1)
    depth = max(1, depth or 2 * n_workers)
    pending: deque[tuple[int, int, Future]] = deque()
    with ThreadPoolExecutor(max_workers=n_workers) as pool:
        try:
            for first, segment in frame_segments(blocks, cfg, n_frames, frames_per_chunk):
                m = 1 + (segment.shape[0] - cfg.n_fft) // cfg.hop
                pending.append((first, m, pool.submit(work, first, segment)))
                while len(pending) > depth or (pending and pending[0][2].done()):
                    f0, m0, fut = pending.popleft()
                    yield f0, m0, fut.result()
            while pending:
                f0, m0, fut = pending.popleft()
                yield f0, m0, fut.result()
        finally:
            for _, _, fut in pending:
                fut.cancel()


TRANSPOSE_SLAB_FRAMES = 16
"""Frames per slab when a chunk is copied into a bins-major `out`: a slab's
source stays in cache while its columns are written (about 1.7x faster here
than one whole-chunk transposing copy)."""


def _store_transposed(db: np.ndarray, out: np.ndarray, first: int) -> None:
    """Write frames ``db`` (m, n_freqs) into columns ``first ..`` of `out` (n_freqs, n_frames)."""
    for a in range(0, db.shape[0], TRANSPOSE_SLAB_FRAMES):
        slab = db[a : a + TRANSPOSE_SLAB_FRAMES]
        out[:, first + a : first + a + slab.shape[0]] = slab.T


def frame_segments(
    blocks: Iterable[np.ndarray], cfg: StftConfig, n_frames: int, frames_per_chunk: int
) -> Iterator[tuple[int, np.ndarray]]:
    """Cut a stream of blocks into float32 segments holding whole frames.

    Yields ``(first_frame, segment)`` where `segment` holds exactly the samples
    of frames ``first_frame .. first_frame + m - 1``; consecutive segments
    overlap by ``n_fft - hop`` samples.
    """
    n_fft, hop = cfg.n_fft, cfg.hop
    seg_len = (frames_per_chunk - 1) * hop + n_fft
    buf = np.empty(max(seg_len, 1), dtype=np.float32)
    fill = 0
    first = 0
    for block in blocks:
        block = np.asarray(block, dtype=np.float32).reshape(-1)
        pos = 0
        while pos < block.shape[0] and first < n_frames:
            take = min(seg_len - fill, block.shape[0] - pos)
            buf[fill : fill + take] = block[pos : pos + take]
            fill += take
            pos += take
            if fill == seg_len:
                m = min(frames_per_chunk, n_frames - first)
                yield first, buf[: (m - 1) * hop + n_fft].copy()
                first += m
                keep = n_fft - hop  # the overlap the next frame shares; >= 0 as hop <= n_fft
                buf[:keep] = buf[seg_len - keep : seg_len]
                fill = keep
    if first < n_frames and fill >= n_fft:
        m = min(n_frames - first, 1 + (fill - n_fft) // hop)
        yield first, buf[: (m - 1) * hop + n_fft].copy()


class StreamingStft:
    """Frames from a signal pushed in blocks of any size, each emitted as soon
    as its last sample has arrived.

    Parameters
    ----------
    cfg : StftConfig
        Transform settings.
    keep_spectrum : bool
        Also return the complex spectra (for the peak estimator).

    Notes
    -----
    Frame i covers samples ``[i*hop, i*hop + n_fft)`` of everything pushed
    since construction or :meth:`reset`; the frames are those of
    :func:`stft_db` on the concatenated signal.
    """

    def __init__(self, cfg: StftConfig, keep_spectrum: bool = False) -> None:
        self.cfg = cfg
        self.keep_spectrum = keep_spectrum
        self._kernel = FrameKernel(cfg)
        self._buf = np.zeros(cfg.n_fft, dtype=np.float32)
        self.reset()

    def reset(self) -> None:
        """Forget all pushed samples; the next frame is frame 0 again."""
        self._fill = 0
        self.n_frames_out = 0
        self.n_samples_in = 0

    @property
    def next_frame_start(self) -> int:
        """Sample index (since reset) where the next frame starts."""
        return self.n_frames_out * self.cfg.hop

    def push(self, block: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        """Add samples and return the frames they complete.

        Parameters
        ----------
        block : numpy.ndarray
            1-D samples, full scale = 1.0.

        Returns
        -------
        db : numpy.ndarray
            float32 of shape (m, n_freqs), m >= 0 new frames, oldest first.
        spectrum : numpy.ndarray or None
            complex64 of shape (m, n_freqs) if `keep_spectrum`, else None.
        """
        cfg = self.cfg
        block = np.asarray(block, dtype=np.float32).reshape(-1)
        self.n_samples_in += block.shape[0]
        need = self._fill + block.shape[0]
        if need > self._buf.shape[0]:
            grown = np.empty(max(need, 2 * self._buf.shape[0]), dtype=np.float32)
            grown[: self._fill] = self._buf[: self._fill]
            self._buf = grown
        self._buf[self._fill : need] = block
        self._fill = need
        if self._fill < cfg.n_fft:
            empty_spectrum = np.empty((0, cfg.n_freqs), np.complex64) if self.keep_spectrum else None
            return np.empty((0, cfg.n_freqs), np.float32), empty_spectrum
        m = 1 + (self._fill - cfg.n_fft) // cfg.hop
        frames = frame_view(self._buf[: self._fill], cfg.n_fft, cfg.hop)[:m]
        spectrum = self._kernel.spectrum(frames)
        db = self._kernel.to_db(spectrum, np.empty((m, cfg.n_freqs), np.float32))
        # Keep from the start of the next frame on: at least n_fft - hop samples.
        consumed = m * cfg.hop
        rest = self._fill - consumed
        self._buf[:rest] = self._buf[consumed : self._fill]
        self._fill = rest
        self.n_frames_out += m
        return db, (spectrum.astype(np.complex64, copy=False) if self.keep_spectrum else None)
