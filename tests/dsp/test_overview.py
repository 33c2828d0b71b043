"""Max-pooling of frames into overview columns, against plain numpy loops and the dBFS formula."""

import numpy as np
import pytest

from specscope.dsp.config import StftConfig
from specscope.dsp.overview import (
    FLOOR_DB,
    frames_per_column,
    merge_columns,
    n_columns,
    pool_max,
    power_of,
    power_to_db,
)
from specscope.dsp.stft import FrameKernel, stft_db


def test_frames_per_column_hand_computed():
    assert frames_per_column(10, 4) == 3  # ceil(10/4)
    assert n_columns(10, 3) == 4
    assert frames_per_column(3, 8) == 1
    assert frames_per_column(0, 8) == 1
    with pytest.raises(ValueError, match="max_columns"):
        frames_per_column(10, 0)


def _reference_pool(values, fpc):
    n_cols = -(-values.shape[0] // fpc)
    return np.stack([values[c * fpc : (c + 1) * fpc].max(axis=0) for c in range(n_cols)])


@pytest.mark.parametrize("chunk", [1, 5, 7, 12, 100])
def test_pool_in_chunks_equals_pool_of_whole(chunk):
    rng = np.random.default_rng(1)
    values = rng.normal(size=(53, 6)).astype(np.float32)
    fpc = 4
    out = np.full((6, n_columns(53, fpc)), -np.inf, dtype=np.float32)
    for f0 in range(0, 53, chunk):
        c0, pooled = pool_max(values[f0 : f0 + chunk], f0, fpc)
        merge_columns(out, c0, pooled)
    np.testing.assert_array_equal(out.T, _reference_pool(values, fpc))


def test_single_frame_event_survives_pooling():
    values = np.zeros((1000, 3), dtype=np.float32)
    values[617, 1] = 5.0
    c0, pooled = pool_max(values, 0, 100)
    assert c0 == 0 and pooled.shape == (10, 3)
    assert pooled[6, 1] == 5.0
    assert np.count_nonzero(pooled) == 1


def test_pooled_power_db_equals_max_of_frame_db():
    cfg = StftConfig(fs_hz=8000.0, n_fft=256, hop=64, window="hann")
    rng = np.random.default_rng(2)
    x = (0.1 * rng.normal(size=8000)).astype(np.float32)
    x[3000:3040] += 0.9  # a short click
    db = stft_db(x, cfg)  # (n_freqs, n_frames)
    kernel = FrameKernel(cfg)
    frames = np.lib.stride_tricks.sliding_window_view(x, cfg.n_fft)[:: cfg.hop]
    power = power_of(kernel.spectrum(frames))
    _, pooled = pool_max(power, 0, 10)
    pooled_db = power_to_db(pooled, kernel.power_scale)
    expected = _reference_pool(db.T, 10)
    np.testing.assert_allclose(pooled_db, expected, atol=1e-3)
    assert FLOOR_DB == pytest.approx(-200.0)


def test_full_scale_sine_reads_0_db():
    cfg = StftConfig(fs_hz=48000.0, n_fft=1024, hop=256, window="hann")
    k = 100
    n = np.arange(cfg.n_fft * 4)
    x = np.sin(2 * np.pi * k * cfg.delta_f_hz * n / cfg.fs_hz).astype(np.float32)
    kernel = FrameKernel(cfg)
    frames = np.lib.stride_tricks.sliding_window_view(x, cfg.n_fft)[:: cfg.hop]
    _, pooled = pool_max(power_of(kernel.spectrum(frames)), 0, 100)
    db = power_to_db(pooled, kernel.power_scale)
    assert db.shape == (1, cfg.n_freqs)
    assert db[0, k] == pytest.approx(0.0, abs=0.01)
