"""Sub-bin peak estimates of one tone (specscope.dsp.peak_fit) against the tones they were synthesised from.

Every signal here is built from known frequencies, amplitudes and phases; the
estimates are compared with those true values (and the window transform with
its defining sum), never with the estimator's own output.
"""

import json

import numpy as np
import pytest

from specscope.dsp.config import StftConfig
from specscope.dsp.peak_fit import Peak, estimate_peak
from specscope.dsp.peak_search import find_peaks

from .peak_signals import (
    FREQ_TOL_BINS,
    FS_HZ,
    LEVEL_TOL_DB,
    OTHER_WINDOWS,
    TARGET_WINDOWS,
    spectrum_of,
    sweep_errors,
    tone,
)


@pytest.mark.parametrize("window", TARGET_WINDOWS)
def test_single_tone_anywhere_meets_the_targets_at_60_db_snr(window):
    positions, freq_err, level_err = sweep_errors(window, zero_pad=1)
    worst = positions[np.argmax(freq_err)]
    assert freq_err.max() <= FREQ_TOL_BINS, f"worst at {worst} bins"
    assert level_err.max() <= LEVEL_TOL_DB


@pytest.mark.parametrize("window", TARGET_WINDOWS)
def test_tones_a_third_of_a_bin_from_dc_or_nyquist_meet_the_targets_at_every_phase(window):
    # Where the tone and its mirror overlap, the error depends strongly on the phase: 100 phases each.
    n = 1024
    cfg = StftConfig(fs_hz=FS_HZ, n_fft=n, hop=n, window=window)
    rng = np.random.default_rng(8)
    for kappa in (0.3, 0.5, n / 2 - 0.3):
        freq_err, level_err = [], []
        for phase in np.linspace(0, 2 * np.pi, 100, endpoint=False):
            peak = estimate_peak(spectrum_of(tone(n, kappa, 0.5, phase, snr_db=60, rng=rng), cfg), cfg)
            freq_err.append(abs(peak.bin - kappa))
            level_err.append(abs(peak.level_dbfs - 20 * np.log10(0.5)))
        assert max(freq_err) <= FREQ_TOL_BINS
        assert max(level_err) <= LEVEL_TOL_DB


@pytest.mark.parametrize("window", TARGET_WINDOWS)
@pytest.mark.parametrize("zero_pad", [2, 4, 8])
def test_zero_padding_keeps_the_targets(window, zero_pad):
    positions, freq_err, level_err = sweep_errors(window, zero_pad, seeds=(3,))
    mid = (positions > 100) & (positions < 400)
    # Away from DC and Nyquist: within 0.2 % of the padded bin Δf = fs / (n_fft zero_pad).
    assert freq_err[mid].max() * zero_pad <= FREQ_TOL_BINS
    # Near DC and Nyquist the error is set by the noise (the Cramér-Rao bound in Hz does not
    # depend on zero padding): within 0.2 % of fs / n_fft.
    assert freq_err.max() <= FREQ_TOL_BINS
    assert level_err.max() <= LEVEL_TOL_DB


@pytest.mark.parametrize("window", OTHER_WINDOWS)
@pytest.mark.parametrize("zero_pad", [1, 4])
def test_other_windows_are_as_good(window, zero_pad):
    _, freq_err, level_err = sweep_errors(window, zero_pad, seeds=(4,))
    assert freq_err.max() <= FREQ_TOL_BINS
    assert level_err.max() <= LEVEL_TOL_DB


def parabolic_peak(spectrum, cfg):
    """The usual estimate to beat: a parabola through the dB magnitudes of the maximum and its neighbours."""
    db = 20 * np.log10(np.maximum(np.abs(spectrum) * cfg.amplitude_scale, 1e-12))
    k = int(np.argmax(db))
    left, centre, right = db[k - 1], db[k], db[k + 1]
    shift = 0.5 * (left - right) / (left - 2 * centre + right)
    return k + shift, centre - 0.25 * (left - right) * shift


def test_plain_parabolic_interpolation_is_far_worse_on_hann():
    cfg = StftConfig(fs_hz=FS_HZ, n_fft=2048, hop=2048, window="hann")
    ours_f, ours_l, para_f, para_l = [], [], [], []
    for kappa in 300 + np.linspace(0.0, 1.0, 41):
        x = tone(2048, kappa, 0.5, phase=1.0)
        spectrum = spectrum_of(x, cfg)
        peak = estimate_peak(spectrum, cfg)
        ours_f.append(abs(peak.bin - kappa))
        ours_l.append(abs(peak.level_dbfs - 20 * np.log10(0.5)))
        bin_p, level_p = parabolic_peak(spectrum, cfg)
        para_f.append(abs(bin_p - kappa))
        para_l.append(abs(level_p - 20 * np.log10(0.5)))
    # The parabola's bias on Hann: ~1.6 % of a bin and ~0.3 dB; ours is orders of magnitude below.
    assert 0.012 < max(para_f) < 0.02
    assert 0.2 < max(para_l) < 0.4
    assert max(ours_f) < 1e-5
    assert max(ours_l) < 1e-4


def test_the_100_hz_example_reads_100_hz_from_one_frame():
    cfg = StftConfig(fs_hz=44100, n_fft=1024, hop=1024)
    x = np.sin(2 * np.pi * 100 * np.arange(1024) / 44100)
    spectrum = spectrum_of(x, cfg)
    assert int(np.argmax(np.abs(spectrum))) == 2
    assert cfg.freqs_hz[2] == pytest.approx(86.13, abs=0.01)
    peak = estimate_peak(spectrum, cfg)
    assert peak.freq_hz == pytest.approx(100.0, abs=0.01)
    assert peak.bin == pytest.approx(100.0 / (44100 / 1024), abs=1e-4)
    assert peak.level_dbfs == pytest.approx(0.0, abs=0.01)


@pytest.mark.parametrize("window", TARGET_WINDOWS + OTHER_WINDOWS)
@pytest.mark.parametrize("zero_pad", [1, 2, 8])
def test_full_scale_sine_on_a_bin_reads_0_dbfs(window, zero_pad):
    cfg = StftConfig(fs_hz=FS_HZ, n_fft=2048, hop=2048, window=window, zero_pad=zero_pad)
    x = np.sin(2 * np.pi * 100 * np.arange(2048) / 2048)
    peak = estimate_peak(spectrum_of(x, cfg), cfg)
    assert round(peak.level_dbfs, 2) == 0.0
    assert peak.freq_hz == pytest.approx(100 * FS_HZ / 2048, abs=1e-4 * FS_HZ / 2048)


@pytest.mark.parametrize("window", ["hann", "blackmanharris", "kaiser:8.6"])
def test_dc_and_nyquist_read_their_level(window):
    cfg = StftConfig(fs_hz=1000, n_fft=64, hop=64, window=window)
    dc = estimate_peak(spectrum_of(np.full(64, 0.25), cfg), cfg)
    assert dc.freq_hz == pytest.approx(0.0, abs=1e-3 * cfg.delta_f_hz)
    assert dc.level_dbfs == pytest.approx(20 * np.log10(0.25), abs=0.01)
    nyquist = estimate_peak(spectrum_of(np.cos(np.pi * np.arange(64)), cfg), cfg)
    assert nyquist.freq_hz == pytest.approx(500.0, abs=1e-3 * cfg.delta_f_hz)
    assert nyquist.level_dbfs == pytest.approx(0.0, abs=0.01)


@pytest.mark.parametrize("window", ["boxcar", "hann", "flattop", "kaiser:8.6", "gaussian:1"])
@pytest.mark.parametrize("zero_pad", [1, 8])
def test_the_smallest_fft_still_reads_tones_exactly(window, zero_pad):
    cfg = StftConfig(fs_hz=1000, n_fft=16, hop=16, window=window, zero_pad=zero_pad)
    for kappa in [0.3, 1.7, 4.4, 7.5]:
        peak = estimate_peak(spectrum_of(tone(16, kappa, 0.5, 0.3), cfg), cfg)
        assert peak.bin / zero_pad == pytest.approx(kappa, abs=1e-3)
        assert peak.level_dbfs == pytest.approx(20 * np.log10(0.5), abs=0.01)


def test_k0_selects_the_peak_and_climbs_to_its_maximum():
    cfg = StftConfig(fs_hz=FS_HZ, n_fft=2048, hop=2048, window="blackmanharris", zero_pad=2)
    x = tone(2048, 100.2, 0.5) + tone(2048, 300.7, 0.01, 1.0)
    spectrum = spectrum_of(x, cfg)
    assert estimate_peak(spectrum, cfg).bin == pytest.approx(200.4, abs=1e-3)
    for k0 in (601, 602, 604):  # the weak tone's maximum is bin 601 of the padded FFT; 604 is on its flank
        peak = estimate_peak(spectrum, cfg, k0=k0)
        assert peak.bin == pytest.approx(601.4, abs=1e-3)
        assert peak.level_dbfs == pytest.approx(-40.0, abs=0.01)


def test_peak_json_and_bin_convention():
    cfg = StftConfig(fs_hz=FS_HZ, n_fft=1024, hop=1024, zero_pad=4)
    peak = estimate_peak(spectrum_of(tone(1024, 50.25, 0.1), cfg), cfg)
    # 50.25 bins of the unpadded 1024-point FFT: bin 201 of the 4x padded one, at 50.25 * 48000 / 1024 Hz.
    assert peak.bin == pytest.approx(201.0, abs=1e-3)
    assert peak.freq_hz == pytest.approx(2355.46875, abs=1e-3 * FS_HZ / 1024)
    data = json.loads(json.dumps(peak.as_json()))
    assert data == {"freq_hz": peak.freq_hz, "level_dbfs": peak.level_dbfs, "bin": peak.bin}
    assert isinstance(peak, Peak)


def test_silence_gives_the_floor_not_an_error():
    cfg = StftConfig(fs_hz=FS_HZ, n_fft=1024, hop=1024)
    peak = estimate_peak(np.zeros(cfg.n_freqs, complex), cfg)
    assert peak.level_dbfs == pytest.approx(-200.0)
    assert find_peaks(np.zeros(cfg.n_freqs, complex), cfg) == []


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda cfg: estimate_peak(np.zeros(10, complex), cfg), "n_freqs"),
        (lambda cfg: estimate_peak(np.zeros((2, 513), complex), cfg), "1-D"),
        (lambda cfg: estimate_peak(np.zeros(513, complex), cfg, k0=513), "k0"),
        (lambda cfg: estimate_peak(np.full(513, np.nan, complex), cfg), "NaN"),
        (lambda cfg: estimate_peak(np.zeros(513, complex), "hann"), "StftConfig"),
    ],
)
def test_bad_input_is_one_clear_error(call, message):
    cfg = StftConfig(fs_hz=FS_HZ, n_fft=1024, hop=1024)
    with pytest.raises(ValueError, match=message):
        call(cfg)
