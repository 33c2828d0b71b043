"""Frames handed out by the pipeline are immutable and carry the peak the worker estimated for the shown ones."""

import dataclasses
import threading

import numpy as np
import pytest
import soundfile as sf

import specscope.app.live.pipeline as pipeline_module
from specscope.app.live.file_source import FileSource
from specscope.app.live.pipeline import LiveFrame, Pipeline
from specscope.dsp.config import StftConfig
from specscope.dsp.peaks import estimate_peak
from specscope.dsp.stft import FrameKernel

FS_HZ = 16000
TONE_HZ = 1234.5


def play_file(path, cfg, realtime=False, **kwargs):
    frames, batches = [], []
    done = threading.Event()

    def on_frames(batch):
        batches.append(len(batch))
        frames.extend(batch)

    pipe = Pipeline(FileSource(str(path), realtime=realtime), cfg, on_frames=on_frames, on_end=done.set, **kwargs)
    pipe.start()
    try:
        assert done.wait(20.0)
    finally:
        pipe.stop()
    return pipe, frames, batches


@pytest.fixture
def tone_file(tmp_path):
    t = np.arange(2 * FS_HZ) / FS_HZ
    x = (10 ** (-12 / 20) * np.cos(2 * np.pi * TONE_HZ * t)).astype(np.float32)
    path = tmp_path / "tone.wav"
    sf.write(path, x, FS_HZ, subtype="FLOAT")
    return path, x


def test_frames_are_frozen_and_read_only(tone_file):
    _, frames, _ = play_file(tone_file[0], StftConfig(FS_HZ, n_fft=1024, hop=256))
    f = frames[len(frames) // 2]
    with pytest.raises(dataclasses.FrozenInstanceError):
        f.peak = None
    with pytest.raises(ValueError, match="read-only"):
        f.db[0] = 0.0
    assert all(not fr.db.flags.writeable for fr in frames)
    # A frame made by hand from a writable array gets a read-only view; the caller's array stays its own.
    mine = np.zeros(5, np.float32)
    made = LiveFrame(db=mine, t_s=0.0, index=0)
    assert not made.db.flags.writeable and mine.flags.writeable


def test_peaks_are_estimated_in_the_worker_for_the_newest_frame_at_ten_per_second(tone_file, monkeypatch):
    path, x = tone_file
    cfg = StftConfig(FS_HZ, n_fft=1024, hop=128)
    threads = []
    real = pipeline_module.estimate_peak

    def spy(spectrum, c, *args):
        threads.append(threading.current_thread().name)
        return real(spectrum, c, *args)

    monkeypatch.setattr(pipeline_module, "estimate_peak", spy)
    pipe, frames, batches = play_file(path, cfg, realtime=True)  # real-time blocks, as from a device
    with_peak = [f for f in frames if f.peak is not None]  # reading .peak here computes nothing
    assert threads and set(threads) == {"specscope-dsp-worker"}
    assert len(threads) == len(with_peak) == pipe.stats().peaks
    # Only the newest frame of a batch has a peak, and estimates are >= 0.1 s of audio apart.
    ends = set(np.cumsum(batches) - 1)
    assert all(frames.index(f) in ends for f in with_peak)  # identity: eq=False
    gaps_s = np.diff([f.sample_start for f in with_peak]) / FS_HZ
    assert gaps_s.min() >= 0.1 - 1e-9
    # 2 s of audio: about 10 per second (a batch boundary may postpone one by up to a batch).
    assert 12 <= len(with_peak) <= 21
    # The peak is the one the frame's own spectrum gives (computed here independently of the pipeline).
    kernel = FrameKernel(cfg)
    for f in with_peak:
        spectrum = kernel.spectrum(x[None, f.sample_start : f.sample_start + cfg.n_fft])[0]
        ref = estimate_peak(spectrum, cfg)
        assert f.peak.freq_hz == pytest.approx(ref.freq_hz, abs=1e-6 * cfg.delta_f_hz)
        if f.sample_start + cfg.n_fft <= x.size:
            assert abs(f.peak.freq_hz - TONE_HZ) < 0.002 * cfg.delta_f_hz
            assert f.peak.level_dbfs == pytest.approx(-12.0, abs=0.05)


def test_peak_interval_zero_estimates_every_batch(tone_file):
    _, frames, batches = play_file(tone_file[0], StftConfig(FS_HZ, n_fft=1024, hop=256), peak_interval_s=0.0)
    assert sum(f.peak is not None for f in frames) == len(batches)
    with pytest.raises(ValueError, match="peak_interval_s"):
        Pipeline(FileSource(str(tone_file[0])), StftConfig(FS_HZ), peak_interval_s=-1.0)
