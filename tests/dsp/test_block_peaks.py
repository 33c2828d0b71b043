"""accumulate_peaks: blocks of a synthesised signal -> peaks, against the tones' true values and a float64 FFT."""

import itertools
import tracemalloc

import numpy as np
import pytest

from specscope.dsp.block_peaks import SPECTRA_BUDGET_BYTES, accumulate_peaks, frames_per_chunk
from specscope.dsp.config import StftConfig

FS_HZ = 48000.0


def random_blocks(x, seed, largest=5000):
    rng = np.random.default_rng(seed)
    pos = 0
    while pos < len(x):
        size = int(rng.integers(1, largest))
        yield x[pos : pos + size]
        pos += size


def two_tones(n):
    t = np.arange(n) / FS_HZ
    return 0.5 * np.sin(2 * np.pi * 1000.3 * t) + 0.05 * np.sin(2 * np.pi * 5432.1 * t + 0.7)


def test_two_tones_at_their_true_frequencies_and_levels_from_random_blocks():
    cfg = StftConfig(fs_hz=FS_HZ, n_fft=2048, hop=512, window="hann")
    x = two_tones(2 * int(FS_HZ))
    n = cfg.n_frames(len(x))
    calls = []
    result = accumulate_peaks(random_blocks(x, 1), cfg, n, progress=lambda d, t: calls.append((d, t)))
    assert result.n_frames == n == result.accumulator.n_frames_added
    assert not result.cancelled and result.mean_power is None
    assert calls[-1] == (n, n)
    assert all(a[0] < b[0] for a, b in itertools.pairwise(calls))
    p = result.peaks(2)
    assert abs(p[0].freq_hz - 1000.3) <= 0.002 * cfg.delta_f_hz
    assert abs(p[1].freq_hz - 5432.1) <= 0.002 * cfg.delta_f_hz
    assert p[0].level_dbfs == pytest.approx(20 * np.log10(0.5), abs=0.1)
    assert p[1].level_dbfs == pytest.approx(20 * np.log10(0.05), abs=0.1)


def test_mean_power_is_the_float64_mean_of_the_frames_power():
    cfg = StftConfig(fs_hz=FS_HZ, n_fft=256, hop=96, window="blackmanharris", zero_pad=2)
    x = two_tones(5000) + 0.01 * np.random.default_rng(3).standard_normal(5000)
    n = cfg.n_frames(len(x)) - 3  # fewer frames than the signal holds: the rest is not used
    result = accumulate_peaks(random_blocks(x, 2, largest=300), cfg, n, mean_power=True)
    assert result.n_frames == n
    w = cfg.window_array.astype(np.float64)
    frames = np.stack([x[i * 96 : i * 96 + 256] for i in range(n)])
    ref = np.mean(np.abs(np.fft.rfft(frames * w, n=512, axis=1)) ** 2, axis=0)
    np.testing.assert_allclose(result.mean_power, ref, rtol=2e-4, atol=1e-6 * ref.max())
    assert not result.mean_power.flags.writeable


def test_extremes_are_the_max_and_min_of_the_frames_power():
    cfg = StftConfig(fs_hz=FS_HZ, n_fft=256, hop=96)
    x = two_tones(5000) * np.repeat([1.0, 0.1], 2500) + 0.01 * np.random.default_rng(4).standard_normal(5000)
    n = cfg.n_frames(len(x))
    result = accumulate_peaks(random_blocks(x, 5, largest=700), cfg, n, extremes=True)
    frames = np.stack([x[i * 96 : i * 96 + 256] for i in range(n)])
    power = np.abs(np.fft.rfft(frames * cfg.window_array.astype(np.float64), axis=1)) ** 2
    for got, ref in ((result.mean_power, power.mean(axis=0)), (result.max_power, power.max(axis=0)),
                     (result.min_power, power.min(axis=0))):
        np.testing.assert_allclose(got, ref, rtol=2e-4, atol=1e-6 * ref.max())
        assert not got.flags.writeable
    assert np.all(result.min_power < result.mean_power) and np.all(result.mean_power < result.max_power)


def test_cancel_stops_after_the_first_chunk():
    cfg = StftConfig(fs_hz=FS_HZ, n_fft=256, hop=1)
    x = two_tones(3 * frames_per_chunk(cfg) + 256)
    result = accumulate_peaks([x], cfg, cfg.n_frames(len(x)), cancelled=lambda: True)
    assert result.cancelled
    assert result.n_frames == frames_per_chunk(cfg)


def test_memory_is_bounded_for_a_huge_fft_at_hop_1():
    # N 16384, hop 1 on half a second: 7617 frames.  One push of all of them (the old loop) made
    # 7617 x 8193 complex spectra, windowed frames and dB at once: about 1.2 GB.
    cfg = StftConfig(fs_hz=FS_HZ, n_fft=16384, hop=1)
    x = two_tones(24000).astype(np.float32)
    n = cfg.n_frames(len(x))
    tracemalloc.start()
    try:
        result = accumulate_peaks([x], cfg, n)
        _, peak_bytes = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert result.n_frames == n == 7617
    # The accumulator's kept spectra (256 x 8193 complex64, 17 MB), one chunk of work and its segment.
    kept_bytes = result.accumulator.kept_frames.size * cfg.n_freqs * 8
    assert kept_bytes == 256 * 8193 * 8
    assert peak_bytes < kept_bytes + 3 * SPECTRA_BUDGET_BYTES, peak_bytes / 2**20
    assert abs(result.peaks(1)[0].freq_hz - 1000.3) <= 0.002 * cfg.delta_f_hz
