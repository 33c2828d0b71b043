"""A single-producer / single-consumer ring buffer of float32 sample frames.

Threads: :meth:`RingBuffer.write` is called by exactly one producer (the
PortAudio callback thread); the read methods by exactly one consumer (the DSP
worker).  Neither ever blocks or takes a lock: each side only advances its own
counter, and Python's assignment of an int is atomic.

Layout: every sample is stored twice, at slot j and j + capacity (as in
Friture's ring buffer), so any run of up to `capacity` consecutive samples is
one contiguous slice and the reader gets it as a view, without copying.

When the reader falls more than `capacity` samples behind, the writer
overwrites the oldest samples; the reader notices on its next read, skips to
the oldest sample still present and adds what it missed to
:attr:`n_overwritten`.
"""

from __future__ import annotations

import numpy as np


class RingBuffer:
    """SPSC ring buffer holding ``capacity`` frames of ``n_channels`` float32 samples.

    Parameters
    ----------
    capacity : int
        Frames (one sample per channel) held; the reader may lag this much.
    n_channels : int
        Channels per frame.

    Attributes
    ----------
    n_written : int
        Frames written since creation (producer's counter).
    n_read : int
        Frames consumed since creation (consumer's counter).
    n_overwritten : int
        Frames the consumer lost because the producer overwrote them.
    """

    def __init__(self, capacity: int, n_channels: int = 1) -> None:
        if capacity < 1:
            raise ValueError(f"capacity must be >= 1 frame, got {capacity}")
        if n_channels < 1:
            raise ValueError(f"n_channels must be >= 1, got {n_channels}")
        self.capacity = int(capacity)
        self.n_channels = int(n_channels)
        self._data = np.zeros((2 * self.capacity, self.n_channels), dtype=np.float32)
        self.n_written = 0
        self.n_read = 0
        self.n_overwritten = 0

    # --- producer side -----------------------------------------------------
    def write(self, block: np.ndarray) -> None:
        """Copy frames in; never blocks, never allocates.

        Parameters
        ----------
        block : numpy.ndarray
            Shape (n, n_channels), any n; of a block longer than `capacity`
            only the last `capacity` frames are kept.
        """
        n = block.shape[0]
        start = self.n_written
        if n > self.capacity:
            block = block[n - self.capacity :]
            start += n - self.capacity
            n = self.capacity
        cap = self.capacity
        j = start % cap
        first = min(n, cap - j)
        data = self._data
        # Each frame goes to slot j and slot j + cap.
        data[j : j + first] = block[:first]
        data[j + cap : j + cap + first] = block[:first]
        if first < n:
            rest = n - first
            data[:rest] = block[first:]
            data[cap : cap + rest] = block[first:]
        self.n_written = start + n

    # --- consumer side -----------------------------------------------------
    @property
    def n_available(self) -> int:
        """Frames written and not yet read (at most `capacity`)."""
        self._catch_up()
        return self.n_written - self.n_read

    def _catch_up(self) -> None:
        oldest = self.n_written - self.capacity
        if self.n_read < oldest:
            self.n_overwritten += oldest - self.n_read
            self.n_read = oldest

    def peek(self, n: int, offset: int = 0) -> np.ndarray:
        """A view of `n` frames starting `offset` frames after the read position.

        The view is valid until the producer writes over it, that is while
        ``n_written - capacity <= n_read + offset``; call :meth:`was_overwritten`
        after using it to check.

        Raises
        ------
        ValueError
            If fewer than ``offset + n`` frames are available.
        """
        if n + offset > self.n_available:
            raise ValueError(f"asked for {n + offset} frames, {self.n_available} available")
        j = (self.n_read + offset) % self.capacity
        return self._data[j : j + n]

    def was_overwritten(self, start: int) -> bool:
        """True if the frame with absolute index `start` may have been overwritten."""
        return start < self.n_written - self.capacity

    def advance(self, n: int) -> None:
        """Mark `n` frames as consumed."""
        if n > self.n_available:
            raise ValueError(f"cannot advance {n} frames, {self.n_available} available")
        self.n_read += n

    def read(self, n: int | None = None) -> np.ndarray:
        """Copy out and consume up to `n` frames (all available if None)."""
        avail = self.n_available
        n = avail if n is None else min(n, avail)
        start = self.n_read
        out = self.peek(n).copy()
        if self.was_overwritten(start):
            # The producer lapped us while we copied: what it overwrote is lost
            # (counted by _catch_up); the frames after it were copied intact.
            self._catch_up()
            out = out[min(n, self.n_read - start) :]
        self.n_read = max(self.n_read, start + n)
        return out
