"""The pipeline's counters: sums, and the latency window of the most recent frames."""

import numpy as np
import pytest

from specscope.app.live.counters import N_LATENCIES, WorkerCounters


def test_counts_add_up_and_an_empty_run_has_no_latency():
    c = WorkerCounters()
    s = c.snapshot(overflows=0, overwritten=0)
    assert (s.frames, s.dropped, s.samples_in, s.peaks) == (0, 0, 0, 0)
    assert s.latency_ms_median is None and s.latency_ms_p95 is None and s.dsp_ms_per_frame is None
    c.add_samples(1024)
    c.add_samples(512)
    c.add_dropped(3)
    c.add_frames(4, 0.002, True, [1.0, 2.0, 3.0, 4.0])
    c.add_frames(2, 0.001, False, [])  # a source without an ADC clock: frames, no latencies
    s = c.snapshot(overflows=5, overwritten=7)
    assert (s.frames, s.dropped, s.samples_in, s.peaks, s.overflows, s.overwritten) == (6, 3, 1536, 1, 5, 7)
    assert s.dsp_ms_per_frame == pytest.approx(3.0 / 6)  # 3 ms over 6 frames
    assert s.latency_ms_median == pytest.approx(2.5) and s.latency_ms_p95 == pytest.approx(3.85)


def test_latency_statistics_cover_only_the_most_recent_window():
    c = WorkerCounters()
    old = np.full(N_LATENCIES, 1000.0)
    c.add_frames(N_LATENCIES, 0.0, False, old.tolist())
    recent = np.linspace(5.0, 15.0, N_LATENCIES)
    c.add_frames(N_LATENCIES, 0.0, False, recent.tolist())  # overwrites every old value
    s = c.snapshot(0, 0)
    assert s.latency_ms_median == pytest.approx(float(np.median(recent)))
    assert s.latency_ms_p95 == pytest.approx(float(np.percentile(recent, 95)))
