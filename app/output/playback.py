"""The playback engine: one run of a file range to an output device, without Qt.

Threads
-------
* the caller (the GUI thread, through :class:`specscope.app.gui.playback.Player`)
  creates a :class:`PlaybackRun`, reads :attr:`PlaybackRun.position_s` and
  closes it;
* a **feeder** thread reads the file into a single-producer/single-consumer
  :class:`~specscope.dsp.ring_buffer.RingBuffer` (looping over the range when
  asked), waiting while the ring is full;
* the **PortAudio callback** only copies from the ring into the output buffer
  scaled by the volume: no file access, no import, no lock, no array
  allocation.  Its frame counter is the play position.

What plays is what the view analyses: the mix of the channels or the chosen
channel, as one channel at the file's sample rate (PulseAudio or the ALSA plug
layer up-mix and resample as needed).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np

from specscope.dsp.ring_buffer import RingBuffer

RING_S = 1.0
"""Seconds of audio the feeder keeps ready ahead of the callback."""
FEED_BLOCK_FRAMES = 4096
"""Frames per file read of the feeder."""


@dataclass(frozen=True)
class OutputDevice:
    """An output device as PortAudio lists it: ``index`` (valid until a rescan) and ``name``."""

    index: int
    name: str
    is_default: bool = False


def output_devices() -> list[OutputDevice]:
    """The devices with at least one output channel (empty if PortAudio has none or fails)."""
    try:
        import sounddevice as sd

        devices = sd.query_devices()
        default = sd.default.device[1] if isinstance(sd.default.device, (list, tuple)) else sd.default.device
    except Exception:  # no PortAudio library or no devices: nothing to offer
        return []
    return [OutputDevice(int(i), str(d.get("name", f"device {i}")), int(i) == default)
            for i, d in enumerate(devices) if int(d.get("max_output_channels", 0)) > 0]


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


class PlaybackRun:
    """Play samples ``[start_s, end_s)`` of a file, once or looping, then stop.

    Parameters
    ----------
    path : str
        The audio file.
    channel : str or int
        ``"mix"`` or a 0-based channel index.
    fs_hz : float
        The file's sample rate (the stream runs at it).
    start_s, end_s : float
        Range to play, seconds.
    loop : bool
        Start again at `start_s` after `end_s`, seamlessly, until closed.
    volume : float
        Gain, 0 .. 1 (changeable while playing: :attr:`volume`).
    device : int or None
        PortAudio output device index; None for the default.
    open_stream : bool
        False builds the run without a PortAudio stream (tests drive
        :meth:`callback` themselves).
    render : Render, optional
        A :class:`specscope.app.output.research_playback.Render` (speed,
        band-limited playback): the feeder plays its blocks and the stream runs
        at its ``out_rate_hz``; the position stays in file time.

    Raises
    ------
    Exception
        Whatever PortAudio raises when the stream cannot be opened.
    """

    def __init__(self, path: str, channel: str | int, fs_hz: float, start_s: float, end_s: float, *,
                 loop: bool = False, volume: float = 1.0, device: int | None = None,
                 open_stream: bool = True, render=None) -> None:
        import sounddevice as sd

        self._callback_stop = sd.CallbackStop  # looked up here, never in the callback
        self.fs_hz = float(fs_hz)
        self.start_s = float(start_s)
        self.first_sample = max(0, round(start_s * fs_hz))
        self.n_samples = max(0, round(end_s * fs_hz) - self.first_sample)
        self.loop = bool(loop)
        self.render = render
        self.out_rate_hz = float(render.out_rate_hz) if render is not None else self.fs_hz
        self._file_s_per_frame = render.file_s_per_frame if render is not None else 1.0 / self.fs_hz
        self._loop_frames = render.out_frames(self.n_samples) if render is not None else self.n_samples
        self._gain = np.float32(min(1.0, max(0.0, volume)))
        self.ring = RingBuffer(max(FEED_BLOCK_FRAMES * 2, int(RING_S * self.out_rate_hz)), 1)
        self.n_played = 0
        self.eof = False
        self.done = False
        self.error: str | None = None
        self._stop = threading.Event()
        self._path, self._channel = path, channel
        self._feeder = threading.Thread(target=self._feed, name="specscope-playback-feed", daemon=True)
        self._feeder.start()
        self.stream = None
        if open_stream:
            try:
                self.stream = sd.OutputStream(samplerate=self.out_rate_hz, channels=1, dtype="float32", device=device,
                                              callback=self.callback, finished_callback=self._finished)
                self.stream.start()
            except Exception:
                self._stop.set()
                self._feeder.join(1.0)
                raise

    # --- volume -------------------------------------------------------------------
    @property
    def volume(self) -> float:
        return float(self._gain)

    @volume.setter
    def volume(self, value: float) -> None:
        self._gain = np.float32(min(1.0, max(0.0, float(value))))  # one attribute store: atomic

    # --- feeder thread ---------------------------------------------------------------
    def _feed(self) -> None:
        from specscope.app.io.audio_file import open_audio

        try:
            with open_audio(self._path) as reader:
                while True:
                    if self.render is not None:
                        blocks = self.render.blocks(reader, self.first_sample, self.n_samples, self._channel)
                    else:
                        blocks = reader.blocks(self.first_sample, self.n_samples, channel=self._channel,
                                               block_frames=FEED_BLOCK_FRAMES)
                    wrote = 0
                    for whole in blocks:
                        step = max(1, self.ring.capacity // 2)  # a long rendered block goes in pieces
                        for i in range(0, whole.shape[0], step):
                            block = whole[i: i + step]
                            while self.ring.capacity - (self.ring.n_written - self.ring.n_read) < block.shape[0]:
                                if self._stop.wait(0.005):
                                    return
                            if self._stop.is_set():
                                return
                            self.ring.write(np.asarray(block, dtype=np.float32).reshape(-1, 1))
                            wrote += block.shape[0]
                    if not self.loop or wrote == 0:
                        return
        except Exception as err:  # reported to the GUI as one line
            self.error = " ".join(str(err).split()) or type(err).__name__
        finally:
            self.eof = True

    # --- PortAudio callback thread ------------------------------------------------------
    def callback(self, outdata: np.ndarray, frames: int, time_info, status) -> None:
        """Copy up to `frames` frames from the ring, times the volume; silence after the end.

        Raises ``sounddevice.CallbackStop`` once the feeder is done and the
        ring is empty.
        """
        ring = self.ring
        n = min(frames, ring.n_available)
        if n:
            np.multiply(ring.peek(n), self._gain, out=outdata[:n])
            ring.advance(n)
            self.n_played += n
        if n < frames:
            outdata[n:] = 0.0
            if self.eof and ring.n_available == 0:
                raise self._callback_stop

    def _finished(self) -> None:
        self.done = True

    # --- caller's thread -------------------------------------------------------------------
    @property
    def latency_s(self) -> float:
        try:
            return float(self.stream.latency) if self.stream is not None else 0.0
        except Exception:  # a closed or lost stream: no latency to subtract
            return 0.0

    def position_at(self, n_played: int) -> float:
        """File time in seconds after `n_played` frames (wrapped into the range when looping)."""
        played = max(0, n_played)
        if self.loop and self._loop_frames > 0:
            played %= self._loop_frames
        return self.start_s + played * self._file_s_per_frame

    @property
    def position_s(self) -> float:
        """Time in the file now leaving the speaker: frames played minus the output latency."""
        return self.position_at(self.n_played - round(self.latency_s * self.out_rate_hz))

    @property
    def end_position_s(self) -> float:
        """Where the run stopped: every frame handed to the device counted."""
        return self.position_at(self.n_played)

    def close(self) -> None:
        """Stop the stream and the feeder (returns within about a second)."""
        self._stop.set()
        if self.stream is not None:
            try:
                self.stream.abort()
                self.stream.close()
            except Exception:  # the device may already be gone; nothing left to release
                pass
        self._feeder.join(1.0)
        self.done = True
