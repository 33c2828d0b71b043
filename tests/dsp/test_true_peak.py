"""True peak against signals whose inter-sample peak is known in closed form,
against ``scipy.signal.resample_poly`` (another interpolator) and against
``scipy.signal.upfirdn`` with the meter's own taps (the same filter, computed
in one piece, in float64)."""

import math

import numpy as np
import pytest
from scipy.signal import freqz, resample_poly, upfirdn

from specscope.dsp.true_peak import (
    SHORT_BLOCK_FRAMES,
    TAPS_PER_PHASE,
    TruePeakMeter,
    default_oversampling,
    interpolation_filter,
    true_peak_dbtp,
)

FS_HZ = 48000.0


def db(x):
    return 20 * math.log10(x)


def faded(x, fade=480):
    """x with 10 ms raised-cosine fades: a signal that starts with a step rings (Gibbs) at the step."""
    g = np.ones(x.shape[0])
    ramp = 0.5 - 0.5 * np.cos(np.pi * np.arange(fade) / fade)
    g[:fade], g[-fade:] = ramp, ramp[::-1]
    return x * g


def test_a_sine_at_fs_over_4_with_45_degree_phase_reads_0_dbtp_while_its_samples_read_minus_3():
    n = np.arange(48000)
    x = faded(np.sin(2 * np.pi * n / 4 + np.pi / 4))  # samples are +-0.7071: -3.01 dBFS; the sine peaks at 1
    assert db(np.max(np.abs(x))) == pytest.approx(-3.0103, abs=1e-3)
    # 4x oversampling hits the crest exactly here (points at 1/16 of a period): 0 dBTP up to the ripple.
    assert true_peak_dbtp(x, FS_HZ) == pytest.approx(0.0, abs=0.05)


@pytest.mark.parametrize("freq_hz", [0.0, 20.0, 100.0, 997.0])
def test_dc_and_slow_sines_read_their_sample_peak(freq_hz):
    n = np.arange(round(FS_HZ))
    x = faded(0.5 * np.cos(2 * np.pi * freq_hz * n / FS_HZ + 0.3))
    sample_peak_db = db(np.max(np.abs(x)))
    assert true_peak_dbtp(x, FS_HZ) == pytest.approx(sample_peak_db, abs=0.1)
    assert true_peak_dbtp(x, FS_HZ) >= sample_peak_db  # the identity phase keeps every sample


@pytest.mark.parametrize("freq_hz", [1000.0, 5000.0, 12000.0, 19000.0])
def test_tones_read_their_amplitude_within_the_4x_grid_error(freq_hz):
    # A sine of amplitude A sampled at 4 fs with the worst phase reads A cos(pi f / (4 fs)):
    # the reading lies between that and A (plus the passband ripple, 0.01 dB).
    rng = np.random.default_rng(int(freq_hz))
    n = np.arange(round(0.2 * FS_HZ))
    for phase in rng.uniform(0, 2 * np.pi, 20):
        got = true_peak_dbtp(faded(0.25 * np.sin(2 * np.pi * freq_hz * n / FS_HZ + phase)), FS_HZ)
        floor = db(0.25 * math.cos(math.pi * freq_hz / (4 * FS_HZ)))
        assert floor - 0.01 <= got <= db(0.25) + 0.01


def test_agrees_with_resample_poly_on_noise_and_tones():
    # resample_poly's Kaiser filter (beta 5, 20 taps per phase) differs from ours: the two maxima of
    # band-limited material (below 20 kHz, where both are flat to 0.05 dB) agree to 0.1 dB.
    from scipy.signal import butter, sosfilt

    rng = np.random.default_rng(3)
    noise = sosfilt(butter(8, 20000, fs=FS_HZ, output="sos"), rng.standard_normal(round(2 * FS_HZ)))
    n = np.arange(round(FS_HZ))
    tones = [faded(0.3 * np.sin(2 * np.pi * f * n / FS_HZ + rng.uniform(0, 6))) for f in (3000.0, 11000.0, 17500.0)]
    for x in [faded(0.2 * noise), *tones]:
        reference = db(np.max(np.abs(resample_poly(x, 4, 1))))
        assert true_peak_dbtp(x, FS_HZ) == pytest.approx(reference, abs=0.1)


def test_streaming_in_random_blocks_equals_upfirdn_of_the_whole_signal():
    rng = np.random.default_rng(4)
    x = (0.1 * rng.standard_normal((round(FS_HZ), 2))).astype(np.float32)
    meter = TruePeakMeter(FS_HZ, 2)
    pos = 0
    while pos < x.shape[0]:
        n = int(rng.choice([1, 5, 23, 24, 960, 5000, 20000]))  # 20000: past SHORT_BLOCK_FRAMES, the skipping path
        meter.process(x[pos : pos + n])
        pos += n
    meter.flush()
    h = interpolation_filter(4)
    reference = [np.max(np.abs(upfirdn(h, x[:, c].astype(np.float64), 4))) for c in range(2)]
    np.testing.assert_allclose(meter.peak, reference, rtol=2e-6)


def test_interpolator_response_meets_its_stated_figures():
    h = interpolation_filter(4)
    assert h.shape == (4 * TAPS_PER_PHASE,)
    np.testing.assert_array_equal(h[3::4], np.eye(TAPS_PER_PHASE)[TAPS_PER_PHASE // 2 - 1])
    f, resp = freqz(h, worN=1 << 15, fs=4 * FS_HZ)
    gain_db = 20 * np.log10(np.maximum(np.abs(resp) / 4, 1e-20))
    assert np.max(np.abs(gain_db[f <= 20000])) < 0.01
    assert np.max(gain_db[f >= 28000]) < -60.0


def test_oversampling_factor_per_rate_and_without_oversampling():
    assert [default_oversampling(fs) for fs in (32000.0, 44100.0, 48000.0, 88200.0, 96000.0, 192000.0)] == [
        4,
        4,
        4,
        2,
        2,
        1,
    ]
    x = faded(np.sin(2 * np.pi * np.arange(4800) / 4 + np.pi / 4))
    assert true_peak_dbtp(x, 192000.0) == pytest.approx(-3.0103, abs=1e-3)  # 1x: the sample peak
    assert true_peak_dbtp(x, 96000.0) == pytest.approx(0.0, abs=0.05)  # 2x: points at 1/8 period hit the crest
    with pytest.raises(ValueError, match="oversampling"):
        TruePeakMeter(FS_HZ, 1, oversampling=3)


def test_per_channel_peaks_reset_peak_keeps_the_history():
    x = np.zeros((1000, 2))
    x[500, 1] = 0.5
    meter = TruePeakMeter(FS_HZ, 2)
    meter.process(x)
    assert meter.peak_dbtp[0] == -200.0
    assert meter.peak_dbtp[1] >= db(0.5)
    assert meter.max_dbtp == meter.peak_dbtp[1]
    # An impulse in the last sample: its ringing reaches the next block's interpolated points,
    # which need the history kept across reset_peak().
    y = np.zeros((100, 1))
    y[-1] = 1.0
    a, b = TruePeakMeter(FS_HZ, 1), TruePeakMeter(FS_HZ, 1)
    a.process(y)
    b.process(y)
    a.reset_peak()
    b.reset()
    a.flush()
    b.flush()
    assert a.peak[0] > 0.5 and b.peak[0] == 0.0


def test_skipping_by_the_difference_bound_still_finds_the_upfirdn_maximum_of_low_pass_programme():
    # Low-pass noise in 50 ms segments at levels 0 to -40 dB: most stretches are skipped by the
    # difference bound (max|x| + D max|dx|), and the maximum must still be the full computation's.
    from scipy.signal import butter, sosfilt

    rng = np.random.default_rng(7)
    noise = sosfilt(butter(4, 2000, fs=FS_HZ, output="sos"), rng.standard_normal((round(4 * FS_HZ), 2)), axis=0)
    gains = np.repeat(10 ** (rng.uniform(-40, 0, (80, 2)) / 20), round(0.05 * FS_HZ), axis=0)
    x = (0.3 * noise * gains).astype(np.float32)
    meter = TruePeakMeter(FS_HZ, 2)
    assert 20000 > SHORT_BLOCK_FRAMES  # blocks that take the skipping path
    for pos in range(0, x.shape[0], 20000):
        meter.process(x[pos : pos + 20000])
    meter.flush()
    h = interpolation_filter(4)
    reference = [np.max(np.abs(upfirdn(h, x[:, c].astype(np.float64), 4))) for c in range(2)]
    np.testing.assert_allclose(meter.peak, reference, rtol=2e-6)


def test_the_difference_bound_holds_for_every_phase_on_random_windows():
    # |sum_k h_k w_k| <= max|w| + D max|diff(w)|, with D from the meter, on windows that reach it closely.
    meter = TruePeakMeter(FS_HZ, 1)
    kernel = meter._kernel.astype(np.float64)
    rng = np.random.default_rng(8)
    w = rng.standard_normal((20000, TAPS_PER_PHASE))
    w[:10000] = np.sign(kernel[:, 1]) * rng.uniform(0.9, 1.0, (10000, TAPS_PER_PHASE))  # worst signs
    y = np.abs(w @ kernel).max(axis=1)
    bound = np.abs(w).max(axis=1) + meter._diff_gain * np.abs(np.diff(w, axis=1)).max(axis=1)
    assert np.all(y <= bound * (1 + 1e-9))
    assert meter._diff_gain == pytest.approx(1.1426, abs=1e-4)
