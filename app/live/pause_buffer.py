"""Frames that arrive while the live view is paused, kept until it resumes.

Thread: the Qt GUI thread (frames arrive there by queued signal), but nothing here imports Qt.

Pausing freezes the *view*, not the capture: the pipeline goes on recording, and the frames it
publishes meanwhile wait here.  On resume they join the history in order, so the view shows what was
played while it was paused, without a gap.  The buffer keeps at most the history's capacity (older
frames would be pushed out of the history by the newer ones anyway); what it had to let go is counted.
It holds references to the frames (read-only, see :class:`~specscope.app.live.frames.LiveFrame`),
so it costs memory only as the pause goes on: at most one history's worth (``history.HISTORY_BYTES_MAX``).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable

from .frames import LiveFrame


class PausedFrames:
    """A bounded, ordered buffer of frames received while paused.

    Attributes
    ----------
    n_discarded : int
        Frames let go because more than `capacity` arrived during one pause (the oldest go first).
    """

    def __init__(self) -> None:
        self._frames: deque[LiveFrame] = deque()
        self.capacity = 0
        self.n_discarded = 0

    def __len__(self) -> int:
        return len(self._frames)

    def hold(self, frames: Iterable[LiveFrame], capacity: int) -> None:
        """Keep `frames` (oldest first), at most the newest `capacity` of all held."""
        if capacity != self.capacity:
            self.capacity = max(0, int(capacity))
            self._frames = deque(self._frames, maxlen=self.capacity)
        before = len(self._frames)
        n = 0
        for f in frames:
            self._frames.append(f)
            n += 1
        self.n_discarded += before + n - len(self._frames)

    def release(self) -> list[LiveFrame]:
        """The frames held, oldest first; the buffer is empty afterwards."""
        out = list(self._frames)
        self._frames.clear()
        return out
