"""LTSA accumulation against an independent float64 recomputation: means, percentiles, merging, gaps."""

from __future__ import annotations

import numpy as np
import pytest

from specscope.dsp.config import StftConfig
from specscope.dsp.ltsa import HIST_STEP_DB, LtsaAccumulator, combine_parts
from specscope.dsp.stft import FrameKernel, frame_view

FS_HZ = 8000.0
CFG = StftConfig(fs_hz=FS_HZ, n_fft=256, hop=128)


def _signal(seconds: float, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * FS_HZ)) / FS_HZ
    amp = np.where(t < seconds / 2, 0.5, 0.05)  # a tone that drops 20 dB half way
    return (amp * np.sin(2 * np.pi * 1000.0 * t) + 1e-3 * rng.standard_normal(t.size)).astype(np.float32)


def _reference_power(x: np.ndarray) -> np.ndarray:
    """Per-frame power in the dBFS convention, float64 numpy.fft (independent of the float32 kernel)."""
    frames = frame_view(x, CFG.n_fft, CFG.hop).astype(np.float64) * CFG.window_array
    return (np.abs(np.fft.rfft(frames, axis=1)) * CFG.amplitude_scale) ** 2


def _accumulate(x, interval_frames, percentiles=(), chunk=37, is_complete=None):
    kernel = FrameKernel(CFG)
    frames = frame_view(x, CFG.n_fft, CFG.hop)
    acc = LtsaAccumulator(CFG.n_freqs, CFG.amplitude_scale**2, percentiles, is_complete)
    for a in range(0, frames.shape[0], chunk):
        f = frames[a:a + chunk]
        acc.add(kernel.spectrum(f), np.arange(a, a + f.shape[0]) // interval_frames)
    return acc.result()


def test_interval_means_match_float64_reference():
    x = _signal(4.0)
    part = _accumulate(x, interval_frames=50)
    ref = _reference_power(x)
    n = ref.shape[0]
    expected = np.array([ref[i:i + 50].mean(axis=0) for i in range(0, n, 50)])
    assert part.index.tolist() == list(range(expected.shape[0]))
    assert part.count.tolist() == [min(50, n - i) for i in range(0, n, 50)]
    mean_db, _, _ = combine_parts([part], expected.shape[0], CFG.n_freqs)
    ref_db = 10 * np.log10(np.maximum(expected, 1e-20)).T
    loud = ref_db > -100
    np.testing.assert_allclose(mean_db[loud], ref_db[loud], atol=0.01)
    # The 1000 Hz tone (bin 32, bin-centred) of amplitude 0.5 reads -6.02 dBFS in the first interval.
    assert mean_db[32, 0] == pytest.approx(20 * np.log10(0.5), abs=0.01)


def test_chunking_does_not_change_the_result():
    x = _signal(3.0)
    a = _accumulate(x, 40, (5, 50, 95), chunk=7)
    b = _accumulate(x, 40, (5, 50, 95), chunk=500)
    np.testing.assert_allclose(a.power_sum, b.power_sum, rtol=1e-12)
    for i in a.partial:
        np.testing.assert_array_equal(a.partial[i], b.partial[i])


def test_percentiles_are_nearest_rank_within_half_a_step():
    x = _signal(4.0, seed=3)
    part = _accumulate(x, interval_frames=1000, percentiles=(5, 50, 95), is_complete=lambda i: True)
    ref_db = 10 * np.log10(np.maximum(_reference_power(x), 1e-20))
    for j, p in enumerate((5, 50, 95)):
        exact = np.percentile(ref_db, p, axis=0, method="inverted_cdf")
        np.testing.assert_allclose(part.percentile_db[0, j], exact, atol=HIST_STEP_DB / 2 + 0.01)
    # Half the frames hold the loud tone, half the 20 dB weaker one: the 95th reads the loud, the 5th the weak.
    assert part.percentile_db[0, 2, 32] == pytest.approx(20 * np.log10(0.5), abs=0.1)
    assert part.percentile_db[0, 0, 32] == pytest.approx(20 * np.log10(0.05), abs=0.1)


def test_an_interval_shared_by_two_files_merges_exactly():
    x = _signal(4.0, seed=5)
    frames_total = frame_view(x, CFG.n_fft, CFG.hop).shape[0]
    whole = _accumulate(x, 100, (50,))
    cut = 130 * CFG.hop  # file boundary inside interval 1 (frames 100..199)
    first = _accumulate(x[:cut + CFG.n_fft - CFG.hop], 100, (50,))
    second_frames = frame_view(x[cut:], CFG.n_fft, CFG.hop)
    kernel = FrameKernel(CFG)
    acc = LtsaAccumulator(CFG.n_freqs, CFG.amplitude_scale**2, (50,))
    acc.add(kernel.spectrum(second_frames), (np.arange(second_frames.shape[0]) + 130) // 100)
    second = acc.result()
    assert first.count.sum() + second.count.sum() == frames_total
    n = int(whole.index[-1]) + 1
    m_whole, p_whole, c_whole = combine_parts([whole], n, CFG.n_freqs, (50,))
    m_split, p_split, c_split = combine_parts([second, first], n, CFG.n_freqs, (50,))
    np.testing.assert_array_equal(c_whole, c_split)
    np.testing.assert_allclose(m_split, m_whole, atol=1e-4)
    np.testing.assert_array_equal(p_split, p_whole)


def test_gaps_are_nan_and_bad_input_is_refused():
    x = _signal(1.0)
    part = _accumulate(x, 1000)  # one interval, index 0
    moved = type(part)(part.index + 3, part.count, part.power_sum, None, {})
    mean_db, _, count = combine_parts([moved], 5, CFG.n_freqs)
    assert np.isnan(mean_db[:, [0, 1, 2, 4]]).all() and not np.isnan(mean_db[:, 3]).any()
    assert count.tolist() == [0, 0, 0, part.count[0], 0]
    with pytest.raises(ValueError, match="outside"):
        combine_parts([moved], 3, CFG.n_freqs)
    acc = LtsaAccumulator(CFG.n_freqs, CFG.amplitude_scale**2)
    spec = FrameKernel(CFG).spectrum(frame_view(x, CFG.n_fft, CFG.hop)[:4])
    with pytest.raises(ValueError, match="decrease"):
        acc.add(spec, np.array([1, 1, 0, 0]))
    with pytest.raises(ValueError, match="percentiles"):
        LtsaAccumulator(CFG.n_freqs, CFG.amplitude_scale**2, (101,))
