"""Live input: a PortAudio input stream whose callback copies blocks into the ring buffer.

Threads: the constructor, :meth:`CaptureSource.start` and :meth:`CaptureSource.stop`
run in the caller's thread; :meth:`CaptureSource._callback` runs in PortAudio's
audio thread and does nothing but copy the block into the preallocated
:class:`~specscope.dsp.ring_buffer.RingBuffer`, note the block's ADC time,
count status flags and wake the worker: it never allocates arrays, logs,
computes or waits for the worker.  The
DSP worker reads the counters and the timing anchors.  After the copy the callback sets the
worker's wake-up event (``threading.Event.set``: a lock held for a few instructions, never
while the worker computes).
"""

from __future__ import annotations

import math
import threading
import time

import numpy as np

from specscope.dsp.ring_buffer import RingBuffer

from .devices import DeviceError, InputDevice, portaudio, resolve_input_device

N_ANCHORS = 64
"""Timing anchors kept: the reader uses the newest; the writer would have to lap 64 blocks to tear it."""

LATENCY_CHOICES = ("low", "high")

CALLBACK_PERIOD_S = 0.02
"""Default callback period: blocks of the power of two nearest 20 ms of audio (1024 samples at 48 kHz).

Every callback wakes PortAudio's thread, the sound server's client thread and (see
:meth:`CaptureSource.start`) the DSP worker, and on this machine a wake-up costs several times the
numpy work it does.  With blocksize 0 at low latency the PulseAudio device called back about 470
times a second; with 20 ms blocks and the worker woken by each one, the pipeline (callback + worker)
measured 2.6-2.9 % of a core and a median latency of 13.5 ms (``benchmarks/bench_live_latency.py``),
against 4-5.5 % and 14 ms for 10 ms blocks with the worker polling every 20-25 ms.
"""


def default_blocksize(fs_hz: float) -> int:
    """Samples per callback when none is asked for: ``2 ** round(log2(fs_hz * CALLBACK_PERIOD_S))``, at least 64."""
    return max(64, 2 ** round(math.log2(fs_hz * CALLBACK_PERIOD_S)))


def parse_latency(latency: str | float) -> str | float:
    """``'low'``, ``'high'`` or a positive number of seconds (also as a string)."""
    if isinstance(latency, str):
        if latency in LATENCY_CHOICES:
            return latency
        try:
            latency = float(latency)
        except ValueError:
            raise DeviceError(f"latency must be 'low', 'high' or seconds, got {latency!r}") from None
    if isinstance(latency, bool) or not isinstance(latency, (int, float)) or not (0 < latency <= 10):
        raise DeviceError(f"latency must be 'low', 'high' or seconds in (0, 10], got {latency!r}")
    return float(latency)


class TimingAnchors:
    """(sample index, time) pairs written by one producer, read by one consumer, without locks.

    The producer writes slot ``k = count % N_ANCHORS`` and then increments
    ``count``; the consumer reads slot ``(count - 1) % N_ANCHORS``.  The time of
    sample n is ``t + (n - index) / fs_hz`` from the newest anchor.

    One clock: :class:`CaptureSource` stores times on the host's monotonic clock
    (``time.monotonic``), the clock the pipeline reads at publication.  PortAudio's own times
    (``inputBufferAdcTime``, ``Stream.time``) are on the stream's clock, which for ALSA is the
    status timestamp of the PCM (wall-clock time, and for a hardware device the time of the last
    period, not "now"); only the *age* of a block, ``currentTime - inputBufferAdcTime`` (one
    status snapshot), is taken from PortAudio.  And the anchor never puts a block's last sample
    later than the callback that delivered it: PortAudio's buffer processor stamps a user block
    with the ADC time of the host buffer it ends in, which with the 1024-sample blocks at 48 kHz
    claimed samples captured up to 8 ms *after* their delivery, the cause of the negative latencies
    reported before.  So a sample's latency from its anchor to any later reading of the clock is
    never negative.
    """

    def __init__(self, fs_hz: float) -> None:
        self.fs_hz = fs_hz
        self.slots = np.zeros((N_ANCHORS, 2), dtype=np.float64)
        self.count = 0

    def put(self, index: int, time_s: float) -> None:
        """Producer: sample `index` was captured at `time_s`."""
        k = self.count % N_ANCHORS
        self.slots[k, 0] = index
        self.slots[k, 1] = time_s
        self.count += 1

    def time_of(self, index: int) -> float | None:
        """Consumer: capture time of sample `index` (seconds on the source's clock), None before the first anchor."""
        count = self.count
        if count == 0:
            return None
        k = (count - 1) % N_ANCHORS
        anchor_index, anchor_s = self.slots[k]
        return float(anchor_s + (index - anchor_index) / self.fs_hz)


class CaptureSource:
    """A sound card input as a pipeline source.

    Parameters
    ----------
    device : int, str or None
        Device index or name (see :func:`~specscope.app.live.devices.resolve_input_device`);
        None for the default input.
    fs_hz : float, optional
        Sample rate in Hz; default: the device's default rate.
    channels : int, optional
        Channels to record; default: 1, or 2 if the device refuses mono.
    latency : str or float
        PortAudio's suggested latency: ``'low'``, ``'high'`` or seconds.
    blocksize : int or None
        Samples per callback; None (default): :func:`default_blocksize`, about 20 ms; 0 lets PortAudio
        deliver whatever it has (the lowest latency, and the most wake-ups).

    Raises
    ------
    DeviceError
        One line naming the device and what it refused (unknown device, sample
        rate or channel count it cannot record).

    Attributes
    ----------
    n_overflows : int
        Callbacks that PortAudio flagged with an input overflow (samples lost
        before they reached us).
    n_status_flags : int
        Callbacks with any status flag.
    error : str or None
        Why the stream stopped by itself (device lost), else None.
    """

    live = True
    paced = True
    stall_timeout_s = 1.5
    """A running stream silent for this long (after its first block) is reported as lost."""
    start_timeout_s = 5.0
    """Allowed wait for the first block (some sound servers start slowly)."""

    def __init__(
        self,
        device: int | str | None = None,
        fs_hz: float | None = None,
        channels: int | None = None,
        latency: str | float = "low",
        blocksize: int | None = None,
    ) -> None:
        sd = portaudio()  # PortAudio's ALSA chatter goes to the native log, not the terminal
        self._sd = sd
        self.device: InputDevice = resolve_input_device(device)
        self.latency = parse_latency(latency)
        if blocksize is not None and (isinstance(blocksize, bool) or not isinstance(blocksize, int) or blocksize < 0):
            raise DeviceError(f"blocksize must be a number of samples >= 0, got {blocksize!r}")
        if fs_hz is None:
            fs_hz = self.device.default_fs_hz
        if isinstance(fs_hz, bool) or not isinstance(fs_hz, (int, float)) or not (math.isfinite(fs_hz) and fs_hz > 0):
            raise DeviceError(f"sample rate must be a positive number of Hz, got {fs_hz!r}")
        self._fs_hz = float(fs_hz)
        self.blocksize = default_blocksize(self._fs_hz) if blocksize is None else blocksize
        if channels is None:
            stereo = min(2, self.device.max_input_channels)
            channels = 1 if self._supported(1) is None or self._supported(stereo) is not None else stereo
        if isinstance(channels, bool) or not isinstance(channels, int) or channels < 1:
            raise DeviceError(f"channels must be a positive integer, got {channels!r}")
        self._channels = channels
        reason = self._supported(channels)
        if reason is not None:
            raise DeviceError(
                f"device {self.device.label()} cannot record {channels} channel(s) at {self._fs_hz:g} Hz: {reason} (it "
                f"offers up to {self.device.max_input_channels} channel(s), default {self.device.default_fs_hz:g} Hz)"
            )
        self.name = self.device.name
        self._stream = None
        self._ring: RingBuffer | None = None
        self._wake: threading.Event | None = None
        self.anchors = TimingAnchors(self._fs_hz)
        self.n_overflows = 0
        self.n_status_flags = 0
        self.error: str | None = None
        self._stopping = False
        self._finished = False

    def _supported(self, channels: int) -> str | None:
        """None if the device accepts the settings, else PortAudio's reason."""
        sd = self._sd
        try:
            sd.check_input_settings(device=self.device.index, samplerate=self._fs_hz, channels=channels,
                                    dtype="float32")
        except (sd.PortAudioError, ValueError) as err:
            return str(err.args[0] if err.args else err).split(" [PaErrorCode")[0]
        return None

    # --- Source protocol --------------------------------------------------------
    @property
    def fs_hz(self) -> float:
        """Sample rate in Hz."""
        return self._fs_hz

    @property
    def channels(self) -> int:
        """Channels per sample frame."""
        return self._channels

    @property
    def finished(self) -> bool:
        """True once the stream has stopped (by :meth:`stop` or by itself)."""
        return self._finished

    def start(self, ring: RingBuffer, wake: threading.Event | None = None) -> None:
        """Open the stream and start writing into `ring` (which must have :attr:`channels` channels).

        `wake`, if given, is set after every block written: the DSP worker waits on it, so it runs
        right after the samples land instead of polling.
        """
        if ring.n_channels != self._channels:
            raise ValueError(f"ring has {ring.n_channels} channels, the source records {self._channels}")
        sd = self._sd
        self._ring = ring
        self._wake = wake
        try:
            self._stream = sd.InputStream(
                device=self.device.index,
                samplerate=self._fs_hz,
                channels=self._channels,
                dtype="float32",
                latency=self.latency,
                blocksize=self.blocksize,
                callback=self._callback,
                finished_callback=self._on_finished,
            )
            self._stream.start()
        except sd.PortAudioError as err:
            self._stream = None
            raise DeviceError(f"cannot open device {self.device.label()}: {err}") from None

    def stop(self) -> None:
        """Stop and close the stream; idempotent."""
        self._stopping = True
        stream, self._stream = self._stream, None
        if stream is not None:
            try:
                stream.close(ignore_errors=True)
            except self._sd.PortAudioError:
                pass
        self._finished = True

    def clock_s(self) -> float:
        """Now, on the clock of the ADC times (``time.monotonic``, s; see :class:`TimingAnchors`)."""
        return time.monotonic()

    def adc_time_s(self, index: int) -> float | None:
        """ADC time (``time.monotonic`` clock, s) of sample `index` counted since :meth:`start`."""
        return self.anchors.time_of(index)

    def sample_time_s(self, index: float) -> float:
        """Seconds since the stream started at sample `index`."""
        return index / self._fs_hz

    @property
    def actual_latency_s(self) -> float | None:
        """Input latency PortAudio reports for the open stream, in seconds."""
        stream = self._stream
        return None if stream is None else float(stream.latency)

    # --- PortAudio thread ---------------------------------------------------------
    def _callback(self, indata, frames, time_info, status) -> None:
        now_s = time.monotonic()
        ring = self._ring
        # Age of the block's first sample on the stream's clock (one snapshot), at least the block's own
        # length: its last sample cannot have been captured after this callback (see TimingAnchors).
        block_s = (frames - 1) / self._fs_hz
        adc_s = time_info.inputBufferAdcTime
        age_s = time_info.currentTime - adc_s if adc_s else block_s
        self.anchors.put(ring.n_written, now_s - (age_s if age_s > block_s else block_s))
        ring.write(indata)
        if status:
            self.n_status_flags += 1
            if status.input_overflow:
                self.n_overflows += 1
        wake = self._wake
        if wake is not None:
            wake.set()

    def _on_finished(self) -> None:
        if not self._stopping:
            self.error = f"input device {self.device.label()} stopped delivering audio (disconnected?)"
        self._finished = True
