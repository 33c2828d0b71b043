"""The averaged spectrum's peak: the strongest tonal bin within the displayed range, never DC nor the rising
low end of pink noise (which read about 5 Hz before); against numpy's FFT of the same frames."""

import numpy as np
import pytest

from specscope.app.model.measurement import LiveMeasurement, MeasurementSettings
from specscope.app.model.spectrum_peak import spectrum_peak

from ..gui.test_measure_band_view import CFG, FS_HZ, frames_of

TONE_HZ = 8000.37
TONE_AMP = 10 ** (-30 / 20)


def pink(n: int, rms: float, seed: int = 7) -> np.ndarray:
    """Pink noise (power density 1/f from 1/n_s Hz up, DC zero) of the given RMS, shaped in one FFT."""
    rng = np.random.default_rng(seed)
    spec = np.fft.rfft(rng.standard_normal(n))
    f = np.fft.rfftfreq(n, 1 / FS_HZ)
    spec[1:] /= np.sqrt(f[1:])
    spec[0] = 0.0
    x = np.fft.irfft(spec, n)
    return x * (rms / np.sqrt(np.mean(x**2)))


def averaged(x, peak_range=None) -> LiveMeasurement:
    m = LiveMeasurement(MeasurementSettings(averaging="infinite"))
    if peak_range is not None:
        m.set_peak_range(*peak_range)
    m.push(frames_of(x, CFG))
    return m


@pytest.fixture(scope="module")
def signals():
    n = int(3.0 * FS_HZ)
    noise = pink(n, rms=10 ** (-10 / 20))
    tone = TONE_AMP * np.sin(2 * np.pi * TONE_HZ * np.arange(n) / FS_HZ)
    return noise, tone


def test_pink_noise_has_no_peak_and_its_low_end_outweighs_the_tone(signals):
    noise, tone = signals
    snap = averaged(noise).snapshot()
    k_tone = round(TONE_HZ / CFG.delta_f_hz)
    # The premise: pink noise's low bins are far above the tone's bin (the largest bin is near DC) ...
    mixed = averaged(noise + tone).snapshot().spectrum_db
    assert int(np.argmax(mixed[1:])) + 1 <= 3 and mixed[1] > mixed[k_tone] + 10
    # ... but a smooth slope is no peak: the averaged pink noise alone has none, in any range.
    assert snap.peak is None
    assert averaged(noise, (20.0, 20000.0)).snapshot().peak is None


def test_pink_noise_and_a_tone_read_the_tone(signals):
    noise, tone = signals
    x = noise + tone
    for shown in (None, (20.0, 20000.0)):
        peak = averaged(x, shown).snapshot().peak
        assert peak.freq_hz == pytest.approx(TONE_HZ, abs=0.05 * CFG.delta_f_hz)
        # Level: the mean power of the frames' main lobe around the peak bin over the window's ENBW (numpy's
        # FFT of the same frames): the tone's -30 dBFS plus the pink noise under it.
        k = round(peak.bin)
        half = int(np.ceil(2 * CFG.enbw_bins))
        lobe = np.mean([10 ** (f.db[k - half : k + half + 1].astype(np.float64) / 10) for f in frames_of(x)], axis=0)
        assert peak.level_dbfs == pytest.approx(10 * np.log10(lobe.sum() / CFG.enbw_bins), abs=0.01)
        assert peak.level_dbfs == pytest.approx(-30.0, abs=1.0)
    # A displayed range without the tone: no peak (the pink slope at its lower edge is none either).
    assert averaged(x, (20.0, 5000.0)).snapshot().peak is None


def test_never_dc_and_only_the_range():
    db = np.full(CFG.n_freqs, -120.0)
    db[0], db[1] = 0.0, -6.0  # a DC offset and its leakage
    assert spectrum_peak(db, CFG) is None
    db[500], db[499], db[501] = -40.0, -46.0, -46.0
    db[1500], db[1499], db[1501] = -30.0, -36.0, -36.0
    assert round(spectrum_peak(db, CFG).bin) == 1500
    f_edge = 1000.0 * CFG.delta_f_hz
    assert round(spectrum_peak(db, CFG, f_hi_hz=f_edge).bin) == 500
    assert spectrum_peak(db, CFG, f_lo_hz=501.5 * CFG.delta_f_hz, f_hi_hz=f_edge) is None
