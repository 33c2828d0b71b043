"""The signal generator on its own PortAudio output stream.

Threads: :class:`GeneratorStream` is made, started and stopped in the caller's
thread (the GUI thread, or the main thread of ``specscope generate``); the
PortAudio callback thread only renders the next block of the precomputed
:class:`~specscope.dsp.generator.SignalGenerator` into a buffer allocated
up front and copies it to every output channel: no allocation of sample
buffers, no lock, no import, no file or Python-level loop over samples.

Stopping fades out: :meth:`GeneratorStream.stop` asks the generator for its
raised-cosine fade (``fade_s``, 5 ms by default), the callback ends the stream
once the fade and a tail of silence as long as the output latency have played
(``CallbackStop``; a sound server may drop what it still buffers when the stream closes),
and :meth:`stop` waits for that before closing the device.  Nothing clicks at
start either: after LEAD_S of silence the generator fades in.

Output devices are named as input devices are (:func:`resolve_output_device`:
None for the default, an index, or a unique part of the name); a device that
does not exist, or none at all, raises :class:`~specscope.app.live.devices.DeviceError`
with one line saying why, which the GUI shows as the generator's tooltip.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np

from specscope.app.live.devices import DeviceError
from specscope.dsp.generator import GeneratorSettings, SignalGenerator

BLOCK_FRAMES = 1024
"""Frames per callback (21 ms at 48 kHz)."""
LEAD_S = 0.05
"""Silence played before the fade-in: a sound server that skips the first moments of a new stream skips only it."""
TAIL_S = 0.05
"""Silence played after the fade-out, beyond the stream's output latency, before the stream ends."""
STOP_TIMEOUT_S = 2.0
"""Longest :meth:`GeneratorStream.stop` waits for the fade-out to play before closing anyway."""


@dataclass(frozen=True)
class OutputDevice:
    """A PortAudio device with output channels."""

    index: int
    name: str
    hostapi: str
    max_output_channels: int
    default_fs_hz: float
    is_default: bool

    def label(self) -> str:
        return f'{self.index} "{self.name}" ({self.hostapi})'


def list_output_devices() -> list[OutputDevice]:
    """Every device with output channels, in PortAudio's order (empty when PortAudio is missing)."""
    try:
        import sounddevice as sd

        hostapis = sd.query_hostapis()
        devices = sd.query_devices()
        default = sd.default.device[1]
        if default is None or default < 0:
            try:
                default = int(sd.query_devices(kind="output")["index"])
            except sd.PortAudioError:
                default = -1
    except (ImportError, OSError):
        return []
    return [
        OutputDevice(index=int(d["index"]), name=str(d["name"]), hostapi=str(hostapis[d["hostapi"]]["name"]),
                     max_output_channels=int(d["max_output_channels"]),
                     default_fs_hz=float(d["default_samplerate"]), is_default=int(d["index"]) == int(default))
        for d in devices
        if d["max_output_channels"] > 0
    ]


def resolve_output_device(spec: int | str | None) -> OutputDevice:
    """Find an output device: None (the default), an index, or an exact or unique partial name.

    Raises
    ------
    DeviceError
        No output device at all, or none (or several) matching `spec`; one line naming the choices.
    """
    devices = list_output_devices()
    if not devices:
        raise DeviceError("no audio output device: PortAudio lists none")
    available = "; ".join(d.label() for d in devices)
    if spec is None or (isinstance(spec, str) and not spec.strip()):
        return next((d for d in devices if d.is_default), devices[0])
    if isinstance(spec, str) and spec.strip().isdigit():
        spec = int(spec.strip())
    if isinstance(spec, int) and not isinstance(spec, bool):
        for d in devices:
            if d.index == spec:
                return d
        raise DeviceError(f"no output device with index {spec}; available: {available}")
    exact = [d for d in devices if d.name == spec]
    if exact:
        return exact[0]
    matches = [d for d in devices if str(spec).lower() in d.name.lower()]
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise DeviceError(f"output device name {spec!r} is ambiguous: it matches "
                          + "; ".join(d.label() for d in matches))
    raise DeviceError(f"unknown output device {spec!r}; available: {available}")


class GeneratorStream:
    """Plays one :class:`GeneratorSettings` on an output device until stopped (or for a number of frames).

    Parameters
    ----------
    settings : GeneratorSettings
        What to play; ``settings.fs_hz`` is the stream's sample rate.
    device : int, str or None
        Output device (see :func:`resolve_output_device`).
    channels : int, optional
        Output channels, the same signal on each; default 1 (the sound server spreads it).
    n_frames : int, optional
        Play this many frames (faded out at the end) and stop by itself; default: until :meth:`stop`.

    Raises
    ------
    DeviceError
        The device is missing or refuses the rate or channel count (one line).
    """

    def __init__(self, settings: GeneratorSettings, device: int | str | None = None, channels: int = 1,
                 n_frames: int | None = None) -> None:
        import sounddevice as sd

        self.device = resolve_output_device(device)
        if not 1 <= channels <= self.device.max_output_channels:
            raise DeviceError(f"output device {self.device.label()} has {self.device.max_output_channels} "
                              f"channel(s), asked for {channels}")
        self.settings = settings
        self.generator = SignalGenerator(settings, max_frames=BLOCK_FRAMES)
        self._buf = np.zeros(BLOCK_FRAMES, np.float32)
        self._n_frames = n_frames
        self._stop_at = None if n_frames is None else max(0, n_frames - (self.generator.n_fade + 1))
        self._stop_exc = sd.CallbackStop
        self.n_underflows = 0
        """Callbacks PortAudio flagged as output underflow."""
        self.n_played = 0
        """Frames handed to PortAudio so far (callback thread)."""
        self.finished = threading.Event()
        """Set when the stream has ended (fade played, or stopped)."""
        try:
            self.stream = sd.OutputStream(samplerate=settings.fs_hz, device=self.device.index, channels=channels,
                                          dtype="float32", blocksize=BLOCK_FRAMES, callback=self._callback,
                                          finished_callback=self.finished.set)
        except (sd.PortAudioError, ValueError) as err:
            raise DeviceError(f"output device {self.device.label()} refused {settings.fs_hz:g} Hz, "
                              f"{channels} channel(s): {' '.join(str(err).split())}") from None
        # After the fade, silence for the output latency and 50 ms more before the stream ends, so a
        # sound server that drops what it still holds when the stream closes drops only zeros.
        self._tail_left = round((float(self.stream.latency) + TAIL_S) * settings.fs_hz)
        self._lead_left = round(LEAD_S * settings.fs_hz)

    # --- PortAudio's callback thread ------------------------------------------------
    def _callback(self, outdata, frames, time_info, status) -> None:
        if status.output_underflow:
            self.n_underflows += 1
        gen, buf = self.generator, self._buf
        done = 0
        if self._lead_left > 0:  # silence first, then the fade-in
            done = min(frames, self._lead_left)
            outdata[:done] = 0.0
            self._lead_left -= done
        while done < frames:
            n = min(frames - done, BLOCK_FRAMES)
            if self._stop_at is not None and gen.n_rendered >= self._stop_at:
                gen.stop()
            gen.render(n, buf[:n])
            outdata[done : done + n] = buf[:n, None]
            done += n
        self.n_played += frames
        if gen.finished:
            self._tail_left -= frames
            if self._tail_left <= 0:
                raise self._stop_exc

    # --- caller's thread ------------------------------------------------------------
    def start(self) -> None:
        """Start playing (fading in)."""
        self.stream.start()

    @property
    def active(self) -> bool:
        """True while the stream plays."""
        return bool(self.stream.active) and not self.finished.is_set()

    def wait(self, timeout_s: float | None = None) -> bool:
        """Wait until the stream ends by itself (``n_frames`` played); True if it did."""
        return self.finished.wait(timeout_s)

    def stop(self) -> None:
        """Fade out, wait for the fade to play (at most STOP_TIMEOUT_S), close the device; idempotent."""
        self.generator.stop()
        if self.stream.active:
            self.finished.wait(STOP_TIMEOUT_S)
        self.close()

    def close(self) -> None:
        """Close the device at once (no fade)."""
        try:
            self.stream.close()
        finally:
            self.finished.set()
