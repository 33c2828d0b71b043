"""LevelsModel and LevelsSummary against hand-computed levels, the standard's cases and pyloudnorm."""

from __future__ import annotations

import math

import numpy as np
import pytest

from specscope.app.model.levels import LevelsModel, LevelsSummary

FS = 48000


def sine(freq_hz, level_dbfs, seconds, phase_rad=0.0, fs=FS):
    n = np.arange(round(seconds * fs))
    return (10 ** (level_dbfs / 20) * np.sin(2 * np.pi * freq_hz * n / fs + phase_rad)).astype(np.float32)


def feed(model, x, block=960):
    for a in range(0, x.shape[0], block):
        model.process(x[a : a + block])


def test_a_minus_20_dbfs_sine_reads_minus_20_on_every_meter_and_the_mix():
    x = sine(1000.0, -20.0, 6.0)
    model = LevelsModel(FS, 2)
    feed(model, np.stack([x, x], axis=1))
    snap = model.snapshot()
    for ch in (*snap.channels, snap.mix):
        assert ch.peak_dbfs == pytest.approx(-20.0, abs=0.01)
        assert ch.peak_hold_dbfs == pytest.approx(-20.0, abs=0.01)
        assert ch.fast_db == pytest.approx(-20.0, abs=0.01)
        assert ch.slow_db == pytest.approx(-20.0 + 10 * math.log10(1 - math.exp(-6.0)), abs=0.01)
        assert ch.leq_db == pytest.approx(-20.0, abs=0.01)
        assert ch.true_peak_dbtp == pytest.approx(-20.0, abs=0.05)
        assert not ch.clipped
    assert snap.unit == "dBFS" and snap.weighting == "Z"
    assert snap.elapsed_s == pytest.approx(6.0)
    # BS.1770: 1 kHz on both channels of a stereo pair at -20 dBFS reads -20.0 LUFS (EBU Tech 3341 style).
    assert snap.integrated_lufs == pytest.approx(-20.0, abs=0.1)
    assert snap.momentary_lufs == pytest.approx(-20.0, abs=0.1)
    assert snap.short_term_lufs == pytest.approx(-20.0, abs=0.1)


def test_fast_reads_minus_2_db_one_time_constant_after_a_step():
    model = LevelsModel(FS, 1)
    feed(model, np.zeros(FS, np.float32))
    feed(model, sine(1000.0, -20.0, 0.125), block=6000)
    expected = -20.0 + 10 * math.log10(1 - math.exp(-1.0))
    assert model.snapshot().mix.fast_db == pytest.approx(expected, abs=0.05)


def test_true_peak_of_fs_over_4_at_45_degrees_reads_0_dbtp_while_samples_peak_at_minus_3():
    x = sine(FS / 4, 0.0, 1.0, phase_rad=np.pi / 4)
    model = LevelsModel(FS, 1)
    feed(model, x)
    ch = model.snapshot().mix
    assert ch.peak_hold_dbfs == pytest.approx(-3.01, abs=0.01)
    assert ch.true_peak_hold_dbtp == pytest.approx(0.0, abs=0.5)


def test_clip_latches_until_reset_and_calibration_shifts_rms_only():
    model = LevelsModel(FS, 1, weighting="A", calibration_offset_db=94.0)
    clip = np.zeros(960, np.float32)
    clip[10] = 1.0
    model.process(clip)
    feed(model, sine(1000.0, -20.0, 2.0))
    snap = model.snapshot()
    assert snap.mix.clipped and snap.unit == "dB SPL" and snap.weighting == "A"
    assert snap.mix.fast_db == pytest.approx(74.0, abs=0.05)  # A weighting is 0 dB at 1 kHz
    assert snap.mix.peak_dbfs == pytest.approx(-20.0, abs=0.01)  # peaks stay dBFS
    assert snap.mix.peak_hold_dbfs == pytest.approx(0.0, abs=1e-6)
    model.reset()
    assert not model.snapshot().mix.clipped
    assert model.snapshot().integrated_lufs == -math.inf


def test_bad_parameters_raise_naming_them():
    with pytest.raises(ValueError, match="n_channels"):
        LevelsModel(FS, 0)
    with pytest.raises(ValueError, match="weighting"):
        LevelsModel(FS, 1, weighting="B")
    with pytest.raises(ValueError, match="calibration"):
        LevelsModel(FS, 1, calibration_offset_db=float("nan"))
    with pytest.raises(ValueError, match="shape"):
        LevelsModel(FS, 2).process(np.zeros((10, 3), np.float32))


def programme(seconds=40, seed=1):
    """Stereo noise in 2 s segments at levels from -40 to -10 dBFS, the right channel 3 dB lower, with a gap."""
    rng = np.random.default_rng(seed)
    seg = 2 * FS
    gains = np.repeat(10 ** (rng.uniform(-40, -10, seconds // 2) / 20), seg)
    x = rng.standard_normal((seconds * FS, 1)) * gains[:, None]
    x = np.concatenate([x, x * 10 ** (-3 / 20)], axis=1).astype(np.float32)
    x[10 * FS : 14 * FS] *= 1e-5  # near-silence below the absolute gate
    return x


def test_summary_agrees_with_pyloudnorm_and_does_not_depend_on_block_size():
    pyloudnorm = pytest.importorskip("pyloudnorm")
    x = programme()
    results = []
    for block in (4096, 100_000, x.shape[0]):
        s = LevelsSummary(FS, 2)
        for a in range(0, x.shape[0], block):
            s.process(x[a : a + block])
        results.append(s.result())
    ref = pyloudnorm.Meter(FS).integrated_loudness(x.astype(np.float64))
    assert results[0].integrated_lufs == pytest.approx(ref, abs=0.1)
    for r in results[1:]:  # the filters' chunk grid starts anew in each block: float32 rounding only
        assert r.integrated_lufs == pytest.approx(results[0].integrated_lufs, abs=1e-6)
        assert r.true_peak_dbtp == pytest.approx(results[0].true_peak_dbtp, abs=1e-4)
        assert r.leq_a_db == pytest.approx(results[0].leq_a_db, abs=1e-6)
    # RMS by hand: 10 log10(2 mean(x^2)), channels' mean squares averaged.
    ms = np.mean(x.astype(np.float64) ** 2, axis=0)
    assert results[0].rms_dbfs == pytest.approx(10 * np.log10(2 * ms.mean()), abs=1e-6)
    assert results[0].channels[1]["rms_dbfs"] == pytest.approx(10 * np.log10(2 * ms[1]), abs=1e-6)
    assert results[0].sample_peak_dbfs == pytest.approx(20 * np.log10(np.abs(x).max()), abs=1e-6)


def test_summary_of_a_sine_reads_hand_values_and_calibrated_leq():
    x = sine(1000.0, -20.0, 3.0)
    s = LevelsSummary(FS, 1, calibration_offset_db=100.0)
    s.process(x)
    r = s.result()
    assert r.rms_dbfs == pytest.approx(-20.0, abs=0.01)
    assert r.sample_peak_dbfs == pytest.approx(-20.0, abs=0.001)
    assert r.leq_a_db == pytest.approx(80.0, abs=0.02)
    assert r.unit == "dB SPL"
    assert r.as_json()["channels"][0]["leq_a_db"] == pytest.approx(80.0, abs=0.02)
