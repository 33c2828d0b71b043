"""Spectrum averaging: step response, exact means, peak decay and min hold, against numpy."""

import math

import numpy as np
import pytest

from specscope.dsp.averaging import FAST_S, SLOW_S, AveragingSettings, SpectrumAverager

HOP_S = 1024 / 48000  # 21.33 ms


@pytest.mark.parametrize("tau_s", [FAST_S, SLOW_S])
def test_exponential_step_reaches_1_minus_1_over_e_at_one_time_constant(tau_s):
    hop_s = tau_s / 25  # a time constant is a whole number of frames
    avg = SpectrumAverager(AveragingSettings("exponential", tau_s=tau_s), hop_s)
    avg.update(np.zeros(4))  # silence first: Y_1 = P_1 = 0
    for _ in range(25):
        y = avg.update(np.ones(4))
    np.testing.assert_allclose(y, 1 - math.exp(-1), rtol=1e-12)  # 0.632 of the step, in power
    assert avg.alpha == pytest.approx(1 - math.exp(-1 / 25))


def test_exponential_with_the_live_hop():
    avg = SpectrumAverager(AveragingSettings("exponential", tau_s=FAST_S), HOP_S)
    avg.update(np.zeros(1))
    n = 100
    for _ in range(n):
        y = avg.update(np.ones(1))
    assert y[0] == pytest.approx(1 - math.exp(-n * HOP_S / FAST_S), rel=1e-12)


def test_linear_equals_the_mean_of_the_last_n_frames():
    rng = np.random.default_rng(0)
    frames = rng.exponential(size=(50, 7))
    avg = SpectrumAverager(AveragingSettings("linear", n_frames=8), HOP_S)
    for i, p in enumerate(frames):
        y = avg.update(p)
        np.testing.assert_allclose(y, frames[max(0, i - 7) : i + 1].mean(axis=0), rtol=1e-12)


def test_linear_in_seconds():
    avg = SpectrumAverager(AveragingSettings("linear", seconds=1.0), HOP_S)
    assert avg.n_linear == 47  # round(1 / 0.021333)
    frames = np.random.default_rng(1).exponential(size=(100, 3))
    for p in frames:
        y = avg.update(p)
    np.testing.assert_allclose(y, frames[-47:].mean(axis=0), rtol=1e-12)


def test_linear_does_not_drift_over_a_long_run():
    # Frames 1e12 apart in level: a running sum that only subtracts would keep the big frames' rounding forever.
    avg = SpectrumAverager(AveragingSettings("linear", n_frames=4), HOP_S)
    for _ in range(10):
        avg.update(np.array([1e6]))
    for i in range(8):
        y = avg.update(np.array([1e-6]))
        if i < 4:  # rounding of the big frames still in the sum: eps x 1e6 at most
            assert abs(y[0] - (1e6 * (3 - i) + 1e-6 * (i + 1)) / 4) <= 4 * 2.3e-16 * 1e6
    assert y[0] == pytest.approx(1e-6, rel=1e-12)  # the restart from the ring has cleared it


def test_infinite_is_the_mean_since_reset():
    frames = np.random.default_rng(2).exponential(size=(30, 5))
    avg = SpectrumAverager(AveragingSettings("infinite"), HOP_S)
    for p in frames[:10]:
        avg.update(p)
    avg.reset()
    for i, p in enumerate(frames[10:]):
        y = avg.update(p)
        np.testing.assert_allclose(y, frames[10 : 11 + i].mean(axis=0), rtol=1e-12)


def test_peak_hold_decays_at_the_stated_rate():
    hop_s = 0.01
    avg = SpectrumAverager(AveragingSettings("peak_hold", decay_db_per_s=20.0), hop_s)
    avg.update(np.array([1.0, 1e-12]))
    for _ in range(100):  # one second of silence
        y = avg.update(np.array([0.0, 1e-12]))
    assert 10 * np.log10(y[0]) == pytest.approx(-20.0, abs=1e-9)
    assert y[1] == 1e-12  # a bin the input keeps above the decayed hold follows the input
    hold = SpectrumAverager(AveragingSettings("peak_hold"), hop_s)
    hold.update(np.array([2.0]))
    assert hold.update(np.array([1.0]))[0] == 2.0


def test_min_hold_and_none():
    avg = SpectrumAverager(AveragingSettings("min_hold"), HOP_S)
    for v in (3.0, 1.0, 2.0):
        y = avg.update(np.array([v, 5 - v]))
    np.testing.assert_array_equal(y, [1.0, 2.0])
    plain = SpectrumAverager(AveragingSettings("none"), HOP_S)
    np.testing.assert_array_equal(plain.update(np.array([4.0])), [4.0])
    np.testing.assert_array_equal(plain.update(np.array([1.0])), [1.0])


@pytest.mark.parametrize("mode", ["none", "exponential", "infinite", "peak_hold", "min_hold"])
def test_returned_arrays_are_read_only_and_never_rewritten(mode):
    avg = SpectrumAverager(AveragingSettings(mode), HOP_S)
    first = avg.update(np.ones(3))
    kept = first.copy()
    avg.update(np.full(3, 5.0))
    avg.update(np.zeros(3))
    assert not first.flags.writeable
    np.testing.assert_array_equal(first, kept)
    lin = SpectrumAverager(AveragingSettings("linear", n_frames=2), HOP_S)
    a = lin.update(np.ones(2))
    lin.update(np.zeros(2))
    np.testing.assert_array_equal(a, 1.0)


def test_validation():
    with pytest.raises(ValueError, match="mode must be one of"):
        AveragingSettings("median")
    with pytest.raises(ValueError, match="tau_s must be a finite number of seconds > 0"):
        AveragingSettings("exponential", tau_s=0)
    with pytest.raises(ValueError, match="n_frames or seconds must be given"):
        AveragingSettings("linear")
    with pytest.raises(ValueError, match="n_frames must be an integer >= 1"):
        AveragingSettings("linear", n_frames=0)
    with pytest.raises(ValueError, match="decay_db_per_s must be a finite number >= 0"):
        AveragingSettings("peak_hold", decay_db_per_s=-1)
    avg = SpectrumAverager(AveragingSettings("exponential"), HOP_S)
    avg.update(np.ones(3))
    with pytest.raises(ValueError, match="power must keep its shape"):
        avg.update(np.ones(4))
