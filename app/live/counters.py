"""The live pipeline's counters: frames, drops, samples, worker time and latencies.

Thread: written by the DSP worker, read by any thread through
:meth:`WorkerCounters.snapshot` (one lock, held for a few additions or one
copy of the latency window).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

import numpy as np

from .frames import PipelineStats

N_LATENCIES = 1 << 16
"""Latencies kept for the median and 95th percentile (the most recent frames)."""


class WorkerCounters:
    """Cumulative counters of one pipeline run (see :class:`~.frames.PipelineStats` for their meaning)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._frames = 0
        self._dropped = 0
        self._samples_in = 0
        self._dsp_s = 0.0
        self._peaks = 0
        self._latencies_ms = np.full(N_LATENCIES, np.nan)
        self._n_latencies = 0

    def add_samples(self, n: int) -> None:
        """`n` samples read from the ring buffer."""
        with self._lock:
            self._samples_in += n

    def add_dropped(self, n: int) -> None:
        """`n` frames that could not be computed (samples lost or skipped)."""
        with self._lock:
            self._dropped += n

    def add_frames(self, n: int, dsp_s: float, with_peak: bool, latencies_ms: Sequence[float]) -> None:
        """`n` frames published after `dsp_s` seconds of worker time, one of them with a peak if
        `with_peak`, with their latencies in ms (none when the source has no ADC clock)."""
        with self._lock:
            self._frames += n
            self._dsp_s += dsp_s
            self._peaks += bool(with_peak)
            for ms in latencies_ms:
                self._latencies_ms[self._n_latencies % N_LATENCIES] = ms
                self._n_latencies += 1

    def snapshot(self, overflows: int, overwritten: int) -> PipelineStats:
        """The counters now, with the source's `overflows` and the ring's `overwritten` samples."""
        with self._lock:
            n = min(self._n_latencies, N_LATENCIES)
            lat = self._latencies_ms[:n].copy()
            frames, dropped, samples_in, dsp_s, peaks = (self._frames, self._dropped, self._samples_in,
                                                         self._dsp_s, self._peaks)
        median = p95 = None
        if n:
            median, p95 = (float(v) for v in np.percentile(lat, [50.0, 95.0]))
        return PipelineStats(
            frames=frames,
            overflows=overflows,
            overwritten=overwritten,
            dropped=dropped,
            latency_ms_median=median,
            latency_ms_p95=p95,
            dsp_ms_per_frame=1e3 * dsp_s / frames if frames else None,
            samples_in=samples_in,
            peaks=peaks,
        )
