"""Batch and streaming STFT against an independent float64 numpy recomputation."""

import subprocess
import sys

import numpy as np
import pytest

from specscope.dsp.config import StftConfig
from specscope.dsp.stft import StreamingStft, frame_view, stft_db, stft_db_blocks

ALL_WINDOWS = ["boxcar", "hann", "hamming", "blackman", "blackmanharris", "flattop", "kaiser:8.6", "gaussian:0.2"]


def reference_db(x, cfg):
    """float64 numpy.fft.rfft of every frame, scaled by the formula, written out independently."""
    n, hop, m = cfg.n_fft, cfg.hop, cfg.n_fft * cfg.zero_pad
    w = cfg.window_array.astype(np.float64)
    n_frames = 1 + (len(x) - n) // hop
    frames = np.stack([x[i * hop : i * hop + n] for i in range(n_frames)]).astype(np.float64)
    spec = np.fft.rfft(frames * w, n=m, axis=1)
    c = np.full(m // 2 + 1, 2.0)
    c[0] = c[-1] = 1.0
    mag = c * np.abs(spec) / w.sum()
    return 20 * np.log10(np.maximum(mag, 1e-10)).T


def mixed_signal(fs_hz, n, seed=1):
    rng = np.random.default_rng(seed)
    t = np.arange(n) / fs_hz
    return (
        0.5 * np.sin(2 * np.pi * 1234.567 * t + 0.3)
        + 0.01 * np.sin(2 * np.pi * 7000.1 * t)
        + 1e-4 * rng.standard_normal(n)
        + 0.2 * np.sin(2 * np.pi * (200 + 2000 * t) * t)
    )


@pytest.mark.parametrize("window", ["hann", "blackmanharris", "boxcar", "kaiser:8.6"])
@pytest.mark.parametrize("zero_pad", [1, 4])
def test_batch_matches_float64_reference(window, zero_pad):
    cfg = StftConfig(fs_hz=48000, n_fft=1024, hop=300, window=window, zero_pad=zero_pad)
    x = mixed_signal(48000, 48000)
    ours = stft_db(x, cfg)
    ref = reference_db(x, cfg)
    assert ours.dtype == np.float32
    assert ours.shape == ref.shape == (cfg.n_freqs, cfg.n_frames(len(x)))
    below_max = ref.max(axis=0, keepdims=True) - ref
    err = np.abs(ours - ref)
    assert err[below_max <= 60].max() <= 0.003
    assert err[below_max <= 100].max() <= 0.1


@pytest.mark.parametrize("window", ALL_WINDOWS)
@pytest.mark.parametrize("zero_pad", [1, 2, 8])
def test_full_scale_sine_on_a_bin_reads_0_dbfs(window, zero_pad):
    cfg = StftConfig(fs_hz=48000, n_fft=2048, hop=512, window=window, zero_pad=zero_pad)
    k = 100 * zero_pad
    t = np.arange(4 * cfg.n_fft) / cfg.fs_hz
    db = stft_db(np.sin(2 * np.pi * cfg.freqs_hz[k] * t), cfg)
    np.testing.assert_allclose(db[k], 0.0, atol=0.005)
    # No bin reads above full scale (flat-top's passband ripple is +0.01 dB when zero-padded).
    assert db.max() <= 0.02


def test_dc_and_nyquist_full_scale_read_0_dbfs():
    cfg = StftConfig(fs_hz=1000, n_fft=64, hop=64, window="hann")
    assert stft_db(np.ones(128), cfg)[0] == pytest.approx([0.0, 0.0], abs=1e-4)
    nyquist = np.cos(np.pi * np.arange(128))  # +1, -1, +1, ...
    assert stft_db(nyquist, cfg)[-1] == pytest.approx([0.0, 0.0], abs=1e-4)


def test_silence_reads_the_floor():
    cfg = StftConfig(fs_hz=1000, n_fft=64, hop=32)
    assert stft_db(np.zeros(256), cfg) == pytest.approx(np.full((33, 7), -200.0))


def test_the_100_hz_example_peaks_in_bin_2():
    cfg = StftConfig(fs_hz=44100, n_fft=1024, hop=1024)
    t = np.arange(1024) / 44100
    db = stft_db(np.sin(2 * np.pi * 100 * t), cfg)
    assert db.shape == (513, 1)
    assert int(db[:, 0].argmax()) == 2
    assert cfg.freqs_hz[2] == pytest.approx(86.13, abs=0.01)


def test_frame_count_and_shape_follow_the_convention():
    cfg = StftConfig(fs_hz=8000, n_fft=256, hop=100)
    for n in [255, 256, 355, 356, 10_000]:
        assert stft_db(np.zeros(n), cfg).shape == (129, max(0, 1 + (n - 256) // 100))


@pytest.mark.parametrize("hop", [1, 97, 512, 2048])
def test_blocks_of_any_size_equal_the_whole(hop):
    cfg = StftConfig(fs_hz=48000, n_fft=2048, hop=hop)
    n = 20_000 if hop == 1 else 300_000
    x = mixed_signal(48000, n, seed=2).astype(np.float32)
    whole = stft_db(x, cfg)
    rng = np.random.default_rng(hop)
    cuts = np.sort(rng.choice(np.arange(1, n), size=40, replace=False))
    blocks = np.split(x, cuts)
    chunked = stft_db_blocks(iter(blocks), n, cfg, n_workers=2)
    np.testing.assert_array_equal(chunked, whole)


@pytest.mark.parametrize(("n", "n_fft", "hop"), [(0, 16, 4), (15, 16, 4), (16, 16, 4), (1000, 64, 7), (1000, 64, 64)])
def test_frame_view_holds_frame_i_at_samples_i_hop_to_i_hop_plus_n_fft(n, n_fft, hop):
    x = np.arange(n, dtype=np.float32)
    view = frame_view(x, n_fft, hop)
    assert view.shape == (max(0, 1 + (n - n_fft) // hop) if n >= n_fft else 0, n_fft)
    expected = np.array([x[i * hop : i * hop + n_fft] for i in range(view.shape[0])]).reshape(-1, n_fft)
    np.testing.assert_array_equal(view, expected)
    assert not view.flags.writeable
    strided = np.repeat(x, 2)[::2]  # the same samples, not contiguous
    np.testing.assert_array_equal(frame_view(strided, n_fft, hop), expected)


def test_out_in_either_memory_layout_gets_the_same_frames():
    """The default output is frames-major (Fortran order); a caller's C-ordered
    `out` goes through the slab-transposing path and must hold the same values."""
    cfg = StftConfig(fs_hz=48000, n_fft=512, hop=160, window="hamming")
    n = 200_003
    x = mixed_signal(48000, n, seed=4).astype(np.float32)
    default = stft_db(x, cfg)
    assert default.flags.f_contiguous
    bins_major = np.full((cfg.n_freqs, cfg.n_frames(n)), np.nan, dtype=np.float32)
    assert stft_db_blocks([x], n, cfg, out=bins_major) is bins_major
    np.testing.assert_array_equal(bins_major, default)
    strided = np.full((cfg.n_freqs, 2 * cfg.n_frames(n)), np.nan, dtype=np.float32)[:, ::2]
    stft_db_blocks([x], n, cfg, out=strided)
    np.testing.assert_array_equal(strided, default)


def test_streaming_equals_batch_for_random_block_sizes():
    cfg = StftConfig(fs_hz=48000, n_fft=1024, hop=256, window="blackmanharris", zero_pad=2)
    x = mixed_signal(48000, 100_000, seed=3).astype(np.float32)
    batch = stft_db(x, cfg)
    stream = StreamingStft(cfg, keep_spectrum=True)
    rng = np.random.default_rng(7)
    cols, pos = [], 0
    while pos < len(x):
        n = int(rng.integers(1, 3000))
        db, spec = stream.push(x[pos : pos + n])
        assert spec.shape == db.shape
        cols.append(db)
        pos += n
    streamed = np.concatenate(cols).T
    assert streamed.shape == batch.shape
    np.testing.assert_allclose(streamed, batch, atol=1e-4)
    assert stream.n_frames_out == batch.shape[1]


def test_streaming_emits_a_frame_as_soon_as_its_last_sample_arrives():
    cfg = StftConfig(fs_hz=1000, n_fft=100, hop=40)
    stream = StreamingStft(cfg)
    assert stream.push(np.zeros(99))[0].shape[0] == 0
    assert stream.push(np.zeros(1))[0].shape[0] == 1  # sample 99 completes frame 0
    assert stream.push(np.zeros(39))[0].shape[0] == 0
    assert stream.push(np.zeros(1))[0].shape[0] == 1  # sample 139 completes frame 1
    assert stream.next_frame_start == 80


def test_cancel_stops_between_chunks():
    cfg = StftConfig(fs_hz=48000, n_fft=256, hop=256)
    n = 256 * 100_000
    calls = []
    stft_db_blocks(
        (np.zeros(1 << 16, np.float32) for _ in range(n >> 16)),
        n,
        cfg,
        progress=lambda done, total: calls.append(done),
        cancelled=lambda: True,
    )
    assert calls[-1] < 100_000


def test_dsp_imports_no_qt_and_no_audio_io():
    code = (
        "import sys, specscope.dsp.config, specscope.dsp.stft, specscope.dsp.ring_buffer, specscope.dsp.windows\n"
        "import pkgutil, importlib, specscope.dsp as d\n"
        "[importlib.import_module('specscope.dsp.' + m.name) for m in pkgutil.iter_modules(d.__path__)]\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('PyQt6', 'pyqtgraph', 'sounddevice', 'soundfile')]\n"
        "print(bad); sys.exit(1 if bad else 0)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
