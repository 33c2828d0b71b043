"""Playback of an audio file on the default output device, with a play position for a cursor line.

Threads: :class:`Player` lives in the Qt GUI thread; each playback has a
feeder thread that reads the file into a single-producer/single-consumer
:class:`~specscope.dsp.ring_buffer.RingBuffer`, and the PortAudio callback
thread that only copies from that ring into the output buffer (no file access,
no locks, no allocation beyond a view).  The GUI polls the callback's frame
counter on a timer to move the cursor.

What plays is what the view analyses: the mix of the channels or the chosen
channel, as one channel at the file's sample rate (PulseAudio or the ALSA
plug layer up-mix and resample as needed).
"""

from __future__ import annotations

import threading

import numpy as np
from PyQt6.QtCore import QObject, QTimer, pyqtSignal

from specscope.dsp.ring_buffer import RingBuffer

RING_S = 1.0
"""Seconds of audio the feeder keeps ready ahead of the callback."""
FEED_BLOCK_FRAMES = 4096
POSITION_INTERVAL_MS = 30
"""How often the play position is reported (about 33 times a second)."""


def default_output_device() -> tuple[bool, str]:
    """Whether a default output device exists: ``(True, name)`` or ``(False, reason)``."""
    try:
        import sounddevice as sd

        dev = sd.query_devices(kind="output")
    except Exception as err:  # no PortAudio, no device, or no default output
        text = " ".join(str(err).split()) or type(err).__name__
        return False, f"no audio output device ({text})"
    if not dev or int(dev.get("max_output_channels", 0)) < 1:
        return False, "no audio output device"
    return True, str(dev.get("name", "default output"))


class _Playback:
    """One run of the output stream from `start_s` to `end_s` (not Qt; see the module docstring)."""

    def __init__(self, path: str, channel: str | int, fs_hz: float, start_s: float, end_s: float) -> None:
        import sounddevice as sd

        self.fs_hz = fs_hz
        self.start_s = start_s
        self.first_sample = max(0, round(start_s * fs_hz))
        self.n_samples = max(0, round(end_s * fs_hz) - self.first_sample)
        self.ring = RingBuffer(max(FEED_BLOCK_FRAMES * 2, int(RING_S * fs_hz)), 1)
        self.n_played = 0
        self.eof = False
        self.done = False
        self.error: str | None = None
        self._stop = threading.Event()
        self._path, self._channel = path, channel
        self._feeder = threading.Thread(target=self._feed, name="specscope-playback-feed", daemon=True)
        self._feeder.start()
        self.stream = sd.OutputStream(samplerate=fs_hz, channels=1, dtype="float32", callback=self._callback,
                                      finished_callback=self._finished)
        self.stream.start()

    def _feed(self) -> None:
        from specscope.app.io.audio_file import open_audio

        try:
            with open_audio(self._path) as reader:
                blocks = reader.blocks(self.first_sample, self.n_samples, channel=self._channel,
                                       block_frames=FEED_BLOCK_FRAMES)
                for block in blocks:
                    while self.ring.capacity - (self.ring.n_written - self.ring.n_read) < block.shape[0]:
                        if self._stop.wait(0.005):
                            return
                    if self._stop.is_set():
                        return
                    self.ring.write(np.asarray(block, dtype=np.float32).reshape(-1, 1))
        except Exception as err:  # reported to the GUI as one line
            self.error = " ".join(str(err).split()) or type(err).__name__
        finally:
            self.eof = True

    def _callback(self, outdata, frames, time_info, status) -> None:
        import sounddevice as sd

        avail = self.ring.n_available
        n = min(frames, avail)
        if n:
            outdata[:n] = self.ring.peek(n)
            self.ring.advance(n)
            self.n_played += n
        if n < frames:
            outdata[n:] = 0.0
            if self.eof and self.ring.n_available == 0:
                raise sd.CallbackStop

    def _finished(self) -> None:
        self.done = True

    @property
    def position_s(self) -> float:
        """Time in the file now leaving the speaker: frames played minus the output latency."""
        try:
            latency_s = float(self.stream.latency)
        except Exception:
            latency_s = 0.0
        return self.start_s + max(0.0, self.n_played / self.fs_hz - latency_s)

    def close(self) -> None:
        self._stop.set()
        try:
            self.stream.abort()
            self.stream.close()
        except Exception:  # the device may already be gone; nothing left to release
            pass
        self._feeder.join(1.0)


class Player(QObject):
    """Play / pause / seek of one file, reporting the play position.

    Signals
    -------
    position_changed(float)
        Play position in seconds, while playing and after a seek.
    state_changed(bool)
        True when playback starts, False when it pauses or ends.
    failed(str)
        One-line message when the output stream cannot be opened or the file not read.
    """

    position_changed = pyqtSignal(float)
    state_changed = pyqtSignal(bool)
    failed = pyqtSignal(str)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.available, info = default_output_device()
        self.unavailable_reason = "" if self.available else info
        self.device_name = info if self.available else ""
        self._path: str | None = None
        self._channel: str | int = "mix"
        self._fs_hz = 48000.0
        self.duration_s = 0.0
        self._position_s = 0.0
        self._end_s: float | None = None
        self._run: _Playback | None = None
        self._timer = QTimer(self, interval=POSITION_INTERVAL_MS)
        self._timer.timeout.connect(self._poll)

    @property
    def playing(self) -> bool:
        return self._run is not None

    @property
    def position_s(self) -> float:
        return self._run.position_s if self._run is not None else self._position_s

    def set_source(self, path: str, channel: str | int, fs_hz: float, duration_s: float) -> None:
        """Play this file from now on (stops what is playing; position back to 0)."""
        self.stop()
        self._path, self._channel, self._fs_hz, self.duration_s = path, channel, float(fs_hz), float(duration_s)
        self._position_s = 0.0
        self._end_s = None

    def play(self, start_s: float | None = None, end_s: float | None = None) -> None:
        """Play from `start_s` (default: the current position) to `end_s` (default: the end of the file)."""
        if not self.available or self._path is None:
            return
        start = self.position_s if start_s is None else float(start_s)
        end = self.duration_s if end_s is None else min(float(end_s), self.duration_s)
        if start >= end - 1.0 / self._fs_hz:
            start = 0.0 if end_s is None else start
        self._stop_run()
        self._end_s = end if end_s is not None else None
        try:
            self._run = _Playback(self._path, self._channel, self._fs_hz, max(0.0, start), end)
        except Exception as err:  # PortAudio refuses the rate or device: say why, stay paused
            self._run = None
            self.failed.emit(f"playback: {' '.join(str(err).split()) or type(err).__name__}")
            return
        self._timer.start()
        self.state_changed.emit(True)
        self.position_changed.emit(self.position_s)

    def pause(self) -> None:
        if self._run is None:
            return
        self._position_s = self._run.position_s
        self._stop_run()
        self.state_changed.emit(False)
        self.position_changed.emit(self._position_s)

    def toggle(self) -> None:
        if self.playing:
            self.pause()
        else:
            self.play(None, self._end_s)

    def seek(self, t_s: float) -> None:
        """Move the position to `t_s`; playing continues from there to the end of the file."""
        t_s = min(max(0.0, float(t_s)), self.duration_s)
        if self._run is not None:
            self.play(t_s, None)
        else:
            self._position_s = t_s
            self._end_s = None
            self.position_changed.emit(t_s)

    def stop(self) -> None:
        """Stop playing (the position stays)."""
        if self._run is not None:
            self.pause()

    def _stop_run(self) -> None:
        self._timer.stop()
        if self._run is not None:
            run, self._run = self._run, None
            run.close()

    def _poll(self) -> None:
        run = self._run
        if run is None:
            return
        self.position_changed.emit(run.position_s)
        if run.error is not None:
            msg = run.error
            self.pause()
            self.failed.emit(f"playback: {msg}")
        elif run.done:
            self._position_s = run.position_s if self._end_s is not None else run.start_s + run.n_played / run.fs_hz
            self._stop_run()
            self.state_changed.emit(False)
            self.position_changed.emit(self._position_s)

