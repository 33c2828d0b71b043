"""The block-matrix IIR filter against scipy.signal.sosfilt in float64, the reference.

The signals are the hard cases for a state carried in float32: a DC offset under
noise (the high-passes' states hold the offset while their output is small), a
tone, noise, and an impulse whose response must continue across calls.
"""

import numpy as np
import pytest
import scipy.signal

from specscope.dsp.block_sos import CHUNK, GROUP, BlockSosFilter, cascade_state_space
from specscope.dsp.loudness import k_weighting_sos
from specscope.dsp.weighting import weighting_sos

GROUP_SAMPLES = CHUNK * GROUP


def signals(fs_hz, n, seed=1):
    rng = np.random.default_rng(seed)
    x = np.empty((4, n), np.float32)
    x[0] = 0.1 * rng.standard_normal(n)
    x[1] = 0.5 + 0.01 * rng.standard_normal(n)
    x[2] = 0.3 * np.sin(2 * np.pi * 997.0 / fs_hz * np.arange(n))
    x[3] = 0.0
    x[3, 10] = 1.0
    return x


def reference(sos, x):
    return scipy.signal.sosfilt(sos, x.astype(np.float64), axis=-1)


def filter_in(filt, x, sizes):
    out, pos = [], 0
    for n in sizes:
        out.append(filt.filter(x[:, pos : pos + n]))
        pos += n
    assert pos >= x.shape[1]
    return np.concatenate(out, axis=1)


@pytest.mark.parametrize("fs_hz", [8000.0, 44100.0, 48000.0, 96000.0, 192000.0])
@pytest.mark.parametrize("which", ["A", "C", "K"])
def test_output_matches_float64_sosfilt_to_float32_rounding(fs_hz, which):
    sos = k_weighting_sos(fs_hz) if which == "K" else weighting_sos(which, fs_hz)
    n = 5 * GROUP_SAMPLES + 1234
    x = signals(fs_hz, n)
    ref = reference(sos, x)
    got = filter_in(BlockSosFilter(sos, 4), x, [n])
    assert got.dtype == np.float32
    rms = np.sqrt(np.mean(ref**2, axis=1))
    # sosfilt in float32 is off by up to 8e-2 of the RMS here (C at 192 kHz, the DC row); this by 2e-3 at most.
    assert np.all(np.abs(got - ref).max(axis=1) <= 2e-3 * rms)
    energy_db = 10 * np.log10(np.sum(got.astype(np.float64) ** 2, axis=1) / np.sum(ref**2, axis=1))
    # The DC row's C weighting at 96 kHz is the worst: 2e-4 dB (its output is 34 dB below the offset).
    assert np.all(np.abs(energy_db) < 1e-3)


def test_any_partition_continues_the_state():
    fs = 48000.0
    sos = weighting_sos("A", fs)
    n = 7 * GROUP_SAMPLES + 99
    x = signals(fs, n, seed=2)
    ref = reference(sos, x)
    filt = BlockSosFilter(sos, 4)
    got = filter_in(filt, x, [1, GROUP_SAMPLES - 1, 3 * GROUP_SAMPLES + 5, 17, 10**6])
    rms = np.sqrt(np.mean(ref**2, axis=1))
    assert np.all(np.abs(got - ref).max(axis=1) <= 2e-4 * rms)
    # The state after the whole signal is sosfilt's zi, to float64 rounding of a float32-input filter.
    _, zf = scipy.signal.sosfilt(sos, x.astype(np.float64), axis=-1, zi=np.zeros((sos.shape[0], 4, 2)))
    np.testing.assert_allclose(filt.zi, zf, rtol=0, atol=1e-5)


def test_the_impulse_response_crosses_chunk_and_group_edges():
    sos = k_weighting_sos(48000.0)
    n = 3 * GROUP_SAMPLES
    x = np.zeros((1, n), np.float32)
    x[0, GROUP_SAMPLES - 3] = 1.0  # three samples before the first group's end
    ref = reference(sos, x)
    got = BlockSosFilter(sos, 1).filter(x)
    np.testing.assert_allclose(got, ref, rtol=0, atol=2e-7)


def test_state_space_form_is_sosfilts_recurrence():
    sos = weighting_sos("A", 44100.0)
    a, b, c, d = cascade_state_space(sos)
    x = np.random.default_rng(3).standard_normal(300)
    s, y = np.zeros(a.shape[0]), np.empty(300)
    for t in range(300):
        y[t] = c @ s + d * x[t]
        s = a @ s + b * x[t]
    ref, zf = scipy.signal.sosfilt(sos, x, zi=np.zeros((sos.shape[0], 2)))
    np.testing.assert_allclose(y, ref, rtol=0, atol=1e-12)
    np.testing.assert_allclose(s, zf.ravel(), rtol=0, atol=1e-12)


def test_reset_zeroes_the_state():
    sos = k_weighting_sos(48000.0)
    filt = BlockSosFilter(sos, 2)
    x = signals(48000.0, GROUP_SAMPLES + 10)[:2]
    first = filt.filter(x)
    filt.reset()
    np.testing.assert_array_equal(filt.filter(x), first)


@pytest.mark.parametrize(
    ("sos", "channels", "match"),
    [(np.zeros((2, 5)), 1, "sos"), (np.full((1, 6), np.nan), 1, "sos"), (k_weighting_sos(48000.0), 0, "n_channels")],
)
def test_bad_parameters_are_refused(sos, channels, match):
    with pytest.raises(ValueError, match=match):
        BlockSosFilter(sos, channels)


def test_a_block_with_the_wrong_rows_is_refused():
    with pytest.raises(ValueError, match="2 rows"):
        BlockSosFilter(k_weighting_sos(48000.0), 2).filter(np.zeros((3, 10), np.float32))
