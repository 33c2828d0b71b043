"""The reported live latency, validated end to end by a loopback through the PulseAudio null sink.

A PortAudio output stream writes clicks into the sink at known moments (the output callback's time on
the host's monotonic clock, plus PortAudio's estimate of the output's DAC delay); the pipeline records
the sink's monitor.  For the first frame that holds a click, the loopback latency (publication time
minus the click's playback time, minus the samples from the click to the frame's last sample) must
agree with the frame's reported latency.
"""

import itertools
import threading
import time

import numpy as np

from specscope.app.live.capture import CaptureSource
from specscope.app.live.pipeline import Pipeline
from specscope.dsp.config import StftConfig

FS_HZ = 48000
LOOPBACK_TOLERANCE_MS = 8.0
"""Stated bound: the median of (reported - loopback) over the clicks within 6 ms, and no click more than
8 ms off; measured: +0.3 to +4.6 ms between runs, spread within a run under 1 ms.  And strictly (1 ms
for timer resolution): no reported latency above the time from the output *callback* that wrote the
click to the frame's publication, since a sample cannot be recorded before it was written.

The loopback's own uncertainty is on the playback side: PortAudio's estimate of the output DAC time
(about 10.6 ms at low latency on the null sink) and the sink's 10 ms rendering steps; on a loaded
machine one click in eight came back 8 ms later than its estimated playback time, and on
2026-12-03, with the host taking a core at times, two in eight (9.5 and 10.5 ms).  So up to a
quarter of the clicks may exceed the bound *below* (loopback longer than reported), by at most one
rendering step more (``SINK_STEP_MS``); the median, the bound above and the causal bound hold for
every click.

And the low-latency output loses clicks on its way into the sink (on 2026-12-03 one to four of eight,
at the start or between others that came back 0.4 s apart as written; the output stream at high
latency lost none, but its DAC estimate spread over 20 ms).  That is the harness's playback, not the
capture under test, so each captured click is matched to the written click it is nearest to (within
``MATCH_S``, a quarter of the spacing) and at least half of the clicks must come back."""
MATCH_S = 0.1
CLICK_SPACING_S = 0.4
SINK_STEP_MS = 10.0
MEDIAN_TOLERANCE_MS = 6.0
N_CLICKS = 12


def onsets_of(blocks):
    """Sample index of each click's first loud sample in the captured (start, mono) blocks."""
    if not blocks:
        return []
    y = np.concatenate([b for _, b in blocks])
    loud = np.flatnonzero(np.abs(y) > 0.2) + blocks[0][0]
    if loud.shape[0] == 0:
        return []
    return [int(loud[0])] + [int(b) for a, b in itertools.pairwise(loud) if b - a > FS_HZ // 10]


def test_latency_is_never_negative_and_agrees_with_a_loopback(pulse_server):
    import sounddevice as sd

    cfg = StftConfig(FS_HZ, n_fft=256, hop=64)  # short frames: the click's frame is known to 1.3 ms
    published, blocks = [], []

    def on_frames(frames):
        t = time.monotonic()
        published.extend((f.sample_start, f.latency_ms, t) for f in frames)

    pipe = Pipeline(CaptureSource("pulse", FS_HZ, 1, latency="low"), cfg, on_frames=on_frames,
                    on_samples=lambda start, mono: blocks.append((start, mono.copy())))
    clicks = []
    want = threading.Event()

    def play(out, frames, time_info, status):
        now = time.monotonic()
        out.fill(0)
        if want.is_set():
            want.clear()
            out[:32, 0] = 0.5
            clicks.append((now, now + (time_info.outputBufferDacTime - time_info.currentTime)))

    out = sd.OutputStream(device="pulse", samplerate=FS_HZ, channels=1, dtype="float32", latency="low",
                          blocksize=256, callback=play)
    pipe.start()
    try:
        out.start()
        time.sleep(1.0)
        for _ in range(N_CLICKS):
            want.set()
            time.sleep(CLICK_SPACING_S)
        time.sleep(1.0)  # the last click and the frame that holds it reach the capture
    finally:
        out.close()
        pipe.stop()
    pub = np.array(published, dtype=np.float64)
    lat_ms = pub[:, 1]
    # Every frame has a latency, and none is negative (PortAudio's ADC times, used as they came, put up
    # to 8 ms of samples after their own delivery: -7.4 ms here before the fix, -9.8 ms in a long listen).
    assert np.all(np.isfinite(lat_ms)) and lat_ms.min() >= 0.0
    assert np.median(lat_ms) < 60.0
    assert len(clicks) == N_CLICKS
    played = np.array([p for _, p in clicks])
    diffs_ms, matched = [], set()
    for click in onsets_of(blocks):
        i = int(np.flatnonzero(pub[:, 0] + cfg.n_fft - 1 >= click)[0])
        start, reported_ms, pub_s = pub[i]
        behind_ms = 1e3 * (start + cfg.n_fft - 1 - click) / FS_HZ  # the frame's last sample is this much later
        k = int(np.argmin(np.abs(played - (pub_s - 1e-3 * (behind_ms + reported_ms)))))
        assert k not in matched, (click, k)  # one captured click per written one
        matched.add(k)
        written_s, played_s = clicks[k]
        loopback_ms = 1e3 * (pub_s - played_s) - behind_ms
        assert abs(reported_ms - loopback_ms) < 1e3 * MATCH_S, (click, reported_ms, loopback_ms)
        diffs_ms.append(reported_ms - loopback_ms)
        assert reported_ms <= 1e3 * (pub_s - written_s) - behind_ms + 1.0
    assert N_CLICKS // 2 <= len(diffs_ms) <= N_CLICKS, diffs_ms
    diffs_ms = np.array(diffs_ms)
    assert abs(np.median(diffs_ms)) <= MEDIAN_TOLERANCE_MS, diffs_ms
    assert diffs_ms.max() <= LOOPBACK_TOLERANCE_MS, diffs_ms
    late = diffs_ms < -LOOPBACK_TOLERANCE_MS
    assert np.sum(late) <= len(diffs_ms) // 4, diffs_ms
    assert diffs_ms.min() >= -(LOOPBACK_TOLERANCE_MS + SINK_STEP_MS), diffs_ms
