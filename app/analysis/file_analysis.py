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

import itertools
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from specscope.dsp.config import StftConfig
from specscope.dsp.overview import (
    FLOOR_DB,
    frames_per_column,
    n_columns,
    pooled_db_columns,
    power_to_db,
)
from specscope.dsp.stft import FrameKernel, stft_db_blocks

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
_job_ids = itertools.count(1)


class AnalysisCancelled(Exception):
    """Raised inside a job when it was cancelled; the job ends quietly."""


@dataclass
class Tile:
    """A piece of spectrogram and its place on the time and frequency axes.

    A tile is owned by one thread and only that thread writes it: the GUI
    assembles its tiles from the read-only :class:`ColumnBlock` s a job
    emits (:meth:`apply`); a job never hands out an array it still writes.

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
        return float(self.cfg.frame_times_s(1, self.first_frame)[0]) - 0.5 * self.cfg.hop_s

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

    def apply(self, block: ColumnBlock) -> tuple[int, int]:
        """Write a block into this tile; returns the columns changed, ``(first, stop)``.

        A final block overwrites its columns and extends :attr:`n_cols_done`
        over them; a preview block (``final`` False, each column repeated
        ``block.repeat`` times) only fills columns not yet final.  A final
        block covering the whole tile is adopted without a copy (it is
        read-only, so the tile becomes read-only).
        """
        n_cols = self.n_cols
        c0 = block.first_column
        if block.final:
            c1 = min(n_cols, c0 + block.db.shape[1])
            if c0 == 0 and c1 == n_cols and block.db.shape == self.db.shape:
                self.db = block.db
            else:
                self.db[:, c0:c1] = block.db[:, : c1 - c0]
            if c0 <= self.n_cols_done:
                self.n_cols_done = max(self.n_cols_done, c1)
            return c0, c1
        start = max(c0, self.n_cols_done)
        c1 = min(n_cols, c0 + block.db.shape[1] * block.repeat)
        if start >= c1:
            return start, start
        # Column c (>= start) shows block column (c - c0) // repeat, written without a repeated copy.
        r = block.repeat
        j0, j1 = (start - c0) // r, -(-(c1 - c0) // r)
        for j in range(j0, j1):
            a, b = max(start, c0 + j * r), min(c1, c0 + (j + 1) * r)
            self.db[:, a:b] = block.db[:, j : j + 1]
        return start, c1


@dataclass(frozen=True)
class ColumnBlock:
    """Columns of a tile computed by a job: read-only, never written after it is handed over.

    Attributes
    ----------
    first_column : int
        Column of ``db[:, 0]`` in the tile.
    db : numpy.ndarray
        float32 dBFS (n_freqs, n), read-only.
    final : bool
        True for finished columns; False for the preview, which stands in
        until the pass reaches a column.
    repeat : int
        Tile columns each block column stands for (the preview samples one
        frame per `repeat` columns); 1 for final blocks.
    """

    first_column: int
    db: np.ndarray
    final: bool = True
    repeat: int = 1


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
        self.job_id = next(_job_ids)
        """This job's identity: results and failures carry it, so the GUI knows which job they are from."""
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
    first = int(np.ceil(cfg.frame_at_s(lo) - 1e-9))
    last = int(np.floor(cfg.frame_at_s(hi) + 1e-9))
    first = min(max(first, 0), n_frames_total - 1)
    last = min(max(last, 0), n_frames_total - 1)
    if last < first:
        mid = 0.5 * (lo + hi)
        first = last = min(max(round(cfg.frame_at_s(mid)), 0), n_frames_total - 1)
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

    def range_layout(self, first_frame: int, n_frames: int, max_cols: int) -> Tile:
        """An empty tile (at the floor) for frames ``first_frame ..`` in at most `max_cols` columns (clamped)."""
        first_frame = max(0, min(first_frame, self.n_frames - 1))
        n_frames = max(1, min(n_frames, self.n_frames - first_frame))
        fpc = frames_per_column(n_frames, max(1, max_cols))
        db = np.full((self.cfg.n_freqs, n_columns(n_frames, fpc)), FLOOR_DB, dtype=np.float32)
        return Tile(db, self.cfg, first_frame, fpc, n_frames)

    # --- preview -------------------------------------------------------------
    def preview(self, tile: Tile | None, cancelled: Callable[[], bool]) -> ColumnBlock:
        """One frame per group of overview columns, read with seeks: the first screenful.

        At most :data:`PREVIEW_MAX_COLUMNS` frames are read: the frame at the
        middle of every ``stride``-th group of columns, standing for the
        ``stride`` columns of its group (``repeat``).  Applied to `tile` if
        given; columns already final are kept.
        """
        cfg = self.cfg
        n_cols = self.overview_cols
        fpc = self.overview_fpc
        stride = max(1, -(-n_cols // PREVIEW_MAX_COLUMNS))
        starts = np.arange(0, n_cols, stride)
        frame_idx = np.minimum((starts * fpc + (stride * fpc) // 2), self.n_frames - 1)
        frames = np.empty((starts.shape[0], cfg.n_fft), dtype=np.float32)
        with self._open() as reader:
            for j, fi in enumerate(frame_idx):
                if cancelled():
                    raise AnalysisCancelled
                got = _read_exact(reader, int(fi) * cfg.hop, cfg.n_fft, self.channel)
                frames[j, : got.shape[0]] = got
                frames[j, got.shape[0] :] = 0.0
        db = self._kernel(frames).T  # (n_freqs, n)
        db.flags.writeable = False
        block = ColumnBlock(0, db, final=False, repeat=stride)
        if tile is not None:
            tile.apply(block)
        return block

    # --- pooled passes -------------------------------------------------------
    def overview(
        self,
        tile: Tile | None,
        cancelled: Callable[[], bool],
        progress: Callable[[int, int], None] | None = None,
        on_block: Callable[[ColumnBlock], None] | None = None,
    ) -> Tile | None:
        """Compute every frame of the file, max-pooled into the overview's columns, left to right.

        Finished columns are handed to `on_block` (read-only, at most every
        :data:`UPDATE_INTERVAL_S`) and applied to `tile` if given.
        """
        self._pass(0, self.n_frames, self.overview_fpc, tile, cancelled, progress, on_block)
        return tile

    def range_tile(
        self,
        first_frame: int,
        n_frames: int,
        max_cols: int,
        cancelled: Callable[[], bool],
        progress: Callable[[int, int], None] | None = None,
        on_block: Callable[[ColumnBlock], None] | None = None,
    ) -> Tile:
        """Frames ``first_frame .. first_frame + n_frames - 1`` as a tile of at most `max_cols` columns.

        With ``n_frames <= max_cols`` every frame is one column (exact
        :func:`stft_db_blocks` output); otherwise frames are max-pooled.  The
        tile is this job's own; `on_block` receives read-only copies of its
        finished columns as they come.
        """
        tile = self.range_layout(first_frame, n_frames, max_cols)
        self.range_blocks(tile.first_frame, tile.n_frames, tile.fpc, cancelled, progress,
                          on_block=lambda b: (tile.apply(b), on_block(b) if on_block is not None else None))
        return tile

    def range_blocks(
        self,
        first_frame: int,
        n_frames: int,
        fpc: int,
        cancelled: Callable[[], bool],
        progress: Callable[[int, int], None] | None = None,
        on_block: Callable[[ColumnBlock], None] | None = None,
    ) -> None:
        """The columns of :meth:`range_layout`'s tile, as read-only blocks handed to `on_block`."""
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
            db.flags.writeable = False
            if on_block is not None:
                on_block(ColumnBlock(0, db))
            return
        self._pass(first_frame, n_frames, fpc, None, cancelled, progress, on_block)

    def _pass(
        self,
        first_frame: int,
        n_frames: int,
        fpc: int,
        tile: Tile | None,
        cancelled: Callable[[], bool],
        progress: Callable[[int, int], None] | None,
        on_block: Callable[[ColumnBlock], None] | None,
    ) -> None:
        """Pooled pass (:func:`specscope.dsp.overview.pooled_db_columns`) batched into blocks."""
        cfg = self.cfg
        n_samp = (n_frames - 1) * cfg.hop + cfg.n_fft
        waiting: list[np.ndarray] = []
        first_waiting = 0
        done = 0
        last_update = time.monotonic()

        def flush() -> None:
            nonlocal waiting
            if not waiting:
                return
            db = waiting[0] if len(waiting) == 1 else np.concatenate(waiting, axis=1)
            db.flags.writeable = False
            block = ColumnBlock(first_waiting, db)
            waiting = []
            if tile is not None:
                tile.apply(block)
            if on_block is not None:
                on_block(block)

        with self._open() as reader:
            blocks = reader.blocks(first_frame * cfg.hop, n_samp, channel=self.channel, block_frames=READ_BLOCK_FRAMES)
            columns = pooled_db_columns(blocks, n_samp, cfg, fpc)
            try:
                for part in columns:
                    if not waiting:
                        first_waiting = part.first_column
                    waiting.append(part.db)
                    done = part.frames_done
                    if cancelled():
                        raise AnalysisCancelled
                    now = time.monotonic()
                    if now - last_update >= UPDATE_INTERVAL_S:
                        last_update = now
                        flush()
                        if progress is not None:
                            progress(done, n_frames)
            finally:
                columns.close()
        flush()
        if tile is not None:
            tile.n_cols_done = tile.n_cols
        if progress is not None:
            progress(n_frames, n_frames)

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
        from specscope.dsp.block_peaks import accumulate_peaks

        cfg = self.cfg
        first, n = self.frame_span(t0_s, t1_s)
        if n < 1:
            raise ValueError(f"{self.path}: the file is shorter than one frame (n_fft {cfg.n_fft})")
        n_samp = (n - 1) * cfg.hop + cfg.n_fft
        with self._open() as reader:
            blocks = reader.blocks(first * cfg.hop, n_samp, channel=self.channel, block_frames=READ_BLOCK_FRAMES)
            result = accumulate_peaks(blocks, cfg, n, progress=progress, cancelled=cancelled, mean_power=True)
        if result.cancelled:
            raise AnalysisCancelled
        acc, got = result.accumulator, result.n_frames
        mean_power = np.asarray(result.mean_power, dtype=np.float32)
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
