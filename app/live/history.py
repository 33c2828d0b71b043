"""The spectrogram history the GUI keeps: the last frames in dBFS, for
scrolling back, cursor readouts and export.

Thread: the Qt GUI thread (frames arrive there by queued signal).

Storage is a ring of rows, ``(capacity, n_freqs)`` float32, so appending a
frame writes one contiguous row and nothing is ever shifted.  Frames are
numbered by a sequence counter ``seq`` (0 for the first appended since the last
clear); the ring keeps sequences ``first_seq .. next_seq - 1``.
"""

from __future__ import annotations

import numpy as np

from specscope.dsp.config import StftConfig

MIN_HISTORY_S = 60.0
HISTORY_BYTES_MAX = 256 << 20
"""Memory budget of the history ring; at least `MIN_FRAMES` frames are kept whatever the size."""
MIN_FRAMES = 64


def history_capacity(cfg: StftConfig, seconds: float = MIN_HISTORY_S, bytes_max: int = HISTORY_BYTES_MAX) -> int:
    """Frames to keep: ``ceil(seconds / hop_s)``, limited to `bytes_max` of float32 rows."""
    want = int(np.ceil(seconds / cfg.hop_s)) + 1
    fit = bytes_max // (4 * cfg.n_freqs)
    return int(max(MIN_FRAMES, min(want, fit)))


class FrameHistory:
    """Ring of the newest frames.

    Parameters
    ----------
    cfg : StftConfig
        Settings of the frames (gives n_freqs).
    capacity : int
        Frames kept.
    """

    def __init__(self, cfg: StftConfig, capacity: int) -> None:
        self.cfg = cfg
        self.capacity = int(capacity)
        self.db = np.empty((self.capacity, cfg.n_freqs), dtype=np.float32)
        self.times_s = np.zeros(self.capacity, dtype=np.float64)
        self.next_seq = 0

    @property
    def first_seq(self) -> int:
        return max(0, self.next_seq - self.capacity)

    def __len__(self) -> int:
        return self.next_seq - self.first_seq

    def append(self, db: np.ndarray, times_s: np.ndarray) -> None:
        """Append frames: `db` (m, n_freqs) dBFS, `times_s` (m,) centre times in s."""
        m = db.shape[0]
        if m > self.capacity:
            db, times_s = db[-self.capacity:], times_s[-self.capacity:]
            self.next_seq += m - self.capacity
            m = self.capacity
        j = self.next_seq % self.capacity
        first = min(m, self.capacity - j)
        self.db[j: j + first] = db[:first]
        self.times_s[j: j + first] = times_s[:first]
        if first < m:
            self.db[: m - first] = db[first:]
            self.times_s[: m - first] = times_s[first:]
        self.next_seq += m

    def frame(self, seq: int) -> np.ndarray:
        """Row (n_freqs,) of frame `seq` (a view; valid until overwritten)."""
        if not self.first_seq <= seq < self.next_seq:
            raise IndexError(f"frame {seq} not in history {self.first_seq}..{self.next_seq - 1}")
        return self.db[seq % self.capacity]

    def time_s(self, seq: int) -> float:
        return float(self.times_s[seq % self.capacity])

    def ordered(self, seq0: int | None = None, seq1: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Frames ``seq0 .. seq1 - 1`` (default: all kept) in time order.

        Returns
        -------
        db : numpy.ndarray
            float32, shape (n_freqs, n): the export layout (a copy).
        times_s : numpy.ndarray
            float64, shape (n,).
        """
        lo = self.first_seq if seq0 is None else max(self.first_seq, seq0)
        hi = self.next_seq if seq1 is None else min(self.next_seq, seq1)
        if hi <= lo:
            return np.empty((self.cfg.n_freqs, 0), dtype=np.float32), np.empty(0)
        idx = np.arange(lo, hi) % self.capacity
        return np.ascontiguousarray(self.db[idx].T), self.times_s[idx].copy()

    def seq_at_time(self, t_s: float) -> int | None:
        """Sequence of the frame whose centre is nearest `t_s`, if within half a hop of the kept range."""
        if len(self) == 0:
            return None
        _, times = self.ordered_times()
        i = int(np.clip(np.searchsorted(times, t_s), 1, len(times) - 1)) if len(times) > 1 else 0
        if i > 0 and abs(times[i - 1] - t_s) <= abs(times[i] - t_s):
            i -= 1
        if abs(times[i] - t_s) > 0.5 * self.cfg.hop_s + 1e-12:
            return None
        return self.first_seq + i

    def ordered_times(self) -> tuple[int, np.ndarray]:
        """(first_seq, centre times of the kept frames in order)."""
        idx = np.arange(self.first_seq, self.next_seq) % self.capacity
        return self.first_seq, self.times_s[idx]
