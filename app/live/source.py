"""What the live pipeline needs from an audio source: the :class:`Source` protocol.

Thread: any (a typing protocol).  A source writes into the ring buffer from
its own thread (the PortAudio callback, a file player's thread); the
pipeline's worker reads its flags (`error`, `finished`, `n_overflows`).
"""

from __future__ import annotations

import threading
from typing import Protocol

from specscope.dsp.ring_buffer import RingBuffer


class Source(Protocol):
    """What the pipeline needs from an audio source (see :class:`~specscope.app.live.capture.CaptureSource`
    and :class:`~specscope.app.live.file_source.FileSource`).

    Attributes
    ----------
    fs_hz : float
        Sample rate in Hz.
    channels : int
        Channels per sample frame written into the ring buffer.
    name : str
        For messages.
    live : bool
        True for a device (its silence means it was lost), False for a file.
    paced : bool
        True if samples arrive at the real-time pace: then a backlog means the worker fell behind,
        and beyond `max_lag_s` it skips ahead; False (a file read as fast as it is consumed): never skip.
    n_overflows : int
        Blocks lost before they reached the ring buffer (PortAudio overflows).
    error : str or None
        Set (one line) when the source failed.
    finished : bool
        True when no more samples will come.
    stall_timeout_s, start_timeout_s : float or None
        Silence after (before) the first block after which a live source is declared lost.
    """

    fs_hz: float
    channels: int
    name: str
    live: bool
    paced: bool
    n_overflows: int
    error: str | None
    finished: bool
    stall_timeout_s: float | None
    start_timeout_s: float | None

    def start(self, ring: RingBuffer, wake: threading.Event | None = None) -> None: ...

    def stop(self) -> None: ...

    def clock_s(self) -> float | None: ...

    def adc_time_s(self, index: int) -> float | None: ...

    def sample_time_s(self, index: float) -> float: ...
