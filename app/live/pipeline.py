"""The live pipeline: source -> ring buffer -> DSP worker -> frames for consumers.

Threads:

* the **source** writes sample frames into a preallocated
  :class:`~specscope.dsp.ring_buffer.RingBuffer` from its own thread (the
  PortAudio callback for a sound card, a player thread for a file);
* the **DSP worker** (a plain ``threading.Thread`` started by
  :meth:`Pipeline.start`) reads what has arrived, mixes or picks the channel,
  runs :class:`~specscope.dsp.stft.StreamingStft`, computes each frame's RMS,
  estimates the sub-bin peak of the frames that are shown (the newest of a
  batch, at most one per ``peak_interval_s`` of audio) and calls ``on_frames``
  with every batch of new, immutable frames; it also detects a failed source
  and calls ``on_error`` once;
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
What a source must offer is the :class:`~.source.Source` protocol.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable

import numpy as np

from specscope.dsp.channels import mix_to_mono
from specscope.dsp.config import AMIN, N_FFT_MAX, StftConfig
from specscope.dsp.peaks import estimate_peak
from specscope.dsp.ring_buffer import RingBuffer
from specscope.dsp.stft import StreamingStft, frame_view

from .counters import WorkerCounters
from .frames import LiveFrame, PipelineStats
from .sample_history import SampleHistory
from .source import Source

__all__ = ["LiveFrame", "Pipeline", "PipelineStats", "Source"]

RING_S = 2.0
"""Ring buffer length in seconds of audio: how long the worker may stall before samples are lost."""
RING_MIN = 4096
"""Smallest ring buffer, in sample frames."""
MAX_LAG_S = 0.5
"""A worker more than this far behind (or two frames, if longer) skips ahead and counts the frames it drops."""
PEAK_INTERVAL_S = 0.1
"""The worker estimates the peak of the newest frame of a batch when this much audio (s) has passed since
the last estimate: 10 per second, a tuner's readout rate, which is what the window shows."""
WAIT_MAX_S = 0.025
"""Longest the worker waits for the source's wake-up before it looks again (stall detection, a
source that does not wake it)."""


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
    peak_interval_s : float
        The worker estimates the peak (:attr:`LiveFrame.peak`) of the newest
        frame of a batch once at least this much audio, in s, followed the
        last estimate (default 0.1: 10 per second); 0 estimates the newest
        frame of every batch.  Each estimate costs about 0.1 ms at n_fft 2048
        (10 ms at 65536 x 8), so estimating every frame would cost the worker
        more than the STFT at small hops.

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
        peak_interval_s: float = PEAK_INTERVAL_S,
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
        if not (math.isfinite(peak_interval_s) and peak_interval_s >= 0):
            raise ValueError(f"peak_interval_s must be >= 0 s, got {peak_interval_s!r}")
        self.peak_interval_s = float(peak_interval_s)
        self._next_peak_sample = -math.inf
        """Absolute sample index from which the newest frame of a batch gets its peak estimated."""
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
        self._counters = WorkerCounters()
        """Written by the worker, read by :meth:`stats` (its own lock)."""

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
        return self._counters.snapshot(overflows=int(self.source.n_overflows), overwritten=int(self.ring.n_overwritten))

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
        self._history = SampleHistory(N_FFT_MAX + ring.capacity)
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
            self._counters.add_samples(mono.shape[0])
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
        self._counters.add_dropped(n_dropped)
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
        last_end = first + (m - 1) * hop + n_fft - 1
        # The ADC time first, then the clock: every anchor read was written before `now` was taken, so
        # (see capture.TimingAnchors) no sample's ADC time is later than `now`.
        adc_last = src.adc_time_s(last_end)
        now = src.clock_s()
        lat: list[float] = []
        if adc_last is not None and now is not None and math.isfinite(adc_last):
            hop_ms = 1e3 * hop / src.fs_hz
            last_ms = max(0.0, 1e3 * (now - adc_last))
            lat = [last_ms + (m - 1 - i) * hop_ms for i in range(m)]
        times_s = [float(src.sample_time_s(first + i * hop + n_fft / 2.0)) for i in range(m)]
        peak = None
        newest_start = first + (m - 1) * hop
        if newest_start >= self._next_peak_sample:
            # Only the frame the window (or the CLI's report) shows gets the sub-bin fit, here in the worker.
            peak = estimate_peak(spectra[m - 1], cfg)
            self._next_peak_sample = newest_start + self.peak_interval_s * src.fs_hz
        db.flags.writeable = False  # the frames' rows are views of `db`: read-only once handed over
        frames = [
            LiveFrame(
                db=db[i],
                t_s=times_s[i],
                index=self._index + i,
                peak=peak if i == m - 1 else None,
                rms_dbfs=rms_dbfs[i],
                cfg=cfg,
                latency_ms=lat[i] if lat else None,
                sample_start=first + i * hop,
            )
            for i in range(m)
        ]
        self._index += m
        self._counters.add_frames(m, time.perf_counter() - t0, peak is not None, lat)
        if self.on_frames is not None:
            self.on_frames(frames)
