"""Background analysis of a whole audio file for the GUI's file view: :class:`FileAnalysis`.

Thread: every computing method runs in a background job thread
(:class:`~specscope.app.analysis.jobs.BackgroundJob`), each with its own file
reader; nothing here touches Qt.  The GUI thread only creates jobs, reads
their results through the callbacks (which it forwards as queued Qt signals)
and cancels them.

Three products, all on the STFT frame grid of :class:`StftConfig` (frame i
covers samples ``[i*hop, i*hop + n_fft)`` of the file, centre
``(i*hop + n_fft/2)/fs``), laid out as :class:`~specscope.app.analysis.tiles.Tile` s
and handed over as read-only :class:`~specscope.app.analysis.tiles.ColumnBlock` s:

* a **preview**: one frame sampled per column across the whole file, a few
  hundred small reads, so the first screenful appears at once;
* the **overview**: every frame of the file, max-pooled into at most
  :data:`OVERVIEW_MAX_COLUMNS` columns (:mod:`specscope.dsp.overview`), in
  bounded memory (the file is streamed in blocks and never held whole);
* **ranges**: the frames of a visible time range at full STFT resolution
  (:func:`specscope.dsp.stft.stft_db_blocks`), or max-pooled to the screen's
  width when there are more frames than pixels.

The averaged spectrum of a selection is :mod:`specscope.app.analysis.selection`'s.
The names the GUI imports from here (jobs, tiles, the selection's result) are
re-exported from their modules.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from specscope.app.analysis.jobs import AnalysisCancelled, BackgroundJob, one_line_error
from specscope.app.analysis.selection import SelectionSpectrum, selection_spectrum
from specscope.app.analysis.tiles import ColumnBlock, Tile, frame_span
from specscope.dsp.config import StftConfig
from specscope.dsp.overview import FLOOR_DB, frames_per_column, n_columns, pooled_db_columns
from specscope.dsp.stft import FrameKernel, stft_db_blocks

__all__ = [
    "MAX_EXPORT_BYTES",
    "OVERVIEW_MAX_CELLS",
    "OVERVIEW_MAX_COLUMNS",
    "AnalysisCancelled",
    "BackgroundJob",
    "ColumnBlock",
    "FileAnalysis",
    "SelectionSpectrum",
    "Tile",
    "frame_span",
    "one_line_error",
]

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
        over the same frames; only peaks within ``[f_lo_hz, f_hi_hz]`` count
        (:func:`specscope.app.analysis.selection.selection_spectrum`).
        """
        first, n = self.frame_span(t0_s, t1_s)
        if n < 1:
            raise ValueError(f"{self.path}: the file is shorter than one frame (n_fft {self.cfg.n_fft})")
        cfg = self.cfg
        n_samp = (n - 1) * cfg.hop + cfg.n_fft
        with self._open() as reader:
            blocks = reader.blocks(first * cfg.hop, n_samp, channel=self.channel, block_frames=READ_BLOCK_FRAMES)
            return selection_spectrum(blocks, cfg, self._kernel.power_scale, first, n,
                                      t0_s, t1_s, f_lo_hz, f_hi_hz, cancelled, progress)


def _read_exact(reader, first_sample: int, n: int, channel: Channel) -> np.ndarray:
    """Up to `n` mono samples from `first_sample` on (fewer at the end of the file)."""
    parts = list(reader.blocks(first_sample, n, channel=channel, block_frames=n))
    if not parts:
        return np.zeros(0, dtype=np.float32)
    return parts[0] if len(parts) == 1 else np.concatenate(parts)
