"""The last mono samples the DSP worker read, addressable by absolute index.

Thread: the DSP worker thread only (:mod:`specscope.app.live.pipeline`).  It lets a new
configuration start from samples already read, and gives the RMS of each frame.
"""

from __future__ import annotations

import numpy as np


class SampleHistory:
    """The last `capacity` mono samples, addressable by absolute index.

    Stored twice as long as `capacity` so that appending moves the kept samples only once per
    `capacity` samples appended and any held range is one contiguous slice.
    """

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._buf = np.zeros(2 * capacity, dtype=np.float32)
        self._fill = 0
        self.end = 0  # absolute index one past the newest sample

    @property
    def first(self) -> int:
        """Absolute index of the oldest sample held."""
        return self.end - self._fill

    def restart(self, at: int) -> None:
        """Forget everything; the next sample appended has absolute index `at`."""
        self._fill = 0
        self.end = at

    def append(self, x: np.ndarray) -> None:
        """Append mono samples (float32, 1-D)."""
        n = x.shape[0]
        if n >= self.capacity:
            self._buf[: self.capacity] = x[n - self.capacity :]
            self._fill = self.capacity
        else:
            if self._fill + n > self._buf.shape[0]:
                keep = self.capacity - n
                self._buf[:keep] = self._buf[self._fill - keep : self._fill]
                self._fill = keep
            self._buf[self._fill : self._fill + n] = x
            self._fill += n
        self.end += n

    def view(self, start: int, stop: int) -> np.ndarray:
        """Samples with absolute indices ``start .. stop-1`` (must be held; a view, valid until the next append)."""
        if start < self.first or stop > self.end or start > stop:
            raise ValueError(f"samples {start}..{stop} not in history {self.first}..{self.end}")
        base = self._fill - (self.end - start)
        return self._buf[base : base + (stop - start)]
