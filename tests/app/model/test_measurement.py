"""The measurement model: settings validation and round trip, averaged and weighted spectra, bands, calibration."""

import math
from types import SimpleNamespace

import numpy as np
import pytest

from specscope.app.model.measurement import LiveMeasurement, MeasurementSettings, level_unit, spectrum_peak
from specscope.app.model.settings import SettingsError
from specscope.dsp.calibration import MicResponse
from specscope.dsp.config import StftConfig

FS_HZ = 48000.0
CFG = StftConfig(fs_hz=FS_HZ, n_fft=4096, hop=1024)


def frame_of(x: np.ndarray, cfg: StftConfig = CFG) -> SimpleNamespace:
    """A frame as the pipeline publishes it: dBFS via numpy's rfft (independent of dsp/stft.py)."""
    mag = np.abs(np.fft.rfft(x * cfg.window_array)) * cfg.amplitude_scale
    return SimpleNamespace(db=(20 * np.log10(np.maximum(mag, 1e-10))).astype(np.float32), cfg=cfg)


def tone(f_hz: float, level_db: float, phase: float = 0.0) -> np.ndarray:
    t = np.arange(CFG.n_fft) / FS_HZ
    return 10 ** (level_db / 20) * np.cos(2 * np.pi * f_hz * t + phase)


def test_units_name_the_weighting_and_the_reference():
    assert [level_unit(w, False) for w in "ACZ"] == ["dBFS(A)", "dBFS(C)", "dBFS"]
    assert [level_unit(w, True) for w in "ACZ"] == ["dB(A) SPL", "dB(C) SPL", "dB SPL"]
    assert MeasurementSettings(weighting="a", offset_db=120).unit == "dB(A) SPL"


def test_settings_validate_in_words_and_round_trip():
    s = MeasurementSettings(averaging="linear", linear_by="seconds", linear_s=2.5, weighting="C", fraction=12,
                            offset_db=123.4)
    assert MeasurementSettings.from_values(s.as_values()) == s
    assert "offset_db" not in MeasurementSettings().as_values()
    assert MeasurementSettings.from_values({"fraction": "6", "bogus": 1}).fraction == 6
    with pytest.raises(SettingsError, match="fraction must be one of 0 \\(off\\), 1, 3, 6, 12, 24, got 2"):
        MeasurementSettings(fraction=2)
    with pytest.raises(SettingsError, match="averaging must be one of"):
        MeasurementSettings(averaging="median")
    with pytest.raises(SettingsError, match=r"tau_s must be 0\.001 \.\. 1000, got 0"):
        MeasurementSettings(tau_s=0)
    with pytest.raises(SettingsError, match="weighting must be one of A, C, Z"):
        MeasurementSettings(weighting="B")
    with pytest.raises(SettingsError, match="calibration offset must be a finite number"):
        MeasurementSettings(offset_db=float("nan"))
    assert s.averaging_settings().linear_frames(CFG.hop_s) == round(2.5 / CFG.hop_s)


def test_mid_band_tone_reads_its_level_in_its_band_and_spl_when_calibrated():
    m = LiveMeasurement(MeasurementSettings(averaging="none", fraction=3))
    m.push([frame_of(tone(1000.0, -20.0, 0.7))])
    snap = m.snapshot()
    j = snap.band_index(1000.0)
    assert snap.bands.nominal_hz[j] == 1000.0 and snap.resolved[j]
    assert snap.band_db[j] == pytest.approx(-20.0, abs=0.05)
    assert np.delete(snap.band_db, [j - 1, j, j + 1]).max() < -60.0
    assert snap.unit == "dBFS"
    # Calibrated so that a -30 dBFS tone is 94 dB SPL: a -40 dBFS tone reads 84.0 dB SPL.
    m.set_settings(MeasurementSettings(averaging="none", offset_db=94.0 - (-30.0)))
    m.push([frame_of(tone(1000.0, -40.0))])
    snap = m.snapshot()
    assert snap.unit == "dB SPL"
    assert snap.band_db[snap.band_index(1000.0)] == pytest.approx(84.0, abs=0.05)


def test_a_weighting_lowers_a_100_hz_band_by_the_standards_amount():
    # 1/1 octave at 125 Hz: A is -16.1 dB there (IEC 61672-1 table); N 4096 resolves it (width 88 Hz).
    m = LiveMeasurement(MeasurementSettings(averaging="none", fraction=1, weighting="A"))
    f = 10**2.1  # the exact mid-band frequency of the 125 Hz octave, 125.89 Hz
    m.push([frame_of(tone(f, -20.0))])
    snap = m.snapshot()
    j = snap.band_index(f)
    assert snap.unit == "dBFS(A)"
    assert snap.band_db[j] == pytest.approx(-20.0 - 16.1, abs=0.2)


def test_mic_response_plus_3_db_at_10_khz_lowers_a_10_khz_reading_by_3_db():
    resp = MicResponse([20.0, 5000.0, 10000.0, 20000.0], [0.0, 0.0, 3.0, 3.0])
    f = 10 ** 4.0  # mid-band of the 10 kHz third
    flat = LiveMeasurement(MeasurementSettings(averaging="none", offset_db=100.0))
    corrected = LiveMeasurement(MeasurementSettings(averaging="none", offset_db=100.0), response=resp)
    for m in (flat, corrected):
        m.push([frame_of(tone(f, -20.0))])
    a, b = flat.snapshot(), corrected.snapshot()
    j = a.band_index(f)
    assert b.band_db[j] - a.band_db[j] == pytest.approx(-3.0, abs=0.05)
    assert b.peak.level_dbfs - a.peak.level_dbfs == pytest.approx(-3.0, abs=0.05)


def test_exponential_average_reaches_1_minus_1_over_e_at_one_time_constant():
    tau = 0.5
    m = LiveMeasurement(MeasurementSettings(averaging="exponential", tau_s=tau, fraction=0))
    quiet = np.full(CFG.n_freqs, 1e-12)
    m.push_power(quiet, CFG)
    n = round(tau / CFG.hop_s)  # 23 frames = 0.4907 s
    for _ in range(n):
        m.push_power(np.ones(CFG.n_freqs))
    got = 10 ** (m.snapshot().spectrum_db[100] / 10)
    assert got == pytest.approx(1 - math.exp(-n * CFG.hop_s / tau), rel=1e-5)
    assert got == pytest.approx(1 - 1 / math.e, abs=0.01)


def test_linear_average_of_n_frames_is_the_mean_power_and_bands_hold_their_peak():
    rng = np.random.default_rng(1)
    m = LiveMeasurement(MeasurementSettings(averaging="linear", linear_n_frames=4, band_hold_decay_db_per_s=0))
    powers = rng.uniform(0.01, 1.0, (7, CFG.n_freqs))
    for p in powers:
        m.push_power(p, CFG)
    snap = m.snapshot()
    np.testing.assert_allclose(10 ** (snap.spectrum_db / 10), powers[-4:].mean(axis=0), rtol=1e-5)
    assert snap.n_frames == 7
    assert np.all(snap.band_hold_db >= snap.band_db - 1e-9)
    m.reset()
    assert m.snapshot() is None


def test_min_and_peak_hold_modes():
    m = LiveMeasurement(MeasurementSettings(averaging="min_hold", fraction=0))
    for level in (1.0, 0.1, 0.5):
        m.push_power(np.full(CFG.n_freqs, level), CFG)
    assert m.snapshot().spectrum_db[10] == pytest.approx(-10.0, abs=1e-4)
    m.set_settings(MeasurementSettings(averaging="peak_hold", decay_db_per_s=0.0, fraction=0))
    for level in (0.1, 1.0, 0.5):
        m.push_power(np.full(CFG.n_freqs, level), CFG)
    assert m.snapshot().spectrum_db[10] == pytest.approx(0.0, abs=1e-4)


def test_peak_of_the_averaged_spectrum():
    m = LiveMeasurement(MeasurementSettings(averaging="infinite", fraction=0))
    for phase in np.linspace(0, 3, 5):
        m.push([frame_of(tone(2345.6, -12.0, phase))])
    peak = m.snapshot().peak
    assert peak.freq_hz == pytest.approx(2345.6, abs=0.5)
    assert peak.level_dbfs == pytest.approx(-12.0, abs=0.02)
    for f_hz in 1000.0 + CFG.delta_f_hz * np.linspace(0, 1, 7):  # no scalloping between bins
        assert spectrum_peak(frame_of(tone(f_hz, -30.0)).db, CFG).level_dbfs == pytest.approx(-30.0, abs=0.02)
    assert spectrum_peak(np.full(CFG.n_freqs, -200.0, np.float32), CFG) is None


def test_a_new_configuration_restarts_the_measurement():
    m = LiveMeasurement(MeasurementSettings(fraction=3))
    m.push([frame_of(tone(1000.0, -20.0))] * 3)
    other = CFG.replace(n_fft=2048, hop=512)
    t = np.arange(2048) / FS_HZ
    m.push([frame_of(0.1 * np.cos(2 * np.pi * 1000.0 * t), other)])
    snap = m.snapshot()
    assert snap.cfg == other and snap.n_frames == 1 and snap.spectrum_db.shape == (other.n_freqs,)
