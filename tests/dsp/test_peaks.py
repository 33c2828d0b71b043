"""Sub-bin peak estimates against the tones they were synthesised from.

Every signal here is built from known frequencies, amplitudes and phases; the
estimates are compared with those true values (and the window transform with
its defining sum), never with the estimator's own output.
"""

import json

import numpy as np
import pytest

from specscope.dsp.config import StftConfig
from specscope.dsp.peaks import (
    FIT_STORE_BUDGET_BYTES,
    Peak,
    PeakAccumulator,
    estimate_peak,
    find_peaks,
    window_model,
)
from specscope.dsp.stft import FrameKernel, StreamingStft

FS_HZ = 48000.0
TARGET_WINDOWS = ["hann", "hamming", "blackmanharris"]
OTHER_WINDOWS = ["boxcar", "blackman", "flattop", "kaiser:8.6", "kaiser:3", "gaussian:0.4"]
FREQ_TOL_BINS = 0.002  # 0.2 % of a bin
LEVEL_TOL_DB = 0.1


def tone(n, kappa_unpadded, amplitude=0.5, phase=0.0, snr_db=None, rng=None):
    """amplitude * cos(2 pi kappa n / n_fft + phase) plus white noise snr_db below the tone's power A^2/2."""
    t = np.arange(n)
    x = amplitude * np.cos(2 * np.pi * kappa_unpadded * t / n + phase)
    if snr_db is not None:
        x = x + np.sqrt(amplitude**2 / 2 * 10 ** (-snr_db / 10)) * rng.standard_normal(n)
    return x


def spectrum_of(x, cfg):
    """The complex spectrum of one frame, as the app computes it (float32)."""
    return FrameKernel(cfg).spectrum(np.asarray(x, dtype=np.float32)[None, :])[0]


def sweep_positions(n_fft):
    """Tone positions in bins of fs/n_fft: fractional offsets 0..1, near DC, near Nyquist."""
    half = n_fft / 2
    return np.concatenate(
        [
            200 + np.linspace(0.0, 1.0, 21),
            np.linspace(0.3, 3.0, 19),
            half - np.linspace(0.3, 3.0, 19),
        ]
    )


def sweep_errors(window, zero_pad, n_fft=1024, seeds=(0, 1)):
    """Frequency errors (bins of fs/n_fft) and level errors (dB) at 60 dB SNR, random phases."""
    cfg = StftConfig(fs_hz=FS_HZ, n_fft=n_fft, hop=n_fft, window=window, zero_pad=zero_pad)
    positions, freq_err, level_err = [], [], []
    for seed in seeds:
        rng = np.random.default_rng(seed)
        for kappa in sweep_positions(n_fft):
            amplitude = 10 ** rng.uniform(-3, 0)
            x = tone(n_fft, kappa, amplitude, rng.uniform(0, 2 * np.pi), snr_db=60, rng=rng)
            peak = estimate_peak(spectrum_of(x, cfg), cfg)
            positions.append(kappa)
            freq_err.append(peak.freq_hz / (FS_HZ / n_fft) - kappa)
            level_err.append(peak.level_dbfs - 20 * np.log10(amplitude))
    return np.array(positions), np.abs(freq_err), np.abs(level_err)


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


@pytest.mark.parametrize("window", TARGET_WINDOWS + OTHER_WINDOWS)
@pytest.mark.parametrize("zero_pad", [1, 4])
def test_window_transform_equals_its_defining_sum(window, zero_pad):
    n = 256
    cfg = StftConfig(fs_hz=FS_HZ, n_fft=n, hop=n, window=window, zero_pad=zero_pad)
    m = n * zero_pad
    rng = np.random.default_rng(5)
    nu = np.concatenate(
        [[0.0, 1.0, zero_pad, -zero_pad, 3 * zero_pad + 1e-11, m / 2, -m / 2, m - 0.3, 2.5 * m], rng.uniform(-m, m, 50)]
    )
    w = cfg.window_array
    direct = np.exp(-2j * np.pi * np.outer(nu, np.arange(n)) / m) @ w
    ours = window_model(cfg)(nu)
    # Closed form for cosine sums, interpolated table for Kaiser and Gaussian.
    tol = 1e-9 if cfg.window_spec.cosine_coeffs is not None else 1e-4
    np.testing.assert_allclose(ours, direct, rtol=0, atol=tol * w.sum())


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
        (lambda cfg: estimate_peak(np.zeros(10, complex), cfg), "n_freqs"),
        (lambda cfg: estimate_peak(np.zeros((2, 513), complex), cfg), "1-D"),
        (lambda cfg: estimate_peak(np.zeros(513, complex), cfg, k0=513), "k0"),
        (lambda cfg: estimate_peak(np.full(513, np.nan, complex), cfg), "NaN"),
        (lambda cfg: estimate_peak(np.zeros(513, complex), "hann"), "StftConfig"),
        (lambda cfg: find_peaks(np.zeros(513, complex), cfg, top=0), "top"),
        (lambda cfg: PeakAccumulator(cfg, 0), "n_frames_total"),
        (lambda cfg: PeakAccumulator(cfg, 5, max_fit_frames=0), "max_fit_frames"),
        (lambda cfg: PeakAccumulator(cfg, 5).peaks(), "no frames"),
        (lambda cfg: PeakAccumulator(cfg, 1).add(np.zeros((2, 513), complex)), "n_frames_total = 1"),
        (lambda cfg: PeakAccumulator(cfg, 1).add(np.zeros(513, complex)), "shape"),
    ],
)
def test_bad_input_is_one_clear_error(call, message):
    cfg = StftConfig(fs_hz=FS_HZ, n_fft=1024, hop=1024)
    with pytest.raises(ValueError, match=message):
        call(cfg)


def test_silence_gives_the_floor_not_an_error():
    cfg = StftConfig(fs_hz=FS_HZ, n_fft=1024, hop=1024)
    peak = estimate_peak(np.zeros(cfg.n_freqs, complex), cfg)
    assert peak.level_dbfs == pytest.approx(-200.0)
    assert find_peaks(np.zeros(cfg.n_freqs, complex), cfg) == []
