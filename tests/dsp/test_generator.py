"""Test signals measured independently: pink noise by 1/3-octave band power
(IEC 61260-1 base-10 bands summed from an FFT here), tones with the project's
sub-bin peak estimator, the sweep's frequency from the analytic signal."""

import math

import numpy as np
import pytest
from scipy.signal import hilbert

from specscope.dsp.config import StftConfig
from specscope.dsp.generator import KINDS, GeneratorSettings, SignalGenerator, generate
from specscope.dsp.peaks import find_peaks
from specscope.dsp.stft import FrameKernel

FS_HZ = 48000.0


def third_octave_levels_db(x, fs_hz, f_lo=20.0, f_hi=20000.0):
    """Power per IEC 61260-1 band (f_m = 1000 * 10^(n/10), edges f_m * 10^(+-1/20)) in dB."""
    power = np.abs(np.fft.rfft(x.astype(np.float64))) ** 2
    freqs = np.fft.rfftfreq(x.shape[0], 1 / fs_hz)
    bands = [n for n in range(-20, 15) if f_lo * 0.99 <= 1000 * 10 ** (n / 10) <= f_hi * 1.01]
    levels = []
    for n in bands:
        fm = 1000 * 10 ** (n / 10)
        sel = (freqs >= fm * 10 ** (-1 / 20)) & (freqs < fm * 10 ** (1 / 20))
        levels.append(10 * np.log10(power[sel].sum()))
    return np.array(levels), len(bands)


def tone_peaks(x, fs_hz=FS_HZ, n_fft=65536, start=24000):
    cfg = StftConfig(fs_hz=fs_hz, n_fft=n_fft, hop=n_fft, window="hann")
    spectrum = FrameKernel(cfg).spectrum(np.asarray(x[start : start + n_fft], np.float32)[None, :])[0]
    return find_peaks(spectrum, cfg, top=3)


def test_pink_noise_has_equal_power_in_every_third_octave_from_20_hz_to_20_khz():
    x = generate(GeneratorSettings(kind="pink", level_dbfs=-20.0), 60.0)
    levels, n_bands = third_octave_levels_db(x, FS_HZ)
    assert n_bands == 31  # 20 Hz .. 20 kHz
    assert np.max(np.abs(levels - levels.mean())) <= 0.5


def test_white_noise_has_power_proportional_to_bandwidth():
    x = generate(GeneratorSettings(kind="white", level_dbfs=-20.0), 30.0)
    levels, _ = third_octave_levels_db(x, FS_HZ, 100.0, 20000.0)
    centres = 1000 * 10 ** (np.arange(-10, 14) / 10)
    # Equal power per Hz: the band level rises 1 dB per 1/3 octave (10 log10 of the bandwidth).
    excess = levels - 10 * np.log10(centres)
    assert np.max(np.abs(excess - excess.mean())) <= 0.5


@pytest.mark.parametrize("kind", ["white", "pink"])
def test_noise_rms_is_that_of_a_sine_at_the_same_level(kind):
    x = generate(GeneratorSettings(kind=kind, level_dbfs=-20.0, limit_dbfs=0.0), 30.0)
    assert 20 * np.log10(np.sqrt(np.mean(x[4800:-4800].astype(np.float64) ** 2))) == pytest.approx(
        -20.0 - 10 * math.log10(2), abs=0.01
    )


def test_sine_frequency_and_level_through_the_analyser():
    x = generate(GeneratorSettings(kind="sine", frequency_hz=1234.5, level_dbfs=-12.0), 3.0)
    peak = tone_peaks(x)[0]
    assert peak.freq_hz == pytest.approx(1234.5, abs=0.01)
    assert peak.level_dbfs == pytest.approx(-12.0, abs=0.01)


def test_square_fundamental_is_4_over_pi_times_its_amplitude_and_harmonics_fall_as_1_over_k():
    x = generate(GeneratorSettings(kind="square", frequency_hz=500.0, level_dbfs=-20.0), 3.0)
    peaks = sorted(tone_peaks(x), key=lambda p: p.freq_hz)
    assert [round(p.freq_hz, 2) for p in peaks] == [500.0, 1500.0, 2500.0]
    for k, p in zip((1, 3, 5), peaks, strict=True):
        assert p.level_dbfs == pytest.approx(-20.0 + 20 * math.log10(4 / math.pi / k), abs=0.01)


def test_square_has_no_harmonic_at_or_above_nyquist():
    x = generate(GeneratorSettings(kind="square", frequency_hz=7000.0, level_dbfs=-20.0), 2.0)
    # Odd harmonics below 24 kHz: 7 and 21 kHz.  A naive square would alias its 5th (35 kHz) to 13 kHz
    # at -32 dBFS; here everything else (table interpolation error) stays 80 dB below the fundamental.
    cfg = StftConfig(fs_hz=FS_HZ, n_fft=16384, hop=16384, window="kaiser:20")
    spectrum = FrameKernel(cfg).spectrum(x[24000 : 24000 + 16384][None, :])[0]
    peaks = find_peaks(spectrum, cfg, top=8, min_level_dbfs=-140.0)
    assert [round(p.freq_hz) for p in peaks[:2]] == [7000, 21000]
    assert peaks[0].level_dbfs == pytest.approx(-20.0 + 20 * math.log10(4 / math.pi), abs=0.01)
    assert max(p.level_dbfs for p in peaks[2:]) < peaks[0].level_dbfs - 80.0


def test_sweep_instantaneous_frequency_follows_the_exponential_law():
    f1, f2, duration = 20.0, 20000.0, 10.0
    x = generate(GeneratorSettings(kind="sweep", start_hz=f1, end_hz=f2, duration_s=duration, level_dbfs=-6.0), 10.0)
    phase = np.unwrap(np.angle(hilbert(x.astype(np.float64))))
    inst_hz = np.diff(phase) * FS_HZ / (2 * np.pi)
    t = (np.arange(inst_hz.shape[0]) + 0.5) / FS_HZ
    expected = f1 * (f2 / f1) ** (t / duration)
    mid = (t > 1.0) & (t < duration - 1.0)  # away from the ends, where the analytic signal is wrong
    assert np.max(np.abs(inst_hz[mid] / expected[mid] - 1)) < 0.005


def test_fades_start_and_end_at_zero_and_stay_under_the_raised_cosine():
    settings = GeneratorSettings(kind="sine", frequency_hz=3000.0, level_dbfs=-6.0, fade_s=0.005)
    x = generate(settings, 1.0).astype(np.float64)
    a, n_fade = 10 ** (-6 / 20), round(0.005 * FS_HZ)
    envelope = 0.5 - 0.5 * np.cos(np.pi * np.arange(n_fade + 1) / n_fade)
    assert x[0] == 0.0 and x[-1] == 0.0
    assert np.all(np.abs(x[: n_fade + 1]) <= a * envelope + 1e-7)
    assert np.all(np.abs(x[-(n_fade + 1) :]) <= a * envelope[::-1] + 1e-7)
    # No step larger than the sine's own slope plus the fade's: A (2 pi f / fs + pi / (2 F)).
    assert np.max(np.abs(np.diff(x))) <= a * (2 * np.pi * 3000 / FS_HZ + np.pi / (2 * n_fade))


def test_stop_fades_out_then_gives_zeros():
    gen = SignalGenerator(GeneratorSettings(kind="white", level_dbfs=-20.0, fade_s=0.01))
    gen.render(10000)
    gen.stop()
    tail = gen.render(480 + 1 + 1000)
    assert np.all(tail[481:] == 0.0) and tail[480] == 0.0 and tail[0] != 0.0
    assert gen.finished
    assert np.all(gen.render(512) == 0.0)


@pytest.mark.parametrize("kind", KINDS)
def test_output_never_exceeds_the_ceiling(kind):
    settings = GeneratorSettings(kind=kind, level_dbfs=0.0, limit_dbfs=-6.0, frequency_hz=440.0, duration_s=1.0)
    x = generate(settings, 3.0)
    assert np.max(np.abs(x)) <= np.float32(10 ** (-6 / 20))
    if kind == "sine":  # the level is capped at the ceiling, not clipped: still a sine of amplitude 0.501
        assert tone_peaks(x, n_fft=16384)[0].level_dbfs == pytest.approx(-6.0, abs=0.01)


@pytest.mark.parametrize("kind", ["sine", "square", "white", "pink", "sweep"])
def test_render_in_random_block_sizes_equals_one_render(kind):
    settings = GeneratorSettings(kind=kind, frequency_hz=1234.5, duration_s=0.7, seed=3)
    whole = SignalGenerator(settings, max_frames=1024).render(3 * 48000)
    gen = SignalGenerator(settings, max_frames=1024)
    rng = np.random.default_rng(9)
    pieces, total = [], 0
    while total < whole.shape[0]:
        n = min(int(rng.choice([1, 3, 64, 1000, 5000])), whole.shape[0] - total)
        pieces.append(gen.render(n, out=np.empty(n, np.float32)))
        total += n
    np.testing.assert_allclose(np.concatenate(pieces), whole, rtol=0, atol=2e-6)


def test_settings_are_validated_with_the_field_name():
    for changes, name in [
        ({"kind": "triangle"}, "kind"),
        ({"frequency_hz": 30000.0}, "frequency_hz"),
        ({"level_dbfs": 3.0}, "level_dbfs"),
        ({"fade_s": -1.0}, "fade_s"),
        ({"duration_s": 0.0}, "duration_s"),
        ({"fs_hz": float("nan")}, "fs_hz"),
    ]:
        with pytest.raises(ValueError, match=name):
            GeneratorSettings(**changes)
