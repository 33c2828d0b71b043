"""Background analysis of a whole audio file for the GUI's file view.

Thread: every computing method runs in a background job thread
(:class:`BackgroundJob`), each with its own file reader; nothing here touches
Qt.  The GUI thread only creates jobs, reads their results through the
callbacks (which it forwards as queued Qt signals) and cancels them.

Three products, all on the STFT frame grid of :class:`StftConfig` (frame i
covers samples ``[i*hop, i*hop + n_fft)`` of the file, centre
``(i*hop + n_fft/2)/fs``):

* a **preview**: one frame sampled per column across the whole file, a few
  hundred small reads, so the first screenful appears at once;
* the **overview**: every frame of the file, max-pooled into at most
  :data:`OVERVIEW_MAX_COLUMNS` columns (:mod:`specscope.dsp.overview`), in
  bounded memory (the file is streamed in blocks and never held whole);
* **ranges**: the frames of a visible time range at full STFT resolution
  (:func:`specscope.dsp.stft.stft_db_blocks`), or max-pooled to the screen's
  width when there are more frames than pixels.

A :class:`Tile` carries an array and where it sits: column c covers frames
``first_frame + [c*fpc, (c+1)*fpc)`` and therefore the time interval
``t(first_frame + c*fpc) - hop/2 .. + fpc*hop`` seconds; its rows are the bins,
row k centred on ``k * fs / (n_fft * zero_pad)`` Hz.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import scipy.fft

from specscope.dsp.config import StftConfig
from specscope.dsp.overview import (
    FLOOR_DB,
    frames_per_column,
    merge_columns,
    n_columns,
    pool_max,
    power_of,
    power_to_db,
)
from specscope.dsp.stft import FRAMES_PER_CHUNK_SAMPLES, FrameKernel, frame_segments, frame_view, stft_db_blocks

OVERVIEW_MAX_COLUMNS = 8192
"""Columns of the whole-file overview (more than any screen is wide)."""

OVERVIEW_MAX_CELLS = 12_000_000
"""Overview size limit in bins x columns (48 MB of float32) for very fine bins."""

PREVIEW_MAX_COLUMNS = 1024
"""Frames read for the instant preview."""

READ_BLOCK_FRAMES = 65536
"""File frames per read in the streaming passes."""

UPDATE_INTERVAL_S = 0.15
"""Least time between two partial-result callbacks of a long pass."""

MAX_EXPORT_BYTES = 1 << 30
"""Largest full-resolution range (1 GiB of float32) the GUI computes for export."""

Channel = str | int


class AnalysisCancelled(Exception):
    """Raised inside a job when it was cancelled; the job ends quietly."""


@dataclass
class Tile:
    """A piece of spectrogram and its place on the time and frequency axes.

    Attributes
    ----------
    db : numpy.ndarray
        float32 dBFS of shape (n_freqs, n_cols): row k is bin k.
    cfg : StftConfig
        Settings the data were computed with.
    first_frame : int
        Frame index (in the whole file) where column 0 starts.
    fpc : int
        Frames per column; 1 means full STFT resolution.
    n_frames : int
        Frames the tile covers (the last column may hold fewer than `fpc`).
    n_cols_done : int
        Columns already final (the rest show a preview or the floor).
    """

    db: np.ndarray
    cfg: StftConfig
    first_frame: int
    fpc: int
    n_frames: int
    n_cols_done: int = 0

    @property
    def n_cols(self) -> int:
        return self.db.shape[1]

    @property
    def complete(self) -> bool:
        return self.n_cols_done >= self.n_cols

    @property
    def t0_s(self) -> float:
        """Left edge of column 0 in seconds: frame centre minus half a hop."""
        cfg = self.cfg
        return (self.first_frame * cfg.hop + 0.5 * cfg.n_fft - 0.5 * cfg.hop) / cfg.fs_hz

    @property
    def col_s(self) -> float:
        """Width of one column in seconds, ``fpc * hop / fs``."""
        return self.fpc * self.cfg.hop_s

    @property
    def time_extent_s(self) -> tuple[float, float]:
        """Left and right edges of the tile in seconds."""
        return self.t0_s, self.t0_s + self.n_cols * self.col_s

    def column_at(self, t_s: float) -> int | None:
        """Column whose interval holds time `t_s`, or None outside the tile."""
        c = int(np.floor((t_s - self.t0_s) / self.col_s))
        return c if 0 <= c < self.n_cols else None

    def column_times_s(self) -> np.ndarray:
        """Centre time of every column in seconds."""
        return self.t0_s + (np.arange(self.n_cols) + 0.5) * self.col_s


@dataclass
class SelectionSpectrum:
    """The averaged spectrum of a time range.

    Attributes
    ----------
    db : numpy.ndarray
        dBFS per bin of the mean power over the frames: ``10 log10(mean_i |X_i[k]|^2 scale_k)``.
    peak : object or None
        The strongest interpolated peak within the frequency bounds
        (:class:`specscope.dsp.peaks.Peak`: ``freq_hz``, ``level_dbfs``, ``bin``).
    first_frame, n_frames : int
        The frames averaged.
    t0_s, t1_s : float
        Time bounds of the selection in seconds.
    f_lo_hz, f_hi_hz : float
        Frequency bounds in Hz (0 and Nyquist if none were chosen).
    """

    db: np.ndarray
    peak: object | None
    first_frame: int
    n_frames: int
    t0_s: float
    t1_s: float
    f_lo_hz: float
    f_hi_hz: float


class BackgroundJob:
    """One piece of work on a daemon thread, with a cancel flag it polls.

    Parameters
    ----------
    target : callable
        ``target(cancelled)`` where ``cancelled()`` returns True once
        :meth:`cancel` was called; it should poll it between chunks and may
        raise :class:`AnalysisCancelled`.
    on_error : callable, optional
        Called as ``on_error(message)`` (in the job thread) with a one-line
        message if `target` raises anything but :class:`AnalysisCancelled`.
    name : str
        Thread name, for debugging.
    """

    def __init__(
        self,
        target: Callable[[Callable[[], bool]], None],
        on_error: Callable[[str], None] | None = None,
        name: str = "specscope-file-job",
    ) -> None:
        self._target = target
        self._on_error = on_error
        self._cancel = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> BackgroundJob:
        self._thread.start()
        return self

    def cancel(self) -> None:
        """Ask the job to stop at its next check (returns at once)."""
        self._cancel.set()

    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def is_alive(self) -> bool:
        return self._thread.is_alive()

    def join(self, timeout_s: float | None = None) -> bool:
        """Wait for the thread; True if it has ended."""
        self._thread.join(timeout_s)
        return not self._thread.is_alive()

    def _run(self) -> None:
        try:
            self._target(self._cancel.is_set)
        except AnalysisCancelled:
            pass
        except Exception as err:  # reported as one line; the GUI keeps running
            if self._on_error is not None and not self._cancel.is_set():
                self._on_error(one_line_error(err))


def one_line_error(err: BaseException) -> str:
    """``str(err)`` on one line, or the exception's type name if it has no text."""
    text = " ".join(str(err).split())
    return text or type(err).__name__


def frame_span(cfg: StftConfig, n_frames_total: int, t0_s: float, t1_s: float) -> tuple[int, int]:
    """Frames whose centres lie in ``[t0_s, t1_s]``, as ``(first, n)``; at least the nearest frame.

    Frame i's centre is ``(i*hop + n_fft/2) / fs``, so
    ``first = ceil((t0*fs - n_fft/2) / hop)`` and ``last = floor((t1*fs - n_fft/2) / hop)``.
    """
    if n_frames_total <= 0:
        return 0, 0
    lo, hi = sorted((t0_s, t1_s))
    first = int(np.ceil((lo * cfg.fs_hz - 0.5 * cfg.n_fft) / cfg.hop - 1e-9))
    last = int(np.floor((hi * cfg.fs_hz - 0.5 * cfg.n_fft) / cfg.hop + 1e-9))
    first = min(max(first, 0), n_frames_total - 1)
    last = min(max(last, 0), n_frames_total - 1)
    if last < first:
        mid = 0.5 * (lo + hi)
        first = last = min(max(round((mid * cfg.fs_hz - 0.5 * cfg.n_fft) / cfg.hop), 0), n_frames_total - 1)
    return first, last - first + 1


class FileAnalysis:
    """The analysis of one file with one configuration.

    Parameters
    ----------
    path : str
        The audio file.
    cfg : StftConfig
        Settings; ``cfg.fs_hz`` must be the file's sample rate.
    channel : str or int
        ``'mix'`` (mean of the channels) or a 0-based channel index.
    info : object
        The reader's ``info`` (``frames``, ``fs_hz``, ``channels``, ``duration_s``).

    Notes
    -----
    Each method opens its own reader, so jobs may run concurrently.
    """

    def __init__(self, path: str, cfg: StftConfig, channel: Channel, info) -> None:
        self.path = path
        self.cfg = cfg
        self.channel = channel
        self.info = info
        self.n_samples = int(info.frames)
        self.n_frames = cfg.n_frames(self.n_samples)
        max_cols = max(1, min(OVERVIEW_MAX_COLUMNS, OVERVIEW_MAX_CELLS // cfg.n_freqs))
        self.overview_fpc = frames_per_column(self.n_frames, max_cols)
        self.overview_cols = n_columns(self.n_frames, self.overview_fpc)
        self._kernel = FrameKernel(cfg)

    # --- helpers -------------------------------------------------------------
    def _open(self):
        from specscope.app.io.audio_file import open_audio

        return open_audio(self.path)

    def frame_span(self, t0_s: float, t1_s: float) -> tuple[int, int]:
        """See :func:`frame_span`."""
        return frame_span(self.cfg, self.n_frames, t0_s, t1_s)

    def empty_overview(self) -> Tile:
        """An overview tile at the floor level, to be filled by :meth:`preview` and :meth:`overview`."""
        db = np.full((self.cfg.n_freqs, self.overview_cols), FLOOR_DB, dtype=np.float32)
        return Tile(db, self.cfg, 0, self.overview_fpc, self.n_frames)

    # --- preview -------------------------------------------------------------
    def preview(self, tile: Tile, cancelled: Callable[[], bool]) -> None:
        """Fill `tile` (the overview layout) with one frame per group of columns, read with seeks.

        At most :data:`PREVIEW_MAX_COLUMNS` frames are read: the frame at the
        middle of every ``stride``-th group of columns, copied into the
        ``stride`` columns it stands for.  Columns already final are kept.
        """
        cfg = self.cfg
        n_cols = tile.n_cols
        stride = max(1, -(-n_cols // PREVIEW_MAX_COLUMNS))
        starts = np.arange(0, n_cols, stride)
        frame_idx = np.minimum((starts * tile.fpc + (stride * tile.fpc) // 2), self.n_frames - 1)
        frames = np.empty((starts.shape[0], cfg.n_fft), dtype=np.float32)
        with self._open() as reader:
            for j, fi in enumerate(frame_idx):
                if cancelled():
                    raise AnalysisCancelled
                got = _read_exact(reader, int(fi) * cfg.hop, cfg.n_fft, self.channel)
                frames[j, : got.shape[0]] = got
                frames[j, got.shape[0] :] = 0.0
        db = self._kernel(frames)  # (n, n_freqs)
        cols = np.repeat(db, stride, axis=0)[:n_cols].T
        done = tile.n_cols_done
        tile.db[:, done:] = cols[:, done:]

    # --- pooled passes -------------------------------------------------------
    def overview(
        self,
        tile: Tile,
        cancelled: Callable[[], bool],
        progress: Callable[[int, int], None] | None = None,
        on_update: Callable[[Tile], None] | None = None,
    ) -> Tile:
        """Compute every frame of the file into the max-pooled `tile`, left to right.

        Columns ``< tile.n_cols_done`` are final; the others keep whatever the
        preview put there until the pass reaches them.
        """
        self._pooled_pass(tile, cancelled, progress, on_update)
        return tile

    def range_tile(
        self,
        first_frame: int,
        n_frames: int,
        max_cols: int,
        cancelled: Callable[[], bool],
        progress: Callable[[int, int], None] | None = None,
        on_update: Callable[[Tile], None] | None = None,
    ) -> Tile:
        """Frames ``first_frame .. first_frame + n_frames - 1`` as a tile of at most `max_cols` columns.

        With ``n_frames <= max_cols`` every frame is one column (exact
        :func:`stft_db_blocks` output); otherwise frames are max-pooled.
        """
        first_frame = max(0, min(first_frame, self.n_frames - 1))
        n_frames = max(1, min(n_frames, self.n_frames - first_frame))
        fpc = frames_per_column(n_frames, max(1, max_cols))
        cfg = self.cfg
        if fpc == 1:
            n_samp = (n_frames - 1) * cfg.hop + cfg.n_fft
            db = np.empty((cfg.n_freqs, n_frames), dtype=np.float32)
            with self._open() as reader:
                blocks = reader.blocks(first_frame * cfg.hop, n_samp, channel=self.channel,
                                       block_frames=READ_BLOCK_FRAMES)
                stft_db_blocks(blocks, n_samp, cfg, out=db, progress=progress, cancelled=cancelled)
            if cancelled():
                raise AnalysisCancelled
            tile = Tile(db, cfg, first_frame, 1, n_frames, n_frames)
            if on_update is not None:
                on_update(tile)
            return tile
        db = np.full((cfg.n_freqs, n_columns(n_frames, fpc)), FLOOR_DB, dtype=np.float32)
        tile = Tile(db, cfg, first_frame, fpc, n_frames)
        self._pooled_pass(tile, cancelled, progress, on_update)
        return tile

    def _pooled_pass(
        self,
        tile: Tile,
        cancelled: Callable[[], bool],
        progress: Callable[[int, int], None] | None,
        on_update: Callable[[Tile], None] | None,
    ) -> None:
        cfg = self.cfg
        kernel = self._kernel
        fpc = tile.fpc
        n_frames = tile.n_frames
        n_samp = (n_frames - 1) * cfg.hop + cfg.n_fft
        frames_per_chunk = max(1, FRAMES_PER_CHUNK_SAMPLES // cfg.n_fft)
        if frames_per_chunk > fpc:
            frames_per_chunk -= frames_per_chunk % fpc  # chunks end on column boundaries when they can
        n_workers = max(1, os.cpu_count() or 1)
        fresh_col = tile.n_cols_done  # columns >= this still hold preview data: overwrite, do not merge

        scratch = threading.local()  # per worker: reused buffers, so the pass does not fault in fresh pages

        def work(first: int, segment: np.ndarray) -> tuple[int, np.ndarray]:
            frames = frame_view(segment, cfg.n_fft, cfg.hop)
            m = frames.shape[0]
            if getattr(scratch, "windowed", None) is None:
                scratch.windowed = np.empty((frames_per_chunk, cfg.n_fft), dtype=np.float32)
                scratch.power = np.empty((frames_per_chunk, cfg.n_freqs), dtype=np.float32)
            windowed = np.multiply(frames, kernel.window, out=scratch.windowed[:m])
            spectrum = scipy.fft.rfft(windowed, n=cfg.n_fft_padded, axis=-1)
            power = power_of(spectrum, out=scratch.power[:m])
            del spectrum
            c0, pooled = pool_max(power, first, fpc)
            return c0, power_to_db(pooled, kernel.power_scale)

        def consume(first: int, m: int, fut) -> None:
            nonlocal fresh_col
            c0, pooled_db = fut.result()
            n_new = c0 + pooled_db.shape[0] - fresh_col
            if n_new > 0:
                tile.db[:, fresh_col : fresh_col + n_new] = FLOOR_DB
                fresh_col += n_new
            merge_columns(tile.db, c0, pooled_db)
            end = first + m
            tile.n_cols_done = tile.n_cols if end >= n_frames else end // fpc

        done = 0
        last_update = time.monotonic()
        with self._open() as reader, ThreadPoolExecutor(max_workers=n_workers) as pool:
            blocks = reader.blocks(tile.first_frame * cfg.hop, n_samp, channel=self.channel,
                                   block_frames=READ_BLOCK_FRAMES)
            pending: list[tuple[int, int, object]] = []
            try:
                for first, segment in frame_segments(blocks, cfg, n_frames, frames_per_chunk):
                    m = 1 + (segment.shape[0] - cfg.n_fft) // cfg.hop
                    pending.append((first, m, pool.submit(work, first, segment)))
                    while len(pending) > n_workers or (pending and pending[0][2].done()):
                        f0, m0, fut = pending.pop(0)
                        consume(f0, m0, fut)
                        done = f0 + m0
                    if cancelled():
                        raise AnalysisCancelled
                    now = time.monotonic()
                    if now - last_update >= UPDATE_INTERVAL_S:
                        last_update = now
                        if progress is not None:
                            progress(done, n_frames)
                        if on_update is not None:
                            on_update(tile)
                for f0, m0, fut in pending:
                    consume(f0, m0, fut)
                    done = f0 + m0
            finally:
                for _, _, fut in pending:
                    fut.cancel()
        tile.n_cols_done = tile.n_cols
        if progress is not None:
            progress(n_frames, n_frames)
        if on_update is not None:
            on_update(tile)

    # --- selection -----------------------------------------------------------
    def selection_spectrum(
        self,
        t0_s: float,
        t1_s: float,
        f_lo_hz: float | None,
        f_hi_hz: float | None,
        cancelled: Callable[[], bool],
        progress: Callable[[int, int], None] | None = None,
    ) -> SelectionSpectrum:
        """Mean-power spectrum of the frames centred in ``[t0_s, t1_s]`` and its interpolated peak.

        The peak comes from :class:`specscope.dsp.peaks.PeakAccumulator`
        over the same frames; only peaks within ``[f_lo_hz, f_hi_hz]`` count.
        """
        from specscope.dsp.peaks import PeakAccumulator
        from specscope.dsp.stft import StreamingStft

        cfg = self.cfg
        first, n = self.frame_span(t0_s, t1_s)
        if n < 1:
            raise ValueError(f"{self.path}: the file is shorter than one frame (n_fft {cfg.n_fft})")
        n_samp = (n - 1) * cfg.hop + cfg.n_fft
        power_sum = np.zeros(cfg.n_freqs, dtype=np.float64)
        acc = PeakAccumulator(cfg, n)
        stream = StreamingStft(cfg, keep_spectrum=True)
        got = 0
        with self._open() as reader:
            for block in reader.blocks(first * cfg.hop, n_samp, channel=self.channel, block_frames=READ_BLOCK_FRAMES):
                _, spectra = stream.push(block)
                if spectra is None or spectra.shape[0] == 0:
                    continue
                spectra = spectra[: n - got]
                power_sum += power_of(spectra).sum(axis=0, dtype=np.float64)
                acc.add(spectra)
                got += spectra.shape[0]
                if cancelled():
                    raise AnalysisCancelled
                if progress is not None:
                    progress(got, n)
        mean_power = (power_sum / max(1, got)).astype(np.float32)
        db = power_to_db(mean_power, self._kernel.power_scale)
        nyq = float(cfg.freqs_hz[-1])
        lo = 0.0 if f_lo_hz is None else max(0.0, float(f_lo_hz))
        hi = nyq if f_hi_hz is None else min(nyq, float(f_hi_hz))
        peak = None
        for p in acc.peaks(64):
            if lo <= p.freq_hz <= hi:
                peak = p
                break
        return SelectionSpectrum(db, peak, first, got, t0_s, t1_s, lo, hi)


def _read_exact(reader, first_sample: int, n: int, channel: Channel) -> np.ndarray:
    """Up to `n` mono samples from `first_sample` on (fewer at the end of the file)."""
    parts = list(reader.blocks(first_sample, n, channel=channel, block_frames=n))
    if not parts:
        return np.zeros(0, dtype=np.float32)
    return parts[0] if len(parts) == 1 else np.concatenate(parts)
