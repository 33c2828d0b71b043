"""The live pipeline: source -> ring buffer -> DSP worker -> frames for consumers.

Threads:

* the **source** writes sample frames into a preallocated
  :class:`~specscope.dsp.ring_buffer.RingBuffer` from its own thread (the
  PortAudio callback for a sound card, a player thread for a file);
* the **DSP worker** (a plain ``threading.Thread`` started by
  :meth:`Pipeline.start`) reads what has arrived, mixes or picks the channel,
  runs :class:`~specscope.dsp.stft.StreamingStft`, computes each frame's RMS
  (its peak is estimated when a consumer first asks for it) and calls
  ``on_frames`` with every batch of new frames; it also detects a failed
  source and calls ``on_error`` once;
* the **caller** (GUI or CLI thread) constructs, starts, stops, changes the
  configuration (:meth:`Pipeline.set_config`, picked up by the worker before
  its next frame) and reads :meth:`Pipeline.stats`.

Sample and frame bookkeeping: samples are counted from the start of the
source ("absolute" indices).  Each configuration run has an origin o; its
frame j covers absolute samples ``[o + j*hop, o + j*hop + n_fft)``.  When
samples are lost (the ring buffer was overwritten, or the worker skipped a
backlog to catch up) the run restarts at the first sample after the gap and
the frames that could not be computed are counted as dropped; frame
``index`` advances by them, so gaps in ``index`` are exactly the dropped
frames.  A new configuration starts a run whose first frame ends where the
old run's next frame would have ended, using samples kept in a history.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from specscope.dsp.channels import mix_to_mono
from specscope.dsp.config import AMIN, N_FFT_MAX, StftConfig
from specscope.dsp.peaks import Peak, estimate_peak
from specscope.dsp.ring_buffer import RingBuffer
from specscope.dsp.stft import StreamingStft, frame_view

RING_S = 2.0
"""Ring buffer length in seconds of audio: how long the worker may stall before samples are lost."""
RING_MIN = 4096
"""Smallest ring buffer, in sample frames."""
MAX_LAG_S = 0.5
"""A worker more than this far behind (or two frames, if longer) skips ahead and counts the frames it drops."""
N_LATENCIES = 1 << 16
"""Latencies kept for the median and 95th percentile (the most recent frames)."""
WAIT_MAX_S = 0.025
"""Longest the worker waits for the source's wake-up before it looks again (stall detection, a
source that does not wake it)."""


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


_UNSET = object()


@dataclass(frozen=True, init=False, eq=False)
class LiveFrame:
    """One published STFT frame.

    Attributes
    ----------
    db : numpy.ndarray
        float32 (cfg.n_freqs,) spectrum in dBFS.
    t_s : float
        Frame centre time in seconds since the source started (file sources: time in the file).
    index : int
        Frame counter since start; monotonic, a gap of g means g dropped frames.
    peak : Peak or None
        Interpolated strongest peak of the frame (:func:`specscope.dsp.peaks.estimate_peak`).  Frames from
        the pipeline compute it on first access, in the reading thread, from the frame's complex spectrum
        (about 1 ms at n_fft 2048, 10 ms at 65536 x 8): consumers read the peak of the frames they show, not
        of all of them, which keeps the worker under 5 % of a core at 48 kHz, hop 128.
    rms_dbfs : float
        ``20 log10(sqrt(mean(x^2)))`` over the frame's n_fft samples (full-scale sine: -3.01 dBFS).
    cfg : StftConfig
        The configuration the frame was computed with.
    latency_ms : float or None
        From the ADC time of the frame's last sample to its publication, in ms.
    sample_start : int
        Absolute index (since the source started) of the frame's first sample.
    """

    db: np.ndarray
    t_s: float
    index: int
    rms_dbfs: float
    cfg: StftConfig
    latency_ms: float | None
    sample_start: int
    _peak: object = field(repr=False, compare=False)
    _spectrum: np.ndarray | None = field(repr=False, compare=False)

    def __init__(
        self,
        db: np.ndarray,
        t_s: float,
        index: int,
        peak: Peak | None = _UNSET,  # type: ignore[assignment]
        rms_dbfs: float = float("nan"),
        cfg: StftConfig | None = None,
        latency_ms: float | None = None,
        sample_start: int = 0,
        spectrum: np.ndarray | None = None,
    ) -> None:
        if peak is _UNSET and spectrum is None:
            peak = None
        for name, value in (("db", db), ("t_s", t_s), ("index", index), ("rms_dbfs", rms_dbfs), ("cfg", cfg),
                            ("latency_ms", latency_ms), ("sample_start", sample_start), ("_peak", peak),
                            ("_spectrum", spectrum)):
            object.__setattr__(self, name, value)

    @property
    def peak(self) -> Peak | None:
        """The frame's strongest peak (computed once, on first access)."""
        peak = self._peak
        if peak is _UNSET:
            peak = estimate_peak(self._spectrum, self.cfg)
            object.__setattr__(self, "_peak", peak)
            object.__setattr__(self, "_spectrum", None)
        return peak  # type: ignore[return-value]


@dataclass(frozen=True)
class PipelineStats:
    """Counters of a pipeline, cumulative since :meth:`Pipeline.start`.

    Attributes
    ----------
    frames : int
        Frames published.
    overflows : int
        Input overflows PortAudio reported (callbacks flagged).
    overwritten : int
        Samples the ring buffer overwrote before the worker read them.
    dropped : int
        Frames not computed because samples were lost or skipped.
    latency_ms_median, latency_ms_p95 : float or None
        Median and 95th percentile, over the most recent frames (up to 65536), of the time from the
        ADC time of a frame's last sample to its publication, in ms.
    dsp_ms_per_frame : float or None
        Mean worker time per published frame (STFT and RMS), in ms.
    samples_in : int
        Samples delivered to the worker (read from the ring buffer).
    """

    frames: int
    overflows: int
    overwritten: int
    dropped: int
    latency_ms_median: float | None
    latency_ms_p95: float | None
    dsp_ms_per_frame: float | None
    samples_in: int


class _History:
    """The last `capacity` mono samples the worker read, addressable by absolute index (worker thread only)."""

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
        """Samples with absolute indices ``start .. stop-1`` (must be held)."""
        if start < self.first or stop > self.end or start > stop:
            raise ValueError(f"samples {start}..{stop} not in history {self.first}..{self.end}")
        base = self._fill - (self.end - start)
        return self._buf[base : base + (stop - start)]


class Pipeline:
    """Run a source through the streaming STFT in a worker thread.

    Parameters
    ----------
    source : Source
        Where samples come from; the pipeline starts and stops it.
    cfg : StftConfig
        Initial transform settings; ``cfg.fs_hz`` must equal ``source.fs_hz``.
    channel : str or int
        ``'mix'`` (mean of all channels) or a 0-based channel index.
    on_frames : callable, optional
        ``on_frames(frames)`` from the worker thread with each batch of new
        :class:`LiveFrame` (oldest first).  It should return quickly: while it
        runs the worker does not read, and a long stall costs dropped frames.
    on_error : callable, optional
        ``on_error(message)`` from the worker thread, once, when the source
        fails (device lost); the pipeline has stopped by then.
    on_end : callable, optional
        ``on_end()`` from the worker thread when a finite source (a file not
        looping) has been played completely and its last frames published.
    on_samples : callable, optional
        ``on_samples(start, mono)`` from the worker thread with every block of
        mono samples it reads (absolute index of the first sample, float32):
        a tap for tests and recorders.
    on_block : callable, optional
        ``on_block(start, block)`` from the worker thread with every raw block it
        reads, all channels, shape (n, channels), float32, read-only: the tap of
        the level meters.  May be set (or cleared) while running.
    ring_s : float
        Ring buffer length in seconds (at least RING_MIN samples): how long
        the worker may stall before the source overwrites unread samples.
    max_lag_s : float
        Largest backlog the worker works through from a paced source; beyond
        it (or beyond two frames, whichever is longer) it skips to the newest
        samples and counts the frames it drops.

    Raises
    ------
    ValueError
        If `cfg` does not match the source's sample rate or `channel` is not one of its channels.
    """

    def __init__(
        self,
        source: Source,
        cfg: StftConfig,
        channel: str | int = "mix",
        on_frames: Callable[[list[LiveFrame]], None] | None = None,
        on_error: Callable[[str], None] | None = None,
        on_end: Callable[[], None] | None = None,
        on_samples: Callable[[int, np.ndarray], None] | None = None,
        on_block: Callable[[int, np.ndarray], None] | None = None,
        ring_s: float = RING_S,
        max_lag_s: float = MAX_LAG_S,
    ) -> None:
        self.source = source
        self._check_cfg(cfg)
        n_ch = int(source.channels)
        if channel != "mix":
            if isinstance(channel, bool) or not isinstance(channel, (int, np.integer)) or not 0 <= channel < n_ch:
                raise ValueError(f"channel must be 'mix' or an index in 0..{n_ch - 1}, got {channel!r}")
            channel = int(channel)
        self.channel = channel
        self.on_frames = on_frames
        self.on_error = on_error
        self.on_end = on_end
        self.on_samples = on_samples
        self.on_block = on_block
        self.max_lag_s = float(max_lag_s)
        fs = float(source.fs_hz)
        self.ring = RingBuffer(max(round(ring_s * fs), RING_MIN), n_ch)
        self._cfg = cfg
        self._pending_cfg: StftConfig | None = None
        self._lock = threading.Lock()
        self._stop_event = threading.Event()
        self._wake = threading.Event()
        """Set by the source after each block it writes (and by stop): the worker runs when samples land."""
        self._thread: threading.Thread | None = None
        self._started = False
        self._stopped = False
        self.error: str | None = None
        # Counters written by the worker, read by stats().
        self._frames = 0
        self._dropped = 0
        self._samples_in = 0
        self._dsp_s = 0.0
        self._latencies_ms = np.full(N_LATENCIES, np.nan)
        self._n_latencies = 0

    def _check_cfg(self, cfg: StftConfig) -> None:
        if not isinstance(cfg, StftConfig):
            raise ValueError(f"cfg must be a StftConfig, got {type(cfg).__name__}")
        if cfg.fs_hz != float(self.source.fs_hz):
            raise ValueError(f"cfg.fs_hz is {cfg.fs_hz:g} Hz but the source runs at {float(self.source.fs_hz):g} Hz")

    # --- caller's thread ------------------------------------------------------------
    @property
    def fs_hz(self) -> float:
        """The source's sample rate in Hz."""
        return float(self.source.fs_hz)

    @property
    def cfg(self) -> StftConfig:
        """The configuration in force (or about to be, after :meth:`set_config`)."""
        with self._lock:
            return self._pending_cfg or self._cfg

    @property
    def running(self) -> bool:
        """True from :meth:`start` until :meth:`stop`, a source failure or the end of a file."""
        thread = self._thread
        return thread is not None and thread.is_alive() and not self._stop_event.is_set()

    def start(self) -> None:
        """Start the source and the worker thread.

        Raises
        ------
        DeviceError
            If the device refuses to open (from the source).
        RuntimeError
            If called twice.
        """
        if self._started:
            raise RuntimeError("a Pipeline can be started once; make a new one")
        self._started = True
        self._t_start = time.monotonic()
        self.source.start(self.ring, self._wake)
        self._thread = threading.Thread(target=self._run, name="specscope-dsp-worker", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the worker and the source (closing the device); idempotent."""
        self._stop_event.set()
        self._wake.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=10.0)
        self._stop_source()

    def _stop_source(self) -> None:
        with self._lock:
            if self._stopped:
                return
            self._stopped = True
        self.source.stop()

    def set_config(self, cfg: StftConfig) -> None:
        """Use `cfg` from the next frame on; the device stays open.

        Raises
        ------
        ValueError
            If ``cfg.fs_hz`` differs from the source's rate.
        """
        self._check_cfg(cfg)
        with self._lock:
            self._pending_cfg = cfg

    def stats(self) -> PipelineStats:
        """A snapshot of the counters (any thread)."""
        with self._lock:
            n = min(self._n_latencies, N_LATENCIES)
            lat = self._latencies_ms[:n].copy()
            frames, dropped, samples_in, dsp_s = self._frames, self._dropped, self._samples_in, self._dsp_s
        median = p95 = None
        if n:
            median, p95 = (float(v) for v in np.percentile(lat, [50.0, 95.0]))
        return PipelineStats(
            frames=frames,
            overflows=int(self.source.n_overflows),
            overwritten=int(self.ring.n_overwritten),
            dropped=dropped,
            latency_ms_median=median,
            latency_ms_p95=p95,
            dsp_ms_per_frame=1e3 * dsp_s / frames if frames else None,
            samples_in=samples_in,
        )

    # --- worker thread ----------------------------------------------------------------
    def _run(self) -> None:
        try:
            ended = self._loop()
        except Exception as err:  # a bug or an unexpected source failure: report it, never die silently
            self._fail(f"DSP worker stopped: {type(err).__name__}: {err}")
            return
        if ended and self.on_end is not None:
            self.on_end()

    def _fail(self, message: str) -> None:
        self.error = message
        self._stop_event.set()
        self._stop_source()
        if self.on_error is not None:
            self.on_error(message)

    def _start_run(self, cfg: StftConfig, origin: int) -> None:
        """Begin frames of `cfg` at absolute sample `origin`, feeding it what the history holds."""
        self._run_cfg = cfg
        self._stream = StreamingStft(cfg, keep_spectrum=True)
        self._origin = origin
        if origin < self._history.end:
            self._process(self._history.view(origin, self._history.end))

    def _next_frame_start(self) -> int:
        return self._origin + self._stream.next_frame_start

    def _loop(self) -> bool:
        """The worker; returns True if a finite source ended, False if stopped or failed."""
        src, ring = self.source, self.ring
        fs = float(src.fs_hz)
        self._history = _History(N_FFT_MAX + ring.capacity)
        self._index = 0
        with self._lock:
            cfg = self._cfg
        self._start_run(cfg, 0)
        last_written, last_change = ring.n_written, time.monotonic()
        while not self._stop_event.is_set():
            with self._lock:
                pending, self._pending_cfg = self._pending_cfg, None
                if pending is not None:
                    self._cfg = pending
            if pending is not None and pending != self._run_cfg:
                self._change_config(pending)
            avail = ring.n_available  # also counts what the writer overwrote
            if avail == 0:
                now = time.monotonic()
                if ring.n_written != last_written:
                    last_written, last_change = ring.n_written, now
                if src.error is not None:
                    self._fail(src.error)
                    return False
                if src.finished:
                    return not self._stop_event.is_set()
                limit = src.stall_timeout_s if ring.n_written else src.start_timeout_s
                if src.live and limit is not None and now - last_change > limit:
                    what = "stopped delivering audio" if ring.n_written else "delivered no audio"
                    self._fail(f"input {src.name!r} {what} for {now - last_change:.1f} s (disconnected?)")
                    return False
                # Cleared before the ring is looked at again: a block written after this still wakes us.
                self._wake.wait(WAIT_MAX_S)
                self._wake.clear()
                continue
            last_written, last_change = ring.n_written, time.monotonic()
            lag_limit = max(int(self.max_lag_s * fs), 2 * self._run_cfg.n_fft)
            if src.paced and avail > lag_limit:
                ring.advance(avail - self._run_cfg.n_fft)
            expected = self._history.end
            block = ring.read()
            start = ring.n_read - block.shape[0]
            if start != expected:
                self._gap(start)
            on_block = self.on_block
            if on_block is not None:
                block.flags.writeable = False
                on_block(start, block)
            if block.shape[1] == 1:
                mono = block.reshape(-1)  # ring.read returned a fresh contiguous copy
            elif self.channel == "mix":
                mono = mix_to_mono(block)
            else:
                mono = np.ascontiguousarray(block[:, self.channel])
            with self._lock:
                self._samples_in += mono.shape[0]
            if self.on_samples is not None:
                self.on_samples(start, mono)
            self._history.append(mono)
            self._process(mono)
        return False

    def _gap(self, start: int) -> None:
        """Samples before absolute index `start` were lost: restart the run there, count dropped frames."""
        hop = self._run_cfg.hop
        lost = max(0, start - self._next_frame_start())
        n_dropped = -(-lost // hop)
        self._index += n_dropped
        with self._lock:
            self._dropped += n_dropped
        self._history.restart(start)
        self._stream = StreamingStft(self._run_cfg, keep_spectrum=True)
        self._origin = start

    def _change_config(self, cfg: StftConfig) -> None:
        """Start frames of `cfg` ending where the old run's next frame would have ended."""
        old_end = self._next_frame_start() + self._run_cfg.n_fft
        origin = min(max(old_end - cfg.n_fft, self._history.first), self._history.end)
        self._start_run(cfg, origin)

    def _process(self, mono: np.ndarray) -> None:
        """Push samples into the current run and publish the frames they complete.

        Per batch, not per frame: one STFT call, one sum of squares for all
        the frames' RMS, one clock and ADC-time lookup (frame i's last sample
        is ``(m - 1 - i) * hop`` samples before the batch's last one).
        """
        t0 = time.perf_counter()
        cfg, stream = self._run_cfg, self._stream
        first_local = stream.n_frames_out
        db, spectra = stream.push(mono)
        m = db.shape[0]
        if m == 0:
            return
        n_fft, hop = cfg.n_fft, cfg.hop
        first = self._origin + first_local * hop
        segment = self._history.view(first, first + (m - 1) * hop + n_fft)
        frames_x = frame_view(segment, n_fft, hop)
        mean_sq = np.einsum("ij,ij->i", frames_x, frames_x, dtype=np.float64) / n_fft
        rms_dbfs = (10.0 * np.log10(np.maximum(mean_sq, AMIN * AMIN))).tolist()
        src = self.source
        now = src.clock_s()
        last_end = first + (m - 1) * hop + n_fft - 1
        adc_last = src.adc_time_s(last_end) if now is not None else None
        lat: list[float] = []
        if adc_last is not None and math.isfinite(adc_last):
            hop_ms = 1e3 * hop / src.fs_hz
            lat = [1e3 * (now - adc_last) + (m - 1 - i) * hop_ms for i in range(m)]
        frames = [
            LiveFrame(
                db=db[i],
                t_s=float(src.sample_time_s(first + i * hop + n_fft / 2.0)),
                index=self._index + i,
                rms_dbfs=rms_dbfs[i],
                cfg=cfg,
                latency_ms=lat[i] if lat else None,
                sample_start=first + i * hop,
                spectrum=spectra[i],
            )
            for i in range(m)
        ]
        self._index += m
        dsp_s = time.perf_counter() - t0
        with self._lock:
            self._frames += m
            self._dsp_s += dsp_s
            for ms in lat:
                self._latencies_ms[self._n_latencies % N_LATENCIES] = ms
                self._n_latencies += 1
        if self.on_frames is not None:
            self.on_frames(frames)
