"""BS.1770-4 / EBU R128 loudness against the standard's coefficient table, the EBU
test cases synthesised here, and pyloudnorm, an independent implementation.

Every expected number comes from the standard's definition (a sine's mean
square, the gates' arithmetic) or from pyloudnorm, never from specscope itself.
"""

import math

import numpy as np
import pyloudnorm
import pytest

from specscope.dsp.loudness import (
    HIST_BIN_LU,
    LoudnessMeter,
    default_channel_weights,
    integrated_loudness,
    k_weighting_sos,
)

# BS.1770-4 Table 1 and Table 2 (48 kHz): [b0, b1, b2, a0, a1, a2].
BS1770_SHELF_48K = [1.53512485958697, -2.69169618940638, 1.19839281085285, 1.0, -1.69065929318241, 0.73248077421585]
BS1770_HIGHPASS_48K = [1.0, -2.0, 1.0, 1.0, -1.99004745483398, 0.99007225036621]
TOL_LU = 0.1


def sine(fs_hz, seconds, level_dbfs, freq_hz=1000.0, n_channels=2):
    t = np.arange(round(seconds * fs_hz)) / fs_hz
    x = 10 ** (level_dbfs / 20) * np.sin(2 * np.pi * freq_hz * t)
    return np.repeat(x[:, None], n_channels, axis=1)


def noise(fs_hz, seconds, rms, n_channels, seed):
    return rms * np.random.default_rng(seed).standard_normal((round(seconds * fs_hz), n_channels))


def test_k_weighting_reproduces_the_bs1770_table_at_48k():
    sos = k_weighting_sos(48000.0)
    np.testing.assert_allclose(sos[0], BS1770_SHELF_48K, rtol=0, atol=1e-9)
    np.testing.assert_allclose(sos[1], BS1770_HIGHPASS_48K, rtol=0, atol=1e-9)


@pytest.mark.parametrize("fs_hz", [32000.0, 44100.0, 96000.0, 192000.0])
def test_k_weighting_at_other_rates_has_the_same_analog_response(fs_hz):
    # Response of the 48 kHz table filter at 20 Hz .. 10 kHz, compared with the design at fs_hz:
    # the bilinear transform's warping is < 0.05 dB up to 10 kHz at fs >= 32 kHz.
    from scipy.signal import sosfreqz

    f = np.geomspace(20, 10000, 50)
    _, ref = sosfreqz(np.array([BS1770_SHELF_48K, BS1770_HIGHPASS_48K]), worN=f, fs=48000.0)
    _, got = sosfreqz(k_weighting_sos(fs_hz), worN=f, fs=fs_hz)
    diff_db = 20 * np.log10(np.abs(got) / np.abs(ref))
    assert np.max(np.abs(diff_db)) < 0.05


def test_ebu_3341_case_1_stereo_sine_at_minus_23_dbfs_reads_minus_23_lufs():
    meter = LoudnessMeter(48000.0, 2)
    meter.process(sine(48000.0, 20, -23.0))
    assert meter.integrated_lufs == pytest.approx(-23.0, abs=TOL_LU)
    assert meter.momentary_lufs == pytest.approx(-23.0, abs=TOL_LU)
    assert meter.short_term_lufs == pytest.approx(-23.0, abs=TOL_LU)


def test_stereo_sine_at_minus_18_dbfs_reads_minus_18_lufs():
    assert integrated_loudness(sine(48000.0, 20, -18.0), 48000.0) == pytest.approx(-18.0, abs=TOL_LU)


def test_mono_sine_follows_the_definition():
    # One channel, amplitude A at 997 Hz: mean square A^2/2, K-weighting gain at 997 Hz ~ +0.691 dB.
    # L = -0.691 + 10 log10(|H(997)|^2 A^2 / 2); |H| from the standard's own 48 kHz table.
    from scipy.signal import sosfreqz

    _, h = sosfreqz(np.array([BS1770_SHELF_48K, BS1770_HIGHPASS_48K]), worN=[997.0], fs=48000.0)
    level = -0.691 + 10 * math.log10(abs(h[0]) ** 2 * 0.1**2 / 2)
    got = integrated_loudness(sine(48000.0, 10, -20.0, 997.0, n_channels=1)[:, 0], 48000.0)
    assert got == pytest.approx(level, abs=0.01)


@pytest.mark.parametrize("fs_hz", [44100.0, 48000.0, 96000.0])
@pytest.mark.parametrize("n_channels", [1, 2])
def test_integrated_agrees_with_pyloudnorm_on_noise_and_tones_with_loud_and_quiet_parts(fs_hz, n_channels):
    x = np.concatenate(
        [
            noise(fs_hz, 4, 0.1, n_channels, seed=1),
            sine(fs_hz, 3, -30.0, 440.0, n_channels),  # 10+ LU quieter: removed by the relative gate
            noise(fs_hz, 3, 0.05, n_channels, seed=2),
            sine(fs_hz, 3, -14.0, 3000.0, n_channels),
        ]
    )
    if n_channels == 1:
        x = x[:, 0]
    ours = integrated_loudness(x, fs_hz)
    assert ours == pytest.approx(pyloudnorm.Meter(int(fs_hz)).integrated_loudness(x), abs=TOL_LU)
    # pyloudnorm's default K-weighting is an RBJ approximation (0.02..0.05 LU off here); its "DeMan"
    # filter is the exact BS.1770 design: with it the gating and blocking must agree to 0.01 LU.
    exact = pyloudnorm.Meter(int(fs_hz), filter_class="DeMan").integrated_loudness(x)
    assert ours == pytest.approx(exact, abs=0.01)


def test_absolute_gate_near_silence_after_a_loud_part_does_not_lower_the_reading():
    fs = 48000.0
    loud = sine(fs, 10, -20.0)
    quiet = noise(fs, 30, 10 ** (-85 / 20), 2, seed=3)  # about -85 LUFS: below -70
    both = integrated_loudness(np.concatenate([loud, quiet]), fs)
    # The reference is the loud part followed by digital silence: only the three blocks that
    # straddle the end (partly loud, above both gates) differ, by the quiet part's 1e-6 share.
    reference = integrated_loudness(np.concatenate([loud, np.zeros_like(quiet)]), fs)
    assert both == pytest.approx(reference, abs=1e-4)
    assert integrated_loudness(quiet, fs) == -math.inf


def test_absolute_gate_removes_blocks_below_minus_70_that_the_relative_gate_would_keep():
    fs = 48000.0
    soft, softer = sine(fs, 10, -65.0), sine(fs, 30, -72.0)  # -72 is above the -75 relative gate
    got = integrated_loudness(np.concatenate([soft, softer]), fs)
    assert got == pytest.approx(-65.0, abs=TOL_LU)
    # Without the absolute gate: the energy mean of 10 s at -65 and 30 s at -72, about -69.0.
    assert 10 * math.log10((10**-6.5 + 3 * 10**-7.2) / 4) < -68.5


def test_relative_gate_ignores_a_part_20_lu_quieter():
    fs = 48000.0
    loud, quiet = sine(fs, 10, -20.0), sine(fs, 10, -40.0)
    alone = integrated_loudness(loud, fs)
    assert integrated_loudness(np.concatenate([loud, quiet]), fs) == pytest.approx(alone, abs=TOL_LU)
    # Without the relative gate the quiet half would pull the reading down by about 3 LU:
    ungated = -0.691 + 10 * math.log10((10 ** ((alone + 0.691) / 10) + 10 ** ((alone - 20 + 0.691) / 10)) / 2)
    assert ungated < alone - 2.9


def test_silence_reads_minus_inf_and_zero_range():
    meter = LoudnessMeter(48000.0, 2)
    assert meter.integrated_lufs == -math.inf and meter.momentary_lufs == -math.inf
    meter.process(np.zeros((48000 * 5, 2)))
    assert meter.integrated_lufs == -math.inf
    assert meter.momentary_lufs == -math.inf
    assert meter.short_term_lufs == -math.inf
    assert meter.loudness_range_lu == 0.0


def test_momentary_of_a_steady_tone_and_its_400_ms_memory():
    fs = 48000.0
    meter = LoudnessMeter(fs, 2)
    meter.process(sine(fs, 2, -20.0))
    assert meter.momentary_lufs == pytest.approx(-20.0, abs=TOL_LU)
    # 200 ms of silence: half the 400 ms window is empty, so -3.01 LU.
    meter.process(np.zeros((round(0.2 * fs), 2)))
    assert meter.momentary_lufs == pytest.approx(-20.0 - 10 * math.log10(2), abs=TOL_LU)
    # Short-term: the whole 2 s of tone in a 3 s window.
    assert meter.short_term_lufs == pytest.approx(-20.0 + 10 * math.log10(2 / 3), abs=TOL_LU)
    # 400 ms of silence: only the K-weighting filter's ring-down (the 38 Hz high-pass) is left.
    meter.process(np.zeros((round(0.2 * fs), 2)))
    assert meter.momentary_lufs < -60.0


@pytest.mark.parametrize(
    ("first_dbfs", "second_dbfs", "lra_lu"),
    [(-20.0, -30.0, 10.0), (-20.0, -15.0, 5.0), (-40.0, -20.0, 20.0)],
    ids=["tech3342-case1", "tech3342-case2", "tech3342-case3"],
)
def test_loudness_range_of_the_ebu_3342_cases(first_dbfs, second_dbfs, lra_lu):
    fs = 48000.0
    meter = LoudnessMeter(fs, 2)
    meter.process(np.concatenate([sine(fs, 20, first_dbfs), sine(fs, 20, second_dbfs)]))
    assert meter.loudness_range_lu == pytest.approx(lra_lu, abs=1.0)


def test_loudness_range_agrees_with_pyloudnorm():
    # Noise whose level glides from -40 to -10 dB RMS and back over 90 s, 0.67 LU per second: a
    # continuous distribution of short-term values, so both percentiles are well defined.
    fs = 48000.0
    t = np.arange(round(90 * fs)) / fs
    level_db = -40.0 + 30.0 * (1 - np.abs(t - 45.0) / 45.0)
    x = noise(fs, 90, 1.0, 2, seed=6) * 10 ** (level_db / 20)[:, None]
    meter = LoudnessMeter(fs, 2)
    meter.process(x)
    # pyloudnorm steps 90 ms instead of 100 ms and appends 1.5 s of silence: 0.2 LU here.
    ref = pyloudnorm.Meter(int(fs), filter_class="DeMan").loudness_range(x)
    assert meter.loudness_range_lu == pytest.approx(ref, abs=0.3)


def test_any_block_partition_gives_the_same_results():
    fs = 44100.0
    x = np.concatenate([noise(fs, 6, 0.1, 2, seed=7), sine(fs, 5, -26.0, 700.0)]).astype(np.float32)
    whole = LoudnessMeter(fs, 2)
    whole.process(x)
    pieces = LoudnessMeter(fs, 2)
    rng = np.random.default_rng(8)
    pos = 0
    while pos < x.shape[0]:
        n = int(rng.choice([1, 7, 960, 4410, 17000]))
        pieces.process(x[pos : pos + n])
        pos += n
    # The K-weighting's chunk grid starts anew in each call: float32 rounding, not a different filter.
    for name in ("integrated_lufs", "momentary_lufs", "short_term_lufs"):
        assert getattr(pieces, name) == pytest.approx(getattr(whole, name), abs=1e-5), name
    assert pieces.loudness_range_lu == pytest.approx(whole.loudness_range_lu, abs=HIST_BIN_LU + 1e-9)


def test_5_1_weights_exclude_the_lfe_and_weigh_the_surrounds_by_1_41():
    fs = 48000.0
    assert default_channel_weights(6) == (1.0, 1.0, 1.0, 0.0, 1.41, 1.41)
    tone = sine(fs, 10, -20.0, n_channels=1)[:, 0]
    one_channel = integrated_loudness(tone, fs)
    for channel, weight in [(0, 1.0), (2, 1.0), (3, 0.0), (4, 1.41), (5, 1.41)]:
        x = np.zeros((tone.shape[0], 6))
        x[:, channel] = tone
        got = integrated_loudness(x, fs)
        expected = one_channel + 10 * math.log10(weight) if weight else -math.inf
        assert got == pytest.approx(expected, abs=1e-9), channel
    # All five full-band channels: 10 log10(1 + 1 + 1 + 1.41 + 1.41) above one channel.
    x = np.repeat(tone[:, None], 6, axis=1)
    assert integrated_loudness(x, fs) == pytest.approx(one_channel + 10 * math.log10(5.82), abs=1e-9)


def test_the_histogram_quantisation_is_below_its_promise():
    # Loudness of a tone exactly on and between histogram bins: the integrated value is exact
    # (the bins keep energy sums), whatever the bin: compare with the unquantised definition.
    # The K-weighting runs in float32 (1.4e-5 LU from float64 here); a wrong bin would cost 0.005 LU.
    fs = 48000.0
    for level in (-20.0, -20.0 + HIST_BIN_LU / 2, -33.333):
        meter = LoudnessMeter(fs, 1)
        meter.process(sine(fs, 5, level, n_channels=1))
        reference = pyloudnorm.Meter(int(fs), filter_class="DeMan").integrated_loudness(
            sine(fs, 5, level, n_channels=1)
        )
        assert meter.integrated_lufs == pytest.approx(reference, abs=1e-4)


def test_bad_arguments_are_rejected_with_their_names():
    with pytest.raises(ValueError, match="channel_weights"):
        LoudnessMeter(48000.0, 4)
    with pytest.raises(ValueError, match="channel_weights"):
        LoudnessMeter(48000.0, 2, channel_weights=(1.0, -1.0))
    with pytest.raises(ValueError, match="n_channels"):
        LoudnessMeter(48000.0, 0)
    with pytest.raises(ValueError, match="fs_hz"):
        LoudnessMeter(1000.0, 1)
    with pytest.raises(ValueError, match=r"shape \(n, 2\)"):
        LoudnessMeter(48000.0, 2).process(np.zeros((10, 3)))
