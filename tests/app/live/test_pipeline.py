"""The live pipeline on real PortAudio input (PulseAudio null sink): no lost samples, streaming equals batch,
keeping up at 48 and 192 kHz, live configuration changes, a stalled consumer, a lost device."""

import threading
import time

import numpy as np
import pytest

from specscope.app.live.capture import CaptureSource
from specscope.app.live.pipeline import PEAK_INTERVAL_S, Pipeline
from specscope.dsp.config import StftConfig
from specscope.dsp.stft import FrameKernel, stft_db

FS_HZ = 48000
LSB = 2.0**-15
"""The null sink stores 16-bit samples."""
TONE_HZ = 1234.5


class Recorder:
    """Collects frames and the mono samples the worker read (worker thread), for checks in the test."""

    def __init__(self) -> None:
        self.frames = []
        self.batch_sizes = []
        self.blocks = []
        self.starts = []
        self.errors = []

    def on_frames(self, frames):
        self.frames.extend(frames)
        self.batch_sizes.append(len(frames))

    def on_samples(self, start, mono):
        self.starts.append(start)
        self.blocks.append(mono.copy())

    def samples(self):
        return np.concatenate(self.blocks)


def run_live(cfg, seconds, feed=None, signal=None, **kwargs):
    rec = Recorder()
    pipe = Pipeline(CaptureSource("pulse", cfg.fs_hz, 1), cfg, on_frames=rec.on_frames, on_error=rec.errors.append,
                    on_samples=rec.on_samples, **kwargs)
    pipe.start()
    try:
        time.sleep(0.2)
        if signal is not None:
            feed.play(signal, int(cfg.fs_hz))
        time.sleep(seconds)
    finally:
        pipe.stop()
    return pipe, rec


def sine_fit_residual(y, freq_hz, fs_hz):
    """Least-squares fit of a cos + b sin + c at `freq_hz` (float64); returns the residual."""
    n = np.arange(y.size)
    w = 2 * np.pi * freq_hz / fs_hz
    basis = np.column_stack([np.cos(w * n), np.sin(w * n), np.ones(y.size)])
    coef, *_ = np.linalg.lstsq(basis, y.astype(np.float64), rcond=None)
    return y - basis @ coef


def test_ten_seconds_live_no_lost_samples_streaming_equals_batch_at_hop_128(pulse_feed):
    cfg = StftConfig(FS_HZ, n_fft=2048, hop=128)
    tone = pulse_feed.sine(TONE_HZ, -12.0, 10.0, phase_rad=0.4)
    silence = np.zeros(FS_HZ // 4, np.float32)
    pipe, rec = run_live(cfg, 10.9, pulse_feed, np.concatenate([silence, tone, silence]))
    st = pipe.stats()
    y = rec.samples()
    # Every sample written into the ring buffer reached the worker, in order, none lost or skipped.
    assert st.overflows == 0 and st.overwritten == 0 and st.dropped == 0
    assert st.samples_in == y.size == pipe.ring.n_read
    assert rec.starts == list(np.cumsum([0] + [b.size for b in rec.blocks[:-1]]))
    # The tone came back whole: exactly the samples fed (rounded to 16 bits), silence either side.
    on = int(np.flatnonzero(np.abs(y) > 0.1)[0])
    assert on + tone.size < y.size
    np.testing.assert_array_equal(y[on : on + tone.size], np.round(tone.astype(np.float64) / LSB) * LSB)
    assert not np.any(y[:on]) and not np.any(y[on + tone.size :])
    # A sine fit leaves only 16-bit rounding: rms LSB/sqrt(12), never more than half an LSB (+ fit error).
    res = sine_fit_residual(y[on : on + tone.size], TONE_HZ, FS_HZ)
    assert np.sqrt(np.mean(res**2)) < 1.2 * LSB / np.sqrt(12)
    assert np.max(np.abs(res)) < 0.6 * LSB
    # Streaming frames == batch frames of the captured samples; indices without gaps; times at frame centres.
    frames = rec.frames
    assert [f.index for f in frames] == list(range(len(frames)))
    assert len(frames) == st.frames == cfg.n_frames(y.size)
    batch = stft_db(y, cfg)
    np.testing.assert_allclose(np.stack([f.db for f in frames]), batch.T, atol=1e-4)
    np.testing.assert_allclose([f.t_s for f in frames], cfg.frame_times_s(len(frames)))
    # Frames wholly inside the tone: RMS as computed from the fed samples (about -12 - 3.01 dBFS);
    # their peaks at the tone within 0.2 % of a bin and 0.2 dB.
    inside = [f for f in frames if on <= f.sample_start and f.sample_start + cfg.n_fft <= on + tone.size]
    assert len(inside) > 3000
    fed = np.round(tone.astype(np.float64) / LSB) * LSB
    rms_ref = [10 * np.log10(np.mean(fed[f.sample_start - on : f.sample_start - on + cfg.n_fft] ** 2)) for f in inside]
    np.testing.assert_allclose([f.rms_dbfs for f in inside], rms_ref, atol=1e-3)
    np.testing.assert_allclose(rms_ref, -12.0 + 20 * np.log10(np.sqrt(0.5)), atol=0.02)
    peaks = [f.peak for f in inside if f.peak is not None]  # the worker's estimates, 10 per second of audio
    # Estimated at most every 0.1 s of audio, and at the latest by the end of the next batch (a loaded
    # machine hands over longer batches, so the count itself depends on the load).
    starts_s = np.array([f.sample_start for f in inside if f.peak is not None]) / FS_HZ
    longest_batch_s = max(rec.batch_sizes) * cfg.hop / FS_HZ
    assert np.diff(starts_s).min() >= PEAK_INTERVAL_S - 1e-9
    assert np.diff(starts_s).max() <= PEAK_INTERVAL_S + longest_batch_s + 1e-9
    assert len(peaks) >= 9.5 / (PEAK_INTERVAL_S + longest_batch_s)
    assert max(abs(p.freq_hz - TONE_HZ) for p in peaks) < 0.002 * cfg.delta_f_hz
    assert max(abs(p.level_dbfs + 12.0) for p in peaks) < 0.2
    lat = [f.latency_ms for f in frames if f.latency_ms is not None]
    assert len(lat) == len(frames) and st.latency_ms_median == pytest.approx(np.median(lat))
    assert not rec.errors


def test_keeps_up_at_192k_n_fft_65536_hop_8192(pulse_server):
    # The ALSA "pulse" device accepts 192 kHz (the server resamples the 48 kHz sink's monitor).
    cfg = StftConfig(192000.0, n_fft=65536, hop=8192)
    pipe, rec = run_live(cfg, 10.0)
    st = pipe.stats()
    assert st.samples_in > 9 * 192000
    assert st.overflows == 0 and st.overwritten == 0 and st.dropped == 0
    assert st.frames == cfg.n_frames(st.samples_in) == len(rec.frames)
    assert [f.index for f in rec.frames] == list(range(st.frames))
    assert not rec.errors


def test_config_change_takes_effect_at_the_next_frame_without_reopening(pulse_feed):
    cfg = StftConfig(FS_HZ, n_fft=2048, hop=256)
    new = StftConfig(FS_HZ, n_fft=8192, hop=1024, window="blackmanharris", zero_pad=2)
    rec = Recorder()
    src = CaptureSource("pulse", FS_HZ, 1)
    pipe = Pipeline(src, cfg, on_frames=rec.on_frames, on_samples=rec.on_samples)
    pulse_feed.tone(TONE_HZ, -12.0, 4.0)
    pipe.start()
    try:
        time.sleep(1.0)
        stream = src._stream
        pipe.set_config(new)
        time.sleep(1.0)
        assert src._stream is stream  # the same open stream
        assert pipe.cfg == new
    finally:
        pipe.stop()
    y = rec.samples()
    old = [f for f in rec.frames if f.cfg == cfg]
    changed = [f for f in rec.frames if f.cfg == new]
    assert old and len(changed) > 20 and rec.frames == old + changed
    assert [f.index for f in rec.frames] == list(range(len(rec.frames)))
    assert pipe.stats().dropped == 0
    # The first new frame ends where the old configuration's next frame would have ended.
    assert changed[0].sample_start + new.n_fft == old[-1].sample_start + cfg.hop + cfg.n_fft
    assert np.all(np.diff([f.sample_start for f in changed]) == new.hop)
    # New frames equal the batch computation of the same captured samples with the new settings.
    kernel = FrameKernel(new)
    starts = [f.sample_start for f in changed]
    ref = kernel(np.stack([y[s : s + new.n_fft] for s in starts]))
    np.testing.assert_allclose(np.stack([f.db for f in changed]), ref, atol=1e-4)
    assert changed[-1].db.shape == (new.n_freqs,)
    with pytest.raises(ValueError, match="fs_hz"):
        pipe.set_config(StftConfig(44100.0))


@pytest.mark.parametrize(("ring_s", "stall_s"), [(0.5, 1.5), (2.0, 1.0)])
def test_stalled_consumer_costs_counted_samples_and_frames_never_the_callback(pulse_server, ring_s, stall_s):
    # ring 0.5 s, stall 1.5 s: the ring buffer overwrites about a second of audio, counted;
    # ring 2 s, stall 1 s: nothing is overwritten, but the worker skips the backlog beyond max_lag_s (0.5 s).
    cfg = StftConfig(FS_HZ, n_fft=2048, hop=512)
    stalled = threading.Event()
    rec = Recorder()

    def slow_consumer(frames):
        rec.on_frames(frames)
        if not stalled.is_set():
            stalled.set()
            time.sleep(stall_s)

    pipe = Pipeline(CaptureSource("pulse", FS_HZ, 1), cfg, on_frames=slow_consumer, ring_s=ring_s)
    assert pipe.ring.capacity == ring_s * FS_HZ
    pipe.start()
    try:
        time.sleep(stall_s + 1.5)
    finally:
        pipe.stop()
    st = pipe.stats()
    assert st.overflows == 0  # PortAudio never had to drop input: the callback was not blocked
    if ring_s < stall_s:
        assert st.overwritten > 0.5 * FS_HZ
    else:
        assert st.overwritten == 0
    idx = [f.index for f in rec.frames]
    assert np.all(np.diff(idx) >= 1)
    # Gaps in the index are exactly the dropped frames: at least those of the stall beyond the lag limit.
    assert st.dropped == idx[-1] + 1 - len(idx) >= (stall_s - 0.5) * FS_HZ / cfg.hop - 2
    assert st.frames == len(rec.frames)
    # After the gap, frames are again consecutive and times advance by one hop each.
    gap = int(np.argmax(np.diff(idx)))
    after = rec.frames[gap + 1 :]
    assert np.all(np.diff([f.sample_start for f in after]) == cfg.hop)


def test_lost_device_calls_on_error_within_two_seconds(pulse_server, sink_loss):
    cfg = StftConfig(FS_HZ, n_fft=1024, hop=256)
    lost = threading.Event()
    messages = []

    def on_error(message):
        messages.append(message)
        lost.set()

    pipe = Pipeline(CaptureSource("pulse", FS_HZ, 1), cfg, on_error=on_error)
    pipe.start()
    try:
        time.sleep(0.5)
        assert pipe.running and pipe.stats().frames > 0
        sink_loss()
        assert lost.wait(2.0)
        assert len(messages) == 1 and "\n" not in messages[0] and "pulse" in messages[0]
        time.sleep(0.1)
        assert not pipe.running and pipe.error == messages[0]
    finally:
        pipe.stop()
    pipe.stop()


def test_bad_arguments(pulse_server):
    src = CaptureSource("pulse", FS_HZ, 1)
    with pytest.raises(ValueError, match="fs_hz is 44100 Hz but the source runs at 48000 Hz"):
        Pipeline(src, StftConfig(44100.0))
    with pytest.raises(ValueError, match=r"channel must be 'mix' or an index in 0\.\.0"):
        Pipeline(src, StftConfig(FS_HZ), channel=1)
    pipe = Pipeline(src, StftConfig(FS_HZ))
    pipe.stop()  # stopping a pipeline that never started is harmless
