"""The file source: a recording played into the pipeline as if live, frames identical to the batch STFT."""

import threading
import time

import numpy as np
import pytest
import soundfile as sf

from specscope.app.live.file_source import FileSource, FileSourceError
from specscope.app.live.pipeline import Pipeline
from specscope.dsp.config import StftConfig
from specscope.dsp.ring_buffer import RingBuffer
from specscope.dsp.stft import stft_db

FS_HZ = 16000


def write_stereo(path, seconds):
    """Left: 1 kHz at -6 dBFS, right: 3.3 kHz at -20 dBFS plus a little noise; float32 WAV."""
    t = np.arange(round(seconds * FS_HZ)) / FS_HZ
    rng = np.random.default_rng(7)
    left = 0.5 * np.sin(2 * np.pi * 1000.0 * t)
    right = 0.1 * np.sin(2 * np.pi * 3300.0 * t) + 1e-3 * rng.standard_normal(t.size)
    x = np.column_stack([left, right]).astype(np.float32)
    sf.write(path, x, FS_HZ, subtype="FLOAT")
    return x


def run(source, cfg, channel="mix", timeout_s=20.0):
    frames, samples = [], []
    done = threading.Event()
    pipe = Pipeline(source, cfg, channel=channel, on_frames=frames.extend, on_end=done.set,
                    on_samples=lambda start, mono: samples.append(mono.copy()))
    pipe.start()
    try:
        assert done.wait(timeout_s), "the file did not end"
    finally:
        pipe.stop()
    return pipe, frames, np.concatenate(samples)


@pytest.mark.parametrize("channel", ["mix", 0, 1])
def test_frames_equal_the_batch_stft_of_the_channel(tmp_path, channel):
    x = write_stereo(tmp_path / "st.wav", 1.5)
    cfg = StftConfig(FS_HZ, n_fft=1024, hop=160, window="blackmanharris")
    pipe, frames, y = run(FileSource(str(tmp_path / "st.wav"), realtime=False), cfg, channel)
    mono = x.mean(axis=1, dtype=np.float32) if channel == "mix" else x[:, channel]
    np.testing.assert_array_equal(y, mono)
    st = pipe.stats()
    assert st.samples_in == x.shape[0] and st.dropped == 0 and st.overwritten == 0 and st.overflows == 0
    assert [f.index for f in frames] == list(range(cfg.n_frames(x.shape[0])))
    np.testing.assert_allclose(np.stack([f.db for f in frames]), stft_db(mono, cfg).T, atol=1e-4)
    np.testing.assert_allclose([f.t_s for f in frames], cfg.frame_times_s(len(frames)))
    rms_ref = [10 * np.log10(np.mean(mono[f.sample_start : f.sample_start + cfg.n_fft].astype(np.float64) ** 2))
               for f in frames]
    np.testing.assert_allclose([f.rms_dbfs for f in frames], rms_ref, atol=1e-3)
    with_peak = [f for f in frames if f.peak is not None]
    assert with_peak
    want_hz = 3300.0 if channel == 1 else 1000.0
    assert all(abs(f.peak.freq_hz - want_hz) < 0.01 * cfg.delta_f_hz for f in with_peak)


def test_realtime_pace_is_never_faster_than_the_file(tmp_path):
    x = write_stereo(tmp_path / "st.wav", 1.0)
    cfg = StftConfig(FS_HZ, n_fft=512, hop=128)
    t0 = time.monotonic()
    _pipe, frames, y = run(FileSource(str(tmp_path / "st.wav")), cfg)
    elapsed_s = time.monotonic() - t0
    assert elapsed_s >= 0.95 * x.shape[0] / FS_HZ
    assert y.size == x.shape[0] and len(frames) == cfg.n_frames(x.shape[0])
    assert all(f.latency_ms is not None and f.latency_ms >= 0 for f in frames)


def test_loop_wraps_the_file_time(tmp_path):
    x = write_stereo(tmp_path / "st.wav", 0.25)
    cfg = StftConfig(FS_HZ, n_fft=256, hop=256)
    frames = []
    src = FileSource(str(tmp_path / "st.wav"), realtime=False, loop=True)
    pipe = Pipeline(src, cfg, on_frames=frames.extend)
    pipe.start()
    try:
        t0 = time.monotonic()
        while len(frames) < 3 * x.shape[0] // cfg.hop and time.monotonic() - t0 < 10:
            time.sleep(0.01)
    finally:
        pipe.stop()
    t = np.array([f.t_s for f in frames[: 3 * x.shape[0] // cfg.hop]])
    assert np.all(t < x.shape[0] / FS_HZ)
    wraps = np.flatnonzero(np.diff(t) < 0)
    assert len(wraps) >= 2
    # frame k starts at sample 256 k of the endless signal; its centre in file time is that modulo the length
    np.testing.assert_allclose(t, ((np.arange(t.size) * 256 + 128) % x.shape[0]) / FS_HZ)


def test_plays_to_the_output_device_too(pulse_server, tmp_path):
    # The default output is the test null sink: what the file source plays comes back on its monitor.
    from specscope.app.live.capture import CaptureSource

    t = np.arange(FS_HZ // 2) / FS_HZ
    sf.write(tmp_path / "beep.wav", 0.5 * np.sin(2 * np.pi * 2000.0 * t), FS_HZ, subtype="FLOAT")
    mic = CaptureSource("pulse", 48000.0, 1)
    ring = RingBuffer(3 * 48000, 1)
    mic.start(ring)
    try:
        pipe, _frames, y = run(FileSource(str(tmp_path / "beep.wav"), play_output=True), StftConfig(FS_HZ))
        time.sleep(0.3)
    finally:
        mic.stop()
    assert y.size == t.size and pipe.error is None
    heard = ring.read()[:, 0]
    spectrum = np.abs(np.fft.rfft(heard))
    assert abs(np.argmax(spectrum) * 48000 / heard.size - 2000.0) < 5.0


def test_errors(tmp_path):
    with pytest.raises(FileSourceError, match="cannot open"):
        FileSource(str(tmp_path / "missing.wav"))
    (tmp_path / "text.wav").write_text("not audio")
    with pytest.raises(FileSourceError, match="cannot open"):
        FileSource(str(tmp_path / "text.wav"))
    sf.write(tmp_path / "empty.wav", np.zeros((0, 1)), FS_HZ)
    with pytest.raises(FileSourceError, match="holds no samples"):
        FileSource(str(tmp_path / "empty.wav"))
    write_stereo(tmp_path / "st.wav", 0.1)
    with pytest.raises(ValueError, match="channel must be"):
        Pipeline(FileSource(str(tmp_path / "st.wav")), StftConfig(FS_HZ), channel=2)
