"""A recording played into the ring buffer as if it were live.

Threads: the constructor, :meth:`FileSource.start` and :meth:`FileSource.stop`
run in the caller's thread; a player thread of its own reads the file in
blocks of about 20 ms and writes each one into the ring buffer when its time
has come (wall clock, or the output device's clock when it also plays the
file), so the DSP worker sees exactly what a live input would deliver.
"""

from __future__ import annotations

import threading
import time

import numpy as np

from specscope.dsp.ring_buffer import RingBuffer

from .capture import TimingAnchors

BLOCK_S = 0.02
"""Duration of one block written into the ring buffer, in seconds: the same period as a sound card's
default callback (:data:`~specscope.app.live.capture.CALLBACK_PERIOD_S`), as each block wakes the worker."""


class FileSourceError(ValueError):
    """The file cannot be played; the message is one line for the user."""


class FileSource:
    """Play an audio file into the pipeline.

    Parameters
    ----------
    path : str
        Any file libsndfile reads (WAV, FLAC, OGG, AIFF...).
    realtime : bool
        Pace the blocks at the file's sample rate.  If False, write as fast
        as the reader consumes, never overwriting unread samples (for tests
        and offline runs).
    loop : bool
        Start again at the beginning after the end.
    play_output : bool
        Also play the file on the default output device; its clock then
        paces the blocks.

    Raises
    ------
    FileSourceError
        If the file cannot be opened or holds no samples.

    Attributes
    ----------
    n_overflows : int
        Always 0 (a file cannot overflow); kept for the source protocol.
    error : str or None
        Why playback stopped early, else None.
    """

    live = False
    stall_timeout_s = None
    start_timeout_s = None

    def __init__(self, path: str, realtime: bool = True, loop: bool = False, play_output: bool = False) -> None:
        import soundfile as sf

        try:
            with sf.SoundFile(path) as f:
                self._fs_hz = float(f.samplerate)
                self._channels = int(f.channels)
                self.n_file_frames = int(f.frames)
        except (sf.LibsndfileError, RuntimeError, OSError) as err:
            raise FileSourceError(f"{path}: cannot open: {err}") from None
        if self.n_file_frames <= 0:
            raise FileSourceError(f"{path}: the file holds no samples")
        self.path = str(path)
        self.name = self.path
        self.realtime = realtime
        self.paced = realtime or play_output
        self.loop = loop
        self.play_output = play_output
        self.block_frames = max(16, round(self._fs_hz * BLOCK_S))
        self.anchors = TimingAnchors(self._fs_hz)
        self.n_overflows = 0
        self.error: str | None = None
        self._ring: RingBuffer | None = None
        self._wake: threading.Event | None = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._finished = False

    @property
    def fs_hz(self) -> float:
        """The file's sample rate in Hz."""
        return self._fs_hz

    @property
    def channels(self) -> int:
        """The file's channel count."""
        return self._channels

    @property
    def finished(self) -> bool:
        """True once the last block was written (not looping), or after :meth:`stop`."""
        return self._finished

    def start(self, ring: RingBuffer, wake: threading.Event | None = None) -> None:
        """Start the player thread writing into `ring`; `wake`, if given, is set after every block."""
        if ring.n_channels != self._channels:
            raise ValueError(f"ring has {ring.n_channels} channels, the file has {self._channels}")
        if not self.realtime and ring.capacity < 2 * self.block_frames:
            raise ValueError(f"ring capacity {ring.capacity} is below two blocks ({2 * self.block_frames})")
        self._ring = ring
        self._wake = wake
        self._thread = threading.Thread(target=self._run, name="specscope-file-source", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop playback and join the player thread; idempotent."""
        self._stop.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=5.0)
        self._finished = True

    def clock_s(self) -> float:
        """Now, on the clock of :meth:`adc_time_s` (``time.monotonic``), in seconds."""
        return time.monotonic()

    def adc_time_s(self, index: int) -> float | None:
        """When sample `index` (counted since :meth:`start`) was handed to the ring buffer, as if captured."""
        return self.anchors.time_of(index)

    def sample_time_s(self, index: float) -> float:
        """Position in the file, in seconds, of sample `index` (wraps when looping)."""
        if self.loop:
            index = index % self.n_file_frames
        return index / self._fs_hz

    # --- player thread ------------------------------------------------------------
    def _run(self) -> None:
        import soundfile as sf

        out_stream = None
        try:
            if self.play_output:
                import sounddevice as sd

                out_stream = sd.OutputStream(samplerate=self._fs_hz, channels=self._channels, dtype="float32")
                out_stream.start()
            with sf.SoundFile(self.path) as f:
                self._play(f, out_stream)
        except Exception as err:  # a file or output error ends playback; the pipeline reports it
            self.error = f"{self.path}: playback failed: {err}"
        finally:
            if out_stream is not None:
                out_stream.close(ignore_errors=True)
            self._finished = True

    def _play(self, f, out_stream) -> None:
        ring = self._ring
        block = np.zeros((self.block_frames, self._channels), dtype=np.float32)
        fs = self._fs_hz
        t0 = time.monotonic()
        written = 0
        while not self._stop.is_set():
            n = f.read(self.block_frames, dtype="float32", always_2d=True, out=block).shape[0]
            if n == 0:
                if not self.loop:
                    return
                f.seek(0)
                continue
            if out_stream is not None:
                out_stream.write(block[:n])
            elif self.realtime:
                delay = t0 + (written + n) / fs - time.monotonic()
                if delay > 0 and self._stop.wait(delay):
                    return
            else:
                while ring.n_written + n - ring.n_read > ring.capacity:
                    if self._stop.wait(0.001):
                        return
            # The block's last sample is "captured" now: sample index `written + n` at this instant.
            self.anchors.put(written + n, time.monotonic())
            ring.write(block[:n])
            written += n
            if self._wake is not None:
                self._wake.set()
