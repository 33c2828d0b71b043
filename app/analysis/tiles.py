"""Pieces of spectrogram and where they sit: :class:`Tile`, :class:`ColumnBlock`, :func:`frame_span`.

Thread: any.  A :class:`ColumnBlock` is immutable (its array read-only) and
passes from a job thread to the GUI thread; a :class:`Tile` is owned by one
thread, which alone writes it (the GUI assembles its tiles from the blocks).

All positions are on the STFT frame grid of
:class:`~specscope.dsp.config.StftConfig`: frame i covers samples
``[i*hop, i*hop + n_fft)`` of the file, centre ``(i*hop + n_fft/2)/fs``.  A
tile's column c covers frames ``first_frame + [c*fpc, (c+1)*fpc)`` and
therefore the time interval ``t(first_frame + c*fpc) - hop/2 .. + fpc*hop``
seconds; its rows are the bins, row k centred on ``k * fs / (n_fft * zero_pad)`` Hz.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from specscope.dsp.config import StftConfig


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
