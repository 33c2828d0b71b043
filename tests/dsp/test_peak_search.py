"""Several tones, strongest first (specscope.dsp.peak_search), against the tones they were synthesised from.

Every signal here is built from known frequencies, amplitudes and phases; the
estimates are compared with those true values (and the window transform with
its defining sum), never with the estimator's own output.
"""

import numpy as np
import pytest

from specscope.dsp.config import StftConfig
from specscope.dsp.peak_fit import estimate_peak
from specscope.dsp.peak_search import FIT_STORE_BUDGET_BYTES, PeakAccumulator, find_peaks
from specscope.dsp.stft import FrameKernel, StreamingStft

from .peak_signals import FREQ_TOL_BINS, FS_HZ, LEVEL_TOL_DB, TARGET_WINDOWS, spectrum_of, tone


def test_find_peaks_returns_the_tones_strongest_first_and_no_side_lobes():
    n = 4096
    cfg = StftConfig(fs_hz=FS_HZ, n_fft=n, hop=n, window="hann")
    rng = np.random.default_rng(11)
    truth = [(500.37, 0.5, 0.2), (510.81, 0.005, 2.0), (1500.5, 0.05, 4.0)]  # bins, amplitude, phase
    x = sum(tone(n, kappa, amp, phase) for kappa, amp, phase in truth)
    x = x + np.sqrt(0.5**2 / 2 * 1e-6) * rng.standard_normal(n)
    peaks = find_peaks(spectrum_of(x, cfg), cfg, top=5, min_level_dbfs=-70)
    assert len(peaks) == 3
    for peak, (kappa, amp, _) in zip(peaks, [truth[0], truth[2], truth[1]], strict=True):
        assert abs(peak.bin - kappa) <= FREQ_TOL_BINS
        assert peak.level_dbfs == pytest.approx(20 * np.log10(amp), abs=LEVEL_TOL_DB)


def test_find_peaks_does_not_report_rectangular_side_lobes():
    cfg = StftConfig(fs_hz=FS_HZ, n_fft=1024, hop=1024, window="boxcar")
    x = tone(1024, 100.5, 1.0, 0.7)  # half-way between bins: the side lobes are at their highest, -13 dB
    peaks = find_peaks(spectrum_of(x, cfg), cfg, top=5, min_level_dbfs=-100)
    assert len(peaks) == 1
    assert peaks[0].bin == pytest.approx(100.5, abs=1e-4)
    assert peaks[0].level_dbfs == pytest.approx(0.0, abs=0.01)


def stream_into(acc, x, cfg, seed):
    """Push x through StreamingStft in random block sizes and hand the spectra to acc."""
    stream = StreamingStft(cfg, keep_spectrum=True)
    rng = np.random.default_rng(seed)
    pos = 0
    while pos < len(x):
        size = int(rng.integers(1, 5000))
        _, spectra = stream.push(x[pos : pos + size])
        if spectra.shape[0]:
            acc.add(spectra)
        pos += size
    return stream.n_frames_out


@pytest.mark.parametrize("window", TARGET_WINDOWS)
def test_accumulator_finds_two_tones_in_a_long_noisy_signal(window):
    cfg = StftConfig(fs_hz=FS_HZ, n_fft=2048, hop=512, window=window)
    n = 3 * int(FS_HZ)
    t = np.arange(n) / FS_HZ
    rng = np.random.default_rng(21)
    x = 0.5 * np.sin(2 * np.pi * 1000.3 * t) + 0.02 * np.sin(2 * np.pi * 7777.7 * t + 1.0)
    x += np.sqrt(0.5**2 / 2 * 1e-6) * rng.standard_normal(n)
    acc = PeakAccumulator(cfg, cfg.n_frames(n), max_fit_frames=64)
    assert stream_into(acc, x, cfg, seed=1) == cfg.n_frames(n) == acc.n_frames_added
    peaks = acc.peaks(top=2)
    assert [round(p.freq_hz) for p in peaks] == [1000, 7778]
    assert abs(peaks[0].freq_hz - 1000.3) <= FREQ_TOL_BINS * cfg.delta_f_hz
    assert abs(peaks[1].freq_hz - 7777.7) <= FREQ_TOL_BINS * cfg.delta_f_hz
    assert peaks[0].level_dbfs == pytest.approx(20 * np.log10(0.5), abs=LEVEL_TOL_DB)
    assert peaks[1].level_dbfs == pytest.approx(20 * np.log10(0.02), abs=LEVEL_TOL_DB)


def test_accumulator_keeps_at_most_max_fit_frames_spread_over_the_file():
    cfg = StftConfig(fs_hz=FS_HZ, n_fft=256, hop=256)
    acc = PeakAccumulator(cfg, n_frames_total=1000, max_fit_frames=8)
    np.testing.assert_array_equal(acc.kept_frames, [62, 187, 312, 437, 562, 687, 812, 937])
    acc.add(np.zeros((1000, cfg.n_freqs), np.complex64))
    assert acc._kept.shape == (8, cfg.n_freqs)


def test_accumulator_memory_is_bounded_for_huge_ffts():
    cfg = StftConfig(fs_hz=FS_HZ, n_fft=131072, hop=131072, zero_pad=8)
    acc = PeakAccumulator(cfg, n_frames_total=1000)
    assert acc.kept_frames.size == FIT_STORE_BUDGET_BYTES // (8 * cfg.n_freqs) == 15
    assert acc._kept.nbytes <= FIT_STORE_BUDGET_BYTES


def test_a_tone_present_half_the_time_reads_3_db_less():
    cfg = StftConfig(fs_hz=FS_HZ, n_fft=1024, hop=1024, window="hann")
    n = 200 * 1024
    freq_hz = 42.7 * cfg.delta_f_hz
    x = 0.5 * np.sin(2 * np.pi * freq_hz * np.arange(n) / FS_HZ) * (np.arange(n) < n // 2)  # frames 0..99 only
    x += np.sqrt(0.5**2 / 2 * 1e-6) * np.random.default_rng(2).standard_normal(n)
    acc = PeakAccumulator(cfg, cfg.n_frames(n), max_fit_frames=50)
    stream_into(acc, x, cfg, seed=3)
    (peak,) = acc.peaks(top=1)
    assert peak.level_dbfs == pytest.approx(20 * np.log10(0.5) - 10 * np.log10(2), abs=LEVEL_TOL_DB)
    assert abs(peak.freq_hz - freq_hz) <= FREQ_TOL_BINS * cfg.delta_f_hz


def test_accumulator_of_one_frame_agrees_with_estimate_peak():
    cfg = StftConfig(fs_hz=44100, n_fft=1024, hop=256, window="hamming")
    x = np.sin(2 * np.pi * 100 * np.arange(1024) / 44100) + 0.1 * np.sin(2 * np.pi * 5000 * np.arange(1024) / 44100)
    acc = PeakAccumulator(cfg, n_frames_total=1)
    assert stream_into(acc, x, cfg, seed=4) == 1
    peaks = acc.peaks(top=2)
    spectrum = FrameKernel(cfg).spectrum(x.astype(np.float32)[None, :])[0]
    single = estimate_peak(spectrum, cfg)
    assert peaks[0].freq_hz == pytest.approx(single.freq_hz, abs=1e-9)
    assert peaks[0].level_dbfs == pytest.approx(single.level_dbfs, abs=1e-9)
    assert peaks[0].freq_hz == pytest.approx(100.0, abs=0.01)
    assert peaks[1].freq_hz == pytest.approx(5000.0, abs=0.01)
    assert peaks[1].level_dbfs == pytest.approx(-20.0, abs=0.01)
    assert [p.freq_hz for p in find_peaks(spectrum, cfg, top=2)] == pytest.approx([p.freq_hz for p in peaks])


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda cfg: find_peaks(np.zeros(513, complex), cfg, top=0), "top"),
        (lambda cfg: PeakAccumulator(cfg, 0), "n_frames_total"),
        (lambda cfg: PeakAccumulator(cfg, 5, max_fit_frames=0), "max_fit_frames"),
        (lambda cfg: PeakAccumulator(cfg, 5).peaks(), "no frames"),
        (lambda cfg: PeakAccumulator(cfg, 1).add(np.zeros((2, 513), complex)), "n_frames_total = 1"),
        (lambda cfg: PeakAccumulator(cfg, 1).add(np.zeros(513, complex)), "shape"),
    ],
)
def test_bad_search_input_is_one_clear_error(call, message):
    cfg = StftConfig(fs_hz=FS_HZ, n_fft=1024, hop=1024)
    with pytest.raises(ValueError, match=message):
        call(cfg)
